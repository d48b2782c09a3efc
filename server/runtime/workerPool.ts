import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { InferenceError } from '../errors';
import type { TensorMetadata } from '../tensor/types';
import { performance } from 'node:perf_hooks';
import { ChannelPool, type PoolChannel, type PoolDriver } from './channelPool';
import { InlinePolicy, type InlineLimits } from './inlinePolicy';
import { InlineSession } from './inlineSession';
import { transferListOf } from './transfer';
import type { ProviderFallback, WireTensor, WorkerRequest, WorkerResponse } from './workerProtocol';

export { MAX_CONSECUTIVE_LOSSES, type PoolEvent } from './channelPool';

/** What a loaded pool learned about its model. */
export interface PoolInfo {
  /** Provider every session ended up using. */
  provider: string;
  /** Providers skipped, with the runtime's reason. */
  fallbacks: ProviderFallback[];
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** Slowest session creation, ms. */
  loadMs: number;
}

/** Result of one run. */
export interface RunResult {
  outputs: WireTensor[];
  /** Time inside session.run, ms. */
  computeMs: number;
  /** Time waiting for a free worker, ms. */
  queueMs: number;
}

export interface WorkerPoolOptions {
  /** Absolute .onnx path. */
  modelFile: string;
  /** Number of sessions (one per worker thread). */
  instances: number;
  /** Providers to try in order. */
  providers: string[];
  /** Intra-op threads per session. */
  intraOpThreads: number;
  /** Worker entry script; defaults to onnxWorker.js beside the server bundle. */
  workerScript?: string;
  /**
   * `auto` (default): runs measured to be tiny run on the main thread (see inlinePolicy.ts) when the
   * provider is cpu and the model file is small; `off`: every run goes to a worker.
   */
  inlineRuns?: 'auto' | 'off';
  /** Overrides the inline policy's limits (tests, benchmarks). */
  inlineLimits?: InlineLimits;
}

/** The main-thread lane switched on or off, for the server log. */
export type InlineEvent = { on: true; estimateMs: number } | { on: false; reason: string };

interface OnnxJob {
  inputs: WireTensor[];
  outputNames: string[];
}

/** ONNX Runtime sessions in worker threads: how they load, take a run and answer. */
function onnxDriver(opts: WorkerPoolOptions): PoolDriver<OnnxJob, WireTensor[], PoolInfo> {
  const script = opts.workerScript ?? path.join(__dirname, 'onnxWorker.js');
  return {
    noun: 'inference worker',
    spawn: () => new Worker(script) as unknown as PoolChannel,
    loadMessage: (): WorkerRequest => ({ type: 'load', modelFile: opts.modelFile, providers: opts.providers, intraOpThreads: opts.intraOpThreads }),
    loadOutcome: (msg: WorkerResponse) => {
      if (msg.type === 'loaded') return { info: { provider: msg.provider, fallbacks: msg.fallbacks, inputs: msg.inputs, outputs: msg.outputs, loadMs: msg.loadMs } };
      if (msg.type === 'load-failed') return { error: new InferenceError('unavailable', `failed to load ${opts.modelFile}: ${msg.message}`) };
      return undefined;
    },
    request: (id, job) => ({ msg: { type: 'run', id, inputs: job.inputs, outputNames: job.outputNames } satisfies WorkerRequest, transfer: transferListOf(job.inputs) }),
    reply: (msg: WorkerResponse) => {
      if (msg.type === 'result') return { id: msg.id, result: msg.outputs, computeMs: msg.computeMs };
      if (msg.type === 'error') return { id: msg.id, error: new InferenceError(msg.invalidArgument ? 'invalid-argument' : 'internal', `runtime error: ${msg.message}`) };
      return undefined;
    },
  };
}

/**
 * N worker threads × 1 onnxruntime session each (see ChannelPool for queueing, replacement of lost
 * workers and closing), plus, for a model whose runs the workers measured to be tiny, one session
 * on the main thread that takes those runs within a time budget (inlinePolicy.ts). A running
 * session.run is never interrupted: no job time limit.
 */
export class WorkerPool extends ChannelPool<OnnxJob, WireTensor[], PoolInfo> {
  private policy: InlinePolicy | undefined;
  private inline: InlineSession | undefined;
  private inlineLoading: Promise<void> | undefined;
  private readonly inlineRunning = new Set<Promise<unknown>>();
  private modelFile = '';
  /** Runs served on the main thread so far. */
  inlineRuns = 0;
  /** Reports the main-thread lane switching on (or failing to). */
  onInline: ((e: InlineEvent) => void) | undefined;

  /** Starts the workers and loads the model in each; rejects if any session cannot be created. */
  static async start(opts: WorkerPoolOptions): Promise<{ pool: WorkerPool; info: PoolInfo }> {
    const { pool, infos } = await ChannelPool.startPool<PoolInfo, WorkerPool>(new WorkerPool(onnxDriver(opts), opts.instances));
    const info = { ...infos[0]!, loadMs: Math.max(...infos.map((i) => i.loadMs)) };
    // Only a CPU session is duplicated on the main thread: a GPU one would hold device memory twice.
    if ((opts.inlineRuns ?? 'auto') === 'auto' && info.provider === 'cpu' && InlineSession.fits(opts.modelFile)) {
      pool.policy = new InlinePolicy(opts.inlineLimits, opts.intraOpThreads);
      pool.modelFile = opts.modelFile;
    }
    return { pool, info };
  }

  /**
   * While the main-thread lane is on, it is the capacity the batcher waits for: one inline run at a
   * time, so with batching on, requests arriving during a run are merged into the next one.
   */
  override get idleWorkers(): number {
    if (this.inline && this.policy) return this.inlineRunning.size === 0 ? Math.max(1, super.idleWorkers) : 0;
    return super.idleWorkers;
  }

  /** Runs one inference: on the main thread when the policy says it is tiny, else on the next free worker. */
  async run(inputs: WireTensor[], outputNames: string[]): Promise<RunResult> {
    const rows = inputs[0]?.shape[0] ?? 1;
    const policy = this.policy;
    if (policy && this.inline && !this.dead && policy.wantsInline(rows, performance.now())) {
      const running = this.inline.run(inputs, outputNames);
      this.inlineRunning.add(running);
      try {
        const r = await running;
        policy.observeInline(rows, r.computeMs, performance.now());
        this.inlineRuns++;
        return { outputs: r.outputs, computeMs: r.computeMs, queueMs: 0 };
      } finally {
        this.inlineRunning.delete(running);
        this.onCapacity?.();
      }
    }
    const r = await this.runJob({ inputs, outputNames });
    if (policy) {
      policy.observeWorker(rows, r.computeMs);
      if (!this.inline && !this.inlineLoading && policy.eligible) this.loadInline(policy.estimateMs(1)!);
    }
    return { outputs: r.result, computeMs: r.computeMs, queueMs: r.queueMs };
  }

  private loadInline(estimateMs: number): void {
    this.inlineLoading = InlineSession.create(this.modelFile).then(
      (s) => {
        if (!this.policy) return void s.release(); // closed meanwhile
        this.inline = s;
        this.onInline?.({ on: true, estimateMs });
      },
      (err: Error) => {
        // Workers keep serving; the lane is not tried again for this version.
        this.policy = undefined;
        this.onInline?.({ on: false, reason: err.message });
      },
    );
  }

  override async close(timeoutMs = 30_000): Promise<void> {
    this.policy = undefined; // no new inline runs; the rest finish within a loop turn
    await super.close(timeoutMs);
    await this.inlineLoading;
    await Promise.allSettled([...this.inlineRunning]);
    const inline = this.inline;
    this.inline = undefined;
    await inline?.release();
  }
}
