/**
 * The worker pool when a worker goes away: the job it held fails exactly once with a message that
 * says so; after start a lost worker is replaced (with backoff) and queued jobs run on the
 * replacement; after MAX_CONSECUTIVE_LOSSES in a row the pool gives up and jobs fail at once with
 * the reason; a pool whose every worker died during start-up-free use refuses jobs instead of
 * letting them wait forever.
 * Stand-in workers (test/fixtures/workers/*.mjs) speak the real worker protocol: a real
 * onnxruntime worker must not be ended inside session.run (the native callback aborts the process).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MAX_CONSECUTIVE_LOSSES, WorkerPool, type PoolEvent } from '../../server/runtime/workerPool';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { WireTensor } from '../../server/runtime/workerProtocol';
import { REPO_ROOT } from '../support/serverProcess';

const HOLDING = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'holdingWorker.mjs');
const ECHO = path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'echoWorker.mjs');
const SLOW = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'slow', '1', 'model.onnx');
const WORKER = path.join(REPO_ROOT, 'dist', 'onnxWorker.js');
const CRASH = -1; // echoWorker ends its thread on this first value
const x = (): WireTensor[] => [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }];

async function settledOf(jobs: Record<string, Promise<unknown>>, act: () => Promise<unknown>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const done = Promise.all(Object.entries(jobs).map(([k, p]) => p.then(() => (out[k] = 'ok'), (e: Error) => (out[k] = e.message))));
  await act();
  await done;
  return out;
}

describe('worker pool: a worker that dies', () => {
  it('the job a lost worker held fails exactly once; the queued one goes to the replacement', { timeout: 15_000 }, async (t) => {
    const { pool, info } = await WorkerPool.start({ modelFile: 'unused.onnx', instances: 1, providers: ['cpu'], intraOpThreads: 1, workerScript: HOLDING });
    t.after(() => closeHolding(pool));
    assert.equal(info.inputs[0]!.name, 'x');
    const restarted = nextEvent(pool, 'worker-restarted');
    const running = pool.run(x(), ['y']);
    const queued = pool.run(x(), ['y']);
    assert.equal(pool.idleWorkers, 0);
    assert.equal(pool.queued, 1, 'the second job waits for the busy worker');
    const settled = await settledOf({ running }, () => workerAt(pool, 0).terminate());
    assert.match(settled.running!, /^inference worker exited with code/);
    assert.equal(pool.queued, 1, 'the queued job waits for the replacement instead of failing');
    await restarted;
    assert.equal(pool.queued, 0, 'the replacement took it');
    assert.equal(pool.idleWorkers, 0);
    let queuedSettled = false;
    void queued.then(() => (queuedSettled = true), () => (queuedSettled = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(queuedSettled, false, 'the held job is neither failed nor answered twice');
  });

  it('with two workers, losing one leaves the other serving while it is replaced', { timeout: 15_000 }, async (t) => {
    const { pool } = await WorkerPool.start({ modelFile: 'unused.onnx', instances: 2, providers: ['cpu'], intraOpThreads: 1, workerScript: HOLDING });
    t.after(() => closeHolding(pool));
    const restarted = nextEvent(pool, 'worker-restarted');
    const a = pool.run(x(), ['y']);
    void pool.run(x(), ['y']).catch(() => undefined); // held by the second worker
    const settled = await settledOf({ a }, () => workerAt(pool, 0).terminate());
    assert.match(settled.a!, /exited/);
    assert.equal(pool.size, 1, 'one worker left');
    assert.equal(pool.dead, false);
    assert.equal(pool.unavailableReason, undefined, 'still serving: not reported unavailable');
    void pool.run(x(), ['y']).catch(() => undefined);
    assert.equal(pool.queued, 1, 'a new job queues (the survivor is busy) rather than being refused');
    const ev = await restarted;
    assert.equal(ev.type === 'worker-restarted' && ev.workers, 2);
    assert.equal(pool.queued, 0);
  });

  it('replaces a lost worker: the crashing job fails alone, the queued one runs on the replacement', { timeout: 15_000 }, async (t) => {
    const model = tempModel('ok');
    const { pool } = await WorkerPool.start({ modelFile: model, instances: 1, providers: ['cpu'], intraOpThreads: 1, workerScript: ECHO });
    t.after(() => pool.close(1_000));
    const events: PoolEvent[] = [];
    pool.onEvent = (e) => events.push(e);
    const crash = pool.run(row(CRASH), ['y']);
    const next = pool.run(row(5), ['y']);
    await assert.rejects(crash, /^Error: inference worker exited with code 7$|inference worker exited with code 7/);
    assert.equal(pool.size, 0);
    assert.match(pool.unavailableReason ?? '', /^restarting the inference worker \(last one: inference worker exited with code 7\)$/);
    const r = await next;
    assert.deepEqual([...(r.outputs[0]!.data as Float32Array)], [5, 5, 5, 5], 'the queued job ran on the replacement');
    assert.equal(pool.size, 1);
    assert.equal(pool.unavailableReason, undefined);
    assert.deepEqual(events.map((e) => e.type), ['worker-lost', 'worker-restarted']);
    assert.equal((events[0] as Extract<PoolEvent, { type: 'worker-lost' }>).restartInMs, 100);
  });

  it(`gives up after ${MAX_CONSECUTIVE_LOSSES} losses in a row: waiting jobs fail with the reason, later ones at once`, { timeout: 30_000 }, async (t) => {
    const model = tempModel('ok');
    const { pool } = await WorkerPool.start({ modelFile: model, instances: 1, providers: ['cpu'], intraOpThreads: 1, workerScript: ECHO });
    t.after(() => pool.close(1_000));
    const events: PoolEvent[] = [];
    pool.onEvent = (e) => events.push(e);
    fs.writeFileSync(model, 'fail-load'); // every replacement fails to load from now on
    const crash = pool.run(row(CRASH), ['y']);
    const waiting = pool.run(row(1), ['y']);
    await assert.rejects(crash, /exited with code 7/);
    await assert.rejects(waiting, (e: Error) => {
      assert.match(e.message, new RegExp(`^inference workers died ${MAX_CONSECUTIVE_LOSSES} times in a row, no longer restarted \\(last: inference worker exited with code 1\\)$`));
      return true;
    });
    assert.equal(pool.dead, true);
    assert.deepEqual(events.map((e) => e.type), [...Array(MAX_CONSECUTIVE_LOSSES).fill('worker-lost'), 'gave-up']);
    assert.deepEqual(events.filter((e) => e.type === 'worker-lost').map((e) => (e as { restartInMs: number }).restartInMs), [100, 200, 400, 800, 1600], 'backoff doubles');
    const t0 = performance.now();
    await assert.rejects(pool.run(row(1), ['y']), /no longer restarted/);
    assert.ok(performance.now() - t0 < 50, 'refused at once');
  });

  it('giving up on replacements leaves a surviving worker serving, and the pool reported available', { timeout: 30_000 }, async (t) => {
    const model = tempModel('ok');
    const { pool } = await WorkerPool.start({ modelFile: model, instances: 2, providers: ['cpu'], intraOpThreads: 1, workerScript: ECHO });
    t.after(() => pool.close(1_000));
    const gaveUp = nextEvent(pool, 'gave-up');
    fs.writeFileSync(model, 'fail-load'); // replacements cannot load; the survivor keeps its session
    await assert.rejects(pool.run(row(CRASH), ['y']), /exited with code 7/);
    const ev = await gaveUp;
    assert.equal(ev.type === 'gave-up' && ev.workers, 1, 'the event says one worker still serves');
    assert.equal(pool.size, 1);
    assert.equal(pool.dead, false);
    assert.equal(pool.unavailableReason, undefined, 'one worker still serves');
    const r = await pool.run(row(6), ['y']);
    assert.deepEqual([...(r.outputs[0]!.data as Float32Array)], [6, 6, 6, 6]);
  });

  it('a completed job resets the count: losses spread over time never make it give up', { timeout: 30_000 }, async (t) => {
    const { pool } = await WorkerPool.start({ modelFile: tempModel('ok'), instances: 1, providers: ['cpu'], intraOpThreads: 1, workerScript: ECHO });
    t.after(() => pool.close(1_000));
    const lost: number[] = [];
    pool.onEvent = (e) => {
      if (e.type === 'worker-lost') lost.push(e.restartInMs);
    };
    for (let i = 0; i < MAX_CONSECUTIVE_LOSSES + 2; i++) {
      await assert.rejects(pool.run(row(CRASH), ['y']), /exited/);
      const ok = await pool.run(row(i), ['y']);
      assert.equal((ok.outputs[0]!.data as Float32Array)[0], i);
    }
    assert.equal(pool.dead, false);
    assert.deepEqual(lost, Array(MAX_CONSECUTIVE_LOSSES + 2).fill(100), 'every loss is the first in a row');
  });
});

/** Closes a pool of holding workers: they never answer, so they are ended (safe: no native run inside). */
async function closeHolding(pool: WorkerPool): Promise<void> {
  const closing = pool.close(0);
  await Promise.all((pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots.map((s) => s.worker.terminate()));
  await closing;
}

function workerAt(pool: WorkerPool, i: number): { terminate(): Promise<number> } {
  return (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[i]!.worker;
}

function nextEvent(pool: WorkerPool, type: PoolEvent['type']): Promise<PoolEvent> {
  return new Promise((resolve) => {
    const prev = pool.onEvent;
    pool.onEvent = (e) => {
      prev?.(e);
      if (e.type === type) resolve(e);
    };
  });
}


describe('worker pool: closing while a run is inside session.run', () => {
  it('never interrupts the run, even past the timeout: the caller gets its result, then the workers stop', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 6; i++) {
      const started = await WorkerPool.start({ modelFile: SLOW, instances: 1, providers: ['cpu'], intraOpThreads: 1, workerScript: WORKER });
      const spec = started.info.inputs[0]!;
      const width = spec.shape[1] as number;
      const job = started.pool.run([{ name: spec.name, datatype: 'FP32', shape: [1, width], data: new Float32Array(width).fill(0.5) }], started.info.outputs.map((o) => o.name));
      await new Promise((r) => setTimeout(r, 5)); // let it reach session.run
      const queuedBehind = started.pool.run([{ name: spec.name, datatype: 'FP32', shape: [1, width], data: new Float32Array(width) }], started.info.outputs.map((o) => o.name)).then(
        () => 'answered',
        (e: Error) => e.message,
      );
      await started.pool.close(1); // times out long before the run ends
      const r = await job;
      assert.equal(r.outputs.length, started.info.outputs.length, 'the run in progress finished and answered');
      assert.equal(await queuedBehind, 'model unloaded', 'what had not started is failed');
      assert.equal(started.pool.size, 0);
    }
  });
});

function row(v: number): WireTensor[] {
  return [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4).fill(v) }];
}

function tempModel(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-pool-'));
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, text);
  return file;
}

describe('worker pool: adaptive width (one wide session for a lone run, narrow ones for overlapping runs)', () => {
  it('a run alone takes the wide session; overlapping runs take the narrow ones, never while a wide run holds the cores', { timeout: 60_000 }, async (t) => {
    const { pool, info } = await WorkerPool.start({ modelFile: SLOW, instances: 2, providers: ['cpu'], intraOpThreads: 1, wideThreads: 2, workerScript: WORKER, inlineRuns: 'off' });
    t.after(() => pool.close());
    assert.deepEqual(pool.plan, { adaptive: true, wideThreads: 2, narrow: 2, maxNarrow: 2 });
    const spec = info.inputs[0]!;
    const width = spec.shape[1] as number;
    const input = (): WireTensor[] => [{ name: spec.name, datatype: 'FP32', shape: [1, width], data: new Float32Array(width).fill(0.25) }];
    const outputs = info.outputs.map((o) => o.name);

    const alone = await pool.run(input(), outputs);
    assert.equal(pool.wideRuns, 1, 'the lone run went to the wide session');

    // Six at once: the first finds everything idle (wide), the rest queue behind it, then share the narrow sessions.
    const seen = { both: 0, narrowMax: 0, wideMax: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const busy = pool.lanesBusy;
        if (busy.wide > 0 && busy.narrow > 0) seen.both++;
        seen.narrowMax = Math.max(seen.narrowMax, busy.narrow);
        seen.wideMax = Math.max(seen.wideMax, busy.wide);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const burst = await Promise.all(Array.from({ length: 6 }, () => pool.run(input(), outputs)));
    sampling = false;
    await sampler;
    assert.equal(seen.both, 0, 'a narrow run never ran beside a wide one');
    assert.equal(seen.wideMax, 1);
    assert.equal(seen.narrowMax, 2, 'the overlapping runs used both narrow sessions at once');
    assert.equal(pool.wideRuns, 2, 'only the burst\'s first run went wide');
    for (const r of burst) {
      assert.deepEqual(Array.from(r.outputs[0]!.data as Float32Array), Array.from(alone.outputs[0]!.data as Float32Array), 'both lanes compute the same answer');
    }
    assert.ok(burst.slice(1).every((r) => r.queueMs > 0), 'the runs behind the wide one waited for it');

    await pool.run(input(), outputs);
    assert.equal(pool.wideRuns, 2, 'right after overlapping runs, a lone run stays narrow (they may come back)');
    await new Promise((r) => setTimeout(r, pool.overlapWindowMs + 20));
    await pool.run(input(), outputs);
    assert.equal(pool.wideRuns, 3, 'alone for a while: wide again');
  });

  it('narrow sessions start as runs overlap: one at first, more only while every one is busy, up to the maximum', { timeout: 60_000 }, async (t) => {
    const { pool, info } = await WorkerPool.start({ modelFile: SLOW, instances: 1, maxInstances: 2, providers: ['cpu'], intraOpThreads: 1, wideThreads: 2, workerScript: WORKER, inlineRuns: 'off' });
    t.after(() => pool.close());
    const spec = info.inputs[0]!;
    const width = spec.shape[1] as number;
    const input = (): WireTensor[] => [{ name: spec.name, datatype: 'FP32', shape: [1, width], data: new Float32Array(width).fill(0.5) }];
    const outputs = info.outputs.map((o) => o.name);
    for (let i = 0; i < 3; i++) await pool.run(input(), outputs); // one at a time: always the wide lane
    assert.equal(pool.wideRuns, 3);
    assert.equal(pool.size, 1, 'runs that never overlapped started no narrow session');
    let both = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const busy = pool.lanesBusy;
        if (busy.wide > 0 && busy.narrow > 0) both++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const burst = [];
    for (let round = 0; round < 4; round++) burst.push(...(await Promise.all(Array.from({ length: 4 }, () => pool.run(input(), outputs)))));
    sampling = false;
    await sampler;
    assert.equal(burst.length, 16);
    assert.equal(both, 0, 'a narrow run never ran beside a wide one');
    assert.equal(pool.size, 2, 'overlapping runs grew the narrow sessions to the maximum, and no further');
    assert.deepEqual(pool.plan, { adaptive: true, wideThreads: 2, narrow: 2, maxNarrow: 2 });
  });

  it('a wide lane that cannot load leaves the narrow sessions serving, with the reason in the plan', { timeout: 30_000 }, async (t) => {
    const { pool } = await WorkerPool.start({ modelFile: tempModel('fail-wide'), instances: 2, providers: ['cpu'], intraOpThreads: 1, wideThreads: 2, workerScript: ECHO, inlineRuns: 'off' });
    t.after(() => pool.close());
    assert.equal(pool.plan.adaptive, false);
    assert.match(pool.plan.adaptive ? '' : pool.plan.reason ?? '', /the wide session did not load: .*fail-wide/);
    const r = await pool.run(row(3), ['y']);
    assert.deepEqual(Array.from(r.outputs[0]!.data as Float32Array), [3, 3, 3, 3]);
    assert.equal(pool.wideRuns, 0);
    assert.equal(pool.size, 2);
  });
});
