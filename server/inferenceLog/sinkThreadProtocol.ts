import type { LogFields } from '../observability/logger';
import type { LoggedEvent } from './logEvent';
import type { QueueLimits } from './sinkQueue';
import type { CloudEventSource } from './sinks/httpSink';

/**
 * Messages between the server's main thread and the inference-log sink thread (sinkThread.ts ↔
 * sinkWorker.ts). The thread hosts the HTTP sinks: a SinkQueue and an HttpSink per sink id.
 */

/** An event as the thread needs it: what a CloudEvent is built from (not the JSON line). */
export type WireEvent = Pick<LoggedEvent, 'meta' | 'body' | 'bytes'>;

/** Events sent, retried, dropped since the last report, and events taken off the port. */
export interface SinkTally {
  sent: number;
  retried: number;
  dropped: number;
  received: number;
}

export type ToSinkThread =
  | { type: 'open'; sink: number; url: string; from: CloudEventSource; deployment: string; limits: QueueLimits }
  | { type: 'events'; sink: number; events: WireEvent[] }
  | { type: 'close'; sink: number; timeoutMs: number };

export type FromSinkThread =
  | { type: 'tally'; sink: number; tally: SinkTally }
  | { type: 'warn'; message: string; fields: LogFields }
  | { type: 'closed'; sink: number };
