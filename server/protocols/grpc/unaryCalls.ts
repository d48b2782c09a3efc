import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '../../observability/logger';
import { toServiceError } from './grpcStatus';

/** What a handler learns about its call while it runs, for the failure log line. */
export interface CallInfo {
  /** Request id (ModelInfer: the request's id or a generated one). */
  requestId?: string;
  /** Served model the call is about. */
  deployment?: string;
}

/** A unary RPC's logic: returns the response or throws (InferenceError for the client's mistakes). */
export type UnaryImpl<Req, Res> = (request: Req, info: CallInfo, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res;

/**
 * Counts unary calls in flight so that shutdown can let them finish before the listener closes,
 * as the REST front end does with its requests.
 */
export class InflightCalls {
  private count = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  begin(): void {
    this.count++;
  }

  end(): void {
    this.count--;
    if (this.count === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when no call is in flight, or after `timeoutMs` (true when drained). */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(done);
    });
  }
}

/**
 * Adapts an async implementation to grpc-js's callback style: a rejection becomes a status
 * (never a crash or a hung call), logged at debug with the request id, as REST logs its failures.
 */
export function unary<Req, Res>(
  method: string,
  impl: UnaryImpl<Req, Res>,
  logger: Logger,
  inflight: InflightCalls,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    const info: CallInfo = {};
    inflight.begin();
    // grpc-js reports serialization failures to the client itself; the catch only guards against a throw from it.
    const answer = (response: Res): void => {
      try {
        callback(null, response);
      } catch (err) {
        logger.error(`grpc ${method}: cannot send the answer: ${(err as Error)?.message ?? String(err)}`, { ...info });
      } finally {
        inflight.end();
      }
    };
    const fail = (err: unknown): void => {
      try {
        const e = toServiceError(err);
        logger.debug(`grpc ${method} failed: ${e.details}`, {
          ...(info.deployment !== undefined ? { deployment: info.deployment } : {}),
          ...(info.requestId !== undefined ? { requestId: info.requestId } : {}),
          code: e.code,
        });
        callback(e);
      } catch (e2) {
        logger.error(`grpc ${method}: cannot send the error: ${(e2 as Error)?.message ?? String(e2)}`, { ...info });
      } finally {
        inflight.end();
      }
    };
    // One promise hop for an async handler, none for a synchronous one (this wraps every gRPC call).
    let result: Promise<Res> | Res;
    try {
      result = impl(call.request, info, call);
    } catch (err) {
      fail(err);
      return;
    }
    if (result instanceof Promise) result.then(answer, fail);
    else answer(result);
  };
}
