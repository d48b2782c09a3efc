/**
 * The worker pool's bookkeeping when a worker goes away: the job it held fails exactly once with a
 * message that says so, jobs still queued fail with "unavailable" once no worker is left, and a job
 * submitted after that is refused at once instead of waiting forever.
 * A stand-in worker (test/fixtures/workers/holdingWorker.mjs) holds its jobs: a real onnxruntime
 * worker must not be ended inside session.run (the native callback aborts the whole process).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WorkerPool } from '../../server/runtime/workerPool';
import type { WireTensor } from '../../server/runtime/workerProtocol';
import { REPO_ROOT } from '../support/serverProcess';

const HOLDING = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'holdingWorker.mjs');
const x = (): WireTensor[] => [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }];

async function settledOf(jobs: Record<string, Promise<unknown>>, act: () => Promise<unknown>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const done = Promise.all(Object.entries(jobs).map(([k, p]) => p.then(() => (out[k] = 'ok'), (e: Error) => (out[k] = e.message))));
  await act();
  await done;
  return out;
}

describe('worker pool: a worker that dies', () => {
  it('fails the job it held and the queued one, once each, then refuses new jobs clearly', { timeout: 15_000 }, async (t) => {
    const { pool, info } = await WorkerPool.start({ modelFile: 'unused.onnx', instances: 1, providers: ['cpu'], intraOpThreads: 1, workerScript: HOLDING });
    t.after(() => pool.close(1_000));
    assert.equal(info.inputs[0]!.name, 'x');
    const running = pool.run(x(), ['y']);
    const queued = pool.run(x(), ['y']);
    assert.equal(pool.idleWorkers, 0);
    assert.equal(pool.queued, 1, 'the second job waits for the busy worker');
    const worker = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!.worker;
    const settled = await settledOf({ running, queued }, () => worker.terminate());
    assert.match(settled.running!, /^inference worker exited with code/);
    assert.equal(settled.queued, 'no inference worker is running');
    await assert.rejects(pool.run(x(), ['y']), /no inference worker is running/);
  });

  it('with two workers, losing one leaves the other serving', { timeout: 15_000 }, async (t) => {
    const { pool } = await WorkerPool.start({ modelFile: 'unused.onnx', instances: 2, providers: ['cpu'], intraOpThreads: 1, workerScript: HOLDING });
    t.after(() => pool.close(1_000));
    const a = pool.run(x(), ['y']);
    const b = pool.run(x(), ['y']);
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    const first = slots[0]!.worker;
    const settled = await settledOf({ a }, () => first.terminate());
    assert.match(settled.a!, /exited/);
    assert.equal(pool.size, 1);
    assert.equal(pool.idleWorkers, 0, 'the survivor still holds job b');
    // A new job queues for the survivor instead of being refused.
    const c = pool.run(x(), ['y']);
    assert.equal(pool.queued, 1);
    const rest = await settledOf({ b, c }, () => slots[0]!.worker.terminate());
    assert.match(rest.b!, /exited/);
    assert.equal(rest.c, 'no inference worker is running');
  });
});
