import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { InferenceError } from '../errors';
import type { TensorMetadata } from '../tensor/types';
import { ChannelPool, type PoolChannel, type PoolDriver } from './channelPool';
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
}

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
 * workers and closing). A running session.run is never interrupted: no job time limit.
 */
export class WorkerPool extends ChannelPool<OnnxJob, WireTensor[], PoolInfo> {
  /** Starts the workers and loads the model in each; rejects if any session cannot be created. */
  static async start(opts: WorkerPoolOptions): Promise<{ pool: WorkerPool; info: PoolInfo }> {
    const { pool, infos } = await ChannelPool.startPool<PoolInfo, WorkerPool>(new WorkerPool(onnxDriver(opts), opts.instances));
    return { pool, info: { ...infos[0]!, loadMs: Math.max(...infos.map((i) => i.loadMs)) } };
  }

  /** Runs one inference on the next free worker. */
  async run(inputs: WireTensor[], outputNames: string[]): Promise<RunResult> {
    const r = await this.runJob({ inputs, outputNames });
    return { outputs: r.result, computeMs: r.computeMs, queueMs: r.queueMs };
  }
}
