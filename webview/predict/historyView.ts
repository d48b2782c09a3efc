// The request history of the predict panel: newest first, each answer shown again, replayed, or
// ticked (two of them) for a comparison the host computes.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { OutputComparison } from '../../src/core/predict/predictTypes';
import type { HistoryEntry } from '../../src/panels/protocols/predictProtocol';
import { h, replaceChildren } from '../common/dom';
import { fmtMs, TRANSPORT_LABELS } from './resultView';

export interface HistoryCallbacks {
  show(entry: HistoryEntry): void;
  replay(id: string): void;
  compare(a: string, b: string): void;
  clear(): void;
  /** Which entries are ticked changed (UI state to keep). */
  ticked(ids: string[]): void;
}

export class HistoryView {
  readonly root: HTMLElement;
  private readonly list = h('tbody');
  private readonly comparison = h('div', { class: 'comparison', attrs: { 'aria-live': 'polite' } });
  private readonly compareButton: HTMLElement;
  private entries: HistoryEntry[] = [];
  private selected: string[] = [];

  constructor(private readonly cb: HistoryCallbacks) {
    this.compareButton = h('vscode-button', { attrs: { secondary: true, icon: 'diff', disabled: true, 'data-action': 'compare' }, on: { click: () => this.compare() } }, 'Compare ticked');
    this.root = h(
      'section',
      { class: 'history', attrs: { 'aria-label': 'History' } },
      h('div', { class: 'section-head' }, h('h2', null, 'History'), this.compareButton, h('vscode-button', { attrs: { secondary: true, icon: 'clear-all' }, on: { click: () => cb.clear() } }, 'Clear')),
      h('table', { class: 'history-table' }, h('thead', null, h('tr', null, ...['', 'time', 'via', 'from', 'answer', 'latency', ''].map((t) => h('th', null, t)))), this.list),
      this.comparison,
    );
  }

  setTicked(ids: string[]): void {
    this.selected = ids.filter((id) => this.entries.some((e) => e.id === id));
    this.render();
  }

  setEntries(entries: HistoryEntry[]): void {
    this.entries = entries;
    this.selected = this.selected.filter((id) => entries.some((e) => e.id === id));
    if (entries.length === 0) replaceChildren(this.comparison);
    this.render();
  }

  showComparison(a: string, b: string, rows: OutputComparison[], error?: string): void {
    const name = (id: string) => {
      const i = this.entries.findIndex((e) => e.id === id);
      const e = this.entries[i];
      return e ? `#${this.entries.length - i} ${TRANSPORT_LABELS[e.transport]}${e.version ? ` v${e.version}` : ''}` : id;
    };
    if (error) {
      replaceChildren(this.comparison, h('div', { class: 'error-text' }, error));
      return;
    }
    replaceChildren(
      this.comparison,
      h('h3', null, `A = ${name(a)}, B = ${name(b)}`),
      h(
        'table',
        null,
        h('thead', null, h('tr', null, ...['output', 'shape A', 'shape B', 'difference', 'top-1 changes'].map((t) => h('th', null, t)))),
        h(
          'tbody',
          null,
          ...rows.map((r) =>
            h(
              'tr',
              { attrs: { 'data-compare-output': r.name } },
              h('td', null, r.name),
              h('td', null, r.shapeA ? `[${r.shapeA.join(', ')}]` : '–'),
              h('td', null, r.shapeB ? `[${r.shapeB.join(', ')}]` : '–'),
              h('td', null, r.note),
              h('td', null, r.top1Changes === undefined ? '–' : r.top1Changes.length === 0 ? 'none' : r.top1Changes.map((c) => `row ${c.row}: ${c.a} → ${c.b}`).join('; ')),
            ),
          ),
        ),
      ),
    );
  }

  private compare(): void {
    if (this.selected.length !== 2) return;
    // Older first: "A" is what came before.
    const [x, y] = [...this.selected].sort((p, q) => this.entries.findIndex((e) => e.id === q) - this.entries.findIndex((e) => e.id === p));
    this.cb.compare(x!, y!);
  }

  private toggle(id: string, on: boolean): void {
    this.selected = on ? [...this.selected.filter((x) => x !== id), id].slice(-2) : this.selected.filter((x) => x !== id);
    this.cb.ticked(this.selected);
    this.render();
  }

  private render(): void {
    (this.compareButton as HTMLButtonElement).disabled = this.selected.length !== 2;
    replaceChildren(
      this.list,
      ...this.entries.map((e, i) => {
        const o = e.outcome;
        return h(
          'tr',
          { attrs: { 'data-entry': e.id } },
          h('td', null, h('vscode-checkbox', { attrs: { checked: this.selected.includes(e.id), 'aria-label': `Compare request ${this.entries.length - i}` }, on: { change: (ev) => this.toggle(e.id, (ev.target as HTMLInputElement).checked) } })),
          h('td', { class: 'muted' }, new Date(e.at).toLocaleTimeString()),
          h('td', null, TRANSPORT_LABELS[e.transport], e.format === 'v1' ? ' (V1)' : ''),
          h('td', { class: 'muted' }, e.source),
          h('td', { class: o.ok ? '' : 'error-text' }, e.version ? `v${e.version} · ${e.summary}` : e.summary),
          h('td', { class: 'muted' }, o.timing ? fmtMs(o.timing.clientMs) : ''),
          h(
            'td',
            { class: 'row-actions' },
            h('vscode-button', { attrs: { secondary: true, 'data-action': 'show' }, on: { click: () => this.cb.show(e) } }, 'Show'),
            h('vscode-button', { attrs: { secondary: true, icon: 'debug-rerun', 'data-action': 'replay' }, on: { click: () => this.cb.replay(e.id) } }, 'Replay'),
          ),
        );
      }),
    );
  }
}
