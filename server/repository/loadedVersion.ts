import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';

type BatcherSpec = DeploymentSpec['batcher'];
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { AdaptiveBatcher, type BatchItem, type BatcherLimits } from '../batching/adaptiveBatcher';
import { batchKey, concatInputs, splitOutputs } from '../batching/tensorBatching';
import type { PoolInfo, RunResult, WorkerPool } from '../runtime/workerPool';
import type { Tensor } from '../tensor/types';

/** One request as the batcher holds it. */
interface RunItem extends BatchItem {
  inputs: Tensor[];
  outputNames: string[];
}

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
  private readonly batcher: AdaptiveBatcher<RunItem, VersionRunResult>;
  /** Identity of the model file this was loaded from (path, size, mtime). */
  loadKey = '';
  /** Reports each execution (stats, batch-size histogram). */
  onExecution: ExecutionListener | undefined;
  /** Called when the model turns out not to be batchable (logged by the owner). */
  onNotBatchable: ((why: string) => void) | undefined;

  constructor(
    /** Name clients use (the deployment name). */
    readonly servedName: string,
    /** Registry entry this version came from. */
    readonly info: ModelVersionInfo,
    readonly pool: WorkerPool,
    readonly runtime: PoolInfo,
    /** Class labels, when the registry has a labels file. */
    readonly labels: string[] | undefined,
    batcher: BatcherSpec,
  ) {
    this.batcher = new AdaptiveBatcher<RunItem, VersionRunResult>(batcherLimits(batcher), {
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
    this.batcher.setLimits(batcherLimits(spec));
  }

  /** Runs one already-validated request; `acquire` must have been called (see ModelManager.acquire). */
  async run(inputs: Tensor[], outputNames: string[]): Promise<VersionRunResult> {
    const k = this.batchable ? batchKey(inputs, outputNames, this.runtime.inputs) : undefined;
    const item: RunItem = k
      ? { key: k.key, rows: k.rows, inputs, outputNames }
      : { key: `solo:${this.soloCounter++}`, rows: 1, inputs, outputNames };
    const { result, waitedMs } = await this.batcher.submit(item);
    return { ...result, queueMs: result.queueMs + waitedMs };
  }

  private async execute(items: RunItem[]): Promise<(VersionRunResult | Error)[]> {
    const rows = items.map((i) => i.rows);
    const totalRows = rows.reduce((a, b) => a + b, 0);
    if (items.length === 1) {
      const item = items[0]!;
      const r = await this.pool.run(item.inputs, item.outputNames);
      this.onExecution?.(1, totalRows);
      return [{ ...r, batchRequests: 1 }];
    }
    const r = await this.pool.run(concatInputs(items.map((i) => i.inputs)), items[0]!.outputNames);
    this.onExecution?.(items.length, totalRows);
    const split = splitOutputs(r.outputs, rows);
    if (split) return split.map((outputs) => ({ outputs, computeMs: r.computeMs, queueMs: r.queueMs, batchRequests: items.length }));
    // Outputs don't follow the batch: this model can't be batched. Run each request alone.
    this.batchable = false;
    this.onNotBatchable?.(`output dimension 0 is not the batch size (${r.outputs.map((o) => `${o.name} ${JSON.stringify(o.shape)}`).join(', ')} for ${totalRows} rows)`);
    return Promise.all(
      items.map(async (item) => {
        try {
          const single = await this.pool.run(item.inputs, item.outputNames);
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
    await this.pool.close(timeoutMs);
  }
}
