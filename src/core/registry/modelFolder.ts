/**
 * One model served from a folder that is not a registry: what KServe's storage-initializer leaves
 * at /mnt/models. The folder is read as model `name` in one of two shapes:
 *
 *     DIR/model.onnx (+ model.json, labels.txt)   — one version's files: served as version 1
 *     DIR/1/model.onnx, DIR/2/model.onnx, …       — a model folder with versions: latest served
 *
 * so storageUri may point at a version folder, a single .onnx file (the initializer copies it into
 * DIR), or the model's folder in a registry.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MODEL_NAME_PATTERN, ModelRegistry } from './modelRegistry';
import type { ModelVersionInfo } from './modelRegistry';
import { RegistryError } from './registryErrors';

export class ModelFolderRegistry extends ModelRegistry {
  /**
   * @param folder The model folder (either shape above); resolved to an absolute path.
   * @param name The name the model is served under (/v2/models/<name>).
   */
  constructor(
    folder: string,
    readonly name: string,
  ) {
    super(folder);
    if (!MODEL_NAME_PATTERN.test(name)) {
      throw new RegistryError('invalid-name', `model name ${JSON.stringify(name)} is not allowed: use letters, digits, '.', '_' and '-', starting with a letter or digit`);
    }
  }

  /** [name] when the folder holds a model in either shape; [] while it is empty. */
  override async listModels(): Promise<string[]> {
    try {
      if (!(await fs.stat(this.root)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new RegistryError('not-found', `model folder ${this.root} does not exist or is not a folder`);
    }
    return (await this.versionNumbers(this.name)).length > 0 ? [this.name] : [];
  }

  /** Serving never registers; a model folder is read-only (KServe mounts it so). */
  override registerVersion(): Promise<ModelVersionInfo> {
    return Promise.reject(new RegistryError('exists', `model folder ${this.root} is read-only: versions are not registered into it`));
  }

  protected override versionDir(_model: string, version: number): string {
    // A version folder exists in the versioned shape; in the flat one the files are the folder's own.
    const sub = path.join(this.root, String(version));
    return existsSync(sub) ? sub : this.root;
  }

  protected override async versionNumbers(model: string): Promise<number[]> {
    if (model !== this.name) return [];
    const versioned = await this.versionsIn(this.root);
    if (versioned.length > 0) return versioned;
    return (await hasOnnxFile(this.root)) ? [1] : [];
  }
}

async function hasOnnxFile(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).some((n) => !n.startsWith('.') && path.extname(n).toLowerCase() === '.onnx');
  } catch {
    return false;
  }
}
