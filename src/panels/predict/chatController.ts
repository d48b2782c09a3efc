import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { externalUrl } from '../../common/externalUrl';
import { chatAvailability, streamChat } from '../../core/chat/chatClient';
import { chatAsCurl, chatAsOpenAIPython, chatBody, chatMessages, parseChatSettings } from '../../core/chat/chatRequest';
import type { ChatEndpoint, ChatMessage, ChatTurn } from '../../core/chat/chatTypes';
import type { ModelDeckOutput } from '../../logs/output';
import type { ChatCopyKind, ChatSettingsInput, PredictToPage } from '../protocols/predictProtocol';
import type { PredictSource } from './predictSource';

const KEY_PREFIX = 'modeldeck.chatHistory.';
/** Turns kept per deployment (workspace state): enough for a conversation, bounded for storage. */
const MAX_TURNS = 50;

/**
 * The host side of the predict panel's Chat tab: whether the deployment chats (it answers on
 * /openai/v1: an LLM predictor on the local server, KServe's Hugging Face runtime), the
 * conversation (workspace state, so it survives a reload), sending a question with the earlier
 * turns and streaming the answer to the page, Stop, and "copy as". The page only types and shows.
 */
export class ChatController {
  private running: { id: string; abort: AbortController } | undefined;
  private available: { key: string; value: boolean; reason?: string } | undefined;
  /** The last answer (tests read it through the API). */
  lastTurn: ChatTurn | undefined;

  constructor(
    private readonly source: PredictSource,
    private readonly memento: vscode.Memento,
    private readonly post: (m: PredictToPage) => void,
    private readonly output: ModelDeckOutput,
  ) {}

  private turns(): ChatTurn[] {
    return this.memento.get<ChatTurn[]>(KEY_PREFIX + this.source.key, []);
  }

  /** The page (re)connected: the conversation, and whether the tab shows. */
  async onReady(): Promise<void> {
    this.post({ type: 'chatTurns', turns: this.turns() });
    this.available = undefined;
    await this.refreshAvailability();
  }

  /** Where chat requests go now; undefined while the deployment is not running. */
  private async endpoint(): Promise<ChatEndpoint | undefined> {
    if (this.source.target()?.state !== 'running') return undefined;
    const e = await this.source.endpoint().catch(() => undefined);
    return e ? { baseUrl: e.httpUrl, model: this.source.name, ...(e.headers ? { headers: e.headers } : {}) } : undefined;
  }

  /** Asks the server whether it chats with this deployment (again when where it runs or the version changed). */
  async refreshAvailability(): Promise<void> {
    const target = this.source.target();
    const endpoint = await this.endpoint();
    if (!endpoint) return; // keep what was known: a stopped deployment keeps its tab and says why it cannot answer
    const key = `${endpoint.baseUrl} ${target?.version ?? ''}`;
    if (this.available?.key === key) return;
    const { available, reason } = await chatAvailability(endpoint);
    this.available = { key, value: available, ...(reason ? { reason } : {}) };
    this.post({ type: 'chatAvailability', available, ...(reason ? { reason } : {}) });
  }

  /** The earlier turns as messages: each answered question and its answer. */
  private earlier(): ChatMessage[] {
    return this.turns().flatMap((t) => {
      const question = t.messages[t.messages.length - 1];
      const answer = t.outcome.text;
      return question && answer ? [question, { role: 'assistant' as const, content: answer }] : [];
    });
  }

  async send(question: string, input: ChatSettingsInput): Promise<ChatTurn | undefined> {
    const { settings, problems } = parseChatSettings(input);
    if (Object.keys(problems).length > 0) {
      this.post({ type: 'chatProblems', problems });
      return undefined;
    }
    this.post({ type: 'chatProblems', problems: {} });
    if (!question.trim() || this.running) return undefined;
    const endpoint = await this.endpoint();
    const id = randomUUID();
    const messages = chatMessages(settings, this.earlier(), question);
    const at = new Date().toISOString();
    this.post({ type: 'chatStarted', id, messages });
    let turn: ChatTurn;
    if (!endpoint) {
      const target = this.source.target();
      const error = `"${this.source.name}" is not running (${target?.state ?? 'no deployment'}${target?.reason ? `: ${target.reason}` : ''})`;
      turn = { id, at, messages, settings, outcome: { ok: false, error, text: '', stats: { totalMs: 0, chunks: 0 } } };
    } else {
      const abort = new AbortController();
      this.running = { id, abort };
      try {
        const outcome = await streamChat(endpoint, chatBody(endpoint.model, messages, settings), { onText: (text) => this.post({ type: 'chatText', id, text }) }, abort.signal);
        turn = { id, at, messages, settings, outcome };
      } finally {
        this.running = undefined;
      }
      const o = turn.outcome;
      this.output.info(`chat ${this.source.key}: ${o.ok ? `${o.cancelled ? 'stopped' : 'answered'} in ${Math.round(o.stats.totalMs)} ms (first token ${Math.round(o.stats.firstTokenMs ?? 0)} ms)` : `failed: ${o.error}`}`);
    }
    await this.memento.update(KEY_PREFIX + this.source.key, [...this.turns(), turn].slice(-MAX_TURNS));
    this.lastTurn = turn;
    this.post({ type: 'chatDone', turn });
    return turn;
  }

  stop(): void {
    this.running?.abort.abort();
  }

  async copy(kind: ChatCopyKind, question: string, input: ChatSettingsInput): Promise<void> {
    const { settings, problems } = parseChatSettings(input);
    if (Object.keys(problems).length > 0) {
      this.post({ type: 'chatProblems', problems });
      return;
    }
    const endpoint = await this.endpoint();
    if (!endpoint) {
      void vscode.window.showErrorMessage(`ModelDeck: cannot copy: "${this.source.name}" is not running, so its address is unknown`);
      return;
    }
    // Pasted into the user's terminal: the URL as the user reaches it (forwarded in remote development).
    const shown = { ...endpoint, baseUrl: await externalUrl(endpoint.baseUrl) };
    const body = chatBody(endpoint.model, chatMessages(settings, this.earlier(), question || 'Hello!'), settings);
    await vscode.env.clipboard.writeText(kind === 'curl' ? chatAsCurl(shown, body) : chatAsOpenAIPython(shown, body));
    void vscode.window.setStatusBarMessage(`ModelDeck: copied the chat request as ${kind === 'curl' ? 'curl' : 'OpenAI Python client code'}`, 4000);
  }

  async clear(): Promise<void> {
    this.stop();
    await this.memento.update(KEY_PREFIX + this.source.key, undefined);
    this.post({ type: 'chatTurns', turns: [] });
  }

  dispose(): void {
    this.stop();
  }
}
