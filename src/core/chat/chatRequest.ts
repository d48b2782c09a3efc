/**
 * The chat tab's requests: the body sent to `/openai/v1/chat/completions` from the conversation and
 * the settings, the settings checked as the server would (so a typo is told before sending), and
 * the "copy as" texts (curl, the OpenAI Python client). Pure.
 */
import type { ChatEndpoint, ChatMessage, ChatSettings } from './chatTypes';

export const CHAT_PATH = '/openai/v1/chat/completions';
export const MODELS_PATH = '/openai/v1/models';

export const DEFAULT_CHAT_SETTINGS: ChatSettings = { systemPrompt: '', stop: [] };

/** The messages a turn sends: the system prompt (when set), the earlier turns, the new question. */
export function chatMessages(settings: ChatSettings, earlier: ChatMessage[], question: string): ChatMessage[] {
  const system = settings.systemPrompt.trim() ? [{ role: 'system' as const, content: settings.systemPrompt }] : [];
  return [...system, ...earlier.filter((m) => m.role !== 'system'), { role: 'user', content: question }];
}

/** The request body (streaming, with usage in the stream where the server supports it). */
export function chatBody(model: string, messages: ChatMessage[], settings: ChatSettings, stream = true): Record<string, unknown> {
  return {
    model,
    messages,
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.maxTokens !== undefined ? { max_tokens: settings.maxTokens } : {}),
    ...(settings.stop.length > 0 ? { stop: settings.stop } : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

/** Settings as typed in the page (strings) → checked settings, or the problems by field. */
export function parseChatSettings(input: { systemPrompt: string; temperature: string; maxTokens: string; stop: string }): { settings: ChatSettings; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const settings: ChatSettings = { systemPrompt: input.systemPrompt, stop: [] };
  const t = input.temperature.trim();
  if (t !== '') {
    const v = Number(t);
    if (!Number.isFinite(v) || v < 0 || v > 2) problems.temperature = 'a number from 0 to 2';
    else settings.temperature = v;
  }
  const m = input.maxTokens.trim();
  if (m !== '') {
    const v = Number(m);
    if (!Number.isInteger(v) || v < 1) problems.maxTokens = 'a whole number of tokens, at least 1';
    else settings.maxTokens = v;
  }
  // One stop sequence per line; "\n" written out means a newline.
  const stops = input.stop.split('\n').filter((s) => s !== '').map((s) => s.replace(/\\n/g, '\n'));
  if (stops.length > 4) problems.stop = 'at most 4 stop sequences (one per line)';
  else settings.stop = stops;
  return { settings, problems };
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl command that sends the same chat request (headers included; a token as $MODELDECK_TOKEN). */
export function chatAsCurl(endpoint: ChatEndpoint, body: Record<string, unknown>): string {
  const lines = [`curl -sN ${shellQuote(endpoint.baseUrl + CHAT_PATH)}`, `  -H 'Content-Type: application/json'`];
  for (const [k, v] of Object.entries(endpoint.headers ?? {})) {
    lines.push(k.toLowerCase() === 'authorization' ? `  -H "Authorization: Bearer $MODELDECK_TOKEN"` : `  -H ${shellQuote(`${k}: ${v}`)}`);
  }
  lines.push(`  -d ${shellQuote(JSON.stringify(body))}`);
  return lines.join(' \\\n');
}

const py = (v: unknown): string => JSON.stringify(v).replace(/\btrue\b/g, 'True').replace(/\bfalse\b/g, 'False').replace(/\bnull\b/g, 'None');

/** The same request with the OpenAI Python client (openai >= 1.0), streaming and printing as it comes. */
export function chatAsOpenAIPython(endpoint: ChatEndpoint, body: Record<string, unknown>): string {
  const headers = Object.entries(endpoint.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'authorization');
  const token = Object.keys(endpoint.headers ?? {}).some((k) => k.toLowerCase() === 'authorization');
  const { model, messages, stream, stream_options: _so, ...rest } = body;
  const extra = Object.entries(rest).map(([k, v]) => `    ${k}=${py(v)},\n`).join('');
  return (
    `import os\n` +
    `from openai import OpenAI\n\n` +
    `client = OpenAI(\n` +
    `    base_url=${py(endpoint.baseUrl + '/openai/v1')},\n` +
    `    api_key=${token ? 'os.environ["MODELDECK_TOKEN"]' : '"not-needed"'},\n` +
    (headers.length ? `    default_headers=${py(Object.fromEntries(headers))},\n` : '') +
    `)\n` +
    `stream = client.chat.completions.create(\n` +
    `    model=${py(model)},\n` +
    `    messages=${py(messages)},\n` +
    extra +
    `    stream=${stream ? 'True' : 'False'},\n` +
    `)\n` +
    (stream ? `for chunk in stream:\n    if chunk.choices and chunk.choices[0].delta.content:\n        print(chunk.choices[0].delta.content, end="", flush=True)\nprint()\n` : `print(stream.choices[0].message.content)\n`)
  );
}
