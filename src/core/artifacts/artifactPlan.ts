/**
 * The artifact builder's pure part: from a deployment and its hashed inputs to the artifact's file
 * list, manifest and version number. No file system (artifactStore.ts reads and writes), no vscode.
 *
 * Layout of a script artifact: the folder is a small ModelDeck workspace, so the same server runs
 * it with `--deployments <artifact>/.modeldeck/deployments` (what the runtime image does with
 * /mnt/models):
 *
 *   modeldeck-artifact.json                  the manifest (versions, hashes)
 *   .modeldeck/deployments/<name>.json       the deployment, scripts relative to the artifact
 *   models/<model>/<version>/…               the model version's files (MODEL_FILES_PATH)
 *   <predictor script>, <transformer script> at the root (ARTIFACT_FILES_PATH)
 *   requirements.txt                         installed into the runtime image at build time
 *
 * A MODEL-ONLY artifact is the version folder's files at the root plus the manifest: the layout
 * ModelDeck's ONNX runtime (`--model-dir /mnt/models`) and KServe's own runtimes already read.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { DeploymentInput, DeploymentSpec } from '../deployment/deploymentSpec';
import { ARTIFACT_FORMAT, ARTIFACT_MANIFEST, ArtifactError } from './artifactTypes';
import type { ArtifactFileEntry, ArtifactFileRole, ArtifactManifest, ArtifactVersion, RequirementsSource } from './artifactTypes';

/** A file going into the artifact: where it comes from and its hash. */
export interface SourceFile {
  /** Path relative to its own folder ('/'-separated): for model files, inside the version folder. */
  path: string;
  sha256: string;
  size: number;
  /** An absolute file to copy, or text generated here. */
  source: { file: string } | { text: string };
}

/** What the artifact is built from. */
export interface ArtifactInputs {
  /** The deployment as validated (script paths as in the file or absolute; only their base names are kept). */
  spec: DeploymentSpec;
  /** The registry version the deployment resolves to. */
  model: { name: string; version: number };
  /** Every file of the version folder (hidden ones left out). */
  modelFiles: SourceFile[];
  /** The predictor script, when the deployment has one (`path` is its base name). */
  predictor?: SourceFile;
  /** The transformer script, when the deployment has one. */
  transformer?: SourceFile;
  /** requirements.txt's text and where it came from; omitted: none. */
  requirements?: { text: string; source: Exclude<RequirementsSource, 'none'> };
  /** The deployment inside a script artifact logs to Kafka itself (ModelDeck's runtime logging): keep its logger. Otherwise the cluster's logger does it. */
  keepKafkaLogger?: boolean;
}

/** A file at its place in the artifact. */
export interface PlannedFile extends SourceFile {
  role: ArtifactFileRole;
}

/** The artifact's contents before it has a version number. */
export interface ArtifactContents {
  files: PlannedFile[];
  contentSha256: string;
  predictor?: string;
  transformer?: string;
  deploymentFile?: string;
  requirements: RequirementsSource;
  python: boolean;
  deployment: string;
  model: string;
  modelVersion: number;
}

/** An artifact that already exists (locally or at the storage URI). */
export interface ExistingArtifact {
  version: ArtifactVersion;
  contentSha256: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A generated text file with its hash. */
export function textFile(p: string, text: string): SourceFile {
  return { path: p, sha256: sha256Hex(text), size: Buffer.byteLength(text), source: { text } };
}

/** Whether the deployment has scripts (else its artifact is MODEL-ONLY). */
export function hasScripts(spec: DeploymentSpec): boolean {
  return spec.predictor.script !== undefined || spec.transformer.script !== undefined;
}

/** Where the deployment file sits in a script artifact. */
export function artifactDeploymentPath(name: string): string {
  return `.modeldeck/deployments/${name}.json`;
}

/**
 * The deployment as the artifact's server reads it: scripts at the artifact's root, the version
 * pinned (the artifact holds one), served locally by the server inside, and no interpreter path
 * from this machine (the image's Python runs it). The inference logger is left to the cluster
 * (KServe's logger, a KafkaSink) unless the deployment's Kafka sink is written by the server itself.
 */
export function artifactDeployment(inputs: ArtifactInputs): DeploymentInput {
  const { spec } = inputs;
  const out: DeploymentInput = {
    name: spec.name,
    model: { name: inputs.model.name, version: inputs.model.version },
    modelServer: spec.modelServer,
    servingTool: 'local',
    predictor: inputs.predictor ? { script: inputs.predictor.path } : {},
    transformer: inputs.transformer ? { script: inputs.transformer.path } : {},
    inferenceLogger: inputs.keepKafkaLogger ? { ...spec.inferenceLogger } : { mode: 'none' },
    batcher: { ...spec.batcher },
    resources: { ...spec.resources, executionProviders: [...spec.resources.executionProviders] },
    protocol: spec.protocol,
  };
  return out;
}

/** The artifact's files and content hash. Throws {@link ArtifactError} "invalid" for what cannot be laid out. */
export function artifactContents(inputs: ArtifactInputs): ArtifactContents {
  const { spec, model } = inputs;
  const scripts = hasScripts(spec);
  if (scripts && spec.predictor.script !== undefined && !inputs.predictor) throw new ArtifactError('invalid', `predictor.script ${spec.predictor.script}: its contents were not given`);
  if (scripts && spec.transformer.script !== undefined && !inputs.transformer) throw new ArtifactError('invalid', `transformer.script ${spec.transformer.script}: its contents were not given`);
  const files: PlannedFile[] = [];
  const modelPrefix = scripts ? `models/${model.name}/${model.version}/` : '';
  for (const f of inputs.modelFiles) {
    checkRelative(f.path);
    files.push({ ...f, path: modelPrefix + f.path, role: 'model' });
  }
  let deploymentFile: string | undefined;
  if (scripts) {
    const rootNames = new Set<string>([ARTIFACT_MANIFEST, '.modeldeck', 'models', 'requirements.txt']);
    for (const [role, file] of [['predictor', inputs.predictor], ['transformer', inputs.transformer]] as const) {
      if (!file) continue;
      const base = path.posix.basename(file.path.replace(/\\/g, '/'));
      if (rootNames.has(base)) {
        throw new ArtifactError('invalid', `${role}.script: its file name "${base}" is taken in the artifact (the predictor and transformer need different names, neither may be ${[...rootNames].join(', ')})`);
      }
      rootNames.add(base);
      files.push({ ...file, path: base, role });
    }
    if (inputs.requirements) files.push({ ...textFile('requirements.txt', normaliseRequirements(inputs.requirements.text)), role: 'requirements' });
    deploymentFile = artifactDeploymentPath(spec.name);
    const deployment = artifactDeployment({ ...inputs, ...(inputs.predictor ? { predictor: { ...inputs.predictor, path: path.posix.basename(inputs.predictor.path) } } : {}), ...(inputs.transformer ? { transformer: { ...inputs.transformer, path: path.posix.basename(inputs.transformer.path) } } : {}) });
    files.push({ ...textFile(deploymentFile, `${JSON.stringify(deployment, null, 2)}\n`), role: 'deployment' });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dup = files.find((f, i) => i > 0 && files[i - 1]!.path === f.path);
  if (dup) throw new ArtifactError('invalid', `two files would be ${dup.path} in the artifact`);
  const predictor = files.find((f) => f.role === 'predictor')?.path;
  const transformer = files.find((f) => f.role === 'transformer')?.path;
  return {
    files,
    contentSha256: contentHash(files),
    ...(predictor ? { predictor } : {}),
    ...(transformer ? { transformer } : {}),
    ...(deploymentFile ? { deploymentFile } : {}),
    requirements: scripts && inputs.requirements ? inputs.requirements.source : 'none',
    python: [predictor, transformer].some((s) => s?.endsWith('.py')),
    deployment: spec.name,
    model: model.name,
    modelVersion: model.version,
  };
}

/** sha256 over "sha256  path" lines, sorted by path: what makes two artifacts the same. */
export function contentHash(files: readonly { path: string; sha256: string }[]): string {
  const lines = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => `${f.sha256}  ${f.path}\n`);
  return sha256Hex(lines.join(''));
}

/**
 * Which version the contents get. Without scripts: MODEL-ONLY. With scripts: the version of an
 * existing artifact with the same contents (nothing new is made), else the next number after the
 * highest. Asking for a number (`want`) that exists with other contents is refused unless
 * `overwrite` says to replace it: an artifact a running service may read never changes silently.
 */
export function chooseArtifactVersion(
  contents: Pick<ArtifactContents, 'contentSha256' | 'deploymentFile'>,
  existing: readonly ExistingArtifact[],
  opts: { want?: number; overwrite?: boolean } = {},
): { version: ArtifactVersion; reuse: boolean; replaces?: ExistingArtifact } {
  if (contents.deploymentFile === undefined) {
    if (opts.want !== undefined) throw new ArtifactError('invalid', `artifact version ${opts.want} was asked for, but a deployment without scripts has only MODEL-ONLY`);
    const same = existing.find((e) => e.version === 'MODEL-ONLY');
    if (same && same.contentSha256 !== contents.contentSha256 && !opts.overwrite) throw differs('MODEL-ONLY', same);
    return { version: 'MODEL-ONLY', reuse: same?.contentSha256 === contents.contentSha256, ...(same && same.contentSha256 !== contents.contentSha256 ? { replaces: same } : {}) };
  }
  const numbered = existing.filter((e): e is ExistingArtifact & { version: number } => typeof e.version === 'number');
  if (opts.want !== undefined) {
    if (!Number.isInteger(opts.want) || opts.want < 1) throw new ArtifactError('invalid', `artifact versions are whole numbers from 1 (got ${opts.want})`);
    const there = numbered.find((e) => e.version === opts.want);
    if (!there) return { version: opts.want, reuse: false };
    if (there.contentSha256 === contents.contentSha256) return { version: opts.want, reuse: true };
    if (!opts.overwrite) throw differs(opts.want, there);
    return { version: opts.want, reuse: false, replaces: there };
  }
  const same = numbered.find((e) => e.contentSha256 === contents.contentSha256);
  if (same) return { version: same.version, reuse: true };
  return { version: numbered.reduce((max, e) => Math.max(max, e.version), 0) + 1, reuse: false };
}

/** The manifest for contents given their version. */
export function artifactManifest(contents: ArtifactContents, version: ArtifactVersion): ArtifactManifest {
  const files: ArtifactFileEntry[] = contents.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, role: f.role }));
  return {
    format: ARTIFACT_FORMAT,
    deployment: contents.deployment,
    model: contents.model,
    modelVersion: contents.modelVersion,
    artifactVersion: version,
    contentSha256: contents.contentSha256,
    files,
    ...(contents.predictor ? { predictor: contents.predictor } : {}),
    ...(contents.transformer ? { transformer: contents.transformer } : {}),
    ...(contents.deploymentFile ? { deploymentFile: contents.deploymentFile } : {}),
    requirements: contents.requirements,
    python: contents.python,
  };
}

/** The manifest's bytes (stable key order, trailing newline). */
export function manifestText(manifest: ArtifactManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Checks a parsed `modeldeck-artifact.json`; undefined when it is not one. */
export function readManifest(json: unknown): ArtifactManifest | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const m = json as Partial<ArtifactManifest>;
  if (m.format !== ARTIFACT_FORMAT || typeof m.contentSha256 !== 'string' || !Array.isArray(m.files)) return undefined;
  if (!(typeof m.artifactVersion === 'number' || m.artifactVersion === 'MODEL-ONLY')) return undefined;
  return m as ArtifactManifest;
}

/** Same contents, described in a line: what changed between two manifests. */
export function describeDifference(ours: readonly ArtifactFileEntry[], theirs: readonly ArtifactFileEntry[]): string {
  const a = new Map(ours.map((f) => [f.path, f.sha256]));
  const b = new Map(theirs.map((f) => [f.path, f.sha256]));
  const changed = [...a.keys()].filter((p) => b.has(p) && b.get(p) !== a.get(p));
  const added = [...a.keys()].filter((p) => !b.has(p));
  const removed = [...b.keys()].filter((p) => !a.has(p));
  const parts = [
    changed.length ? `changed: ${changed.join(', ')}` : '',
    added.length ? `new: ${added.join(', ')}` : '',
    removed.length ? `only there: ${removed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'same files';
}

// One trailing newline, no CRLF: the same requirements written on Windows hash the same.
function normaliseRequirements(text: string): string {
  const body = text.replace(/\r\n/g, '\n').trimEnd();
  return body === '' ? '' : `${body}\n`;
}

function checkRelative(p: string): void {
  if (p === '' || p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '')) throw new ArtifactError('invalid', `model file path ${JSON.stringify(p)} must be relative, inside the version folder`);
}

function differs(version: ArtifactVersion, there: ExistingArtifact): ArtifactError {
  return new ArtifactError(
    'differs',
    `artifact version ${version} exists with other contents (sha256 ${there.contentSha256.slice(0, 12)}…): it is not replaced without asking; build a new version, or overwrite it explicitly`,
  );
}
