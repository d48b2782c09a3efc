import { InferenceError } from '../errors';

/**
 * What the pool drives: a worker thread, or anything shaped like one (a Python process behind
 * pipes). Events: 'message', 'error', 'exit' (exit code).
 */
export interface PoolChannel {
  postMessage(msg: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (msg: any) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  terminate(): Promise<number>;
}

/** How a load ended, as the driver reads one message (undefined: not a load message). */
export type LoadOutcome<I> = { info: I } | { error: Error } | undefined;

/** A job's answer, as the driver reads one message (undefined: not an answer). */
export type JobReply<R> = { id: number; result: R; computeMs: number } | { id: number; error: Error } | undefined;

/**
 * The kind-specific half of a pool: how a channel is started and loaded, how a job is sent and how
 * an answer is read. The pool does the rest (FIFO, one job per channel, every job settled once,
 * replacement of lost channels with backoff, giving up, draining on close) the same for ONNX
 * sessions and script hosts.
 */
export interface PoolDriver<J, R, I> {
  /** What one channel is called in messages ("inference worker", "script host"). */
  noun: string;
  spawn(): PoolChannel;
  /** The message that loads the model in a new channel. */
  loadMessage(): unknown;
  loadOutcome(msg: any): LoadOutcome<I>;
  request(id: number, job: J): { msg: unknown; transfer?: ArrayBuffer[] };
  reply(msg: any): JobReply<R>;
  /** Messages that are neither (script output lines). */
  other?(msg: any): void;
  /**
   * A job running longer than this is failed and its channel ended (then replaced). Undefined: no
   * limit (an onnxruntime thread must never be ended inside session.run).
   */
  jobTimeoutMs?: number;
  /** Ends a channel on close; default terminate(). A script host is asked to exit first. */
  stop?(channel: PoolChannel): Promise<unknown>;
}

/** Result of one job. */
export interface PoolRunResult<R> {
  result: R;
  /** Time the channel reported for the job, ms. */
  computeMs: number;
  /** Time waiting for a free channel, ms. */
  queueMs: number;
}

interface Job<J, R> {
  job: J;
  enqueued: number;
  resolve: (r: PoolRunResult<R>) => void;
  reject: (e: Error) => void;
}

interface Slot<J, R> {
  /** The channel (named worker: most are worker threads). */
  worker: PoolChannel;
  /** Its model is loaded: it may take jobs. */
  ready: boolean;
  busy?: { id: number; job: Job<J, R>; started: number; timer?: NodeJS.Timeout };
}

/** What happened to the pool's channels after start, for the server log. */
export type PoolEvent =
  | { type: 'worker-lost'; reason: string; workers: number; restartInMs: number }
  | { type: 'worker-restarted'; workers: number }
  | { type: 'gave-up'; reason: string; losses: number; workers: number };

/** Channels lost in a row (no job completed in between) before the pool stops replacing them. */
export const MAX_CONSECUTIVE_LOSSES = 5;
/** Delay before replacing the first lost channel; doubles with each further loss in a row, up to 5 s. */
const RESTART_BASE_MS = 100;

/**
 * A fixed set of channels (worker threads or processes), each with its own copy of the model. Jobs
 * queue in FIFO order and go to the first idle channel; every job settles exactly once, also when a
 * channel dies (its job fails, the others keep going). A channel that dies after start is replaced
 * with backoff; jobs wait for the replacement. After MAX_CONSECUTIVE_LOSSES losses with no job
 * completed in between the pool gives up (a model that kills every channel), and jobs fail at once.
 */
export class ChannelPool<J, R, I> {
  private readonly slots: Slot<J, R>[] = [];
  private readonly queue: Job<J, R>[] = [];
  private nextId = 1;
  private closed = false;
  private onIdle: (() => void) | undefined;
  /** Set once every first channel has loaded: only then are lost channels replaced. */
  private started = false;
  /** Channels lost in a row without a completed job. */
  private losses = 0;
  /** Replacements scheduled or loading. */
  private restarting = 0;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  /** Why the last channel was lost (for errors and status). */
  private lastLoss: string | undefined;
  private gaveUp = false;
  /** Called whenever a channel finishes a job or comes back (the batcher dispatches what waits). */
  onCapacity: (() => void) | undefined;
  /** Channel losses and replacements, for the log. */
  onEvent: ((e: PoolEvent) => void) | undefined;

  protected constructor(
    private readonly driver: PoolDriver<J, R, I>,
    private readonly instances: number,
  ) {}

  /** Starts the channels and loads the model in each; rejects if any load fails. */
  protected static async startPool<I, P extends ChannelPool<any, any, I>>(pool: P): Promise<{ pool: P; infos: I[] }> {
    // Every channel settles before a failure closes the pool: ending a thread while its session is
    // still being created (native code) is as unsafe as ending one inside session.run.
    const settled = await Promise.allSettled(Array.from({ length: Math.max(1, pool.instances) }, () => pool.spawn()));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    pool.started = true;
    return { pool, infos: settled.map((r) => (r as PromiseFulfilledResult<I>).value) };
  }

  /** Replacements for lost channels, scheduled or loading. */
  protected get replacing(): number {
    return this.restarting;
  }

  /** Starts one more channel (a pool that grows with demand); it takes queued jobs once loaded. */
  protected addChannel(): Promise<I> {
    if (this.closed || this.gaveUp) return Promise.reject(new InferenceError('unavailable', this.closed ? 'model is unloading' : 'no longer starting workers'));
    return this.spawn();
  }

  private spawn(): Promise<I> {
    const { driver } = this;
    let worker: PoolChannel;
    try {
      worker = driver.spawn();
    } catch (err) {
      return Promise.reject(new InferenceError('unavailable', `${driver.noun} could not start: ${(err as Error).message}`));
    }
    const slot: Slot<J, R> = { worker, ready: false };
    this.slots.push(slot);
    return new Promise<I>((resolve, reject) => {
      let loaded = false;
      worker.on('message', (msg: unknown) => {
        if (!loaded) {
          const outcome = driver.loadOutcome(msg);
          if (outcome && 'info' in outcome) {
            loaded = true;
            slot.ready = true;
            resolve(outcome.info);
            this.pump();
            return;
          }
          if (outcome) {
            reject(outcome.error);
            // A failed load is a loss like any other: ending the channel lets its exit count it
            // (after start: and try again); before start, the pool is closed by startPool.
            void worker.terminate();
            return;
          }
        }
        const reply = driver.reply(msg);
        if (reply) this.settle(slot, reply);
        else driver.other?.(msg);
      });
      worker.on('error', (err) => {
        if (!loaded) reject(new InferenceError('unavailable', `${driver.noun} failed while loading: ${err.message}`));
        this.failSlot(slot, err);
      });
      worker.on('exit', (code) => {
        if (!loaded) reject(new InferenceError('unavailable', `${driver.noun} exited with code ${code} while loading`));
        this.failSlot(slot, new Error(`${driver.noun} exited with code ${code}`));
      });
      worker.postMessage(driver.loadMessage());
    });
  }

  /** Jobs waiting for a channel. */
  get queued(): number {
    return this.queue.length;
  }

  /** Loaded channels not running anything. */
  get idleWorkers(): number {
    let n = 0;
    for (const s of this.slots) if (s.ready && !s.busy) n++;
    return n;
  }

  /** Number of loaded channels. */
  get size(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /**
   * Why the pool cannot run anything now, or undefined while it can (or will once a lost
   * channel is replaced, which is reported as a restart in progress).
   */
  get unavailableReason(): string | undefined {
    const noun = this.driver.noun;
    // Having given up matters only once no channel is left: the others still serve.
    if (this.gaveUp && this.slots.length === 0) return `${noun}s died ${this.losses} times in a row, no longer restarted (last: ${this.lastLoss})`;
    if (this.size === 0 && this.restarting > 0) return `restarting the ${noun} (last one: ${this.lastLoss})`;
    return undefined;
  }

  /** Every channel is gone and a replacement is on its way (requests wait for it). */
  get restartingAll(): boolean {
    return this.size === 0 && this.restarting > 0 && !this.gaveUp;
  }

  /** No channel runs and none is coming: run() fails at once. */
  get dead(): boolean {
    return this.slots.length === 0 && this.restarting === 0;
  }

  /** Runs one job on the next free channel. */
  runJob(job: J): Promise<PoolRunResult<R>> {
    if (this.closed) return Promise.reject(new InferenceError('unavailable', 'model is unloading'));
    // Every channel died and none is coming: nothing would ever take the job.
    if (this.dead) return Promise.reject(new InferenceError('unavailable', this.noWorkerMessage()));
    return new Promise<PoolRunResult<R>>((resolve, reject) => {
      this.queue.push({ job, enqueued: performance.now(), resolve, reject });
      this.pump();
    });
  }

  /** True while queued jobs must wait although a channel is idle (a subclass's other lane holds the cores). */
  protected get held(): boolean {
    return false;
  }

  /** Sends queued jobs to idle channels (also called by a subclass when it stops holding them). */
  protected pump(): void {
    if (this.held) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.busy) continue;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, job, started: performance.now() };
      try {
        const { msg, transfer } = this.driver.request(id, job.job);
        slot.worker.postMessage(msg, transfer);
      } catch (err) {
        slot.busy = undefined;
        job.reject(err instanceof InferenceError ? err : new InferenceError('invalid-argument', `cannot send the request to the ${this.driver.noun}: ${(err as Error).message}`));
        continue;
      }
      const limit = this.driver.jobTimeoutMs;
      if (limit !== undefined) {
        const busy = slot.busy;
        busy.timer = setTimeout(() => this.timeOut(slot, busy.id, limit), limit);
      }
    }
  }

  /** A job past the driver's time limit: it fails, and its channel is ended (then replaced). */
  private timeOut(slot: Slot<J, R>, id: number, limit: number): void {
    if (slot.busy?.id !== id) return;
    const reason = `${this.driver.noun} did not answer within ${limit / 1000} s`;
    this.failSlot(slot, new Error(reason), new InferenceError('unavailable', reason));
    void slot.worker.terminate();
  }

  private settle(slot: Slot<J, R>, reply: NonNullable<JobReply<R>>): void {
    const busy = slot.busy;
    if (!busy || reply.id !== busy.id) return;
    slot.busy = undefined;
    if (busy.timer) clearTimeout(busy.timer);
    const queueMs = busy.started - busy.job.enqueued;
    if ('result' in reply) {
      this.losses = 0;
      busy.job.resolve({ result: reply.result, computeMs: reply.computeMs, queueMs });
    } else {
      busy.job.reject(reply.error);
    }
    this.pump();
    this.onCapacity?.();
    this.checkIdle();
  }

  private failSlot(slot: Slot<J, R>, err: Error, jobError?: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // already handled ('error' is followed by 'exit')
    this.slots.splice(i, 1);
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy?.timer) clearTimeout(busy.timer);
    busy?.job.reject(jobError ?? new InferenceError('internal', err.message));
    if (this.started && !this.closed) this.replace(err.message);
    this.failQueuedIfDead();
    this.checkIdle();
  }

  /** Schedules a replacement for a lost channel, with backoff, unless losses keep coming. */
  private replace(reason: string): void {
    this.lastLoss = reason;
    this.losses++;
    if (this.losses > MAX_CONSECUTIVE_LOSSES) {
      this.losses--;
      if (!this.gaveUp) {
        this.gaveUp = true;
        this.onEvent?.({ type: 'gave-up', reason, losses: this.losses, workers: this.size });
      }
      // The batcher may hold requests for capacity that will never come: let it dispatch them to fail.
      this.onCapacity?.();
      return;
    }
    const delay = Math.min(5_000, RESTART_BASE_MS * 2 ** (this.losses - 1));
    this.restarting++;
    this.onEvent?.({ type: 'worker-lost', reason, workers: this.size, restartInMs: delay });
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.closed) {
        this.restarting--;
        return;
      }
      this.spawn().then(
        () => {
          this.restarting--;
          this.onEvent?.({ type: 'worker-restarted', workers: this.size });
          this.pump();
          this.onCapacity?.();
        },
        () => {
          // Its exit (it is ended after a failed load) counts the loss and tries again.
          this.restarting--;
          this.failQueuedIfDead();
        },
      );
    }, delay);
    this.restartTimers.add(timer);
  }

  private noWorkerMessage(): string {
    if (this.closed) return 'model is unloading';
    return this.unavailableReason ?? `no ${this.driver.noun} is running${this.lastLoss ? ` (last one: ${this.lastLoss})` : ''}`;
  }

  private failQueuedIfDead(): void {
    if (!this.dead || this.queue.length === 0) return;
    const message = this.noWorkerMessage();
    for (const job of this.queue.splice(0)) job.reject(new InferenceError('unavailable', message));
  }

  private checkIdle(): void {
    if (this.onIdle && this.queue.length === 0 && this.slots.every((s) => !s.busy)) {
      const cb = this.onIdle;
      this.onIdle = undefined;
      cb();
    }
  }

  /**
   * Waits for queued and running jobs to finish (at most `timeoutMs`), then fails what is still
   * queued and stops the channels. A job already running is never interrupted, even after the
   * timeout: ending a thread inside session.run aborts the whole process (onnxruntime's native
   * callback), so a busy channel is stopped once its job returns (its caller still gets the result).
   */
  async close(timeoutMs = 30_000): Promise<void> {
    this.closed = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restarting -= this.restartTimers.size;
    this.restartTimers.clear();
    this.failQueuedIfDead();
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
    if (this.slots.some((s) => s.busy)) await new Promise<void>((resolve) => (this.onIdle = resolve));
    const stop = this.driver.stop ?? ((c: PoolChannel) => c.terminate());
    await Promise.all(this.slots.map((s) => stop(s.worker)));
    this.slots.length = 0;
  }
}
