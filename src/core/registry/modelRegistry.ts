/**
 * The model registry on disk, in the TensorFlow Serving layout:
 *
 *     <root>/<model>/<version>/model.onnx   (or the folder's single *.onnx)
 *     <root>/<model>/<version>/model.json   (optional metadata)
 *
 * Version folders are positive integers; anything else (hidden entries, "tmp", "v2", "01") is
 * ignored so that tools can keep scratch files beside versions. A version folder without an .onnx
 * file (a pickle, a joblib file, a TorchScript file, …) is a version too: predictor scripts serve
 * it; its `modelFile` is undefined. A folder with nothing but model.json (or nothing at all) is not.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { VersionSelector } from '../deployment/deploymentSpec';
import { METADATA_FILE_KEYS, metadataError, validateModelMetadata } from './modelMetadata';
import type { ModelMetadata } from './modelMetadata';
import { RegistryError } from './registryErrors';

/** One resolved model version. */
export interface ModelVersionInfo {
  /** Model name (its folder name). */
  model: string;
  /** Version number (its folder name). */
  version: number;
  /** Absolute version folder. */
  dir: string;
  /**
   * Absolute path of the ONNX file to serve; undefined when the version has no .onnx file (only a
   * predictor script can serve it).
   */
  modelFile?: string;
  /** The version folder's entries, sorted, hidden ones left out; sub-folders end with "/". */
  files: string[];
  /** Validated model.json contents; {} when there is none. */
  metadata: ModelMetadata;
  /** Absolute path of model.json, when present. */
  metadataFile?: string;
}

/** Model names allowed in the registry (and thus in URLs): no separators, no leading dot. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const VERSION_FOLDER = /^[1-9][0-9]*$/;
const MODEL_FILE = 'model.onnx';
const METADATA_FILE = 'model.json';
/** What registerVersion copies the model to before renaming it: while it exists the version is unfinished. */
const PARTIAL_MODEL_FILE = `.${MODEL_FILE}.partial`;
// Concurrent registrations each take the next free number; this only bounds a pathological loop.
const MAX_REGISTER_ATTEMPTS = 1000;

export class ModelRegistry {
  /** @param root Registry folder; resolved to an absolute path so every reported path is absolute. */
  constructor(readonly root: string) {
    this.root = path.resolve(root);
  }

  /** Models with at least one version folder, sorted. Throws "not-found" when the root does not exist. */
  async listModels(): Promise<string[]> {
    const names = await this.readRoot();
    const models: string[] = [];
    for (const name of names) {
      if (!MODEL_NAME_PATTERN.test(name)) continue;
      if ((await this.versionNumbers(name)).length > 0) models.push(name);
    }
    return models.sort();
  }

  /** Version numbers of a model, ascending. Throws "not-found" (listing the models) or "invalid-name". */
  async listVersions(model: string): Promise<number[]> {
    checkModelName(model);
    const versions = await this.versionNumbers(model);
    if (versions.length > 0) return versions;
    const models = await this.listModels();
    const exists = await isDirectory(path.join(this.root, model));
    const hint = exists ? 'its folder has no version folders named 1, 2, …' : `models: ${models.join(', ') || 'none'}`;
    throw new RegistryError('not-found', `model "${model}" not found in registry ${this.root} (${hint})`);
  }

  /**
   * One version with its model file and validated metadata. Throws RegistryError: "not-found"
   * (listing the versions), "invalid-layout" (no model files at all, several .onnx files and no
   * model.onnx, or a registration still writing the folder), "invalid-metadata".
   */
  async getVersion(model: string, version: number): Promise<ModelVersionInfo> {
    const versions = await this.listVersions(model);
    if (!versions.includes(version)) {
      throw new RegistryError(
        'not-found',
        `version ${showVersion(version)} of model "${model}" not found (versions: ${versions.join(', ')})`,
      );
    }
    const dir = this.versionDir(model, version);
    const { modelFile, files } = await findModelFiles(dir);
    const { metadata, metadataFile } = await readMetadata(dir);
    const info: ModelVersionInfo = { model, version, dir, files, metadata };
    if (modelFile !== undefined) info.modelFile = modelFile;
    if (metadataFile !== undefined) info.metadataFile = metadataFile;
    return info;
  }

  /** The highest version. */
  async latestVersion(model: string): Promise<ModelVersionInfo> {
    const versions = await this.listVersions(model);
    return this.getVersion(model, versions[versions.length - 1]);
  }

  /**
   * The version with the best value of `metric` (like Hopsworks get_best_model). Versions without
   * the metric are skipped; ties go to the highest version. A version whose metadata is invalid
   * fails the whole call: its metrics are unknown, so "best" could not be trusted.
   */
  async bestVersion(model: string, metric: string, direction: 'max' | 'min'): Promise<ModelVersionInfo> {
    if (direction !== 'max' && direction !== 'min') {
      throw new TypeError(`direction must be "max" or "min" (got ${JSON.stringify(direction)})`);
    }
    const versions = await this.listVersions(model);
    let best: { info: ModelVersionInfo; value: number } | undefined;
    const seen = new Set<string>();
    // Highest first, and only a strictly better value replaces: ties keep the highest version.
    for (const version of [...versions].reverse()) {
      const info = await this.getVersion(model, version);
      const metrics = info.metadata.metrics ?? {};
      for (const name of Object.keys(metrics)) seen.add(name);
      if (!Object.hasOwn(metrics, metric)) continue;
      const value = metrics[metric];
      if (!best || (direction === 'max' ? value > best.value : value < best.value)) best = { info, value };
    }
    if (best) return best.info;
    const known = [...seen].sort();
    throw new RegistryError(
      'not-found',
      `no version of model "${model}" has metric "${metric}" ` +
        `(${known.length > 0 ? `metrics found: ${known.join(', ')}` : 'no version has any metrics'})`,
    );
  }

  /** The version a deployment's selector names. */
  async resolve(model: string, selector: VersionSelector): Promise<ModelVersionInfo> {
    if (typeof selector === 'number') return this.getVersion(model, selector);
    if (selector === 'latest') return this.latestVersion(model);
    if (selector !== null && typeof selector === 'object' && selector.best) {
      return this.bestVersion(model, selector.best.metric, selector.best.direction);
    }
    throw new TypeError(`not a version selector: ${JSON.stringify(selector)}`);
  }

  /**
   * Every version of every model. A version that cannot be read (bad layout or metadata) is left
   * out of `versions` and reported in `problems`, so one broken folder does not hide the rest.
   */
  async listAllWithProblems(): Promise<{ versions: ModelVersionInfo[]; problems: RegistryError[] }> {
    const versions: ModelVersionInfo[] = [];
    const problems: RegistryError[] = [];
    for (const model of await this.listModels()) {
      for (const version of await this.versionNumbers(model)) {
        try {
          versions.push(await this.getVersion(model, version));
        } catch (err) {
          if (!(err instanceof RegistryError)) throw err;
          problems.push(err);
        }
      }
    }
    return { versions, problems };
  }

  /**
   * The labels file named by model.json "labels", one label per line (line n labels class n, so
   * blank lines inside are kept; trailing blank lines are dropped). Undefined when none is named.
   */
  async readLabels(info: ModelVersionInfo): Promise<string[] | undefined> {
    if (info.metadata.labels === undefined) return undefined;
    const file = path.join(info.dir, info.metadata.labels);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      throw new RegistryError('invalid-metadata', `${METADATA_FILE} at ${info.dir}: labels file ${file} does not exist`);
    }
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return lines;
  }

  /**
   * Registers `sourceFile` as the next version of `model` (1 for a new model): copies it to
   * `<root>/<model>/<n>/model.onnx`, copies `extraFiles` beside it (flat, by base name) and writes
   * model.json (with `created` set to now unless given). Everything is checked before anything is
   * written, and a failure part-way removes the new folder. Existing versions are never touched:
   * the version folder is reserved with a non-recursive mkdir, so concurrent registrations get
   * distinct numbers. While the folder is being written it holds `.model.onnx.partial`, which
   * makes readers report it as not ready rather than as a version without an ONNX file.
   */
  async registerVersion(
    model: string,
    sourceFile: string,
    metadata?: ModelMetadata,
    opts: { extraFiles?: string[] } = {},
  ): Promise<ModelVersionInfo> {
    checkModelName(model);
    const meta = validateModelMetadata(
      { ...metadata, created: metadata?.created ?? new Date().toISOString() },
      `metadata for model "${model}"`,
    );
    const source = path.resolve(sourceFile);
    if (path.extname(source).toLowerCase() !== '.onnx') {
      throw new RegistryError('invalid-name', `source model file ${source} must be an .onnx file`);
    }
    await requireFile(source, 'source model file');
    const extras = (opts.extraFiles ?? []).map((f) => path.resolve(f));
    const extraNames = new Set<string>();
    for (const extra of extras) {
      const name = path.basename(extra);
      if (name === MODEL_FILE || name === METADATA_FILE || extraNames.has(name) || name.startsWith('.')) {
        throw new RegistryError(
          'invalid-name',
          `extra file ${extra} cannot be registered as "${name}": it is hidden, repeated or clashes with ${MODEL_FILE}/${METADATA_FILE}`,
        );
      }
      extraNames.add(name);
      await requireFile(extra, 'extra file');
    }
    for (const key of METADATA_FILE_KEYS) {
      const named = meta[key];
      if (named !== undefined && !extraNames.has(path.normalize(named))) {
        throw metadataError(`metadata for model "${model}"`, [
          {
            path: key,
            message: `${key} names "${named}", which is not among the extra files being registered (${[...extraNames].join(', ') || 'none'})`,
          },
        ]);
      }
    }

    const modelDir = path.join(this.root, model);
    await fs.mkdir(modelDir, { recursive: true });
    const { version, dir } = await reserveVersion(modelDir, await this.versionsIn(modelDir));
    try {
      // The model file is copied first under a hidden name and renamed last: a reader never sees a
      // model.onnx that is still being copied, and the hidden file marks the folder as unfinished.
      const partial = path.join(dir, PARTIAL_MODEL_FILE);
      await fs.copyFile(source, partial, fsConstants.COPYFILE_EXCL);
      for (const extra of extras) {
        await fs.copyFile(extra, path.join(dir, path.basename(extra)), fsConstants.COPYFILE_EXCL);
      }
      await fs.writeFile(path.join(dir, METADATA_FILE), `${JSON.stringify(meta, null, 2)}\n`, { flag: 'wx' });
      await fs.rename(partial, path.join(dir, MODEL_FILE));
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    return this.getVersion(model, version);
  }

  /**
   * Where a version's files are. The layout hooks (this, {@link versionNumbers}, and listModels'
   * use of the root) are what a registry of another shape overrides (see modelFolder.ts).
   */
  protected versionDir(model: string, version: number): string {
    return path.join(this.root, model, String(version));
  }

  /** A model's version numbers, ascending; [] when it has none. */
  protected versionNumbers(model: string): Promise<number[]> {
    return this.versionsIn(path.join(this.root, model));
  }

  private async readRoot(): Promise<string[]> {
    try {
      return await fs.readdir(this.root);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new RegistryError('not-found', `registry root ${this.root} does not exist or is not a folder`);
      }
      throw err;
    }
  }

  /** Integer version folders of a model folder, ascending; [] when the folder is missing. */
  protected async versionsIn(modelDir: string): Promise<number[]> {
    let names: string[];
    try {
      names = await fs.readdir(modelDir);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
    const versions: number[] = [];
    for (const name of names) {
      if (!VERSION_FOLDER.test(name)) continue;
      const n = Number(name);
      if (Number.isSafeInteger(n) && (await isDirectory(path.join(modelDir, name)))) versions.push(n);
    }
    return versions.sort((a, b) => a - b);
  }
}

/** Throws "invalid-name" unless `model` matches {@link MODEL_NAME_PATTERN}; also keeps lookups inside the root. */
function checkModelName(model: string): void {
  if (typeof model === 'string' && MODEL_NAME_PATTERN.test(model)) return;
  throw new RegistryError(
    'invalid-name',
    `model name ${JSON.stringify(model)} is not allowed: use letters, digits, '.', '_' and '-', starting with a letter or digit`,
  );
}

/**
 * The version folder's files and the ONNX file to serve: model.onnx, else the folder's single
 * *.onnx file, else none (a version for predictor scripts). A folder with no files but model.json
 * is no version, nor is one that several .onnx files make ambiguous or a registration is writing.
 */
async function findModelFiles(dir: string): Promise<{ modelFile?: string; files: string[] }> {
  const files: string[] = [];
  const candidates: string[] = [];
  let partial = false;
  for (const name of await fs.readdir(dir)) {
    if (name === PARTIAL_MODEL_FILE) partial = true;
    if (name.startsWith('.')) continue;
    // stat follows links: a registry may link a version's files from elsewhere.
    const full = path.join(dir, name);
    if (await isFile(full)) {
      files.push(name);
      if (path.extname(name).toLowerCase() === '.onnx') candidates.push(name);
    } else if (await isDirectory(full)) {
      files.push(`${name}/`);
    }
  }
  files.sort();
  candidates.sort();
  if (candidates.includes(MODEL_FILE)) return { modelFile: path.join(dir, MODEL_FILE), files };
  if (partial) {
    throw new RegistryError('invalid-layout', `${dir} is still being registered (${PARTIAL_MODEL_FILE} is being written)`);
  }
  if (candidates.length === 1) return { modelFile: path.join(dir, candidates[0]), files };
  if (candidates.length > 1) {
    throw new RegistryError(
      'invalid-layout',
      `${dir} holds ${candidates.length} .onnx files (${candidates.join(', ')}) and no ${MODEL_FILE}; ` +
        `rename the one to serve to ${MODEL_FILE}`,
    );
  }
  if (files.every((f) => f === METADATA_FILE)) {
    throw new RegistryError(
      'invalid-layout',
      `no model file in ${dir} (${files.length > 0 ? 'only ' + METADATA_FILE : 'the folder is empty'}; ` +
        `expected ${MODEL_FILE}, or the files a predictor script loads)`,
    );
  }
  return { files };
}

async function readMetadata(dir: string): Promise<{ metadata: ModelMetadata; metadataFile?: string }> {
  const file = path.join(dir, METADATA_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { metadata: {} };
    throw err;
  }
  const source = `${METADATA_FILE} at ${dir}`;
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw metadataError(source, [{ path: '', message: `is not valid JSON: ${(err as Error).message}` }]);
  }
  const metadata = validateModelMetadata(json, source);
  // Files model.json points at must exist, or the failure would surface much later at load time.
  const missing = [];
  for (const key of METADATA_FILE_KEYS) {
    const named = metadata[key];
    if (named !== undefined && !(await isFile(path.join(dir, named)))) {
      missing.push({ path: key, message: `${key} file "${named}" does not exist in the version folder` });
    }
  }
  if (missing.length > 0) throw metadataError(source, missing);
  return { metadata, metadataFile: file };
}

/** Creates the next free version folder; on EEXIST (a concurrent registration) tries the next number. */
async function reserveVersion(modelDir: string, existing: number[]): Promise<{ version: number; dir: string }> {
  let version = (existing.length > 0 ? existing[existing.length - 1] : 0) + 1;
  for (let attempt = 0; attempt < MAX_REGISTER_ATTEMPTS; attempt++, version++) {
    const dir = path.join(modelDir, String(version));
    try {
      await fs.mkdir(dir);
      return { version, dir };
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
  }
  throw new RegistryError('exists', `could not reserve a new version folder in ${modelDir}: versions keep being taken`);
}

async function requireFile(file: string, what: string): Promise<void> {
  if (!(await isFile(file))) throw new RegistryError('not-found', `${what} ${file} does not exist or is not a file`);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function showVersion(version: unknown): string {
  return typeof version === 'number' ? String(version) : JSON.stringify(version);
}

function errorCode(err: unknown): string | undefined {
  return err !== null && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}
