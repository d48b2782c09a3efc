/**
 * The chat tab's data: messages, the settings a user picks, where requests go and what one answer
 * measured. Pure types shared by the chat client (this folder), the predict panel's host and page.
 */

/** One message of a conversation, as OpenAI's chat API takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the user sets beside the conversation. */
export interface ChatSettings {
  /** Sent as the first message (role "system") when not empty. */
  systemPrompt: string;
  /** 0–2; undefined: the server's default. */
  temperature?: number;
  /** Most tokens to generate; undefined: the server's default. */
  maxTokens?: number;
  /** Up to 4 stop sequences. */
  stop: string[];
}

/** Where chat requests go: a server root (local ModelDeck, or a KServe service through the ingress). */
export interface ChatEndpoint {
  /** Origin (and path prefix, if any) the `/openai/v1/...` routes hang off, without a trailing slash. */
  baseUrl: string;
  /** The deployment / InferenceService name (`model` in requests). */
  model: string;
  /** Extra headers: `Host` for an ingress without DNS, `Authorization` for a gateway that wants a token. */
  headers?: Record<string, string>;
}

/** Token counts the server reported. */
export interface ChatUsage {
  promptTokens?: number;
  completionTokens?: number;
}

/** What one answer measured. */
export interface ChatStats {
  /** ms from sending to the first streamed piece of text. */
  firstTokenMs?: number;
  /** ms from sending to the end of the answer. */
  totalMs: number;
  /** Completion tokens per second after the first token, when the server reported usage. */
  tokensPerSecond?: number;
  /** Server-sent chunks received. */
  chunks: number;
  usage?: ChatUsage;
  finishReason?: string;
}

/** How a chat request ended. */
export type ChatOutcome =
  | { ok: true; text: string; cancelled: boolean; stats: ChatStats }
  | { ok: false; error: string; status?: number; /** What had streamed before the failure. */ text: string; stats: ChatStats };

/** One question and its answer, as the history keeps them. */
export interface ChatTurn {
  id: string;
  /** ISO time it was asked. */
  at: string;
  /** What was sent (system message first, when there was one). */
  messages: ChatMessage[];
  settings: ChatSettings;
  outcome: ChatOutcome;
}
