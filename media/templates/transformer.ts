/**
 * ModelDeck transformer module: pre- and post-processing around the predictor.
 *
 * The serving host imports this module, creates one Transformer and, for every request, awaits
 * preprocess() before the predictor and postprocess() after it. It needs no packages.
 *
 * Contract (as in Hopsworks; the ModelDeck script host calls these methods the same way):
 *   predict      receives the request's instances as an array of rows (KServe V1 "instances")
 *                and returns a list of predictions, one per row.
 *   preprocess   receives and returns the request payload dict {"instances": [...]}.
 *   postprocess  receives and returns the response dict {"predictions": [...]}.
 */

/** The request payload: KServe V1 instances, one row each. */
export interface InstancesPayload {
  instances: unknown[];
  [key: string]: unknown;
}

/** The predictor's response: one prediction per row. */
export interface PredictionsResponse {
  predictions: unknown[];
  [key: string]: unknown;
}

export class Transformer {
  readonly modelFilesPath: string;
  readonly artifactFilesPath: string;
  readonly deploymentName: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly artifactVersion: string;

  constructor() {
    // Set by the serving host (ModelDeck or Hopsworks).
    this.modelFilesPath = process.env.MODEL_FILES_PATH ?? '';
    this.artifactFilesPath = process.env.ARTIFACT_FILES_PATH ?? this.modelFilesPath;
    this.deploymentName = process.env.DEPLOYMENT_NAME ?? '';
    this.modelName = process.env.MODEL_NAME ?? '';
    this.modelVersion = process.env.MODEL_VERSION ?? '';
    this.artifactVersion = process.env.ARTIFACT_VERSION ?? '';
  }

  /** Receives the request payload {"instances": [...]} and returns the payload the predictor gets. */
  async preprocess(payload: InstancesPayload): Promise<InstancesPayload> {
    if (typeof payload !== 'object' || payload === null || !Array.isArray(payload.instances)) {
      throw new Error('preprocess expects a payload {"instances": [...]} with an array of rows');
    }
    // Change the rows here, e.g. scale features or turn categories into numbers.
    payload.instances = payload.instances.map((row) => row);
    return payload;
  }

  /** Receives the predictor's response {"predictions": [...]} and returns the response sent back. */
  async postprocess(response: PredictionsResponse): Promise<PredictionsResponse> {
    if (typeof response !== 'object' || response === null || !Array.isArray(response.predictions)) {
      throw new Error('postprocess expects a response {"predictions": [...]} with one prediction per row');
    }
    // Change the predictions here, e.g. map class indexes to label names.
    response.predictions = response.predictions.map((prediction) => prediction);
    return response;
  }
}
