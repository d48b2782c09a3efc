/**
 * Artifacts: what a deployment becomes when it leaves the workspace (for KServe, or any server that
 * runs ModelDeck from a folder). Like Hopsworks' artifact versions: the model version's files and
 * the deployment's scripts together, numbered per model version (1, 2, …), or `MODEL-ONLY` when
 * the deployment has no scripts. Pure types; no vscode.
 */

/** Hopsworks' artifact version: a number per model version, or MODEL-ONLY without scripts. */
export type ArtifactVersion = number | 'MODEL-ONLY';

/** The manifest's file name, at the artifact's root. */
export const ARTIFACT_MANIFEST = 'modeldeck-artifact.json';
/** Manifest format tag; bump when the layout changes. */
export const ARTIFACT_FORMAT = 'modeldeck-artifact/1';

/** What a file of an artifact is for. */
export type ArtifactFileRole = 'model' | 'predictor' | 'transformer' | 'requirements' | 'deployment';

/** One file of an artifact, as the manifest lists it. */
export interface ArtifactFileEntry {
  /** Path inside the artifact, '/'-separated. */
  path: string;
  /** Hex sha256 of the contents. */
  sha256: string;
  /** Bytes. */
  size: number;
  /** What it is for. */
  role: ArtifactFileRole;
}

/** Where requirements.txt came from. */
export type RequirementsSource = 'beside-script' | 'environment' | 'none';

/**
 * `modeldeck-artifact.json`. Deterministic (no timestamps): the same inputs give the same bytes, so
 * `contentSha256` decides whether two artifacts are the same.
 */
export interface ArtifactManifest {
  format: typeof ARTIFACT_FORMAT;
  /** Deployment name (the InferenceService name). */
  deployment: string;
  /** Registry model name. */
  model: string;
  /** Registry model version. */
  modelVersion: number;
  /** Artifact version within that model version. */
  artifactVersion: ArtifactVersion;
  /** sha256 over the sorted "sha256  path" lines of `files` (the manifest itself excluded). */
  contentSha256: string;
  /** Every file but the manifest, sorted by path. */
  files: ArtifactFileEntry[];
  /** Artifact-relative predictor script, when there is one. */
  predictor?: string;
  /** Artifact-relative transformer script, when there is one. */
  transformer?: string;
  /** Artifact-relative deployment file (script artifacts), served with `--deployments`. */
  deploymentFile?: string;
  /** Where requirements.txt came from. */
  requirements: RequirementsSource;
  /** Whether serving it needs Python (a .py script). */
  python: boolean;
}

/**
 * Why an artifact operation failed:
 * - `differs`: an artifact with that version (locally or at the storage URI) holds other contents,
 *   and overwriting was not asked for;
 * - `invalid`: the deployment cannot become an artifact (two scripts with one file name, no scripts
 *   where a numbered version was asked for, …);
 * - `io`: reading or writing files failed;
 * - `storage`: the storage behind the URI refused or failed (credentials, bucket, network);
 * - `unsupported`: a storage URI scheme ModelDeck cannot upload to.
 */
export type ArtifactErrorReason = 'differs' | 'invalid' | 'io' | 'storage' | 'unsupported';

export class ArtifactError extends Error {
  /** See {@link ArtifactErrorReason}. */
  readonly reason: ArtifactErrorReason;
  constructor(reason: ArtifactErrorReason, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ArtifactError';
    this.reason = reason;
  }
}
