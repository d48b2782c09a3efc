import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { InferenceError } from '../errors';
import type { TensorMetadata } from '../tensor/types';
import { performance } from 'node:perf_hooks';
import { ChannelPool, type PoolChannel, type PoolDriver, type PoolRunResult } from './channelPool';
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
  /** Number of sessions (one per worker thread) started with the pool. */
  instances: number;
  /**
   * More sessions of the same width may be started while every one is busy and runs wait, up to this
   * many (adaptive width: narrow sessions appear only under concurrent load). Default: `instances`.
   */
  maxInstances?: number;
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
  /**
   * Adaptive width: beside the `instances` narrow sessions, one more worker whose session has this
   * many intra-op threads takes a run that arrives while everything is idle; runs that overlap go to
   * the narrow ones. Undefined: no wide lane.
   */
  wideThreads?: number;
}

/** The main-thread lane switched on or off, for the server log. */
export type InlineEvent = { on: true; estimateMs: number } | { on: false; reason: string };

/** How the pool's runs are spread over threads, for the server log. */
export type WidthPlan =
  | { adaptive: true; wideThreads: number; narrow: number; maxNarrow: number }
  | { adaptive: false; instances: number; threads: number; reason?: string };

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
  /** The wide lane (one worker, all cores' threads), when the width is adaptive. */
  private wide: WorkerPool | undefined;
  private wideRunning = 0;
  /** When a run last arrived while others ran or waited (performance.now()), and a recent run time (EWMA), ms. */
  private lastOverlap = -Infinity;
  private recentRunMs = 0;
  /** Narrow sessions the pool may grow to, and those loading now. */
  private maxNarrow = 1;
  private growing = 0;
  private narrowThreads = 1;
  private wideThreads = 1;
  /** How runs are spread over threads (for the log). */
  plan: WidthPlan = { adaptive: false, instances: 1, threads: 1 };
  /** Runs served by the wide lane so far. */
  wideRuns = 0;
  private inline: InlineSession | undefined;
  private inlineLoading: Promise<void> | undefined;
  private readonly inlineRunning = new Set<Promise<unknown>>();
  private modelFile = '';
  /** Runs served on the main thread so far. */
  inlineRuns = 0;
  /** Reports the main-thread lane switching on (or failing to). */
  onInline: ((e: InlineEvent) => void) | undefined;
  /** Reports the wide lane's worker lost (the narrow sessions serve on). */
  onWideLost: ((reason: string) => void) | undefined;

  /** Starts the workers and loads the model in each; rejects if any session cannot be created. */
  static async start(opts: WorkerPoolOptions): Promise<{ pool: WorkerPool; info: PoolInfo }> {
    const { pool, infos } = await ChannelPool.startPool<PoolInfo, WorkerPool>(new WorkerPool(onnxDriver(opts), opts.instances));
    const info = { ...infos[0]!, loadMs: Math.max(...infos.map((i) => i.loadMs)) };
    pool.narrowThreads = opts.intraOpThreads;
    pool.maxNarrow = Math.max(opts.instances, opts.maxInstances ?? opts.instances);
    pool.plan = { adaptive: false, instances: opts.instances, threads: opts.intraOpThreads };
    if (opts.wideThreads !== undefined && opts.wideThreads > 1) {
      if (info.provider !== 'cpu') {
        pool.plan.reason = `the ${info.provider} provider runs one session`;
      } else {
        // A wide session that cannot load (memory) costs the adaptive width, not the deployment.
        try {
          const wide = await ChannelPool.startPool<PoolInfo, WorkerPool>(new WorkerPool(onnxDriver({ ...opts, intraOpThreads: opts.wideThreads, wideThreads: undefined }), 1));
          pool.attachWide(wide.pool, opts.wideThreads);
          info.loadMs = Math.max(info.loadMs, wide.infos[0]!.loadMs);
        } catch (err) {
          pool.plan.reason = `the wide session did not load: ${(err as Error).message}`;
        }
      }
    }
    // Only a CPU session is duplicated on the main thread: a GPU one would hold device memory twice.
    if ((opts.inlineRuns ?? 'auto') === 'auto' && info.provider === 'cpu' && InlineSession.fits(opts.modelFile)) {
      pool.policy = new InlinePolicy(opts.inlineLimits);
      pool.modelFile = opts.modelFile;
    }
    return { pool, info };
  }

  private attachWide(wide: WorkerPool, threads: number): void {
    this.wide = wide;
    this.wideThreads = threads;
    this.plan = { adaptive: true, wideThreads: threads, narrow: this.size, maxNarrow: this.maxNarrow };
    wide.onCapacity = () => this.onCapacity?.();
    // The wide lane is a speed-up, not capacity: lost once, it is dropped (no replacement, no give-up
    // count of its own); the narrow sessions serve on, and the next load of the version tries again.
    wide.onEvent = (e) => {
      if (e.type === 'worker-lost' && this.wide === wide) this.dropWide(e.reason);
    };
  }

  /** Starts up to `wanted` more narrow sessions, within maxNarrow; one that fails to load stops the growth. */
  private grow(wanted: number): void {
    // A pool that lost every worker (or gave up) is not growing: its replacements decide.
    if (this.dead || this.size === 0) return;
    // Replacements of lost workers are sessions on their way too.
    const coming = this.growing + this.replacing;
    const n = Math.min(wanted - coming, this.maxNarrow - this.size - coming);
    for (let i = 0; i < n; i++) {
      this.growing++;
      this.addChannel().then(
        () => {
          this.growing--;
          if (this.plan.adaptive) this.plan.narrow = this.size;
          this.onCapacity?.();
        },
        () => {
          // The pool counts and reports the loss; growing further would repeat it.
          this.growing--;
          this.maxNarrow = this.size;
        },
      );
    }
  }

  private dropWide(reason: string): void {
    const wide = this.wide!;
    this.wide = undefined;
    this.plan = { adaptive: false, instances: this.size, threads: this.narrowThreads, reason: `the wide session was lost: ${reason}` };
    void wide.close(0);
    this.onWideLost?.(reason);
  }

  /**
   * While the main-thread lane is on, it is the capacity the batcher waits for: one inline run at a
   * time, so with batching on, requests arriving during a run are merged into the next one.
   */
  override get idleWorkers(): number {
    if (this.inline && this.policy) return this.inlineRunning.size === 0 ? Math.max(1, this.workerIdle) : 0;
    return this.workerIdle;
  }

  /** A wide run holds every core: no narrow worker counts as idle meanwhile. */
  private get workerIdle(): number {
    return this.wideRunning > 0 ? 0 : super.idleWorkers;
  }

  /** Sessions running now, by lane (the wide lane and the narrow ones never overlap). */
  get lanesBusy(): { wide: number; narrow: number } {
    return { wide: this.wideRunning, narrow: this.size - super.idleWorkers };
  }

  protected override get held(): boolean {
    return this.wideRunning > 0;
  }

  /**
   * How long after runs last overlapped a lone run may take the wide lane again, ms: four recent run
   * times, at least 50 ms. Under concurrent load the pool empties for an instant between answers and
   * the next requests (the main thread is busy sending): without this memory it would flip to the
   * wide lane then, and hold everything behind it.
   */
  get overlapWindowMs(): number {
    return Math.max(50, 4 * this.recentRunMs);
  }

  /**
   * The wide lane takes a run only when it would be the only one (no narrow run, none queued, no
   * other wide run) and no runs overlapped recently. A run that arrives meanwhile queues for the
   * narrow workers, which start when the wide run ends: never more busy intra-op threads than cores.
   */
  private wideFree(now: number): WorkerPool | undefined {
    const wide = this.wide;
    if (!wide) return undefined;
    const alone = this.wideRunning === 0 && this.queued === 0 && super.idleWorkers === this.size;
    if (!alone) {
      this.lastOverlap = now;
      return undefined;
    }
    if (now - this.lastOverlap < this.overlapWindowMs || wide.idleWorkers === 0 || this.size === 0) return undefined;
    return wide;
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
    const wide = this.wideFree(performance.now());
    let r: PoolRunResult<WireTensor[]>;
    if (wide) {
      this.wideRunning++;
      try {
        r = await wide.runJob({ inputs, outputNames });
        this.wideRuns++;
      } finally {
        this.wideRunning--;
        this.grow(this.queued - super.idleWorkers); // runs that queued behind the wide one overlap
        this.pump(); // what queued behind the wide run
        this.onCapacity?.();
      }
    } else {
      // Every narrow session busy: this run overlaps others, so start one more (up to the cores).
      if (super.idleWorkers === 0 && this.maxNarrow > this.size) this.grow(this.queued + 1);
      r = await this.runJob({ inputs, outputNames });
    }
    if (this.wide) {
      this.recentRunMs = this.recentRunMs === 0 ? r.computeMs : 0.8 * this.recentRunMs + 0.2 * r.computeMs;
      // Runs still in flight as this one ends: the load is concurrent now, too.
      if (this.wideRunning > 0 || this.queued > 0 || super.idleWorkers < this.size) this.lastOverlap = performance.now();
    }
    if (policy) {
      policy.observeWorker(rows, r.computeMs, wide ? this.wideThreads : this.narrowThreads);
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
    const wide = this.wide;
    this.wide = undefined;
    await Promise.all([super.close(timeoutMs), wide?.close(timeoutMs)]);
    await this.inlineLoading;
    await Promise.allSettled([...this.inlineRunning]);
    const inline = this.inline;
    this.inline = undefined;
    await inline?.release();
  }
}
