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
  busy?: { id: number; job: Job; started: number };
}

/**
 * A fixed set of worker threads, each with its own session of the same model. Jobs queue in
 * FIFO order and go to the first idle worker; every job settles exactly once, also when a
 * worker dies (its job fails, the others keep going).
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private onIdle: (() => void) | undefined;
  /** Called whenever a worker finishes a job (the batcher dispatches what waits). */
  onCapacity: (() => void) | undefined;

  private constructor(private readonly opts: WorkerPoolOptions) {}

  /** Starts the workers and loads the model in each; rejects if any session cannot be created. */
  static async start(opts: WorkerPoolOptions): Promise<{ pool: WorkerPool; info: PoolInfo }> {
    const pool = new WorkerPool(opts);
    try {
      const infos = await Promise.all(Array.from({ length: Math.max(1, opts.instances) }, () => pool.spawn()));
      const first = infos[0]!;
      return { pool, info: { ...first, loadMs: Math.max(...infos.map((i) => i.loadMs)) } };
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  private spawn(): Promise<PoolInfo> {
    const script = this.opts.workerScript ?? path.join(__dirname, 'onnxWorker.js');
    const worker = new Worker(script);
    const slot: Slot = { worker };
    this.slots.push(slot);
    return new Promise<PoolInfo>((resolve, reject) => {
      let loaded = false;
      worker.on('message', (msg: WorkerResponse) => {
        if (msg.type === 'loaded') {
          loaded = true;
          resolve({ provider: msg.provider, fallbacks: msg.fallbacks, inputs: msg.inputs, outputs: msg.outputs, loadMs: msg.loadMs });
          this.pump();
        } else if (msg.type === 'load-failed') {
          reject(new InferenceError('unavailable', `failed to load ${this.opts.modelFile}: ${msg.message}`));
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

  /** Workers not running anything. */
  get idleWorkers(): number {
    return this.slots.filter((s) => !s.busy).length;
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /** Runs one inference on the next free worker. */
  run(inputs: WireTensor[], outputNames: string[]): Promise<RunResult> {
    if (this.closed) return Promise.reject(new InferenceError('unavailable', 'model is unloading'));
    // Every worker died: nothing would ever take the job.
    if (this.slots.length === 0) return Promise.reject(new InferenceError('unavailable', 'no inference worker is running'));
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ inputs, outputNames, enqueued: performance.now(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy || slot.worker.threadId < 0) continue;
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
    const queueMs = busy.started - busy.job.enqueued;
    if (msg.type === 'result') busy.job.resolve({ outputs: msg.outputs, computeMs: msg.computeMs, queueMs });
    else busy.job.reject(new InferenceError(msg.invalidArgument ? 'invalid-argument' : 'internal', `runtime error: ${msg.message}`));
    this.pump();
    this.onCapacity?.();
    this.checkIdle();
  }

  private failSlot(slot: Slot, err: Error): void {
    const busy = slot.busy;
    slot.busy = undefined;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    busy?.job.reject(new InferenceError('internal', err.message));
    if (this.slots.length === 0) {
      for (const job of this.queue.splice(0)) job.reject(new InferenceError('unavailable', 'no inference worker is running'));
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.onIdle && this.queue.length === 0 && this.slots.every((s) => !s.busy)) {
      const cb = this.onIdle;
      this.onIdle = undefined;
      cb();
    }
  }

  /** Waits for queued and running jobs to finish (at most `timeoutMs`), then stops the workers. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closed = true;
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
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
