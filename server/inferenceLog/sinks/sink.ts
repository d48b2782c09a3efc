import type { LoggedEvent } from '../logEvent';

/** Where a deployment's logged events go. One instance per loaded version (file writers are shared by path). */
export interface LogSink {
  /** Names the sink in metrics and log lines (no credentials, no query). */
  readonly label: string;
  /** Most events one `send` takes. */
  readonly maxBatch: number;
  /** Sends in flight at once. */
  readonly concurrency: number;
  /** Delivers a batch or throws (SinkError with `permanent` for what a retry cannot fix). */
  send(batch: LoggedEvent[]): Promise<void>;
  /** Releases connections and files; nothing is sent afterwards. */
  close(): Promise<void>;
}

/** A failed delivery; `permanent`: retrying cannot help (an HTTP 4xx), so the batch is dropped at once. */
export class SinkError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}
