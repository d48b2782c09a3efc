import type { DeploymentSpec } from './deploymentSpec';

/**
 * The parts of a deployment the bundled local server does not carry out yet, each as a sentence
 * for the log, so a setting is never ignored silently. (KServe deployments get them from the
 * InferenceService builder: transformer component, logger.)
 */
export function localServingGaps(spec: DeploymentSpec): string[] {
  const gaps: string[] = [];
  if (spec.modelServer === 'script') {
    gaps.push(`modelServer "script": the local server does not run predictor scripts yet; it serves the version's model file directly (predictor.script ${JSON.stringify(spec.predictor.script)} is not run)`);
  }
  if (spec.transformer.script !== undefined) {
    gaps.push(`transformer.script ${JSON.stringify(spec.transformer.script)} is not run by the local server yet: requests reach the model unchanged (on KServe it runs as the transformer component)`);
  }
  if (spec.inferenceLogger.mode !== 'none') {
    gaps.push(`inferenceLogger mode "${spec.inferenceLogger.mode}" is not applied by the local server yet (on KServe it becomes the InferenceService logger)`);
  }
  return gaps;
}
