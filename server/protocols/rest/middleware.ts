import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { InferenceError, httpStatusOf } from '../../errors';
import type { ServerContext } from '../../serverContext';

/** Header carrying the request id, both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Request id from the client (if sane) or a new one; echoed on every response. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
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
  if (!allowed) return (_req, _res, next) => next();
  const set = new Set(allowed.map((h) => h.toLowerCase()));
  return (req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
    if (set.has(name)) return next();
    res.status(403).json({ error: `host "${host}" is not allowed; this server answers to ${[...set].join(', ')} (start it with --allowed-hosts to add names)` });
  };
}

/** Sends `{"error": message}` with the status for its reason. */
export function sendError(res: Response, err: unknown): void {
  if (err instanceof InferenceError) {
    if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(httpStatusOf(err.reason)).json({ error: err.message });
    return;
  }
  res.status(500).json({ error: `internal error: ${(err as Error)?.message ?? String(err)}` });
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
  return (err: { type?: string; status?: number; message?: string; limit?: number; length?: number }, _req, res, _next) => {
    if (res.headersSent) return;
    if (err.type === 'entity.too.large') {
      res.status(413).json({ error: `request body of ${err.length ?? 'unknown'} bytes is over the limit of ${ctx.maxBodyBytes} bytes (raise it with --max-body-bytes)` });
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
