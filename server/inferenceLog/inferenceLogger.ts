import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger';
import { buildEvent, BINARY_CONTENT_TYPE, GRPC_JSON_CONTENT_TYPE, JSON_CONTENT_TYPE, type LoggedEvent, type PayloadSource, type RecordMeta } from './logEvent';
import type { EventQueue } from './sinkQueue';

/** The front end a request came through (same strings as InferenceService's Protocol). */
export type LoggedProtocol = 'v2-rest' | 'v2-rest-binary' | 'v1-rest' | 'grpc' | 'openai';

/**
 * The inference logger of one loaded version of a deployment: builds records from what the front
 * ends hand it and passes them to its sink's queue and the deployment's live-stream ring. Exists
 * only when the deployment's mode is not "none" (then the version has none, and the request path
 * does nothing). Never throws into the request path.
 */
export class InferenceLogger {
  readonly logsRequests: boolean;
  readonly logsResponses: boolean;
  private warnedBuild = false;

  constructor(
    readonly deployment: string,
    readonly version: number,
    mode: 'all' | 'request' | 'response',
    private readonly queue: EventQueue,
    private readonly ring: (ev: LoggedEvent) => void,
    private readonly maxPayloadBytes: number,
    private readonly logger: Logger,
  ) {
    this.logsRequests = mode === 'all' || mode === 'request';
    this.logsResponses = mode === 'all' || mode === 'response';
  }

  /**
   * A request as received: `received` is the raw REST body (JSON text, or the binary extension's
   * bytes for "v2-rest-binary"), a parsed V1 body, or the decoded gRPC message; `started` is the
   * front end's performance.now() when it arrived.
   */
  request(requestId: string, protocol: LoggedProtocol, started: number, received: unknown, headerLength?: number): void {
    if (!this.logsRequests) return;
    this.log('request', requestId, protocol, started, undefined, received, headerLength);
  }

  /** An answered (200) request: the body as sent (a Buffer of JSON or binary-extension bytes, a V1 object, the gRPC message). */
  response(requestId: string, protocol: LoggedProtocol, started: number, latencyMs: number, answered: unknown, headerLength?: number): void {
    if (!this.logsResponses) return;
    this.log('response', requestId, protocol, started, latencyMs, answered, headerLength);
  }

  private log(type: 'request' | 'response', requestId: string, protocol: LoggedProtocol, started: number, latencyMs: number | undefined, value: unknown, headerLength: number | undefined): void {
    try {
      const binary = headerLength !== undefined && Buffer.isBuffer(value);
      const source: PayloadSource = binary
        ? { kind: 'binary', bytes: value }
        : Buffer.isBuffer(value)
          ? { kind: 'json-text', text: value }
          : { kind: 'object', value, grpc: protocol === 'grpc' };
      const meta: RecordMeta = {
        inferenceId: requestId,
        messageType: type,
        modelName: this.deployment,
        modelVersion: this.version,
        requestTimestamp: Math.round(performance.timeOrigin + started),
        ...(type === 'response' ? { responseHttpCode: 200 } : {}),
        protocol,
        ...(latencyMs !== undefined ? { latencyMs: Math.round(latencyMs * 1000) / 1000 } : {}),
        contentType: binary ? BINARY_CONTENT_TYPE : protocol === 'grpc' ? GRPC_JSON_CONTENT_TYPE : JSON_CONTENT_TYPE,
        ...(binary ? { binaryHeaderLength: headerLength } : {}),
      };
      const ev = buildEvent(meta, source, this.maxPayloadBytes);
      this.ring(ev);
      this.queue.push(ev);
    } catch (err) {
      if (!this.warnedBuild) {
        this.warnedBuild = true;
        this.logger.warn(`inference log: a record could not be built (${(err as Error).message}); such events are skipped`, { deployment: this.deployment });
      }
    }
  }

  /** Flushes what is queued within `timeoutMs`, then closes the sink. */
  close(timeoutMs: number): Promise<void> {
    return this.queue.close(timeoutMs);
  }
}
