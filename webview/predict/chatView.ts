// The predict panel's Chat tab (deployments that answer on /openai/v1): the conversation with each
// answer filling in as its tokens arrive, the settings (system prompt, temperature, max tokens,
// stop), Send / Stop, "Copy as" (curl, OpenAI Python client) and New conversation. It keeps only
// what the user types; the host sends, streams, measures and keeps the conversation.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ChatMessage, ChatOutcome, ChatTurn } from '../../src/core/chat/chatTypes';
import type { ChatCopyKind, ChatSettingsInput } from '../../src/panels/protocols/predictProtocol';
import { h, replaceChildren } from '../common/dom';

/** What the tab asks of the page's channel. */
export interface ChatActions {
  send(question: string, settings: ChatSettingsInput): void;
  stop(): void;
  copy(kind: ChatCopyKind, question: string, settings: ChatSettingsInput): void;
  clear(): void;
  /** The settings or the draft changed (kept in the page's state). */
  typed(state: ChatSettingsInput & { draft: string }): void;
}

type Field = HTMLElement & { value: string };

/** One line of numbers under an answer: time to first token, tokens/s, usage, why it ended. */
export function statsLine(o: ChatOutcome): string {
  const s = o.stats;
  const parts = [
    s.firstTokenMs !== undefined ? `first token ${Math.round(s.firstTokenMs)} ms` : '',
    `${Math.round(s.totalMs)} ms`,
    s.tokensPerSecond !== undefined ? `${s.tokensPerSecond.toFixed(1)} tokens/s` : '',
    s.usage?.promptTokens !== undefined || s.usage?.completionTokens !== undefined ? `tokens: ${s.usage.promptTokens ?? '?'} prompt + ${s.usage.completionTokens ?? '?'} completion` : '',
    s.finishReason ? `finish: ${s.finishReason}` : '',
    o.ok && o.cancelled ? 'stopped' : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

export class ChatView {
  readonly root: HTMLElement;
  private readonly log = h('div', { class: 'chat-log', attrs: { 'aria-live': 'polite', 'data-key': 'chat-log' } });
  private readonly note = h('div', { class: 'muted chat-note', attrs: { 'data-key': 'chat-note' } });
  private readonly system = h('vscode-textarea', { attrs: { rows: 2, resize: 'vertical', placeholder: 'System prompt (optional)', 'aria-label': 'System prompt', 'data-key': 'chat-system' } }) as Field;
  private readonly temperature = h('vscode-textfield', { attrs: { placeholder: 'default', 'aria-label': 'Temperature', 'data-key': 'chat-temperature', size: 6 } }) as Field;
  private readonly maxTokens = h('vscode-textfield', { attrs: { placeholder: 'default', 'aria-label': 'Max tokens', 'data-key': 'chat-max-tokens', size: 6 } }) as Field;
  private readonly stop = h('vscode-textarea', { attrs: { rows: 1, resize: 'vertical', placeholder: 'one per line', 'aria-label': 'Stop sequences', 'data-key': 'chat-stop' } }) as Field;
  private readonly problems = h('div', { class: 'error-text chat-problems', attrs: { 'data-key': 'chat-problems' } });
  private readonly question = h('vscode-textarea', { attrs: { rows: 3, resize: 'vertical', placeholder: 'Ask something (Ctrl+Enter sends)', 'aria-label': 'Message', 'data-key': 'chat-question' } }) as Field;
  private readonly sendButton: HTMLElement & { disabled: boolean };
  private readonly stopButton: HTMLElement & { hidden: boolean };
  /** The answer element of each question on screen, by id. */
  private readonly answers = new Map<string, { text: HTMLElement; stats: HTMLElement; turn: HTMLElement }>();
  private busy = false;
  private canSend = false;

  constructor(private readonly actions: ChatActions) {
    const settings = (): ChatSettingsInput => this.settings();
    this.sendButton = h('vscode-button', { attrs: { icon: 'send', 'data-action': 'chat-send', title: 'Send (Ctrl+Enter)' }, on: { click: () => this.send() } }, 'Send') as HTMLElement & { disabled: boolean };
    this.stopButton = h('vscode-button', { attrs: { secondary: true, icon: 'debug-stop', 'data-action': 'chat-stop', title: 'Stop the answer (the server cancels the generation)' }, on: { click: () => actions.stop() } }, 'Stop');
    this.stopButton.hidden = true;
    const copy = (kind: ChatCopyKind, label: string) =>
      h('vscode-button', { attrs: { secondary: true, icon: 'copy', 'data-action': `chat-copy-${kind}` }, on: { click: () => actions.copy(kind, this.question.value, settings()) } }, label);
    const typed = () => actions.typed({ ...this.settings(), draft: this.question.value });
    for (const f of [this.system, this.temperature, this.maxTokens, this.stop, this.question]) f.addEventListener('input', typed);
    this.question.addEventListener('keydown', (e) => {
      const k = e as KeyboardEvent;
      if (k.key === 'Enter' && (k.ctrlKey || k.metaKey)) {
        k.preventDefault();
        this.send();
      }
    });
    this.root = h(
      'section',
      { class: 'chat', attrs: { 'aria-label': 'Chat', 'data-key': 'chat' } },
      h('div', { class: 'section-head' }, h('h2', null, 'Chat'), h('vscode-button', { attrs: { secondary: true, icon: 'clear-all', 'data-action': 'chat-clear', title: 'Start a new conversation' }, on: { click: () => actions.clear() } }, 'New conversation')),
      this.note,
      h(
        'div',
        { class: 'chat-settings' },
        this.system,
        h('label', { class: 'chat-setting' }, 'Temperature', this.temperature),
        h('label', { class: 'chat-setting' }, 'Max tokens', this.maxTokens),
        h('label', { class: 'chat-setting chat-stop' }, 'Stop', this.stop),
      ),
      this.problems,
      this.log,
      this.question,
      h('div', { class: 'control-row' }, this.sendButton, this.stopButton, h('span', { class: 'muted' }, 'Copy as'), copy('curl', 'curl'), copy('openai-python', 'OpenAI Python')),
    );
  }

  /** Fills the fields from the page's saved state. */
  restore(state: (ChatSettingsInput & { draft: string }) | undefined): void {
    if (!state) return;
    this.system.value = state.systemPrompt;
    this.temperature.value = state.temperature;
    this.maxTokens.value = state.maxTokens;
    this.stop.value = state.stop;
    this.question.value = state.draft;
  }

  private settings(): ChatSettingsInput {
    return { systemPrompt: this.system.value ?? '', temperature: this.temperature.value ?? '', maxTokens: this.maxTokens.value ?? '', stop: this.stop.value ?? '' };
  }

  /** Whether questions can go out now (the deployment is running) and, if the tab cannot chat, why. */
  setState(running: boolean, unavailable?: string): void {
    this.canSend = running && !unavailable;
    this.note.textContent = unavailable ?? (running ? '' : 'The deployment is not running: start it to chat.');
    this.note.hidden = !this.note.textContent;
    this.renderButtons();
  }

  private renderButtons(): void {
    this.sendButton.disabled = !this.canSend || this.busy;
    this.stopButton.hidden = !this.busy;
  }

  private send(): void {
    if (!this.canSend || this.busy || !this.question.value.trim()) return;
    this.actions.send(this.question.value, this.settings());
  }

  showProblems(problems: Record<string, string>): void {
    const labels: Record<string, string> = { temperature: 'Temperature', maxTokens: 'Max tokens', stop: 'Stop' };
    this.problems.textContent = Object.entries(problems).map(([k, v]) => `${labels[k] ?? k}: ${v}`).join(' · ');
  }

  /** The whole conversation (after a reload, or empty after New conversation). */
  setTurns(turns: ChatTurn[]): void {
    this.answers.clear();
    replaceChildren(this.log);
    for (const t of turns) this.finish(t, this.add(t.id, t.messages));
    this.busy = false;
    this.renderButtons();
  }

  private add(id: string, messages: ChatMessage[]): { text: HTMLElement; stats: HTMLElement; turn: HTMLElement } {
    const question = messages[messages.length - 1]?.content ?? '';
    const text = h('div', { class: 'chat-text', attrs: { 'data-key': 'chat-answer' } });
    const stats = h('div', { class: 'muted chat-stats', attrs: { 'data-key': 'chat-stats' } });
    const turn = h(
      'div',
      { class: 'chat-turn', attrs: { 'data-turn': id } },
      h('div', { class: 'chat-user' }, h('span', { class: 'chat-role' }, 'You'), h('div', { class: 'chat-text' }, question)),
      h('div', { class: 'chat-assistant' }, h('span', { class: 'chat-role' }, 'Assistant'), text, stats),
    );
    this.log.append(turn);
    const entry = { text, stats, turn };
    this.answers.set(id, entry);
    return entry;
  }

  started(id: string, messages: ChatMessage[]): void {
    this.busy = true;
    this.question.value = '';
    this.actions.typed({ ...this.settings(), draft: '' });
    const a = this.add(id, messages);
    a.stats.textContent = 'waiting for the first token…';
    a.turn.scrollIntoView({ block: 'end' });
    this.renderButtons();
  }

  text(id: string, piece: string): void {
    const a = this.answers.get(id);
    if (!a) return;
    if (!a.text.textContent) a.stats.textContent = 'streaming…';
    a.text.append(document.createTextNode(piece));
    a.turn.scrollIntoView({ block: 'end' });
  }

  done(turn: ChatTurn): void {
    const a = this.answers.get(turn.id) ?? this.add(turn.id, turn.messages);
    this.finish(turn, a);
    this.busy = false;
    this.renderButtons();
  }

  private finish(turn: ChatTurn, a: { text: HTMLElement; stats: HTMLElement; turn: HTMLElement }): void {
    const o = turn.outcome;
    a.text.textContent = o.text;
    a.turn.classList.toggle('chat-failed', !o.ok);
    a.stats.textContent = o.ok ? statsLine(o) : `${o.error}${statsLine(o) ? ` · ${statsLine(o)}` : ''}`;
    a.stats.className = `chat-stats ${o.ok ? 'muted' : 'error-text'}`;
  }
}
