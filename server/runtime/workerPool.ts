import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { InferenceError } from '../errors';
import type { TensorMetadata } from '../tensor/types';
import { transferListOf } from './transfer';
import type { ProviderFallback, WireTensor, WorkerRequest, WorkerResponse } from './workerProtocol';

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
}

interface Job {
  inputs: WireTensor[];
  outputNames: string[];
  enqueued: number;
  resolve: (r: RunResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Its session is loaded: it may take jobs. */
  ready: boolean;
  busy?: { id: number; job: Job; started: number };
}

/** What happened to the pool's workers after start, for the server log. */
export type PoolEvent =
  | { type: 'worker-lost'; reason: string; workers: number; restartInMs: number }
  | { type: 'worker-restarted'; workers: number }
  | { type: 'gave-up'; reason: string; losses: number; workers: number };

/** Workers lost in a row (no job completed in between) before the pool stops replacing them. */
export const MAX_CONSECUTIVE_LOSSES = 5;
/** Delay before replacing the first lost worker; doubles with each further loss in a row, up to 5 s. */
const RESTART_BASE_MS = 100;

/**
 * A fixed set of worker threads, each with its own session of the same model. Jobs queue in
 * FIFO order and go to the first idle worker; every job settles exactly once, also when a
 * worker dies (its job fails, the others keep going). A worker that dies after start is replaced
 * with backoff; jobs wait for the replacement. After MAX_CONSECUTIVE_LOSSES losses with no job
 * completed in between the pool gives up (a model that kills every worker), and jobs fail at once.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private onIdle: (() => void) | undefined;
  /** Set once every first worker has loaded: only then are lost workers replaced. */
  private started = false;
  /** Workers lost in a row without a completed job. */
  private losses = 0;
  /** Replacements scheduled or loading. */
  private restarting = 0;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Why the last worker was lost (for errors and status). */
  private lastLoss: string | undefined;
  private gaveUp = false;
  /** Called whenever a worker finishes a job or comes back (the batcher dispatches what waits). */
  onCapacity: (() => void) | undefined;
  /** Worker losses and replacements, for the log. */
  onEvent: ((e: PoolEvent) => void) | undefined;

  private constructor(private readonly opts: WorkerPoolOptions) {}

  /** Starts the workers and loads the model in each; rejects if any session cannot be created. */
  static async start(opts: WorkerPoolOptions): Promise<{ pool: WorkerPool; info: PoolInfo }> {
    const pool = new WorkerPool(opts);
    // Every worker settles before a failure closes the pool: ending a thread while its session is
    // still being created (native code) is as unsafe as ending one inside session.run.
    const settled = await Promise.allSettled(Array.from({ length: Math.max(1, opts.instances) }, () => pool.spawn()));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    const infos = settled.map((r) => (r as PromiseFulfilledResult<PoolInfo>).value);
    pool.started = true;
    return { pool, info: { ...infos[0]!, loadMs: Math.max(...infos.map((i) => i.loadMs)) } };
  }

  private spawn(): Promise<PoolInfo> {
    const script = this.opts.workerScript ?? path.join(__dirname, 'onnxWorker.js');
    const worker = new Worker(script);
    const slot: Slot = { worker, ready: false };
    this.slots.push(slot);
    return new Promise<PoolInfo>((resolve, reject) => {
      let loaded = false;
      worker.on('message', (msg: WorkerResponse) => {
        if (msg.type === 'loaded') {
          loaded = true;
          slot.ready = true;
          resolve({ provider: msg.provider, fallbacks: msg.fallbacks, inputs: msg.inputs, outputs: msg.outputs, loadMs: msg.loadMs });
          this.pump();
        } else if (msg.type === 'load-failed') {
          reject(new InferenceError('unavailable', `failed to load ${this.opts.modelFile}: ${msg.message}`));
          // A replacement that cannot load is a loss like any other (its exit schedules the next try).
          if (this.started) void worker.terminate();
        } else {
          this.settle(slot, msg);
        }
      });
      worker.on('error', (err) => {
        if (!loaded) reject(new InferenceError('unavailable', `worker failed while loading: ${err.message}`));
        this.failSlot(slot, err);
      });
      worker.on('exit', (code) => {
        if (!loaded) reject(new InferenceError('unavailable', `worker exited with code ${code} while loading`));
        this.failSlot(slot, new Error(`inference worker exited with code ${code}`));
      });
      const load: WorkerRequest = {
        type: 'load',
        modelFile: this.opts.modelFile,
        providers: this.opts.providers,
        intraOpThreads: this.opts.intraOpThreads,
      };
      worker.postMessage(load);
    });
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Loaded workers not running anything. */
  get idleWorkers(): number {
    return this.slots.filter((s) => s.ready && !s.busy).length;
  }

  /** Number of loaded worker threads. */
  get size(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /**
   * Why the pool cannot run anything now, or undefined while it can (or will once a lost
   * worker is replaced, which is reported as a restart in progress).
   */
  get unavailableReason(): string | undefined {
    // Having given up matters only once no worker is left: the others still serve.
    if (this.gaveUp && this.slots.length === 0) return `inference workers died ${this.losses} times in a row, no longer restarted (last: ${this.lastLoss})`;
    if (this.size === 0 && this.restarting > 0) return `restarting the inference worker (last one: ${this.lastLoss})`;
    return undefined;
  }

  /** Every worker is gone and a replacement is on its way (requests wait for it). */
  get restartingAll(): boolean {
    return this.size === 0 && this.restarting > 0 && !this.gaveUp;
  }

  /** No worker runs and none is coming: run() fails at once. */
  get dead(): boolean {
    return this.slots.length === 0 && this.restarting === 0;
  }

  /** Runs one inference on the next free worker. */
  run(inputs: WireTensor[], outputNames: string[]): Promise<RunResult> {
    if (this.closed) return Promise.reject(new InferenceError('unavailable', 'model is unloading'));
    // Every worker died and none is coming: nothing would ever take the job.
    if (this.dead) return Promise.reject(new InferenceError('unavailable', this.noWorkerMessage()));
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ inputs, outputNames, enqueued: performance.now(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.busy || slot.worker.threadId < 0) continue;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, job, started: performance.now() };
      const msg: WorkerRequest = { type: 'run', id, inputs: job.inputs, outputNames: job.outputNames };
      try {
        slot.worker.postMessage(msg, transferListOf(job.inputs));
      } catch (err) {
        slot.busy = undefined;
        job.reject(new InferenceError('invalid-argument', `cannot send inputs to the runtime: ${(err as Error).message}`));
      }
    }
  }

  private settle(slot: Slot, msg: WorkerResponse): void {
    const busy = slot.busy;
    if (!busy || (msg.type !== 'result' && msg.type !== 'error') || msg.id !== busy.id) return;
    slot.busy = undefined;
    if (msg.type === 'result') this.losses = 0;
    const queueMs = busy.started - busy.job.enqueued;
    if (msg.type === 'result') busy.job.resolve({ outputs: msg.outputs, computeMs: msg.computeMs, queueMs });
    else busy.job.reject(new InferenceError(msg.invalidArgument ? 'invalid-argument' : 'internal', `runtime error: ${msg.message}`));
    this.pump();
    this.onCapacity?.();
    this.checkIdle();
  }

  private failSlot(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // already handled ('error' is followed by 'exit')
    this.slots.splice(i, 1);
    const busy = slot.busy;
    slot.busy = undefined;
    busy?.job.reject(new InferenceError('internal', err.message));
    if (this.started && !this.closed) this.replace(err.message);
    this.failQueuedIfDead();
    this.checkIdle();
  }

  /** Schedules a replacement for a lost worker, with backoff, unless losses keep coming. */
  private replace(reason: string): void {
    this.lastLoss = reason;
    this.losses++;
    if (this.losses > MAX_CONSECUTIVE_LOSSES) {
      this.losses--;
      if (!this.gaveUp) {
        this.gaveUp = true;
        this.onEvent?.({ type: 'gave-up', reason, losses: this.losses, workers: this.size });
      }
      // The batcher may hold requests for capacity that will never come: let it dispatch them to fail.
      this.onCapacity?.();
      return;
    }
    const delay = Math.min(5_000, RESTART_BASE_MS * 2 ** (this.losses - 1));
    this.restarting++;
    this.onEvent?.({ type: 'worker-lost', reason, workers: this.size, restartInMs: delay });
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.closed) {
        this.restarting--;
        return;
      }
      this.spawn().then(
        () => {
          this.restarting--;
          this.onEvent?.({ type: 'worker-restarted', workers: this.size });
          this.pump();
          this.onCapacity?.();
        },
        () => {
          // Its exit (it is terminated after a failed load) counts the loss and tries again.
          this.restarting--;
          this.failQueuedIfDead();
        },
      );
    }, delay);
    this.restartTimers.add(timer);
  }

  private noWorkerMessage(): string {
    if (this.closed) return 'model is unloading';
    return this.unavailableReason ?? `no inference worker is running${this.lastLoss ? ` (last one: ${this.lastLoss})` : ''}`;
  }

  private failQueuedIfDead(): void {
    if (!this.dead || this.queue.length === 0) return;
    const message = this.noWorkerMessage();
    for (const job of this.queue.splice(0)) job.reject(new InferenceError('unavailable', message));
  }

  private checkIdle(): void {
    if (this.onIdle && this.queue.length === 0 && this.slots.every((s) => !s.busy)) {
      const cb = this.onIdle;
      this.onIdle = undefined;
      cb();
    }
  }

  /**
   * Waits for queued and running jobs to finish (at most `timeoutMs`), then fails what is still
   * queued and stops the workers. A run already inside session.run is never interrupted, even after
   * the timeout: ending a thread there aborts the whole process (onnxruntime's native callback), so
   * a busy worker is stopped once its run returns (its caller still gets the result).
   */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closed = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restarting -= this.restartTimers.size;
    this.restartTimers.clear();
    this.failQueuedIfDead();
    if (this.queue.length > 0 || this.slots.some((s) => s.busy)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const job of this.queue.splice(0)) job.reject(new InferenceError('unavailable', 'model unloaded'));
    if (this.slots.some((s) => s.busy)) await new Promise<void>((resolve) => (this.onIdle = resolve));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
