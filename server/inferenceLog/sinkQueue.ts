import type { LogFields } from '../observability/logger';
import type { LoggedEvent } from './logEvent';
import { SinkError, type LogSink } from './sinks/sink';

/** Limits of one sink's queue. */
export interface QueueLimits {
  /** Events held; past it the oldest are dropped. */
  maxEvents: number;
  /** Bytes held (payloads); past it the oldest are dropped. */
  maxBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxEvents: 10_000, maxBytes: 64 * 1024 * 1024 };

/** A counter the queue adds to (a Prometheus counter's child, or a tally a sink thread reports). */
export interface EventCounter {
  inc(n?: number): void;
}

/** The queue's counters: events sent, retried and dropped. */
export interface SinkCounters {
  sent: EventCounter;
  retried: EventCounter;
  dropped: EventCounter;
}

/** Where the queue tells that drops started and stopped (the server log, or a sink thread's parent). */
export type SinkWarn = (message: string, fields: LogFields) => void;

/** What an inference logger hands its events to: a SinkQueue here, or one on the sink thread. */
export interface EventQueue {
  /** The sink's name in metrics and log lines. */
  readonly label: string;
  push(ev: LoggedEvent): void;
  close(timeoutMs: number): Promise<void>;
}

/** Waits before each retry of a failed batch; after the last one the batch is dropped (about 1.5 s in all). */
export const RETRY_DELAYS_MS = [100, 200, 400, 800];

/**
 * The bounded queue in front of one sink. `push` never blocks and never throws: inference goes on
 * whatever the sink does. Events leave in batches (as many as the sink takes at once) after the
 * current tick, so a burst becomes one write. A failed batch is retried with backoff
 * (RETRY_DELAYS_MS), then dropped; when the queue is full the **oldest** events are dropped, so
 * what a recovering sink receives is the most recent traffic. Drops are counted in metrics and
 * told in the server log once when they start and once when deliveries succeed again.
 */
export class SinkQueue implements EventQueue {
  private items: LoggedEvent[] = [];
  private head = 0;
  private bytes = 0;
  private active = 0;
  private scheduled = false;
  private closing = false;
  private dropping = false;
  private droppedSinceWarning = 0;
  private idle: (() => void) | undefined;
  /** Wakes each retry that is waiting (closing cuts the waits short). */
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly sink: LogSink,
    private readonly deployment: string,
    private readonly warn: SinkWarn,
    private readonly counters: SinkCounters,
    private readonly limits: QueueLimits = DEFAULT_QUEUE_LIMITS,
  ) {}

  get label(): string {
    return this.sink.label;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(ev: LoggedEvent): void {
    if (this.closing) return;
    this.items.push(ev);
    this.bytes += ev.bytes;
    let overflow = 0;
    while (this.length > this.limits.maxEvents || (this.bytes > this.limits.maxBytes && this.length > 1)) {
      this.bytes -= this.items[this.head]!.bytes;
      this.items[this.head++] = undefined as unknown as LoggedEvent;
      overflow++;
    }
    if (overflow > 0) this.drop(overflow, `queue full (${this.limits.maxEvents} events or ${this.limits.maxBytes} bytes); the oldest are dropped`);
    this.compact();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.active >= this.sink.concurrency || this.length === 0) return;
    this.scheduled = true;
    // After this tick: the events of a burst go out together.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.sink.concurrency && this.length > 0) {
      const n = Math.min(this.sink.maxBatch, this.length);
      const batch = this.items.slice(this.head, this.head + n);
      for (let i = 0; i < n; i++) this.items[this.head + i] = undefined as unknown as LoggedEvent;
      this.head += n;
      for (const ev of batch) this.bytes -= ev.bytes;
      this.compact();
      this.active++;
      void this.deliver(batch).finally(() => {
        this.active--;
        if (this.active === 0 && this.length === 0) this.idle?.();
        this.pump();
      });
    }
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private async deliver(batch: LoggedEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sink.send(batch);
        this.counters.sent.inc(batch.length);
        if (this.dropping) {
          this.dropping = false;
          this.warn(`inference log: ${this.sink.label} takes events again; ${this.droppedSinceWarning} dropped meanwhile`, { deployment: this.deployment, sink: this.sink.label, dropped: this.droppedSinceWarning });
          this.droppedSinceWarning = 0;
        }
        return;
      } catch (err) {
        const permanent = err instanceof SinkError && err.permanent;
        const delay = RETRY_DELAYS_MS[attempt];
        if (permanent || delay === undefined || this.closing) {
          this.drop(batch.length, (err as Error).message);
          return;
        }
        this.counters.retried.inc(batch.length);
        await this.sleep(delay);
      }
    }
  }

  private drop(n: number, why: string): void {
    this.counters.dropped.inc(n);
    this.droppedSinceWarning += n;
    if (!this.dropping) {
      this.dropping = true;
      this.warn(`inference log: dropping events for ${this.sink.label}: ${why}`, { deployment: this.deployment, sink: this.sink.label });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /**
   * Sends what is queued, for at most `timeoutMs` (no retries from now on), drops the rest and
   * closes the sink. Later pushes are ignored.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // Retries waiting for their turn try once more now, and drop their batch if that fails.
    for (const wake of [...this.sleepers]) wake();
    this.schedule();
    if (this.active > 0 || this.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.length > 0) {
      this.drop(this.length, `not sent within ${timeoutMs} ms of closing`);
      this.items = [];
      this.head = 0;
      this.bytes = 0;
    }
    await this.sink.close().catch(() => undefined);
  }
}
