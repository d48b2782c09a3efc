/**
 * The main thread's side of the inference-log sink thread (sinkWorker.ts). HTTP sinks run there:
 * per event, the CloudEvent, the HTTP request and its answer cost ≈ 28 µs of main-thread CPU when
 * done here, 30 % of a small model's throughput at two events per request (bench report, issue 13).
 * Here an event costs a push onto an array; each tick's events cross in one message. The thread
 * starts with the first HTTP sink and never keeps the process alive. If it dies, the events it held
 * are counted as dropped and it starts again with the next event.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/logger';
import type { LoggedEvent } from './logEvent';
import type { EventQueue, QueueLimits, SinkCounters } from './sinkQueue';
import type { FromSinkThread, SinkTally, ToSinkThread, WireEvent } from './sinkThreadProtocol';
import type { CloudEventSource } from './sinks/httpSink';

/** What a thread-hosted sink is opened with. */
export interface ThreadSinkSpec {
  url: string;
  /** Names the sink in metrics and log lines. */
  label: string;
  from: CloudEventSource;
  deployment: string;
  limits: QueueLimits;
}

/** How long close() waits past its own timeout for the thread to say the sink is closed. */
const CLOSE_GRACE_MS = 2000;

export class SinkThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly queues = new Map<number, ThreadQueue>();

  constructor(
    private readonly script: string,
    private readonly logger: Logger,
  ) {}

  /** A queue whose events an HttpSink on the thread delivers; `counters` get the thread's counts. */
  open(spec: ThreadSinkSpec, counters: SinkCounters): EventQueue {
    const q = new ThreadQueue(this.nextId++, spec, counters, this, this.logger);
    this.queues.set(q.id, q);
    return q;
  }

  /** @internal The running thread, started (and each open sink told again) when there is none. */
  port(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (m: FromSinkThread) => this.onMessage(m));
    w.on('error', (err) => this.logger.warn(`inference log: the sink thread failed: ${err.message}`));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const q of this.queues.values()) q.threadLost(code);
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    w.unref();
    this.worker = w;
    for (const q of this.queues.values()) q.opened = false;
    return w;
  }

  /** @internal */
  send(m: ToSinkThread): void {
    this.port().postMessage(m);
  }

  /** @internal */
  forget(id: number): void {
    this.queues.delete(id);
  }

  private onMessage(m: FromSinkThread): void {
    if (m.type === 'warn') this.logger.warn(m.message, m.fields);
    else this.queues.get(m.sink)?.onMessage(m);
  }
}

/** One HTTP sink's queue as the main thread sees it: events pass to the thread once per tick. */
class ThreadQueue implements EventQueue {
  opened = false;
  private pending: WireEvent[] = [];
  private scheduled = false;
  private closing = false;
  /** Events posted to the thread and not yet taken off its port. */
  private inTransit = 0;
  private backlogged = false;
  private closed: (() => void) | undefined;
  readonly label: string;

  constructor(
    readonly id: number,
    private readonly spec: ThreadSinkSpec,
    private readonly counters: SinkCounters,
    private readonly thread: SinkThread,
    private readonly logger: Logger,
  ) {
    this.label = spec.label;
  }

  push(ev: LoggedEvent): void {
    if (this.closing) return;
    // The thread's own queue bounds what it holds; this bounds what waits to reach it (a starved thread).
    if (this.inTransit + this.pending.length >= this.spec.limits.maxEvents) {
      this.counters.dropped.inc();
      if (!this.backlogged) {
        this.backlogged = true;
        this.logger.warn(`inference log: dropping events for ${this.spec.label}: ${this.spec.limits.maxEvents} events wait for the sink thread`, { deployment: this.spec.deployment, sink: this.spec.label });
      }
      return;
    }
    this.pending.push({ meta: ev.meta, body: ev.body, bytes: ev.bytes });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.ensureOpen();
    this.inTransit += events.length;
    this.thread.send({ type: 'events', sink: this.id, events });
  }

  private ensureOpen(): void {
    this.thread.port();
    if (this.opened) return;
    this.opened = true;
    const { url, from, deployment, limits } = this.spec;
    this.thread.send({ type: 'open', sink: this.id, url, from, deployment, limits });
  }

  onMessage(m: Exclude<FromSinkThread, { type: 'warn' }>): void {
    if (m.type === 'closed') {
      this.closed?.();
      return;
    }
    this.apply(m.tally);
  }

  private apply(t: SinkTally): void {
    if (t.sent > 0) this.counters.sent.inc(t.sent);
    if (t.retried > 0) this.counters.retried.inc(t.retried);
    if (t.dropped > 0) this.counters.dropped.inc(t.dropped);
    this.inTransit -= t.received;
    if (this.backlogged && this.inTransit + this.pending.length < this.spec.limits.maxEvents / 2) {
      this.backlogged = false;
      this.logger.warn(`inference log: the sink thread takes events for ${this.spec.label} again`, { deployment: this.spec.deployment, sink: this.spec.label });
    }
  }

  /** The thread exited: what it held is lost. */
  threadLost(code: number): void {
    this.opened = false;
    const lost = this.inTransit;
    this.inTransit = 0;
    if (lost > 0) this.counters.dropped.inc(lost);
    this.logger.warn(`inference log: the sink thread stopped (exit code ${code}); ${lost} events for ${this.spec.label} were lost; it starts again with the next event`, { deployment: this.spec.deployment, sink: this.spec.label });
    this.closed?.();
  }

  /** Sends what is queued (on the thread: for at most `timeoutMs`), then closes the sink. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    if (this.opened) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs + CLOSE_GRACE_MS);
        this.closed = () => {
          clearTimeout(timer);
          resolve();
        };
        this.thread.send({ type: 'close', sink: this.id, timeoutMs });
      });
    }
    this.thread.forget(this.id);
  }
}
