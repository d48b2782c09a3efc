/**
 * The chat tab's client: lists the LLM models a server offers (`GET /openai/v1/models`) and streams
 * a chat completion (`POST /openai/v1/chat/completions`, `stream: true`), handing each piece of
 * text to the caller as it arrives and measuring time to first token and tokens per second.
 * node:http, not fetch(): fetch drops a `Host` header, which a KServe ingress without DNS needs.
 * Aborting the signal (the Stop button) closes the connection; the server then cancels the
 * generation. Pure Node, no vscode.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { httpRequest } from '../net/httpRequest';
import { CHAT_PATH, MODELS_PATH } from './chatRequest';
import type { ChatEndpoint, ChatOutcome, ChatStats, ChatUsage } from './chatTypes';
import { SseParser } from './sseParser';

/** One model of `GET /openai/v1/models`. */
export interface LlmModel {
  id: string;
  /** False when the server says it cannot chat (ModelDeck: a predictor without a chat path). */
  chat: boolean;
}

/** The models a server offers on its OpenAI routes; rejects when it has none (no such routes: 404). */
export async function listLlmModels(endpoint: Omit<ChatEndpoint, 'model'>, timeoutMs = 5_000): Promise<LlmModel[]> {
  const answer = await httpRequest(endpoint.baseUrl + MODELS_PATH, { headers: { accept: 'application/json', ...endpoint.headers }, timeoutMs });
  if (answer.status !== 200) throw new Error(`GET ${MODELS_PATH} → ${answer.status}`);
  const body = JSON.parse(new TextDecoder().decode(answer.body)) as { data?: { id?: unknown; modeldeck?: { chat?: unknown } }[] };
  if (!Array.isArray(body.data)) throw new Error(`GET ${MODELS_PATH}: no "data" list`);
  return body.data.filter((m) => typeof m.id === 'string').map((m) => ({ id: m.id as string, chat: m.modeldeck?.chat !== false }));
}

/** Whether the server behind `endpoint` chats with `endpoint.model`, and if not, why. */
export async function chatAvailability(endpoint: ChatEndpoint): Promise<{ available: boolean; reason?: string }> {
  try {
    const models = await listLlmModels(endpoint);
    const m = models.find((x) => x.id === endpoint.model);
    if (!m) return { available: false, reason: `"${endpoint.model}" is not among the server's LLM models (${models.map((x) => x.id).join(', ') || 'none'})` };
    return m.chat ? { available: true } : { available: false, reason: `"${endpoint.model}" has create_completion but no chat path (create_chat_completion or apply_chat_template)` };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

/** Callbacks of a streaming chat request. */
export interface ChatStreamHandlers {
  /** Each piece of the answer's text (choice 0), in order. */
  onText(text: string): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function usageOf(v: unknown): ChatUsage | undefined {
  if (!isObject(v)) return undefined;
  return {
    ...(typeof v.prompt_tokens === 'number' ? { promptTokens: v.prompt_tokens } : {}),
    ...(typeof v.completion_tokens === 'number' ? { completionTokens: v.completion_tokens } : {}),
  };
}

/** The message of an OpenAI error body (`{"error": {"message"}}`), an OIP one (`{"error": "..."}`), or the text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    /* not JSON */
  }
  return text.slice(0, 500) || 'no answer body';
}

/**
 * Sends a chat request and streams the answer. Never rejects: a failure (connection, HTTP status,
 * an error event mid-stream) is an outcome with what had arrived before it.
 */
export function streamChat(endpoint: ChatEndpoint, body: Record<string, unknown>, handlers: ChatStreamHandlers, signal?: AbortSignal): Promise<ChatOutcome> {
  const started = performance.now();
  const target = new URL(endpoint.baseUrl + CHAT_PATH);
  const lib = target.protocol === 'https:' ? https : http;
  const payload = Buffer.from(JSON.stringify(body));
  let text = '';
  let chunks = 0;
  let firstAt: number | undefined;
  let usage: ChatUsage | undefined;
  let finishReason: string | undefined;
  const stats = (): ChatStats => {
    const totalMs = performance.now() - started;
    const genMs = firstAt !== undefined ? totalMs - (firstAt - started) : undefined;
    const tokensPerSecond = usage?.completionTokens !== undefined && genMs !== undefined && genMs > 0 && chunks > 1 ? usage.completionTokens / (genMs / 1000) : undefined;
    return {
      totalMs,
      chunks,
      ...(firstAt !== undefined ? { firstTokenMs: firstAt - started } : {}),
      ...(tokensPerSecond !== undefined ? { tokensPerSecond } : {}),
      ...(usage ? { usage } : {}),
      ...(finishReason ? { finishReason } : {}),
    };
  };
  return new Promise<ChatOutcome>((resolve) => {
    let settled = false;
    const finish = (o: ChatOutcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const fail = (error: string, status?: number): void => finish({ ok: false, error, text, stats: stats(), ...(status !== undefined ? { status } : {}) });
    const req = lib.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...endpoint.headers, 'content-length': String(payload.length) },
    });
    const onAbort = (): void => {
      finish({ ok: true, text, cancelled: true, stats: stats() });
      req.destroy();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => fail(`could not reach ${target.origin}: ${err.message}`));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (raw += d));
        res.on('end', () => fail(`${status}: ${errorMessage(raw)}`, status));
        return;
      }
      const streaming = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      const parser = new SseParser();
      let whole = '';
      let streamError: string | undefined;
      const onData = (data: string): void => {
        if (data === '[DONE]') return;
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch {
          streamError = `the server sent an event that is not JSON: ${data.slice(0, 120)}`;
          return;
        }
        if (!isObject(chunk)) return;
        if (chunk.error !== undefined) {
          streamError = errorMessage(JSON.stringify(chunk));
          return;
        }
        chunks++;
        if (chunk.usage) usage = usageOf(chunk.usage);
        const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) : undefined;
        if (!isObject(choice)) return;
        if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
        const piece = isObject(choice.delta) && typeof choice.delta.content === 'string' ? choice.delta.content : '';
        if (piece) {
          firstAt ??= performance.now();
          text += piece;
          handlers.onText(piece);
        }
      };
      res.on('data', (bytes: Buffer) => {
        if (!streaming) {
          whole += bytes.toString('utf8');
          return;
        }
        for (const data of parser.push(bytes)) onData(data);
      });
      res.on('error', (err) => fail(`the answer broke off: ${err.message}`));
      res.on('end', () => {
        if (!streaming) {
          // A server that ignored stream: true: the whole chat.completion at once.
          try {
            const o = JSON.parse(whole) as { choices?: { message?: { content?: string }; finish_reason?: string }[]; usage?: unknown };
            const content = o.choices?.[0]?.message?.content ?? '';
            firstAt = performance.now();
            chunks = 1;
            usage = usageOf(o.usage);
            if (o.choices?.[0]?.finish_reason) finishReason = o.choices[0].finish_reason;
            text = content;
            if (content) handlers.onText(content);
          } catch {
            return fail(`the answer is neither an event stream nor JSON: ${whole.slice(0, 120)}`);
          }
        } else {
          for (const data of parser.end()) onData(data);
        }
        if (streamError) fail(streamError);
        else finish({ ok: true, text, cancelled: false, stats: stats() });
      });
    });
    req.end(payload);
  });
}
