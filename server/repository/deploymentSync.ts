import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { withAbsoluteScriptPaths, workspaceOfDeploymentsDir } from '../../src/core/deployment/scriptPaths';
import { loadDeploymentsDir } from '../../src/core/deployment/validateDeployment';
import type { RegistrySet } from '../../src/core/registry/registrySet';
import type { ServerConfig } from '../config';
import type { Logger } from '../observability/logger';
import { defaultDeploymentFor } from './defaultDeployment';
import type { ModelManager } from './modelManager';

/**
 * Keeps the served set in step with the disk: the deployments folder (`--deployments`) or every
 * model of the registry (`--registry` alone), and each deployment's version selector (a new
 * version folder, changed metrics for "best"). Polls like TF Serving's file-system source:
 * simple, works on every file system, and a half-copied version just fails to load and is
 * retried once its files change.
 */
export class DeploymentSync {
  /** Deployments this sync added, with the spec text it applied; API-added ones are left alone. */
  private readonly owned = new Map<string, string>();
  private readonly reported = new Map<string, string>();
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
    return models.map((m) => defaultDeploymentFor(m, { batcher: this.config.defaultBatcher, instances: this.config.defaultInstances }));
  }

  /** Logs a problem once until its text changes (polling would repeat it every tick). */
  private report(key: string, message: string): void {
    if (this.reported.get(key) === message) return;
    this.reported.set(key, message);
    this.logger.error(message);
  }
}
