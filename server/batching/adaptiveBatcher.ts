import { InferenceError } from '../errors';

/** Batching limits, as in the deployment's `batcher` key. */
export interface BatcherLimits {
  /** Most rows (dimension-0 entries) in one batch; 1 = no batching. */
  maxBatchSize: number;
  /** Longest time the oldest waiting request waits for company, ms. */
  maxLatencyMs: number;
  /** Most requests held at once (waiting or running); more are refused at once. */
  maxQueueSize: number;
}

/** What the batcher needs to know about a request. */
export interface BatchItem {
  /** Requests may share a batch only when their keys are equal. */
  key: string;
  /** Rows this request contributes along dimension 0. */
  rows: number;
}

export interface BatcherHooks<T extends BatchItem, R> {
  /** Runs one batch; settles with one result or Error per item, in order. */
  execute(items: T[]): Promise<(R | Error)[]>;
  /** True when a batch dispatched now would start at once (a worker is idle). */
  canStart(): boolean;
}

/** Injectable time source so tests can drive the clock. */
export interface BatcherClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: BatcherClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Waiting<T, R> {
  item: T;
  enqueued: number;
  resolve: (r: { result: R; waitedMs: number }) => void;
  reject: (e: Error) => void;
}

/**
 * Adaptive batching: requests wait only while every worker is busy, and never longer than
 * `maxLatencyMs`. When a worker is idle a request is dispatched at once (with whatever
 * compatible requests are already waiting), so a lone client pays no batching delay; under load
 * the requests that pile up while workers are busy are run together. Every submitted request
 * settles exactly once.
 */
export class AdaptiveBatcher<T extends BatchItem, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private outstanding = 0;
  private timer: unknown;
  private timerDeadline = Infinity;

  constructor(
    private limits: BatcherLimits,
    private readonly hooks: BatcherHooks<T, R>,
    private readonly clock: BatcherClock = realClock,
  ) {}

  /** Requests held now (waiting or running). */
  get held(): number {
    return this.outstanding;
  }

  /** Requests waiting to be dispatched. */
  get queued(): number {
    return this.waiting.length;
  }

  /** New limits apply to requests from now on (a deployment edit, no reload needed). */
  setLimits(limits: BatcherLimits): void {
    this.limits = limits;
    this.flush();
  }

  /** Queues one request; resolves with its own result and how long it waited for a batch. */
  submit(item: T): Promise<{ result: R; waitedMs: number }> {
    if (this.outstanding >= this.limits.maxQueueSize) {
      return Promise.reject(
        new InferenceError('unavailable', `queue full: ${this.outstanding} requests already waiting or running (maxQueueSize ${this.limits.maxQueueSize}); retry shortly`, 1),
      );
    }
    this.outstanding++;
    if (this.limits.maxBatchSize <= 1 && this.waiting.length === 0) {
      // Batching off and nobody waiting: the request goes straight to its run (the queue only orders waiters).
      return new Promise((resolve, reject) => this.dispatch([{ item, enqueued: this.clock.now(), resolve, reject }]));
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, enqueued: this.clock.now(), resolve, reject });
      this.flush();
    });
  }

  /** A worker became free: start what is waiting. */
  notifyCapacity(): void {
    this.flush();
  }

  /** Dispatches every batch that should go now; arms the latency timer for the rest. */
  private flush(): void {
    while (this.waiting.length > 0) {
      const oldest = this.waiting[0]!;
      const expired = this.clock.now() - oldest.enqueued >= this.limits.maxLatencyMs;
      const full = this.rowsFor(oldest.item.key) >= this.limits.maxBatchSize;
      if (!expired && !full && !this.hooks.canStart()) break;
      this.dispatch(this.takeBatch(oldest.item.key));
    }
    this.armTimer();
  }

  private rowsFor(key: string): number {
    let rows = 0;
    for (const w of this.waiting) if (w.item.key === key) rows += w.item.rows;
    return rows;
  }

  /** Oldest-first requests of one key, up to maxBatchSize rows (the first one always fits). */
  private takeBatch(key: string): Waiting<T, R>[] {
    const batch: Waiting<T, R>[] = [];
    let rows = 0;
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]!;
      if (w.item.key === key && (batch.length === 0 || rows + w.item.rows <= this.limits.maxBatchSize)) {
        batch.push(w);
        rows += w.item.rows;
        this.waiting.splice(i, 1);
        if (rows >= this.limits.maxBatchSize) break;
      } else {
        i++;
      }
    }
    return batch;
  }

  private dispatch(batch: Waiting<T, R>[]): void {
    const started = this.clock.now();
    const settle = (w: Waiting<T, R>, r: R | Error): void => {
      this.outstanding--;
      if (r instanceof Error) w.reject(r);
      else w.resolve({ result: r, waitedMs: started - w.enqueued });
    };
    let run: Promise<(R | Error)[]>;
    try {
      run = this.hooks.execute(batch.map((w) => w.item));
    } catch (err) {
      run = Promise.reject(err);
    }
    run.then(
      (results) => {
        batch.forEach((w, i) => settle(w, results[i] ?? new InferenceError('internal', 'batch returned too few results')));
        this.flush();
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        for (const w of batch) settle(w, e);
        this.flush();
      },
    );
  }

  private armTimer(): void {
    const oldest = this.waiting[0];
    if (!oldest) {
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.timerDeadline = Infinity;
      return;
    }
    const deadline = oldest.enqueued + this.limits.maxLatencyMs;
    if (this.timer !== undefined && this.timerDeadline <= deadline) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDeadline = Infinity;
      this.flush();
    }, Math.max(0, deadline - this.clock.now()));
  }
}
