/**
 * The inference-log sink thread: runs the HTTP sinks' queues and POSTs off the server's main
 * thread (one CloudEvent per event costs ≈ 28 µs of HTTP client work there, measured: bench report,
 * issue 13). The main thread hands over events a tick at a time (sinkThread.ts); each sink keeps
 * its bounded queue, retries and drops here, and the counts go back every REPORT_MS.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { LoggedEvent } from './logEvent';
import { SinkQueue, type EventCounter } from './sinkQueue';
import type { FromSinkThread, SinkTally, ToSinkThread } from './sinkThreadProtocol';
import { HttpSink } from './sinks/httpSink';

const port = parentPort;
if (!port) throw new Error('sinkWorker must run in a worker thread');

/** How often counts go back to the main thread (its /metrics lag by at most this). */
const REPORT_MS = 200;

interface HostedSink {
  queue: SinkQueue;
  tally: SinkTally;
}

/**
 * Inference first: this thread runs at a lower priority (nice) than the request thread, so on busy
 * cores the scheduler gives the CPU to inference and the sink's bounded queue drops the oldest
 * events, as KServe's logger does, instead of the logger slowing every request. Linux keeps a nice
 * value per thread; setpriority() on the thread's own id changes only this thread.
 */
export const SINK_THREAD_NICE = 19;
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, SINK_THREAD_NICE);
} catch {
  // Not Linux, or not allowed: the thread runs at the server's priority.
}

const sinks = new Map<number, HostedSink>();
const post = (m: FromSinkThread): void => port.postMessage(m);

function counter(tally: SinkTally, key: 'sent' | 'retried' | 'dropped'): EventCounter {
  return { inc: (n = 1) => void (tally[key] += n) };
}

function report(id: number, s: HostedSink): void {
  const t = s.tally;
  if (t.sent + t.retried + t.dropped + t.received === 0) return;
  post({ type: 'tally', sink: id, tally: { ...t } });
  t.sent = t.retried = t.dropped = t.received = 0;
}

setInterval(() => {
  for (const [id, s] of sinks) report(id, s);
}, REPORT_MS).unref();

port.on('message', (m: ToSinkThread) => {
  switch (m.type) {
    case 'open': {
      const tally: SinkTally = { sent: 0, retried: 0, dropped: 0, received: 0 };
      const warn = (message: string, fields: object): void => post({ type: 'warn', message, fields: { ...fields } });
      const counters = { sent: counter(tally, 'sent'), retried: counter(tally, 'retried'), dropped: counter(tally, 'dropped') };
      sinks.set(m.sink, { queue: new SinkQueue(new HttpSink(m.url, m.from), m.deployment, warn, counters, m.limits), tally });
      break;
    }
    case 'events': {
      const s = sinks.get(m.sink);
      if (!s) break;
      s.tally.received += m.events.length;
      for (const ev of m.events) {
        // A Buffer arrives as a plain Uint8Array; the JSON line is never read by an HTTP sink.
        const body = typeof ev.body === 'string' ? ev.body : Buffer.from(ev.body.buffer, ev.body.byteOffset, ev.body.byteLength);
        s.queue.push({ meta: ev.meta, body, bytes: ev.bytes, line: '' } satisfies LoggedEvent);
      }
      break;
    }
    case 'close': {
      const s = sinks.get(m.sink);
      if (!s) {
        post({ type: 'closed', sink: m.sink });
        break;
      }
      void s.queue.close(m.timeoutMs).finally(() => {
        report(m.sink, s);
        sinks.delete(m.sink);
        post({ type: 'closed', sink: m.sink });
      });
      break;
    }
  }
});
