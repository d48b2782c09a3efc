import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { InferenceError, httpStatusOf } from '../../errors';
import type { ServerContext } from '../../serverContext';
import { answerTooLarge } from './tooLarge';

/** Header carrying the request id, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The client's request id when it is sane, else a new one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Request id from the client (if sane) or a new one; echoed on every response. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req.get(REQUEST_ID_HEADER));
    res.locals.requestId = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
}

/**
 * Rejects requests whose Host is not one of ours. A page on another site can make a browser
 * resolve its own name to 127.0.0.1 (DNS rebinding) and call the server; its Host header still
 * names that site, so checking Host stops it.
 */
export function hostCheck(allowed: string[] | undefined): RequestHandler {
  const refuse = hostRefusal(allowed);
  return (req, res, next) => {
    const why = refuse(req.headers.host);
    if (why === undefined) return next();
    res.status(403).json({ error: why });
  };
}

/** Why a Host header is refused (the 403 message), or undefined when it is one of ours (or any goes). */
export function hostRefusal(allowed: string[] | undefined): (hostHeader: string | undefined) => string | undefined {
  if (!allowed) return () => undefined;
  const set = new Set(allowed.map((h) => h.toLowerCase()));
  return (hostHeader) => {
    const host = (hostHeader ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
    if (set.has(name)) return undefined;
    return `host "${host}" is not allowed; this server answers to ${[...set].join(', ')} (start it with --allowed-hosts to add names)`;
  };
}

/** Sends `{"error": message}` with the status for its reason. */
export function sendError(res: Response, err: unknown): void {
  const e = errorAnswer(err);
  if (e.retryAfter !== undefined) res.setHeader('Retry-After', e.retryAfter);
  res.status(e.status).json({ error: e.message });
}

/** The HTTP status, message and Retry-After of an error thrown while answering. */
export function errorAnswer(err: unknown): { status: number; message: string; retryAfter?: string } {
  if (err instanceof InferenceError) {
    return { status: httpStatusOf(err.reason), message: err.message, ...(err.retryAfterSeconds !== undefined ? { retryAfter: String(err.retryAfterSeconds) } : {}) };
  }
  return { status: 500, message: `internal error: ${(err as Error)?.message ?? String(err)}` };
}

/** The 413 message for a body over the limit (`length`: its declared or counted size, when known). */
export function tooLargeMessage(length: number | undefined, limit: number): string {
  return `request body of ${length ?? 'unknown'} bytes is over the limit of ${limit} bytes (raise it with --max-body-bytes)`;
}

/** Wraps an async handler so a rejection becomes an error response, never a crash. */
export function handle(fn: (req: Request, res: Response) => Promise<void> | void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch((err: unknown) => (res.headersSent ? next(err) : sendError(res, err)));
  };
}

/** Last-resort handler: body-parser errors (413, bad encodings) and anything unexpected. */
export function errorHandler(ctx: ServerContext): ErrorRequestHandler {
  return (err: { type?: string; status?: number; message?: string; limit?: number; length?: number; received?: number }, req, res, _next) => {
    if (res.headersSent) return;
    if (err.type === 'entity.too.large') {
      // body-parser left the stream paused: drain it before answering, so the client can read the 413.
      answerTooLarge(req, res, ctx.maxBodyBytes, ctx.discardBudget, err.received ?? 0);
      return;
    }
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ error: err.message ?? 'bad request' });
      return;
    }
    ctx.logger.error(`unhandled error: ${err.message ?? String(err)}`, { requestId: res.locals.requestId as string });
    res.status(500).json({ error: `internal error: ${err.message ?? String(err)}` });
  };
}
