/**
 * OpenAI-compatible routes at KServe's paths, for script deployments whose predictor has
 * create_completion and/or create_chat_completion (vLLM-form predictors, Hopsworks' LLM form):
 *
 *   GET  /openai/v1/models             the LLM deployments ({"object": "list", "data": [...]})
 *   POST /openai/v1/completions        text completion; "model" names the deployment
 *   POST /openai/v1/chat/completions   chat completion (create_chat_completion, or
 *                                      apply_chat_template → create_completion)
 *
 * `stream: true` answers text/event-stream: one `data: <chunk JSON>` event per chunk, then
 * `data: [DONE]`. Headers go out with the first chunk, so a request that fails before any chunk
 * still gets its status (400/404/500) and OpenAI's error body; a failure after that is sent as a
 * last `data: {"error": …}` event. A client that disconnects aborts the call: the predictor's
 * generator is cancelled.
 */
import { performance } from 'node:perf_hooks';
import type { Request, Response, Router } from 'express';
import type { ServerContext } from '../../serverContext';
import type { CompletionKind, Json } from './completionShapes';
import { openAIErrorAnswer } from './openaiErrors';
import { checkChatRequest, checkCompletionRequest, modelOf, parseOpenAIBody } from './openaiRequests';

/** Where the routes live (KServe's Hugging Face runtime uses the same prefix). */
export const OPENAI_PREFIX = '/openai/v1';

function sendOpenAIError(res: Response, err: unknown): void {
  const e = openAIErrorAnswer(err);
  if (e.retryAfter !== undefined) res.setHeader('Retry-After', e.retryAfter);
  res.status(e.status).json(e.body);
}

/** One server-sent event; JSON never holds a raw newline, so one `data:` line is enough. */
const event = (data: string): string => `data: ${data}\n\n`;

export function addOpenAIRoutes(router: Router, ctx: ServerContext): void {
  router.get(`${OPENAI_PREFIX}/models`, (_req, res) => {
    const created = Math.floor(Date.now() / 1000);
    res.json({
      object: 'list',
      data: ctx.completions.models().map((m) => ({
        id: m.name,
        object: 'model',
        created,
        owned_by: 'modeldeck',
        // Not OpenAI's: what the predictor offers, so a client can tell chat from plain completion.
        modeldeck: { version: m.version, completions: m.methods.completion !== undefined, chat: m.methods.chat !== undefined || (m.methods.completion !== undefined && m.methods.template !== undefined) },
      })),
    });
  });

  const route = (kind: CompletionKind) => (req: Request, res: Response) => {
    void answer(ctx, kind, req, res).catch((err: unknown) => {
      // Only reached when writing itself failed; the request is over either way.
      ctx.logger.debug(`openai route failed after answering: ${(err as Error).message}`, { requestId: res.locals.requestId as string });
    });
  };
  router.post(`${OPENAI_PREFIX}/completions`, route('completion'));
  router.post(`${OPENAI_PREFIX}/chat/completions`, route('chat'));
  router.all(`${OPENAI_PREFIX}/*rest`, (req, res) => {
    res.status(404).json({ error: { message: `no route for ${req.method} ${req.path}; the OpenAI routes are GET ${OPENAI_PREFIX}/models, POST ${OPENAI_PREFIX}/completions and POST ${OPENAI_PREFIX}/chat/completions`, type: 'not_found_error', param: null, code: null } });
  });
}

async function answer(ctx: ServerContext, kind: CompletionKind, req: Request, res: Response): Promise<void> {
  const started = performance.now();
  const requestId = res.locals.requestId as string;
  const abort = new AbortController();
  // 'close' before the answer ended: the client went away (a stream it stopped reading, a Stop button).
  res.on('close', () => {
    if (!res.writableEnded) abort.abort();
  });
  let streaming = false;
  try {
    const body = parseOpenAIBody(req.body);
    const model = modelOf(body);
    ctx.completions.checkServed(model); // 404 before the fields are checked
    if (kind === 'chat') checkChatRequest(body);
    else checkCompletionRequest(body);
    const stream = body.stream === true;
    const startStream = (): void => {
      streaming = true;
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('X-Accel-Buffering', 'no'); // proxies (nginx, istio's envoy) must not hold events back
      res.flushHeaders();
    };
    const onChunk = stream
      ? (chunk: Json): void => {
          if (abort.signal.aborted) return;
          if (!streaming) startStream();
          res.write(event(JSON.stringify(chunk)));
        }
      : undefined;
    const outcome = await ctx.completions.complete({ kind, model, body, requestId, received: req.body, started, signal: abort.signal, ...(onChunk ? { onChunk } : {}) });
    if (abort.signal.aborted) return;
    if (!stream) {
      res.json(outcome.body);
      return;
    }
    if (!streaming) startStream(); // a generator that yielded nothing
    res.end(event('[DONE]'));
  } catch (err) {
    if (abort.signal.aborted) return;
    if (!streaming) {
      sendOpenAIError(res, err);
      return;
    }
    res.end(event(JSON.stringify(openAIErrorAnswer(err).body)));
  }
}
