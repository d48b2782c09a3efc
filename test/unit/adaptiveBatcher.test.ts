import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { AdaptiveBatcher, type BatcherClock, type BatchItem } from '../../server/batching/adaptiveBatcher';
import { InferenceError } from '../../server/errors';

interface Item extends BatchItem {
  id: number;
}

/** A clock the test advances by hand. */
function fakeClock() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: BatcherClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn, id: nextId++ };
      timers.push(t);
      return t.id;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { clock, advance, pendingTimers: () => timers.length };
}

/** A fake runtime with `workers` slots; batches stay running until `finish()` is called. */
function fakeRuntime(workers: number) {
  const running: { items: Item[]; resolve: (r: (string | Error)[]) => void; reject: (e: Error) => void }[] = [];
  const batches: number[][] = [];
  let busy = 0;
  let batcher: AdaptiveBatcher<Item, string> | undefined;
  const hooks = {
    canStart: () => busy < workers,
    execute: (items: Item[]) => {
      busy++;
      batches.push(items.map((i) => i.id));
      return new Promise<(string | Error)[]>((resolve, reject) => running.push({ items, resolve, reject }));
    },
  };
  const finish = async (fail?: Error) => {
    const r = running.shift()!;
    busy--;
    if (fail) r.reject(fail);
    else r.resolve(r.items.map((i) => `result-${i.id}`));
    await new Promise((res) => setImmediate(res));
    batcher?.notifyCapacity();
  };
  return { hooks, batches, running, finish, attach: (b: AdaptiveBatcher<Item, string>) => (batcher = b) };
}

const item = (id: number, rows = 1, key = 'k'): Item => ({ id, rows, key });

describe('AdaptiveBatcher', () => {
  it('dispatches at once when a worker is idle: a lone request never waits', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 8, maxLatencyMs: 50, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    const p = b.submit(item(1));
    assert.deepEqual(rt.batches, [[1]], 'dispatched synchronously');
    await rt.finish();
    assert.deepEqual(await p, { result: 'result-1', waitedMs: 0 });
  });

  it('collects requests while the worker is busy and runs them together when it frees up', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 8, maxLatencyMs: 50, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    const ps = [1, 2, 3, 4].map((i) => b.submit(item(i)));
    assert.deepEqual(rt.batches, [[1]]);
    assert.equal(b.queued, 3);
    await rt.finish();
    assert.deepEqual(rt.batches, [[1], [2, 3, 4]]);
    await rt.finish();
    assert.deepEqual((await Promise.all(ps)).map((r) => r.result), ['result-1', 'result-2', 'result-3', 'result-4']);
    assert.equal(b.held, 0);
  });

  it('bounds the wait of the oldest request by maxLatencyMs even when every worker is busy', async () => {
    const { clock, advance } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 8, maxLatencyMs: 10, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    void b.submit(item(1));
    const p2 = b.submit(item(2));
    advance(5);
    const p3 = b.submit(item(3));
    advance(4);
    assert.deepEqual(rt.batches, [[1]], 'not yet: 9 ms');
    advance(1);
    assert.deepEqual(rt.batches, [[1], [2, 3]], 'the oldest waited 10 ms: dispatched with its company');
    await rt.finish();
    await rt.finish();
    assert.equal((await p2).waitedMs, 10);
    assert.equal((await p3).waitedMs, 5);
  });

  it('never puts more than maxBatchSize rows in a batch; an oversized request runs alone', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 4, maxLatencyMs: 1000, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    const rows = new Map<number, number>([[1, 1], [2, 3], [3, 2], [4, 2], [5, 9], [6, 1]]);
    const ps = [...rows].map(([id, r]) => b.submit(item(id, r)));
    // A full batch (≥ 4 rows waiting) goes to the runtime queue at once even with the worker busy.
    while (rt.running.length > 0) await rt.finish();
    await Promise.all(ps);
    for (const batch of rt.batches) {
      const total = batch.reduce((n, id) => n + rows.get(id)!, 0);
      assert.ok(batch.length === 1 || total <= 4, `batch ${batch} has ${total} rows`);
    }
    assert.deepEqual(rt.batches.flat().sort(), [1, 2, 3, 4, 5, 6]);
    assert.ok(rt.batches.some((x) => x.length === 1 && x[0] === 5), 'the 9-row request ran alone');
  });

  it('never mixes requests with different keys', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 16, maxLatencyMs: 1000, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    const ps = [item(1, 1, 'a'), item(2, 1, 'b'), item(3, 1, 'a'), item(4, 1, 'b'), item(5, 1, 'a')].map((i) => b.submit(i));
    while (rt.running.length > 0) await rt.finish();
    await Promise.all(ps);
    assert.deepEqual(rt.batches, [[1], [2, 4], [3, 5]]);
  });

  it('refuses at once with 503 + Retry-After when maxQueueSize requests are held', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 4, maxLatencyMs: 1000, maxQueueSize: 3 }, rt.hooks, clock);
    rt.attach(b);
    const held = [1, 2, 3].map((i) => b.submit(item(i)));
    await assert.rejects(b.submit(item(4)), (err: unknown) => {
      assert.ok(err instanceof InferenceError);
      assert.equal(err.reason, 'unavailable');
      assert.equal(err.retryAfterSeconds, 1);
      assert.match(err.message, /queue full/);
      assert.match(err.message, /maxQueueSize 3/);
      return true;
    });
    while (rt.running.length > 0) await rt.finish();
    await Promise.all(held);
    const again = b.submit(item(5));
    await rt.finish();
    assert.equal((await again).result, 'result-5', 'accepts again once drained');
  });

  it('gives every member of a failed batch the error, and keeps going', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 8, maxLatencyMs: 1000, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    const first = b.submit(item(1));
    const batch = [2, 3, 4].map((i) => b.submit(item(i)));
    await rt.finish();
    await first;
    const settled = Promise.allSettled(batch);
    await rt.finish(new Error('runtime exploded'));
    for (const r of await settled) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /runtime exploded/);
    }
    const after = b.submit(item(9));
    await rt.finish();
    assert.equal((await after).result, 'result-9');
    assert.equal(b.held, 0);
  });

  it('applies new limits without a restart', async () => {
    const { clock } = fakeClock();
    const rt = fakeRuntime(1);
    const b = new AdaptiveBatcher<Item, string>({ maxBatchSize: 1, maxLatencyMs: 0, maxQueueSize: 100 }, rt.hooks, clock);
    rt.attach(b);
    const ps = [1, 2, 3].map((i) => b.submit(item(i)));
    while (rt.running.length > 0) await rt.finish();
    await Promise.all(ps);
    assert.deepEqual(rt.batches, [[1], [2], [3]], 'batch size 1 = no batching');
    b.setLimits({ maxBatchSize: 8, maxLatencyMs: 100, maxQueueSize: 100 });
    const qs = [4, 5, 6].map((i) => b.submit(item(i)));
    while (rt.running.length > 0) await rt.finish();
    await Promise.all(qs);
    assert.deepEqual(rt.batches.slice(3), [[4], [5, 6]]);
  });
});
