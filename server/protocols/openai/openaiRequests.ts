/**
 * Checks of OpenAI completion and chat completion requests before they reach a predictor: a bad
 * request is a 400 naming the field, never a Python traceback. Fields we do not know pass through
 * untouched (vLLM and kserve accept many extensions: top_k, repetition_penalty, guided_json …).
 */
import { OpenAIRequestError } from './openaiErrors';

/** A JSON object request, checked. */
export type OpenAIRequest = Record<string, unknown>;

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the raw body as a JSON object. */
export function parseOpenAIBody(raw: unknown): OpenAIRequest {
  let value: unknown = raw;
  if (Buffer.isBuffer(raw)) {
    if (raw.length === 0) throw new OpenAIRequestError('the request body is empty: send a JSON object', null);
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new OpenAIRequestError(`the request body is not valid JSON: ${(err as Error).message}`, null);
    }
  }
  if (!isObject(value)) throw new OpenAIRequestError('the request body must be a JSON object', null);
  return value;
}

/** The `model` field: the deployment to use. */
export function modelOf(body: OpenAIRequest): string {
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw new OpenAIRequestError('"model" is required: the name of the deployment (see GET /openai/v1/models)', 'model');
  return model;
}

function checkNumber(body: OpenAIRequest, field: string, min: number, max: number, integer = false): void {
  const v = body[field];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    const what = integer ? 'an integer' : 'a number';
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new OpenAIRequestError(`"${field}" must be ${what} ${range} (got ${JSON.stringify(v)})`, field);
  }
}

/** Sampling fields shared by both request kinds. */
function checkCommon(body: OpenAIRequest): void {
  modelOf(body);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw new OpenAIRequestError(`"stream" must be true or false (got ${JSON.stringify(body.stream)})`, 'stream');
  if (body.stream_options !== undefined && body.stream_options !== null && !isObject(body.stream_options)) throw new OpenAIRequestError('"stream_options" must be an object', 'stream_options');
  checkNumber(body, 'temperature', 0, 2);
  checkNumber(body, 'top_p', 0, 1);
  checkNumber(body, 'presence_penalty', -2, 2);
  checkNumber(body, 'frequency_penalty', -2, 2);
  checkNumber(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  checkNumber(body, 'n', 1, 128, true);
  checkNumber(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  const stop = body.stop;
  if (stop !== undefined && stop !== null) {
    const list = Array.isArray(stop) ? stop : [stop];
    if (list.length > 4 || list.some((s) => typeof s !== 'string')) throw new OpenAIRequestError('"stop" must be a string or a list of up to 4 strings', 'stop');
  }
}

/** Checks a `POST /openai/v1/completions` body. */
export function checkCompletionRequest(body: OpenAIRequest): OpenAIRequest {
  checkCommon(body);
  const p = body.prompt;
  const isTokens = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t));
  const ok = typeof p === 'string' || (Array.isArray(p) && p.length > 0 && (p.every((x) => typeof x === 'string') || isTokens(p) || p.every(isTokens)));
  if (!ok) throw new OpenAIRequestError(`"prompt" is required: a string, a list of strings, or token ids (got ${p === undefined ? 'nothing' : JSON.stringify(p).slice(0, 80)})`, 'prompt');
  return body;
}

/** Checks a `POST /openai/v1/chat/completions` body. */
export function checkChatRequest(body: OpenAIRequest): OpenAIRequest {
  checkCommon(body);
  checkNumber(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER, true);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new OpenAIRequestError('"messages" is required: a non-empty list of {"role", "content"}', 'messages');
  messages.forEach((m, i) => {
    if (!isObject(m)) throw new OpenAIRequestError(`messages[${i}] must be an object with "role" and "content"`, `messages[${i}]`);
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) {
      throw new OpenAIRequestError(`messages[${i}].role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(m.role)})`, `messages[${i}].role`);
    }
    const c = m.content;
    const contentOk = typeof c === 'string' || Array.isArray(c) || ((c === null || c === undefined) && m.role === 'assistant');
    if (!contentOk) throw new OpenAIRequestError(`messages[${i}].content must be a string or a list of content parts`, `messages[${i}].content`);
  });
  return body;
}
