/**
 * The artifact builder's file side: hashes a deployment's inputs, keeps numbered artifacts under
 * `<workspace>/.modeldeck/artifacts/<model>/<version>/<artifact version>/` (Hopsworks keeps them under
 * Models/<model>/<version>/Artifacts/<n>), and writes one without ever replacing a different one
 * unless asked. Plain Node; no vscode.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DeploymentSpec } from '../deployment/deploymentSpec';
import type { ModelVersionInfo } from '../registry/modelRegistry';
import { artifactContents, artifactManifest, chooseArtifactVersion, hasScripts, manifestText, readManifest } from './artifactPlan';
import type { ArtifactContents, ArtifactInputs, ExistingArtifact, SourceFile } from './artifactPlan';
import { ARTIFACT_MANIFEST, ArtifactError } from './artifactTypes';
import type { ArtifactManifest, ArtifactVersion, RequirementsSource } from './artifactTypes';

/** sha256 of a file, streamed (model files can be large). */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Every file under `dir` (hidden entries left out), relative with '/', sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

async function sourceFile(abs: string, rel: string): Promise<SourceFile> {
  try {
    return { path: rel, ...(await hashFile(abs)), source: { file: abs } };
  } catch (err) {
    throw new ArtifactError('io', `cannot read ${abs}: ${(err as Error).message}`, { cause: err });
  }
}

/** How requirements.txt is found when none lies beside the script: e.g. `pip freeze` of the deployment's environment. */
export type RequirementsFromEnvironment = (spec: DeploymentSpec) => Promise<string | undefined>;

/**
 * Hashes what the artifact is built from. Script paths are resolved against `baseDir` (the
 * workspace folder). requirements.txt: the file beside the predictor (else the transformer) script;
 * else what `fromEnvironment` gives; else none.
 */
export async function collectArtifactInputs(
  spec: DeploymentSpec,
  info: ModelVersionInfo,
  baseDir: string,
  opts: { fromEnvironment?: RequirementsFromEnvironment; keepKafkaLogger?: boolean } = {},
): Promise<ArtifactInputs> {
  const modelFiles = await Promise.all((await listFiles(info.dir)).map((rel) => sourceFile(path.join(info.dir, ...rel.split('/')), rel)));
  const inputs: ArtifactInputs = { spec, model: { name: info.model, version: info.version }, modelFiles, ...(opts.keepKafkaLogger ? { keepKafkaLogger: true } : {}) };
  const scriptDirs: string[] = [];
  for (const role of ['predictor', 'transformer'] as const) {
    const given = spec[role].script;
    if (given === undefined) continue;
    const abs = path.resolve(baseDir, given);
    inputs[role] = await sourceFile(abs, path.basename(abs));
    scriptDirs.push(path.dirname(abs));
  }
  if (hasScripts(spec)) {
    for (const dir of scriptDirs) {
      const text = await fs.readFile(path.join(dir, 'requirements.txt'), 'utf8').catch(() => undefined);
      if (text !== undefined) {
        inputs.requirements = { text, source: 'beside-script' };
        break;
      }
    }
    if (!inputs.requirements && opts.fromEnvironment) {
      const text = await opts.fromEnvironment(spec);
      if (text !== undefined) inputs.requirements = { text, source: 'environment' };
    }
  }
  return inputs;
}

/** `<workspace>/.modeldeck/artifacts/<model>/<version>`: the numbered artifacts of one model version. */
export function artifactsDir(workspace: string, model: string, version: number): string {
  return path.join(workspace, '.modeldeck', 'artifacts', model, String(version));
}

/** The artifacts already built for a model version (folders with a readable manifest). */
export async function listArtifacts(dir: string): Promise<(ExistingArtifact & { dir: string; manifest: ArtifactManifest })[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const out: (ExistingArtifact & { dir: string; manifest: ArtifactManifest })[] = [];
  for (const name of names) {
    if (!/^([1-9][0-9]*|MODEL-ONLY)$/.test(name)) continue;
    const text = await fs.readFile(path.join(dir, name, ARTIFACT_MANIFEST), 'utf8').catch(() => undefined);
    const manifest = text === undefined ? undefined : readManifest(safeJson(text));
    if (manifest && String(manifest.artifactVersion) === name) out.push({ version: manifest.artifactVersion, contentSha256: manifest.contentSha256, dir: path.join(dir, name), manifest });
  }
  return out;
}

/** What {@link buildArtifact} did. */
export interface BuiltArtifact {
  version: ArtifactVersion;
  /** The artifact's folder (for MODEL-ONLY: undefined, the registry's version folder is the artifact). */
  dir?: string;
  manifest: ArtifactManifest;
  contents: ArtifactContents;
  /** True when an artifact with these contents was there already (nothing written). */
  reused: boolean;
}

/**
 * Builds (or finds) the artifact of a deployment: numbered under {@link artifactsDir} when it has
 * scripts. A MODEL-ONLY artifact is not copied: its files are the registry version's own, uploaded
 * from there with the manifest beside them. Refuses a differing artifact of the asked-for version
 * unless `overwrite` (ArtifactError "differs").
 */
export async function buildArtifact(
  inputs: ArtifactInputs,
  workspace: string,
  opts: { want?: number; overwrite?: boolean } = {},
): Promise<BuiltArtifact> {
  const contents = artifactContents(inputs);
  const dir = artifactsDir(workspace, inputs.model.name, inputs.model.version);
  const existing = contents.deploymentFile === undefined ? [] : await listArtifacts(dir);
  const choice = chooseArtifactVersion(contents, existing, opts);
  const manifest = artifactManifest(contents, choice.version);
  if (contents.deploymentFile === undefined) return { version: choice.version, manifest, contents, reused: false };
  const target = path.join(dir, String(choice.version));
  if (choice.reuse) return { version: choice.version, dir: target, manifest, contents, reused: true };
  await writeArtifactFolder(target, contents, manifest, { replace: choice.replaces !== undefined });
  return { version: choice.version, dir: target, manifest, contents, reused: false };
}

/**
 * Writes the files into a fresh folder beside `target`, then renames it into place, so a reader never
 * sees half an artifact. `replace` removes what is at `target` first (only after the caller was
 * asked); otherwise an existing `target` is an error.
 */
export async function writeArtifactFolder(target: string, contents: ArtifactContents, manifest: ArtifactManifest, opts: { replace?: boolean } = {}): Promise<void> {
  const staging = `${target}.partial-${process.pid}-${Date.now()}`;
  try {
    for (const f of contents.files) {
      const dest = path.join(staging, ...f.path.split('/'));
      await fs.mkdir(path.dirname(dest), { recursive: true });
      if ('file' in f.source) await fs.copyFile(f.source.file, dest);
      else await fs.writeFile(dest, f.source.text);
    }
    await fs.writeFile(path.join(staging, ARTIFACT_MANIFEST), manifestText(manifest));
    if (opts.replace) await fs.rm(target, { recursive: true, force: true });
    else if (await exists(target)) throw new ArtifactError('differs', `${target} exists: an artifact is never replaced without asking`);
    await fs.rename(staging, target);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    if (err instanceof ArtifactError) throw err;
    throw new ArtifactError('io', `cannot write the artifact ${target}: ${(err as Error).message}`, { cause: err });
  }
}

/** Checks an artifact folder's files against its manifest; returns the paths that differ or are missing. */
export async function verifyArtifactFolder(dir: string): Promise<string[]> {
  const manifest = readManifest(safeJson(await fs.readFile(path.join(dir, ARTIFACT_MANIFEST), 'utf8')));
  if (!manifest) return [ARTIFACT_MANIFEST];
  const bad: string[] = [];
  for (const f of manifest.files) {
    const got = await hashFile(path.join(dir, ...f.path.split('/'))).catch(() => undefined);
    if (!got || got.sha256 !== f.sha256) bad.push(f.path);
  }
  return bad;
}

/** The requirements source a manifest records, for messages. */
export function describeRequirements(source: RequirementsSource): string {
  return source === 'beside-script' ? 'requirements.txt beside the script' : source === 'environment' ? "the deployment's Python environment (pip freeze)" : 'none';
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(() => true, () => false);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The version {@link buildArtifact} would give these inputs now, without writing anything (previews, the form). */
export async function previewArtifact(inputs: ArtifactInputs, workspace: string): Promise<{ version: ArtifactVersion; reuse: boolean; contents: ArtifactContents }> {
  const contents = artifactContents(inputs);
  const existing = contents.deploymentFile === undefined ? [] : await listArtifacts(artifactsDir(workspace, inputs.model.name, inputs.model.version));
  const choice = chooseArtifactVersion(contents, existing);
  return { version: choice.version, reuse: choice.reuse, contents };
}
