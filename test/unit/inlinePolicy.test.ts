/**
 * The inline policy: which runs may take the main thread. Only runs the workers measured to be tiny,
 * only after enough measurements, never more than the budget per window, and back to the workers
 * (until they measure again) when inline runs turn out slow.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InlinePolicy, RecentMedian, WINDOW, type InlineLimits } from '../../server/runtime/inlinePolicy';

const LIMITS: InlineLimits = { maxRunMs: 0.25, budgetMs: 1, windowMs: 20, warmupRuns: 4, freeRunMs: 0.05 };

function warmed(perRunMs: number, runs = LIMITS.warmupRuns): InlinePolicy {
  const p = new InlinePolicy(LIMITS);
  for (let i = 0; i < runs; i++) p.observeWorker(1, perRunMs);
  return p;
}

describe('InlinePolicy', () => {
  it('keeps every run on the workers until they measured warmupRuns runs', () => {
    const p = warmed(0.02, LIMITS.warmupRuns - 1);
    assert.equal(p.eligible, false);
    assert.equal(p.wantsInline(1, 0), false);
    p.observeWorker(1, 0.02);
    assert.equal(p.eligible, true);
    assert.equal(p.wantsInline(1, 0), true);
  });

  it('judges by the median of recent runs: runs preempted on a busy machine do not hide a tiny model', () => {
    const p = new InlinePolicy(LIMITS);
    for (let i = 0; i < 10; i++) p.observeWorker(1, i % 5 < 2 ? 6 : 0.02); // 40% of runs descheduled mid-run
    assert.equal(p.eligible, true);
    p.observeInline(1, 0.015, 0);
    p.observeInline(1, 4, 1); // one preempted inline run does not end the lane
    p.observeInline(1, 0.015, 2);
    assert.equal(p.eligible, true);
    // Even a preempted second run (the median of two would be it) does not shut the lane.
    const q = warmed(0.02);
    q.observeInline(1, 0.015, 0);
    q.observeInline(1, 5, 1);
    assert.equal(q.wantsInline(1, 2), true);
  });

  it('never takes a model whose runs are slower than maxRunMs', () => {
    const p = warmed(1.5);
    assert.equal(p.eligible, false);
    assert.equal(p.wantsInline(1, 0), false);
  });

  it('sends a batch to the workers when its rows would take longer than maxRunMs', () => {
    const p = warmed(0.02);
    assert.equal(p.wantsInline(8, 0), true); // 0.16 ms
    assert.equal(p.wantsInline(32, 0), false); // 0.64 ms
  });

  it('stops at the budget within a window and starts again in the next window', () => {
    const p = warmed(0.2);
    let inline = 0;
    for (let i = 0; i < 20; i++) {
      if (p.wantsInline(1, 5)) {
        inline++;
        p.observeInline(1, 0.2, 5);
      }
    }
    assert.equal(inline, 5, '1 ms budget / 0.2 ms per run');
    assert.equal(p.wantsInline(1, 10), false, 'same window');
    assert.equal(p.wantsInline(1, 25.1), true, 'a new window');
  });

  it('never charges runs cheaper than the hand-off to the budget', () => {
    const p = warmed(0.02);
    for (let i = 0; i < 1000; i++) {
      assert.equal(p.wantsInline(1, 5), true, `run ${i}`);
      p.observeInline(1, 0.02, 5);
    }
    // A batch whose rows cost more than the hand-off is charged and can run out of budget.
    let inline = 0;
    for (let i = 0; i < 20; i++) {
      if (p.wantsInline(10, 6)) {
        inline++;
        p.observeInline(10, 0.2, 6);
      }
    }
    assert.equal(inline, 5);
  });

  it('goes back to the workers for good when inline runs turn out slow (no flapping)', () => {
    const p = warmed(0.02);
    p.observeInline(1, 0.02, 0);
    for (let i = 0; i < 30 && p.eligible; i++) p.observeInline(1, 3, 100 + i * 50);
    assert.equal(p.eligible, false, 'slow inline runs ended the lane');
    assert.equal(p.wantsInline(1, 10_000), false);
    for (let i = 0; i < 50; i++) p.observeWorker(1, 0.03);
    assert.equal(p.wantsInline(1, 10_000), false, 'the workers saying small again does not bring it back');
  });

  it('scales a worker\'s time by the intra-op threads of the session that ran it: one thread on the main thread may be that much slower', () => {
    const two = new InlinePolicy(LIMITS);
    const one = new InlinePolicy(LIMITS);
    const mixed = new InlinePolicy(LIMITS);
    for (let i = 0; i < LIMITS.warmupRuns; i++) {
      two.observeWorker(1, 0.2, 2);
      one.observeWorker(1, 0.2, 1);
      // Adaptive width: a wide session's runs and a narrow one's are the same work per thread.
      mixed.observeWorker(1, i % 2 ? 0.15 : 0.3, i % 2 ? 2 : 1);
    }
    assert.equal(one.eligible, true, '0.2 ms on one thread');
    assert.equal(two.eligible, false, '0.2 ms on two threads may be 0.4 ms on one');
    assert.ok(Math.abs(mixed.estimateMs(1)! - 0.3) < 1e-9, `wide and narrow runs agree on 0.3 ms per thread (got ${mixed.estimateMs(1)})`);
  });

  it('estimates from inline runs once there are some (they are cheaper than the workers\' cold runs)', () => {
    const p = warmed(0.2);
    assert.ok(Math.abs(p.estimateMs(1)! - 0.2) < 1e-9);
    for (let i = 0; i < 9; i++) p.observeInline(1, 0.01, 0);
    assert.ok(Math.abs(p.estimateMs(1)! - 0.01) < 1e-9);
    assert.equal(p.wantsInline(20, 30), true, '20 rows × 0.01 ms');
  });
});

describe('RecentMedian (the sorted window behind every estimate)', () => {
  it('always equals the median of the last WINDOW samples, with repeats, and skips readings that are not finite', () => {
    const m = new RecentMedian();
    const all: number[] = [];
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    assert.equal(m.median(), undefined);
    for (let i = 0; i < 500; i++) {
      // Few distinct values, so the window holds repeats (the eviction must remove one copy only).
      const v = Math.round(rand() * 20) / 100;
      m.add(v);
      all.push(v);
      if (i % 97 === 0) m.add(Number.NaN);
      const window = all.slice(-WINDOW).sort((a, b) => a - b);
      assert.equal(m.median(), window[window.length >> 1], `after ${i + 1} samples`);
      assert.equal(m.count, window.length);
    }
    m.clear();
    assert.equal(m.median(), undefined);
    m.add(0.3);
    assert.equal(m.median(), 0.3);
  });
});
