import * as os from 'node:os';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { describeVersionSelector } from '../../src/core/deployment/deploymentSpec';
import { localServingGaps } from '../../src/core/deployment/localServingGaps';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import type { RegistrySet } from '../../src/core/registry/registrySet';
import { notFound, unavailable } from '../errors';
import type { InferenceLogHub } from '../inferenceLog/inferenceLogHub';
import type { Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import type { ModelStatsBook } from '../observability/modelStats';
import type { PoolEvent } from '../runtime/channelPool';
import type { PoolInfo, WorkerPool } from '../runtime/workerPool';
import type { ScriptPool } from '../scripts/scriptPool';
import { DEFAULT_SCRIPT_TIMEOUT_MS, scriptStatus, startScript, type PythonHints, type ScriptLoadContext, type ScriptStatus } from './scriptLoading';
import { LoadedVersion, type ScriptRuntime } from './loadedVersion';
import { startOnnx } from './onnxLoading';

/** Lifecycle states, named as in the OIP/Triton repository extension. */
export type DeploymentStateName = 'LOADING' | 'READY' | 'UNAVAILABLE' | 'FAILED';

/** A deployment as the repository index reports it. */
export interface DeploymentStatus {
  /** Served name. */
  name: string;
  /** Registry model name. */
  model: string;
  /** Version being served, if any. */
  version?: number;
  state: DeploymentStateName;
  /** Why it is not ready, or why the last load/swap failed. */
  reason?: string;
  /** Execution provider in use. */
  provider?: string;
  /** UNAVAILABLE only for now: its inference workers died and a replacement is starting. */
  restarting?: boolean;
  /** The predictor script that serves it, when there is one. */
  predictor?: ScriptStatus;
  /** Its transformer script, when there is one. */
  transformer?: ScriptStatus;
}

interface Entry {
  spec: DeploymentSpec;
  state: DeploymentStateName;
  reason?: string;
  current?: LoadedVersion;
  /** Serialises loads and swaps of one deployment. */
  chain: Promise<void>;
  /** Model file + mtime of a version that failed to load; not retried until it changes. */
  failedKey?: string;
  /** Interpreters the editor knows of, for a Python script whose deployment names none. */
  python?: PythonHints;
}

export interface ModelManagerOptions {
  registry: RegistrySet;
  logger: Logger;
  metrics: ServerMetrics;
  /** Per-version statistics (execution counts). */
  stats?: ModelStatsBook;
  /** Worker entry script (tests point at the built bundle). */
  workerScript?: string;
  /** Tiny ONNX runs on the main thread (`auto`, the default) or always on workers (`off`). */
  inlineRuns?: 'auto' | 'off';
  /** One wide session for lone runs + one narrow per core for overlapping ones (`auto`, the default; widthPlan.ts). */
  adaptiveThreads?: 'auto' | 'off';
  /** How long a retired version may take to finish its in-flight requests. */
  drainTimeoutMs?: number;
  /** A script call running longer fails and its host is replaced, ms (default 60 s). */
  scriptTimeoutMs?: number;
  /** JS script host entry override (tests). */
  jsWorkerScript?: string;
  /** Inference logging (absent: nothing is logged, e.g. in unit tests). */
  inferenceLog?: InferenceLogHub;
}

/**
 * Owns every deployment and the version each serves. Loads happen beside the serving version and
 * traffic switches only once the new one is ready (TF Serving's availability-preserving policy):
 * a failed load never takes down what is already serving.
 */
export class ModelManager {
  private readonly entries = new Map<string, Entry>();
  private readonly cores = os.availableParallelism();

  constructor(private readonly opts: ModelManagerOptions) {}

  /** Adds or updates a deployment; resolves when its version is serving or has failed. */
  apply(spec: DeploymentSpec, python?: PythonHints): Promise<void> {
    let entry = this.entries.get(spec.name);
    if (!entry) {
      entry = { spec, state: 'LOADING', chain: Promise.resolve() };
      this.entries.set(spec.name, entry);
    }
    if (python) entry.python = python;
    const e = entry;
    e.chain = e.chain.then(() => this.reconcile(e, spec, true));
    return e.chain;
  }

  /** Re-resolves every deployment's version selector (new version folders, changed metrics). */
  async refresh(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].map((e) => {
        e.chain = e.chain.then(() => this.reconcile(e, e.spec, false));
        return e.chain;
      }),
    );
  }

  /** Stops serving a deployment; waits for its in-flight requests. */
  async remove(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw notFound(`deployment "${name}" not found (deployments: ${this.names().join(', ') || 'none'})`);
    this.entries.delete(name);
    await e.chain;
    const current = e.current;
    e.current = undefined;
    this.opts.inferenceLog?.forget(name);
    if (current) await this.retire(current);
    this.opts.logger.info('deployment removed', { deployment: name });
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  spec(name: string): DeploymentSpec | undefined {
    return this.entries.get(name)?.spec;
  }

  status(name: string): DeploymentStatus | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    // A served version whose workers died is not ready while they restart (or after the pool gave up).
    const lost = e.state === 'READY' ? e.current?.pool.unavailableReason : undefined;
    const reason = lost ?? e.reason;
    return {
      name,
      model: e.spec.model.name,
      version: e.current?.version,
      state: lost ? 'UNAVAILABLE' : e.state,
      ...(reason ? { reason } : {}),
      ...(lost && e.current?.pool.restartingAll ? { restarting: true } : {}),
      ...(e.current ? { provider: e.current.runtime.provider } : {}),
      ...(e.current?.script ? { predictor: scriptStatus(e.current.script) } : {}),
      ...(e.current?.transformer ? { transformer: scriptStatus(e.current.transformer) } : {}),
    };
  }

  statuses(): DeploymentStatus[] {
    return this.names().map((n) => this.status(n)!);
  }

  /** True when no deployment is still loading for the first time. */
  settled(): boolean {
    return [...this.entries.values()].every((e) => e.state !== 'LOADING' || e.current !== undefined);
  }

  /** The serving version without taking a reference (metadata, readiness). */
  peek(name: string, version?: number): LoadedVersion {
    const e = this.served(name, version);
    const current = e.current;
    if (!current) {
      throw unavailable(`model "${name}" is not ready: ${e.state === 'LOADING' ? 'still loading' : (e.reason ?? e.state)}`);
    }
    return current;
  }

  /**
   * Throws 404 for a name no deployment has, or a version other than the one being served; nothing
   * else. Front ends call it before they read the body, so a typo in a model name is told as such
   * whatever the body holds (readiness is checked later, by `acquire`).
   */
  checkServed(name: string, version?: number): void {
    this.served(name, version);
  }

  private served(name: string, version: number | undefined): Entry {
    const e = this.entries.get(name);
    if (!e) throw notFound(`model "${name}" not found (models: ${this.names().join(', ') || 'none'})`);
    if (version !== undefined && e.current && version !== e.current.version) {
      throw notFound(`version ${version} of model "${name}" is not served (serving version ${e.current.version})`);
    }
    return e;
  }

  /** The serving version, referenced until `release()` so a swap waits for this request. */
  acquire(name: string, version?: number): LoadedVersion {
    const v = this.peek(name, version);
    v.acquire();
    return v;
  }

  /** Unloads everything (shutdown). */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (e) => {
        await e.chain;
        if (e.current) await this.retire(e.current);
      }),
    );
  }

  private async reconcile(e: Entry, spec: DeploymentSpec, explicit: boolean): Promise<void> {
    if (this.entries.get(spec.name) !== e) return; // removed meanwhile
    const { logger } = this.opts;
    const previousSpec = e.spec;
    e.spec = spec;
    let info: ModelVersionInfo;
    try {
      info = await this.opts.registry.resolve(spec.model.name, spec.model.version);
    } catch (err) {
      this.fail(e, `cannot resolve ${describeVersionSelector(spec.model.version)} of model "${spec.model.name}": ${(err as Error).message}`, explicit);
      return;
    }
    const current = e.current;
    const key = `${await fileKey(info)}#${await scriptsKey(spec)}`;
    const runtimeChanged = explicit && current !== undefined && runtimeSettingsDiffer(previousSpec, spec);
    // Applying a deployment again loads afresh a version whose pool lost all its workers (not on polls: no loop).
    const reloadDead = explicit && current !== undefined && current.pool.dead;
    if (current && !reloadDead && current.info.modelFile === info.modelFile && current.version === info.version && !runtimeChanged && key === current.loadKey) {
      current.configureBatching(spec.batcher);
      e.state = 'READY';
      e.reason = undefined;
      return;
    }
    if (!explicit && e.failedKey === key) return; // same broken files as last time: don't spin
    if (current) logger.info(`loading version ${info.version} beside serving version ${current.version}`, { deployment: spec.name });
    else logger.info(`loading version ${info.version} of model "${info.model}"`, { deployment: spec.name });
    if (!current) e.state = 'LOADING';
    try {
      const next = await this.load(spec, info, key, e.python);
      if (this.entries.get(spec.name) !== e) {
        await Promise.all([next.pool.close(), next.inferenceLog?.close(0)]);
        return;
      }
      e.current = next;
      if (!next.inferenceLog) this.opts.inferenceLog?.forget(spec.name); // mode "none": no records kept
      e.state = 'READY';
      e.reason = undefined;
      e.failedKey = undefined;
      this.opts.metrics.modelReady.labels(spec.name, String(info.version), next.runtime.provider).set(1);
      logger.info(`serving version ${info.version} on ${next.runtime.provider}`, {
        deployment: spec.name,
        version: info.version,
        provider: next.runtime.provider,
        loadMs: Math.round(next.runtime.loadMs),
      });
      if (current) {
        this.opts.metrics.modelReady.labels(spec.name, String(current.version), current.runtime.provider).set(0);
        // Retire in the background: the new version already takes traffic.
        void this.retire(current).then(() =>
          logger.info(`unloaded version ${current.version}`, { deployment: spec.name }),
        );
      }
    } catch (err) {
      e.failedKey = key;
      this.fail(e, (err as Error).message, true);
    }
  }

  private fail(e: Entry, reason: string, log: boolean): void {
    if (e.current) {
      // Keep serving what works; report why the change did not happen.
      e.state = 'READY';
      e.reason = `kept version ${e.current.version}: ${reason}`;
    } else {
      e.state = 'FAILED';
      e.reason = reason;
    }
    if (log) this.opts.logger.error(e.current ? e.reason! : `failed: ${reason}`, { deployment: e.spec.name });
  }

  private async load(spec: DeploymentSpec, info: ModelVersionInfo, key: string, python?: PythonHints): Promise<LoadedVersion> {
    const scriptCtx: ScriptLoadContext = { logger: this.opts.logger, callTimeoutMs: this.opts.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS, ...(python ? { python } : {}), ...(this.opts.jsWorkerScript ? { jsWorkerScript: this.opts.jsWorkerScript } : {}) };
    let pool: WorkerPool | ScriptPool;
    let runtime: PoolInfo;
    let predictor: ScriptRuntime | undefined;
    if (spec.modelServer === 'script') {
      predictor = await startScript(spec, info, 'predictor', scriptCtx);
      pool = predictor.pool;
      runtime = { provider: 'script', fallbacks: [], inputs: [], outputs: [], loadMs: predictor.info.loadMs };
    } else {
      ({ pool, runtime } = await startOnnx(spec, info, {
        logger: this.opts.logger,
        metrics: this.opts.metrics,
        cores: this.cores,
        ...(this.opts.workerScript ? { workerScript: this.opts.workerScript } : {}),
        inlineRuns: this.opts.inlineRuns ?? 'auto',
        adaptiveThreads: this.opts.adaptiveThreads ?? 'auto',
      }));
    }
    let transformer: ScriptRuntime | undefined;
    if (spec.transformer.script !== undefined) {
      try {
        transformer = await startScript(spec, info, 'transformer', scriptCtx);
      } catch (err) {
        await pool.close(0);
        throw err;
      }
    }
    const what = predictor ? 'script host' : 'inference worker';
    const onEvent = (ev: PoolEvent): void => {
      const at = { deployment: spec.name };
      this.opts.metrics.workerEvents.labels(spec.name, ev.type === 'worker-lost' ? 'lost' : ev.type === 'worker-restarted' ? 'restarted' : 'gave_up').inc();
      if (ev.type === 'worker-lost') this.opts.logger.error(`${what} of version ${info.version} lost (${ev.reason}); ${ev.workers} left, a replacement starts in ${ev.restartInMs} ms`, at);
      else if (ev.type === 'worker-restarted') this.opts.logger.info(`${what} of version ${info.version} replaced; ${ev.workers} running`, at);
      else this.opts.logger.error(`${what}s of version ${info.version} died ${ev.losses} times in a row; no longer restarted; ${ev.workers > 0 ? `${ev.workers} still serving` : 'requests fail until the deployment is loaded again'} (last: ${ev.reason})`, at);
    };
    pool.onEvent = onEvent;
    if (transformer) transformer.pool.onEvent = onEvent;
    for (const gap of localServingGaps(spec)) this.opts.logger.warn(gap, { deployment: spec.name });
    let labels: string[] | undefined;
    try {
      labels = await this.opts.registry.readLabels(info);
    } catch (err) {
      this.opts.logger.warn(`labels not read: ${(err as Error).message}`, { deployment: spec.name });
    }
    const loaded = new LoadedVersion(spec.name, info, pool, runtime, labels, spec.batcher, predictor);
    loaded.transformer = transformer;
    loaded.loadKey = key;
    try {
      loaded.inferenceLog = this.opts.inferenceLog?.open(spec, info.version);
    } catch (err) {
      // A malformed sink must not stop the model from serving: said once, nothing logged.
      this.opts.logger.error(`inference log off: ${(err as Error).message}`, { deployment: spec.name });
    }
    const { metrics, stats, logger } = this.opts;
    loaded.onExecution = (requests, rows) => {
      stats?.recordExecution(spec.name, info.version);
      metrics.batchRequests.labels(spec.name).observe(requests);
      metrics.batchRows.labels(spec.name).observe(rows);
    };
    loaded.onNotBatchable = (why) => logger.warn(`batching turned off for version ${info.version}: ${why}`, { deployment: spec.name });
    return loaded;
  }

  private async retire(v: LoadedVersion): Promise<void> {
    await v.retire(this.opts.drainTimeoutMs ?? 30_000);
  }
}

function runtimeSettingsDiffer(a: DeploymentSpec, b: DeploymentSpec): boolean {
  // The inference logger belongs to the loaded version: a changed mode or sink takes a new load.
  const runtimeOf = (s: DeploymentSpec): string => JSON.stringify([s.resources, s.modelServer, s.predictor, s.transformer, s.inferenceLogger]);
  return runtimeOf(a) !== runtimeOf(b);
}

/** Scripts a deployment runs: their changes reload it like a new model file. */
async function scriptsKey(spec: DeploymentSpec): Promise<string> {
  const { stat } = await import('node:fs/promises');
  const files = [spec.modelServer === 'script' ? spec.predictor.script : undefined, spec.transformer.script].filter((f): f is string => f !== undefined);
  const parts = await Promise.all(files.map((f) => stat(f).then((s) => `${f}|${s.size}|${s.mtimeMs}`, () => `${f}|missing`)));
  return parts.join(';');
}

/** Identity of a version's files: a rewritten model.onnx in place counts as a new load. */
async function fileKey(info: ModelVersionInfo): Promise<string> {
  const { stat } = await import('node:fs/promises');
  if (info.modelFile === undefined) {
    // No ONNX file (a script's pickle, …): the folder's files and the newest change among them.
    const { join } = await import('node:path');
    const times = await Promise.all(info.files.map((f) => stat(join(info.dir, f)).then((s) => s.mtimeMs, () => 0)));
    return `${info.dir}|${info.files.join(',')}|${Math.max(0, ...times)}`;
  }
  try {
    const s = await stat(info.modelFile);
    return `${info.modelFile}|${s.size}|${s.mtimeMs}`;
  } catch {
    return `${info.modelFile}|missing`;
  }
}
