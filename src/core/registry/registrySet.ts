import type { VersionSelector } from '../deployment/deploymentSpec';
import { ModelRegistry, type ModelVersionInfo } from './modelRegistry';
import { RegistryError } from './registryErrors';

/**
 * Several registries read as one (one per workspace folder, or repeated `--registry`). A model
 * name belongs to the first registry that has it, so a deployment's `model.name` stays unambiguous
 * in the order the user configured.
 */
export class RegistrySet {
  readonly registries: ModelRegistry[];

  /** @param roots Registry folders, or registries already made (a model folder served with --model-dir). */
  constructor(roots: (string | ModelRegistry)[]) {
    if (roots.length === 0) throw new RegistryError('not-found', 'no model registry configured');
    this.registries = roots.map((r) => (typeof r === 'string' ? new ModelRegistry(r) : r));
  }

  /** Registry folders, absolute, in lookup order. */
  get roots(): string[] {
    return this.registries.map((r) => r.root);
  }

  /** Human-readable list of the roots for messages. */
  describe(): string {
    return this.roots.join(', ');
  }

  /** Union of model names; a registry that does not exist (yet) contributes none. */
  async listModels(): Promise<string[]> {
    const names = new Set<string>();
    let found = 0;
    let lastError: unknown;
    for (const r of this.registries) {
      try {
        for (const m of await r.listModels()) names.add(m);
        found++;
      } catch (err) {
        lastError = err;
      }
    }
    if (found === 0 && lastError) throw lastError;
    return [...names].sort();
  }

  /** The registry that holds `model`; the not-found error lists what exists. */
  async registryOf(model: string): Promise<ModelRegistry> {
    for (const r of this.registries) {
      try {
        if ((await r.listModels()).includes(model)) return r;
      } catch {
        // a missing root holds nothing
      }
    }
    const models = await this.listModels().catch(() => [] as string[]);
    throw new RegistryError('not-found', `model "${model}" not found in registry ${this.describe()} (models: ${models.join(', ') || 'none'})`);
  }

  async resolve(model: string, selector: VersionSelector): Promise<ModelVersionInfo> {
    return (await this.registryOf(model)).resolve(model, selector);
  }

  async readLabels(info: ModelVersionInfo): Promise<string[] | undefined> {
    return (await this.registryOf(info.model)).readLabels(info);
  }
}
