import type { IncomingMessage, ServerResponse } from 'node:http';
import { tooLargeMessage } from './middleware';

/** How much of an oversized body is read and thrown away before the 413 is sent anyway. */
export interface DiscardBudget {
  /** Bytes beyond what was already read. */
  maxBytes: number;
  /** Milliseconds from the moment the body was found too large. */
  maxMs: number;
}

/**
 * Answers 413 in a way every client can read. A server that answers while the client is still
 * sending, then closes, makes the kernel reset the connection on the unread bytes: curl shows the
 * answer, but Node's fetch and Python's requests only see "connection reset". So the rest of the body
 * is read and discarded (never kept: memory stays flat), and the answer goes out once the client
 * has finished, or once the budget is spent (then the client may see a reset: it kept sending far
 * past the limit). The connection is closed after the answer either way.
 */
export function answerTooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  budget: DiscardBudget,
  /** Bytes of the body already read (a chunked body found too large midway). */
  alreadyRead = 0,
): void {
  const declared = Number(req.headers['content-length']);
  let seen = alreadyRead;
  let discarded = 0;
  let answered = false;
  const answer = (): void => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', answer);
    req.off('error', answer);
    const size = Number.isFinite(declared) ? declared : req.complete ? seen : undefined;
    if (res.headersSent || res.destroyed) return;
    const body = Buffer.from(JSON.stringify({ error: tooLargeMessage(size, limit) }));
    res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), connection: 'close' });
    res.end(body);
  };
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    discarded += chunk.length;
    if (discarded > budget.maxBytes) answer();
  };
  const timer = setTimeout(answer, budget.maxMs);
  timer.unref();
  if (req.complete || req.readableEnded) {
    answer();
    return;
  }
  req.on('data', onData);
  req.once('end', answer);
  req.once('error', answer);
  req.resume();
}
