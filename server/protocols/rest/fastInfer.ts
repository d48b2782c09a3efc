import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { invalidArgument } from '../../errors';
import type { ServerContext } from '../../serverContext';
import { errorAnswer, hostRefusal, REQUEST_ID_HEADER, requestIdOf } from './middleware';
import { answerTooLarge } from './tooLarge';
import { parseVersionParam } from './requestParsing';
import { inferV2 } from './v2Infer';

const INFER_PATH = /^\/v2\/models\/([^/?#]+)(?:\/versions\/([^/?#]+))?\/infer(?:\?.*)?$/;

/**
 * `POST /v2/models/{m}[/versions/{v}]/infer` on plain node:http, ahead of express: the hot path
 * skips the router, the middleware chain and express's response helpers (bench/report.md
 * measures the difference). Same request ids, Host check, body limit, error shapes and statuses
 * as the express app, which answers everything else (and compressed bodies, which body-parser
 * inflates). Returns false for requests it does not take.
 */
export function createFastInfer(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => boolean {
  const refuseHost = hostRefusal(ctx.allowedHosts);
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const match = INFER_PATH.exec(req.url ?? '');
    if (!match) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    const started = performance.now();
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const hostProblem = refuseHost(req.headers.host);
    if (hostProblem !== undefined) {
      sendJson(res, 403, { error: hostProblem });
      req.resume();
      return true;
    }
    readBody(req, ctx.maxBodyBytes)
      .then((body) => {
        if (typeof body === 'number') {
          answerTooLarge(req, res, ctx.maxBodyBytes, ctx.discardBudget, body);
          return undefined;
        }
        const header = req.headers['inference-header-content-length'];
        return inferV2(
          ctx,
          {
            model: decodeSegment(match[1]!),
            version: parseVersionParam(match[2] === undefined ? undefined : decodeSegment(match[2])),
            body,
            headerLength: Array.isArray(header) ? header[0] : header,
            requestId,
          },
          started,
        );
      })
      .then(
        (answer) => {
          if (answer === undefined || res.destroyed) return; // 413: answerTooLarge answers
          res.writeHead(200, { ...answer.headers, 'content-length': String(answer.body.length) });
          res.end(answer.body);
        },
        (err: unknown) => {
          const e = errorAnswer(err);
          if (e.retryAfter !== undefined) res.setHeader('Retry-After', e.retryAfter);
          sendJson(res, e.status, { error: e.message });
        },
      );
    return true;
  };
}

/**
 * The whole body, or, as soon as it is known to be over `limit`, the number of bytes read so far
 * (nothing kept; the stream is paused with its listeners removed, for answerTooLarge to drain).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | number> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        resolve(size);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidArgument(`malformed percent-encoding in the URL path: "${raw}"`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(text.length) });
  res.end(text);
}
