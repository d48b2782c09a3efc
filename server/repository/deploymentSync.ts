import type { DeploymentSpec, VersionSelector } from '../../src/core/deployment/deploymentSpec';
import { withAbsoluteScriptPaths, workspaceOfDeploymentsDir } from '../../src/core/deployment/scriptPaths';
import { loadDeploymentsDir } from '../../src/core/deployment/validateDeployment';
import type { ModelRegistry } from '../../src/core/registry/modelRegistry';
import type { RegistrySet } from '../../src/core/registry/registrySet';
import type { ServerConfig } from '../config';
import type { Logger } from '../observability/logger';
import { defaultDeploymentFor } from './defaultDeployment';
import type { ModelManager } from './modelManager';

/**
 * Keeps the served set in step with the disk: the deployments folder (`--deployments`) or every
 * model of the registry (`--registry` alone), and each deployment's version selector (a new
 * version folder, changed metrics for "best"). In `--registry` mode a version without an .onnx file
 * (a pickle, …) is not served: it needs a predictor script, which only a deployment file names.
 * Polls like TF Serving's file-system source:
 * simple, works on every file system, and a half-copied version just fails to load and is
 * retried once its files change.
 */
export class DeploymentSync {
  /** Deployments this sync added, with the spec text it applied; API-added ones are left alone. */
  private readonly owned = new Map<string, string>();
  private readonly reported = new Map<string, string>();
  /** Per model, the last note about versions `--registry` mode skips (logged once until it changes). */
  private readonly noted = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly manager: ModelManager,
    private readonly registry: RegistrySet,
    private readonly logger: Logger,
  ) {}

  /** First scan: loads everything in parallel; resolves when every load settled. */
  initial(): Promise<void> {
    return this.scan(false);
  }

  startPolling(): void {
    if (this.config.pollIntervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return; // a slow load is still going: skip this tick rather than pile up
      this.running = this.scan(true).finally(() => (this.running = undefined));
    }, this.config.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async scan(refreshVersions: boolean): Promise<void> {
    if (this.config.modelControl === 'explicit') {
      if (refreshVersions) await this.manager.refresh().catch((err: Error) => this.report('refresh', err.message));
      return;
    }
    try {
      const wanted = this.config.deploymentsDir ? await this.fromDeploymentFiles() : await this.fromRegistry();
      const work: Promise<void>[] = [];
      for (const spec of wanted) {
        const text = JSON.stringify(spec);
        if (this.owned.get(spec.name) === text) continue;
        if (!this.owned.has(spec.name) && this.manager.has(spec.name)) continue; // added through the API
        this.owned.set(spec.name, text);
        work.push(this.manager.apply(spec));
      }
      const names = new Set(wanted.map((s) => s.name));
      for (const name of [...this.owned.keys()]) {
        if (names.has(name)) continue;
        this.owned.delete(name);
        if (this.manager.has(name)) work.push(this.manager.remove(name));
      }
      await Promise.all(work);
      if (refreshVersions) await this.manager.refresh();
    } catch (err) {
      this.report('scan', `cannot read models: ${(err as Error).message}`);
    }
  }

  private async fromDeploymentFiles(): Promise<DeploymentSpec[]> {
    const { specs, errors } = await loadDeploymentsDir(this.config.deploymentsDir!);
    const seen = new Set<string>();
    for (const err of errors) {
      const key = err.source ?? err.message;
      seen.add(key);
      this.report(key, `deployment file skipped: ${err.message}`);
    }
    for (const key of [...this.reported.keys()]) if (key !== 'scan' && !seen.has(key)) this.reported.delete(key);
    const workspace = workspaceOfDeploymentsDir(this.config.deploymentsDir!);
    return specs.filter((s) => s.servingTool === 'local').map((s) => withAbsoluteScriptPaths(s, workspace));
  }

  private async fromRegistry(): Promise<DeploymentSpec[]> {
    const models = await this.registry.listModels();
    const specs: DeploymentSpec[] = [];
    for (const model of models) {
      const version = await this.onnxVersionOf(model);
      if (version === undefined) continue;
      specs.push(defaultDeploymentFor(model, { batcher: this.config.defaultBatcher, instances: this.config.defaultInstances, version }));
    }
    for (const model of [...this.noted.keys()]) if (!models.includes(model)) this.noted.delete(model);
    return specs;
  }

  /**
   * What `--registry` mode serves of a model: "latest", unless the latest version has no .onnx file;
   * then the newest version that has one, or nothing (undefined) when none has. A latest version
   * that cannot be read is left to the manager, which reports why, as for any deployment.
   */
  private async onnxVersionOf(model: string): Promise<VersionSelector | undefined> {
    let registry: ModelRegistry;
    let versions: number[];
    try {
      registry = await this.registry.registryOf(model);
      versions = await registry.listVersions(model);
    } catch {
      return 'latest';
    }
    let skipped: number | undefined;
    for (const version of [...versions].reverse()) {
      let hasOnnx: boolean;
      try {
        hasOnnx = (await registry.getVersion(model, version)).modelFile !== undefined;
      } catch {
        if (skipped === undefined) return 'latest';
        continue;
      }
      if (hasOnnx && skipped === undefined) {
        this.noted.delete(model);
        return 'latest';
      }
      if (hasOnnx) {
        this.note(model, `model "${model}": version ${skipped} has no .onnx file (it needs a predictor script): serving version ${version}, the newest with one`);
        return version;
      }
      skipped ??= version;
    }
    this.note(model, `model "${model}" has no .onnx file: not served without a deployment file (it needs a predictor script)`);
    return undefined;
  }

  private note(model: string, message: string): void {
    if (this.noted.get(model) === message) return;
    this.noted.set(model, message);
    this.logger.info(message);
  }

  /** Logs a problem once until its text changes (polling would repeat it every tick). */
  private report(key: string, message: string): void {
    if (this.reported.get(key) === message) return;
    this.reported.set(key, message);
    this.logger.error(message);
  }
}
