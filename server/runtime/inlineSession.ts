/**
 * An onnxruntime session on the server's main thread, for runs the InlinePolicy measured to be tiny
 * (see inlinePolicy.ts for why). One intra-op thread: a run this small gains nothing from a thread
 * pool, and pool threads spinning after each run would take the cores from the event loop.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { InferenceError } from '../errors';
import { fromOrt, toOrt } from './ortTensors';
import type { WireTensor } from './workerProtocol';

/** Larger model files are never loaded a second time on the main thread (memory, load time). */
export const MAX_INLINE_MODEL_BYTES = 8 * 1024 * 1024;

export class InlineSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** Whether a model file is small enough to get a main-thread session. */
  static fits(modelFile: string): boolean {
    try {
      return fs.statSync(modelFile).size <= MAX_INLINE_MODEL_BYTES;
    } catch {
      return false;
    }
  }

  static async create(modelFile: string): Promise<InlineSession> {
    const session = await ort.InferenceSession.create(modelFile, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new InlineSession(session);
  }

  /** One run; the same errors as a worker's (a bad feed is the client's, the rest the runtime's). */
  async run(inputs: WireTensor[], outputNames: string[]): Promise<{ outputs: WireTensor[]; computeMs: number }> {
    const feeds: Record<string, ort.Tensor> = {};
    try {
      for (const t of inputs) feeds[t.name] = toOrt(t);
    } catch (err) {
      throw new InferenceError('invalid-argument', `runtime error: ${(err as Error).message}`);
    }
    // onnxruntime-node runs the session in a setImmediate callback that session.run() schedules
    // synchronously. Timing from the call would count every I/O callback the loop handles before
    // it; an immediate scheduled just before runs just before it (FIFO), so the time is the run's.
    let started = performance.now();
    setImmediate(() => (started = performance.now()));
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(feeds, outputNames);
    } catch (err) {
      throw new InferenceError('internal', `runtime error: ${(err as Error).message}`);
    }
    const computeMs = performance.now() - started;
    return { outputs: outputNames.map((n) => fromOrt(n, results[n] as ort.Tensor)), computeMs };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
