import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';

type BatcherSpec = DeploymentSpec['batcher'];
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { AdaptiveBatcher, type BatchItem, type BatcherLimits } from '../batching/adaptiveBatcher';
import { batchKey, concatInputs, splitOutputs } from '../batching/tensorBatching';
import type { InferenceLogger } from '../inferenceLog/inferenceLogger';
import type { PoolInfo, RunResult, WorkerPool } from '../runtime/workerPool';
import type { ScriptInfo, ScriptPool } from '../scripts/scriptPool';
import { predictionsOf, scriptResultToTensors, tensorsToScriptArg } from '../scripts/scriptValues';
import type { Tensor, TensorMetadata } from '../tensor/types';

/** One request as the batcher holds it: tensors (V2, gRPC), or V1 rows for a predictor script. */
type RunItem = BatchItem &
  ({ kind: 'tensors'; inputs: Tensor[]; outputNames: string[] } | { kind: 'rows'; instances: unknown[] });

/** A script host pool with what its script told about itself. */
export interface ScriptRuntime {
  pool: ScriptPool;
  info: ScriptInfo;
  /** Absolute script path. */
  scriptPath: string;
  /** Python scripts: the interpreter, its version and why it was chosen. */
  interpreter?: { path: string; version: string; source: string };
}

/** Result of a V1 call on a predictor script: one prediction per row. */
export interface RowsResult {
  predictions: unknown[];
  computeMs: number;
  queueMs: number;
  batchRequests: number;
}

/** What the batcher hands back for one request: tensors, or V1 predictions (a predictor script's rows). */
type ItemResult = VersionRunResult | RowsResult;

/** A request's result, with the size of the batch it ran in. */
export interface VersionRunResult extends RunResult {
  /** Requests in the batch this one ran in (1 = alone). */
  batchRequests: number;
}

/** Called once per runtime execution (a batch counts once). */
export type ExecutionListener = (requests: number, rows: number) => void;

/** Batcher limits for a deployment: disabled batching is a batch size of one, same queue bound. */
export function batcherLimits(spec: BatcherSpec): BatcherLimits {
  return spec.enabled
    ? { maxBatchSize: spec.maxBatchSize, maxLatencyMs: spec.maxLatencyMs, maxQueueSize: spec.maxQueueSize }
    : { maxBatchSize: 1, maxLatencyMs: 0, maxQueueSize: spec.maxQueueSize };
}

/**
 * One model version with its sessions, serving traffic. Requests go through an adaptive batcher
 * (a batch size of one when batching is off, which still bounds the queue). Tracks requests in
 * flight so a hot swap can wait for them before the sessions are released: no request ever
 * fails because of a swap.
 */
export class LoadedVersion {
  private inflight = 0;
  private drained: (() => void) | undefined;
  private soloCounter = 0;
  /** False once the model showed its outputs do not follow the batch (rows in ≠ rows out). */
  private batchable = true;
  /** False while the deployment's batching is off: requests then skip the batch key (each runs alone). */
  private batching: boolean;
  private readonly batcher: AdaptiveBatcher<RunItem, ItemResult>;
  /** Identity of the model file this was loaded from (path, size, mtime). */
  loadKey = '';
  /** Reports each execution (stats, batch-size histogram). */
  onExecution: ExecutionListener | undefined;
  /** Called when the model turns out not to be batchable (logged by the owner). */
  onNotBatchable: ((why: string) => void) | undefined;

  /** Set when a predictor script serves this version instead of ONNX sessions. */
  readonly script: ScriptRuntime | undefined;
  /** Set when a transformer script runs around every request. */
  transformer: ScriptRuntime | undefined;
  /** The deployment's inference logger for this version; undefined when its mode is "none". Closed on retire. */
  inferenceLog: InferenceLogger | undefined;

  constructor(
    /** Name clients use (the deployment name). */
    readonly servedName: string,
    /** Registry entry this version came from. */
    readonly info: ModelVersionInfo,
    /** ONNX sessions, or a predictor script's hosts (then `predictor` is set). */
    readonly pool: WorkerPool | ScriptPool,
    /** The ONNX signature and provider; for a predictor script, no signature and provider "script". */
    readonly runtime: PoolInfo,
    /** Class labels, when the registry has a labels file. */
    readonly labels: string[] | undefined,
    batcher: BatcherSpec,
    predictor?: ScriptRuntime,
  ) {
    this.script = predictor;
    this.batching = batcher.enabled;
    this.batcher = new AdaptiveBatcher<RunItem, ItemResult>(batcherLimits(batcher), {
      // A dead pool takes the batch too, to fail it at once rather than hold it forever.
      canStart: () => (pool.idleWorkers > 0 || pool.dead) && pool.queued === 0,
      execute: (items) => this.execute(items),
    });
    pool.onCapacity = () => this.batcher.notifyCapacity();
  }

  get version(): number {
    return this.info.version;
  }

  get inflightCount(): number {
    return this.inflight;
  }

  /** Requests waiting for a batch or a worker. */
  get queued(): number {
    return this.batcher.queued;
  }

  /** Applies new batcher settings without reloading. */
  configureBatching(spec: BatcherSpec): void {
    this.batching = spec.enabled;
    this.batcher.setLimits(batcherLimits(spec));
  }

  /** Runs one already-validated request; `acquire` must have been called (see ModelManager.acquire). */
  async run(inputs: Tensor[], outputNames: string[]): Promise<VersionRunResult> {
    // A script has no signature: the request's own dimensions 1… must agree for rows to share a call.
    const signature = (): TensorMetadata[] => (this.script ? inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [-1, ...t.shape.slice(1)] })) : this.runtime.inputs);
    // With batching off nothing shares a run: no key to build (a unique one keeps it alone even if batching is turned on meanwhile).
    const k = this.batching && this.batchable ? batchKey(inputs, outputNames, signature()) : undefined;
    const item: RunItem = k
      ? { kind: 'tensors', key: k.key, rows: k.rows, inputs, outputNames }
      : { kind: 'tensors', key: `solo:${this.soloCounter++}`, rows: inputs[0]?.shape[0] ?? 1, inputs, outputNames };
    const { result, waitedMs } = await this.batcher.submit(item);
    // Each request's result is an object of its own (execute builds one per item): adjusted in place.
    result.queueMs += waitedMs;
    return result as VersionRunResult; // a tensors item gets tensors back
  }

  /** V1 rows (`instances`) to the predictor script's `predict`; batched with other rows when batching is on. */
  async runRows(instances: unknown[]): Promise<RowsResult> {
    const item: RunItem = { kind: 'rows', key: this.batchable ? 'rows' : `solo:${this.soloCounter++}`, rows: instances.length, instances };
    const { result, waitedMs } = await this.batcher.submit(item);
    return { ...(result as RowsResult), queueMs: result.queueMs + waitedMs }; // a rows item gets rows back
  }

  private async execute(items: RunItem[]): Promise<(ItemResult | Error)[]> {
    const pool = this.pool as WorkerPool;
    if (items.length === 1 && !this.script) {
      // The common case (every request with batching off): no batch arrays to build.
      const item = items[0] as Extract<RunItem, { kind: 'tensors' }>;
      const r = await pool.run(item.inputs, item.outputNames);
      this.onExecution?.(1, item.rows);
      return [{ outputs: r.outputs, computeMs: r.computeMs, queueMs: r.queueMs, batchRequests: 1 }];
    }
    const rows = items.map((i) => i.rows);
    const totalRows = rows.reduce((a, b) => a + b, 0);
    if (this.script) return this.executeScript(items, rows, totalRows);
    const tensorItems = items as Extract<RunItem, { kind: 'tensors' }>[];
    const r = await pool.run(concatInputs(tensorItems.map((i) => i.inputs)), tensorItems[0]!.outputNames);
    this.onExecution?.(items.length, totalRows);
    const split = splitOutputs(r.outputs, rows);
    if (split) return split.map((outputs) => ({ outputs, computeMs: r.computeMs, queueMs: r.queueMs, batchRequests: items.length }));
    // Outputs don't follow the batch: this model can't be batched. Run each request alone.
    this.batchable = false;
    this.onNotBatchable?.(`output dimension 0 is not the batch size (${r.outputs.map((o) => `${o.name} ${JSON.stringify(o.shape)}`).join(', ')} for ${totalRows} rows)`);
    return this.eachAlone(items);
  }

  /**
   * One `predict` call for the whole batch, split back by rows. When a batched call fails, each
   * request is retried alone: only the request that causes the error fails, its batch-mates get
   * their answers.
   */
  private async executeScript(items: RunItem[], rows: number[], totalRows: number): Promise<(ItemResult | Error)[]> {
    if (items.length === 1) return [await this.callPredict(items[0]!).catch((err: Error) => err)];
    try {
      const first = items[0]!;
      const merged: RunItem =
        first.kind === 'rows'
          ? { kind: 'rows', key: first.key, rows: totalRows, instances: items.flatMap((i) => (i as Extract<RunItem, { kind: 'rows' }>).instances) }
          : { kind: 'tensors', key: first.key, rows: totalRows, inputs: concatInputs(items.map((i) => (i as Extract<RunItem, { kind: 'tensors' }>).inputs)), outputNames: first.outputNames };
      const r = await this.callPredict(merged, items.length);
      if ('predictions' in r) {
        let at = 0;
        return rows.map((n) => ({ ...r, predictions: r.predictions.slice(at, (at += n)) }));
      }
      const split = splitOutputs(r.outputs, rows);
      if (split) return split.map((outputs) => ({ ...r, outputs }));
    } catch {
      // retried one by one below, so the failing request is the only one that fails
    }
    return this.eachAlone(items);
  }

  private async callPredict(item: RunItem, batchRequests = 1): Promise<ItemResult> {
    const pool = this.pool as ScriptPool;
    if (item.kind === 'rows') {
      const r = await pool.call('predict', [item.instances as never]);
      this.onExecution?.(batchRequests, item.rows);
      const predictions = predictionsOf(r.result, item.rows);
      return { predictions, computeMs: r.computeMs, queueMs: r.queueMs, batchRequests };
    }
    const r = await pool.call('predict', [tensorsToScriptArg(item.inputs)]);
    this.onExecution?.(batchRequests, item.rows);
    let outputs = scriptResultToTensors(r.result, item.rows);
    if (item.outputNames.length > 0) outputs = outputs.filter((o) => item.outputNames.includes(o.name));
    return { outputs, computeMs: r.computeMs, queueMs: r.queueMs, batchRequests };
  }

  private eachAlone(items: RunItem[]): Promise<(ItemResult | Error)[]> {
    return Promise.all(
      items.map(async (item) => {
        try {
          if (this.script) return await this.callPredict(item);
          const single = await (this.pool as WorkerPool).run((item as Extract<RunItem, { kind: 'tensors' }>).inputs, (item as Extract<RunItem, { kind: 'tensors' }>).outputNames);
          this.onExecution?.(1, item.rows);
          return { ...single, batchRequests: 1 };
        } catch (err) {
          return err as Error;
        }
      }),
    );
  }

  /** Marks a request as using this version until `release`. */
  acquire(): void {
    this.inflight++;
  }

  release(): void {
    this.inflight--;
    if (this.inflight === 0 && this.drained) {
      const cb = this.drained;
      this.drained = undefined;
      cb();
    }
  }

  /** Waits for in-flight requests (bounded), then releases the sessions. */
  async retire(timeoutMs: number): Promise<void> {
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // After the in-flight requests: their responses are logged too. What the sink has not taken
    // within a few seconds is dropped (counted), so a dead sink never holds up a swap or shutdown.
    await Promise.all([this.pool.close(timeoutMs), this.transformer?.pool.close(timeoutMs), this.inferenceLog?.close(Math.min(timeoutMs, 5000))]);
  }
}
