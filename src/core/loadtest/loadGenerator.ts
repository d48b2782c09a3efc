/**
 * The load itself: `concurrency` closed loops (send, wait for the whole answer, send again), after a
 * warm-up, for a fixed window; optionally paced to a target rate (loops take the next free slot of a
 * shared schedule, so the rate holds whatever the concurrency). Runs in the load process
 * (dist/loadtest.js) or in the `modeldeck loadtest` CLI, never in the extension host: the loops keep
 * an event loop busy.
 */
import { performance } from 'node:perf_hooks';
import { ErrorTally, LatencyList, percentiles } from './latencyStats';
import type { LoadPlan, LoadProgress, LoadTestResult } from './loadTestTypes';
import { createSender } from './transports';

export interface LoadRun {
  /** Ends the run early; `done` then resolves with what was measured (`stopped: true`). */
  stop(): void;
  done: Promise<LoadTestResult>;
}

/** Problems with a plan, as messages (empty: runnable). */
export function planProblems(plan: Pick<LoadPlan, 'concurrency' | 'durationS' | 'ratePerS' | 'warmupS'>): string[] {
  const p: string[] = [];
  if (!Number.isInteger(plan.concurrency) || plan.concurrency < 1 || plan.concurrency > 1024) p.push('concurrency: expected a whole number from 1 to 1024');
  if (!(plan.durationS > 0) || plan.durationS > 3600) p.push('duration: expected seconds above 0, at most 3600');
  if (plan.ratePerS !== undefined && !(plan.ratePerS > 0)) p.push('rate: expected requests per second above 0 (or none: as fast as possible)');
  if (plan.warmupS !== undefined && !(plan.warmupS >= 0 && plan.warmupS <= 60)) p.push('warm-up: expected 0 to 60 seconds');
  return p;
}

/** Waits for `p` at most `ms`; the timer is cleared either way (a pending one would keep a CLI alive). */
function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

export function runLoad(plan: LoadPlan, onProgress: (p: LoadProgress) => void = () => {}): LoadRun {
  const problems = planProblems(plan);
  if (problems.length > 0) return { stop: () => {}, done: Promise.reject(new Error(problems.join('; '))) };
  const sender = createSender(plan.payload, plan.concurrency);
  const warmupS = plan.warmupS ?? 0.5;
  const progressMs = plan.progressMs ?? 500;
  const all = new LatencyList();
  const interval = new LatencyList();
  const tally = new ErrorTally();
  let measuring = false;
  let stopping = false;
  let stoppedEarly = false;
  let ok = 0;
  let errors = 0;
  let warmupErrors = 0;
  let intervalOk = 0;
  let intervalErrors = 0;
  let active = 0;
  let allStopped: () => void = () => {};
  let wake: () => void = () => {};
  const timeline: LoadTestResult['timeline'] = [];
  // Per-second buckets for the saved timeline (the progress interval may be shorter).
  const second = new LatencyList();
  let secondErrors = 0;

  // Pacing: slot k is due at paceStart + k / rate; each send takes the next slot.
  const gapMs = plan.ratePerS ? 1000 / plan.ratePerS : 0;
  let nextSlot = performance.now();

  const record = (start: number, error: string | undefined): void => {
    if (!measuring) {
      if (error) warmupErrors++;
      return;
    }
    if (error === undefined) {
      const ms = performance.now() - start;
      all.push(ms);
      interval.push(ms);
      second.push(ms);
      ok++;
      intervalOk++;
    } else {
      tally.add(error);
      errors++;
      intervalErrors++;
      secondErrors++;
    }
  };

  const startLoop = (i: number): void => {
    const send = sender.forLoop(i);
    const once = (): void => {
      if (stopping) {
        if (--active === 0) allStopped();
        return;
      }
      if (gapMs > 0) {
        const now = performance.now();
        const due = Math.max(nextSlot, now);
        nextSlot = due + gapMs;
        if (due - now > 0.5) {
          setTimeout(go, due - now);
          return;
        }
      }
      go();
    };
    const go = (): void => {
      if (stopping) {
        once();
        return;
      }
      const start = performance.now();
      send((error, retryable) => {
        record(start, error);
        // A transport failure waits a little instead of spinning; an answer (even an error) does not.
        if (error !== undefined && retryable) setTimeout(once, 20);
        else once();
      });
    };
    once();
  };

  const done = (async (): Promise<LoadTestResult> => {
    active = plan.concurrency;
    for (let i = 0; i < plan.concurrency; i++) startLoop(i);
    const stopWait = new Promise<void>((r) => (wake = r));
    const warmStart = performance.now();
    // Warm-up, with progress so a long one shows.
    while (!stoppedEarly && performance.now() - warmStart < warmupS * 1000) {
      await within(stopWait, Math.min(progressMs, warmupS * 1000 - (performance.now() - warmStart)));
      if (stoppedEarly) break;
      onProgress(progressOf(-(warmupS - (performance.now() - warmStart) / 1000), 0, true));
    }
    const t0 = performance.now();
    let lastTick = t0;
    let lastSecond = t0;
    measuring = true;
    const windowMs = plan.durationS * 1000;
    while (!stoppedEarly && performance.now() - t0 < windowMs) {
      await within(stopWait, Math.min(progressMs, windowMs - (performance.now() - t0)));
      const now = performance.now();
      const dt = (now - lastTick) / 1000;
      onProgress(progressOf((now - t0) / 1000, dt, false));
      lastTick = now;
      if (now - lastSecond >= 1000 || now - t0 >= windowMs || stoppedEarly) closeSecond(now, t0, now - lastSecond);
      if (now - lastSecond >= 1000) lastSecond = now;
    }
    measuring = false;
    const t1 = performance.now();
    if (second.length > 0 || secondErrors > 0) closeSecond(t1, t0, t1 - lastSecond);
    stopping = true;
    // Let the requests in flight finish (bounded), so the server sees no aborted connections.
    await within(new Promise<void>((r) => (allStopped = r)), 10_000);
    sender.close();
    const elapsedS = (t1 - t0) / 1000;
    const latency = percentiles(all.sorted());
    return {
      ok,
      errors,
      errorKinds: tally.top(),
      warmupErrors,
      elapsedS,
      throughputRps: elapsedS > 0 ? ok / elapsedS : 0,
      ...(latency ? { latency } : {}),
      stopped: stoppedEarly,
      timeline,
    };
  })();

  function closeSecond(now: number, t0: number, spanMs: number): void {
    if (spanMs <= 0) return;
    const p = percentiles(second.sorted());
    timeline.push({ t: Math.round(((now - t0) / 1000) * 10) / 10, rps: second.length / (spanMs / 1000), ...(p ? { p99Ms: p.p99Ms } : {}), errors: secondErrors });
    second.clear();
    secondErrors = 0;
  }

  function progressOf(elapsedS: number, intervalS: number, warmingUp: boolean): LoadProgress {
    const lat = percentiles(interval.sorted());
    const p: LoadProgress = {
      elapsedS,
      durationS: plan.durationS,
      warmingUp,
      ok,
      errors,
      intervalS,
      intervalOk,
      intervalErrors,
      intervalRps: intervalS > 0 ? intervalOk / intervalS : 0,
      ...(lat ? { intervalLatency: lat } : {}),
    };
    interval.clear();
    intervalOk = 0;
    intervalErrors = 0;
    return p;
  }

  return {
    stop: () => {
      stoppedEarly = true;
      wake();
    },
    done,
  };
}
