/**
 * Decides, per run, whether a model's session.run goes to a worker thread or runs on the main
 * thread. Handing a run to a worker costs two thread wake-ups (main → worker, result → main); on
 * the bench's tiny model that hand-off (≈ 70 µs of main-thread time per request, mostly inside
 * postMessage waking the worker) is five times the run itself (≈ 13 µs). So runs measured to be
 * tiny run inline, and everything else keeps to the workers: the event loop never blocks for more
 * than `maxRunMs` at a time, and runs dearer than the hand-off itself (`freeRunMs`) take at most
 * `budgetMs` per `windowMs`. Pure: the caller passes the clock and the measured times.
 */

export interface InlineLimits {
  /** A run expected to take longer than this (ms) goes to a worker. */
  maxRunMs: number;
  /** Most main-thread time (ms) inline runs may take per window; beyond it, runs go to workers. */
  budgetMs: number;
  /** Length of that window, ms. */
  windowMs: number;
  /** Worker runs measured before the first inline run (the estimate starts from them). */
  warmupRuns: number;
  /**
   * Runs expected to take no longer than this (ms) are never charged to the budget: handing one to a
   * worker would cost the main thread more (the hand-off measured ≈ 70 µs) than running it.
   */
  freeRunMs: number;
}

export const DEFAULT_INLINE_LIMITS: InlineLimits = { maxRunMs: 0.25, budgetMs: 5, windowMs: 20, warmupRuns: 16, freeRunMs: 0.05 };

/** Recent runs the estimates are the median of (a run preempted on a busy machine is an outlier, not the cost). */
export const WINDOW = 31;

/** Inline runs seen before they may end the lane (a median of a handful is one preempted run away). */
const MIN_INLINE_VERDICT = 9;

/**
 * The median of the last WINDOW samples. Asked on every run (the lane's decision and its check), so
 * the window is also kept sorted: an insert and a removal in 31 numbers instead of a copy and a sort
 * per question (which took ≈ 4 % of the main thread at 6,500 tiny requests/s).
 */
export class RecentMedian {
  private readonly samples: number[] = [];
  private readonly sorted: number[] = [];
  private next = 0;

  get count(): number {
    return this.samples.length;
  }

  add(v: number): void {
    if (!Number.isFinite(v)) return; // a broken clock reading is no cost: it would also break the sorted copy
    if (this.samples.length < WINDOW) {
      this.samples.push(v);
    } else {
      const evicted = this.samples[this.next]!;
      this.samples[this.next] = v;
      this.sorted.splice(this.sorted.indexOf(evicted), 1);
    }
    this.next = (this.next + 1) % WINDOW;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.splice(lo, 0, v);
  }

  median(): number | undefined {
    return this.sorted.length === 0 ? undefined : this.sorted[this.sorted.length >> 1];
  }

  clear(): void {
    this.samples.length = 0;
    this.sorted.length = 0;
    this.next = 0;
  }
}

export class InlinePolicy {
  private readonly worker = new RecentMedian();
  private readonly inline = new RecentMedian();
  private windowStart = -Infinity;
  private windowUsedMs = 0;

  /** Set once inline runs turned out slower than the limit: the lane stays off for this version. */
  private off = false;

  constructor(private readonly limits: InlineLimits = DEFAULT_INLINE_LIMITS) {}

  /**
   * A run finished on a worker: `ms` inside session.run for `rows` rows, by a session with `threads`
   * intra-op threads. The main-thread session has one, so the time is scaled by the threads (as if
   * the run parallelised perfectly: the safe side).
   */
  observeWorker(rows: number, ms: number, threads = 1): void {
    this.worker.add((ms * Math.max(1, threads)) / Math.max(1, rows));
  }

  /** A run finished on the main thread at `nowMs`: charged to the window's budget (unless it was free). */
  observeInline(rows: number, ms: number, nowMs: number): void {
    this.inline.add(ms / Math.max(1, rows));
    // Runs turned out too slow for the main thread: back to the workers for good (for this version;
    // a reload measures again). Coming back would flap between the two.
    if (this.inline.count >= MIN_INLINE_VERDICT && this.inline.median()! > this.limits.maxRunMs) {
      this.inline.clear();
      this.off = true;
    }
    if (ms <= this.limits.freeRunMs) return;
    this.roll(nowMs);
    this.windowUsedMs += ms;
  }

  /**
   * The expected time of a run of `rows` rows on the main thread, ms; undefined until enough
   * worker runs were measured, and once the lane is off. Per-row cost from single-row runs
   * overestimates batches: safe side.
   */
  estimateMs(rows: number): number | undefined {
    if (this.off) return undefined;
    const fromWorker = this.worker.count >= this.limits.warmupRuns ? this.worker.median()! : undefined;
    // A few inline runs are not a verdict yet (one preempted run would be the median): until then the
    // workers' measurements decide.
    const perRow = this.inline.count >= MIN_INLINE_VERDICT ? this.inline.median() : fromWorker;
    return perRow === undefined ? undefined : perRow * Math.max(1, rows);
  }

  /** True when the measured runs are small enough for inline runs to be worth a session. */
  get eligible(): boolean {
    const est = this.estimateMs(1);
    return est !== undefined && est <= this.limits.maxRunMs;
  }

  /** Whether a run of `rows` rows at `nowMs` should run on the main thread. */
  wantsInline(rows: number, nowMs: number): boolean {
    const est = this.estimateMs(rows);
    if (est === undefined || est > this.limits.maxRunMs) return false;
    if (est <= this.limits.freeRunMs) return true;
    this.roll(nowMs);
    return this.windowUsedMs + est <= this.limits.budgetMs;
  }

  private roll(nowMs: number): void {
    if (nowMs - this.windowStart >= this.limits.windowMs) {
      this.windowStart = nowMs;
      this.windowUsedMs = 0;
    }
  }
}
