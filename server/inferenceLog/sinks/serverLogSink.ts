import type { Logger } from '../../observability/logger';
import type { LoggedEvent } from '../logEvent';
import type { LogSink } from './sink';

/** No sink given: each record becomes an info line of the server log. */
export class ServerLogSink implements LogSink {
  readonly label = 'server-log';
  readonly maxBatch = 100;
  readonly concurrency = 1;
  constructor(private readonly logger: Logger) {}

  send(batch: LoggedEvent[]): Promise<void> {
    for (const ev of batch) {
      const { payload } = JSON.parse(ev.line) as { payload: unknown };
      this.logger.info('inference log', { deployment: ev.meta.modelName, requestId: ev.meta.inferenceId, ...ev.meta, payload });
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
