/**
 * Pure conversions between OpenAI's completion and chat completion objects, so one predictor form
 * serves both routes: a chat request becomes a completion request (prompt from
 * `apply_chat_template`), and the completion (or its chunks) comes back as `chat.completion`
 * (or `chat.completion.chunk` with `delta`). Also: chunks merged into one object (a predictor that
 * streams when the client did not ask to, and the inference log's record of a streamed answer).
 */
import { InferenceError } from '../../errors';
import type { OpenAIRequest } from './openaiRequests';

/** Which route: `/completions` or `/chat/completions`. */
export type CompletionKind = 'completion' | 'chat';

export type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields a chat request shares with a completion request (the rest is chat-only). */
const SHARED_FIELDS = ['model', 'max_tokens', 'temperature', 'top_p', 'n', 'stop', 'stream', 'stream_options', 'seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'user', 'logprobs', 'top_k', 'repetition_penalty'];

/** The completion request a chat request becomes once `apply_chat_template` gave the prompt. */
export function chatToCompletionRequest(chat: OpenAIRequest, prompt: string): Json {
  const out: Json = { prompt };
  for (const k of SHARED_FIELDS) if (chat[k] !== undefined) out[k] = chat[k];
  if (out.max_tokens === undefined && chat.max_completion_tokens !== undefined) out.max_tokens = chat.max_completion_tokens;
  // Chat logprobs is a boolean + top_logprobs; completion logprobs is a count.
  if (typeof out.logprobs === 'boolean') out.logprobs = out.logprobs ? (typeof chat.top_logprobs === 'number' ? chat.top_logprobs : 1) : undefined;
  return out;
}

/** The prompt `apply_chat_template` returned: a string, or kserve's ChatPrompt `{"prompt": …}`. */
export function promptOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.prompt === 'string') return value.prompt;
  throw new InferenceError('internal', `apply_chat_template returned ${describe(value)}; expected a string or {"prompt": "..."}`);
}

/** What a predictor returned, checked to be an object (a completion, a chunk). */
export function asCompletionObject(value: unknown, method: string): Json {
  if (!isObject(value)) throw new InferenceError('internal', `${method} returned ${describe(value)}; expected an object shaped like OpenAI's (with "choices")`);
  if (!Array.isArray(value.choices)) throw new InferenceError('internal', `${method} returned an object without "choices" (keys: ${Object.keys(value).join(', ') || 'none'})`);
  return value;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isObject(v)) return `an object with keys ${Object.keys(v).join(', ') || '(none)'}`;
  return typeof v === 'string' ? 'a string' : typeof v;
}

const choicesOf = (o: Json): Json[] => (Array.isArray(o.choices) ? o.choices.filter(isObject) : []);

/** Fills in what OpenAI clients expect and a predictor may leave out: id, object, created, model. */
export function withEnvelope(o: Json, object: string, model: string, fallbackId: string): Json {
  return { ...o, id: o.id ?? fallbackId, object, created: o.created ?? Math.floor(Date.now() / 1000), model: o.model ?? model };
}

/** A `text_completion` as a `chat.completion`. */
export function completionToChat(c: Json): Json {
  const { choices: _choices, object: _object, ...rest } = c;
  return {
    ...rest,
    object: 'chat.completion',
    choices: choicesOf(c).map((ch, i) => ({
      index: typeof ch.index === 'number' ? ch.index : i,
      message: { role: 'assistant', content: typeof ch.text === 'string' ? ch.text : '' },
      finish_reason: ch.finish_reason ?? null,
      ...(ch.logprobs !== undefined ? { logprobs: ch.logprobs } : {}),
    })),
  };
}

/**
 * Completion chunks → chat chunks for one stream: each choice's first delta carries the role, as
 * OpenAI's do.
 */
export class ChatChunker {
  private readonly started = new Set<number>();

  convert(c: Json): Json {
    const { choices: _choices, object: _object, ...rest } = c;
    return {
      ...rest,
      object: 'chat.completion.chunk',
      choices: choicesOf(c).map((ch, i) => {
        const index = typeof ch.index === 'number' ? ch.index : i;
        const delta: Json = {};
        if (!this.started.has(index)) {
          this.started.add(index);
          delta.role = 'assistant';
        }
        if (typeof ch.text === 'string') delta.content = ch.text;
        return { index, delta, finish_reason: ch.finish_reason ?? null, ...(ch.logprobs !== undefined ? { logprobs: ch.logprobs } : {}) };
      }),
    };
  }
}

/** The text a chunk's choice adds (completion `text` or chat `delta.content`). */
function textOf(ch: Json): string {
  if (typeof ch.text === 'string') return ch.text;
  if (isObject(ch.delta) && typeof ch.delta.content === 'string') return ch.delta.content;
  return '';
}

/** Chunks of one stream merged into the object a non-streaming request gets. */
export function mergeChunks(kind: CompletionKind, chunks: Json[]): Json {
  const first = chunks[0] ?? {};
  const texts = new Map<number, string>();
  const finish = new Map<number, unknown>();
  let usage: unknown;
  for (const c of chunks) {
    if (c.usage !== undefined && c.usage !== null) usage = c.usage;
    choicesOf(c).forEach((ch, i) => {
      const index = typeof ch.index === 'number' ? ch.index : i;
      texts.set(index, (texts.get(index) ?? '') + textOf(ch));
      if (ch.finish_reason !== undefined && ch.finish_reason !== null) finish.set(index, ch.finish_reason);
    });
  }
  const indexes = [...texts.keys()].sort((a, b) => a - b);
  const { choices: _c, usage: _u, object: _o, ...rest } = first;
  return {
    ...rest,
    object: kind === 'chat' ? 'chat.completion' : 'text_completion',
    choices: indexes.map((index) =>
      kind === 'chat'
        ? { index, message: { role: 'assistant', content: texts.get(index) }, finish_reason: finish.get(index) ?? null }
        : { index, text: texts.get(index), finish_reason: finish.get(index) ?? null },
    ),
    ...(usage !== undefined ? { usage } : {}),
  };
}

/** A whole answer sent as the one chunk of a stream (the client streams, the predictor did not). */
export function objectAsChunk(kind: CompletionKind, o: Json): Json {
  if (kind === 'completion') return { ...o, object: 'text_completion' };
  const { choices: _c, object: _o, ...rest } = o;
  return {
    ...rest,
    object: 'chat.completion.chunk',
    choices: choicesOf(o).map((ch, i) => {
      const message = isObject(ch.message) ? ch.message : {};
      return { index: typeof ch.index === 'number' ? ch.index : i, delta: { role: 'assistant', content: typeof message.content === 'string' ? message.content : '' }, finish_reason: ch.finish_reason ?? null };
    }),
  };
}

/** Token counts a predictor reported, when it did. */
export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
}

export function usageOf(o: Json | undefined): Usage | undefined {
  const u = o?.usage;
  if (!isObject(u)) return undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const promptTokens = num(u.prompt_tokens);
  const completionTokens = num(u.completion_tokens);
  return { ...(promptTokens !== undefined ? { promptTokens } : {}), ...(completionTokens !== undefined ? { completionTokens } : {}) };
}
