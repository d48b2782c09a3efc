// The answer area of the predict panel: a status line with client latency and the server's own
// timing, the problems that kept a request from being sent, and two tabs: tables (top-k per row
// with labels for classifiers, then every output tensor) and the raw response.
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { ResultTensor, TopKTable, Transport } from '../../src/core/predict/predictTypes';
import type { HistoryEntry } from '../../src/panels/protocols/predictProtocol';
import { h, replaceChildren } from '../common/dom';

const MAX_ROWS = 20;
const MAX_COLS = 16;
const MAX_FLAT = 60;

export const TRANSPORT_LABELS: Record<Transport, string> = { 'rest-json': 'REST JSON', 'rest-binary': 'REST binary', grpc: 'gRPC' };

export class ResultView {
  readonly root: HTMLElement;
  private readonly status = h('div', { class: 'result-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly problems = h('ul', { class: 'problems' });
  private readonly tables = h('div', { class: 'result-tables' });
  private readonly raw = h('pre', { class: 'raw', attrs: { tabindex: 0, 'aria-label': 'Raw response' } });
  private readonly tabs: HTMLElement;

  constructor(onTab: (view: 'table' | 'raw') => void) {
    this.tabs = h(
      'vscode-tabs',
      { on: { 'vsc-tabs-select': (e) => onTab((e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex === 1 ? 'raw' : 'table') } },
      h('vscode-tab-header', { attrs: { slot: 'header' } }, 'Outputs'),
      h('vscode-tab-panel', null, this.tables),
      h('vscode-tab-header', { attrs: { slot: 'header' } }, 'Raw response'),
      h('vscode-tab-panel', null, this.raw),
    );
    this.root = h('section', { class: 'result', attrs: { 'aria-label': 'Response' } }, h('h2', null, 'Response'), this.status, this.problems, this.tabs);
    this.root.hidden = true;
  }

  selectTab(view: 'table' | 'raw'): void {
    (this.tabs as unknown as { selectedIndex: number }).selectedIndex = view === 'raw' ? 1 : 0;
  }

  sending(transport: Transport): void {
    this.root.hidden = false;
    this.status.className = 'result-status muted';
    this.status.textContent = `Sending over ${TRANSPORT_LABELS[transport]}…`;
  }

  show(entry: HistoryEntry): void {
    this.root.hidden = false;
    const o = entry.outcome;
    const via = TRANSPORT_LABELS[entry.transport];
    if (!o.ok) {
      this.status.className = 'result-status error-text';
      this.status.textContent = `✗ ${o.scriptError ? 'Script error · ' : ''}${o.status ? `${o.status} · ` : ''}${via}: ${o.error}${o.timing ? ` · ${o.timing.clientMs.toFixed(1)} ms` : ''}`;
      // A script's exception is the user's code failing, not a bad request: say where to look.
      const scriptHint = o.scriptError ? [h('li', { class: 'muted', attrs: { 'data-hint': 'script-error' } }, 'The deployment\'s script raised this; its traceback is in the deployment\'s log (Show Logs). The next request runs it again.')] : [];
      replaceChildren(this.problems, ...(o.problems ?? []).map((p) => h('li', { class: 'error-text' }, p)), ...scriptHint);
      replaceChildren(this.tables);
      this.raw.textContent = o.raw ?? '';
      return;
    }
    const server = [o.timing.queueMs !== undefined ? `queue ${fmtMs(o.timing.queueMs)}` : '', o.timing.computeMs !== undefined ? `compute ${fmtMs(o.timing.computeMs)}` : ''].filter(Boolean).join(', ');
    this.status.className = 'result-status ok-text';
    this.status.textContent = `✓ ${via} · ${o.modelName ?? ''}${o.modelVersion ? ` v${o.modelVersion}` : ''} · client ${fmtMs(o.timing.clientMs)}${server ? ` · server ${server}` : ''}`;
    replaceChildren(this.problems);
    replaceChildren(this.tables, ...(o.predictions ? [predictionsTable(o.predictions)] : []), ...o.topK.map(topKTable), ...o.outputs.map(tensorTable));
    this.raw.textContent = o.raw;
  }
}

/** A V1 answer's `predictions`: one table row per instance, each prediction as a value or compact JSON. */
function predictionsTable(predictions: unknown[]): HTMLElement {
  const shown = predictions.slice(0, MAX_ROWS);
  return h(
    'div',
    { class: 'output', attrs: { 'data-output': 'v1-predictions' } },
    h('h3', null, 'Predictions', h('span', { class: 'muted' }, ` ${predictions.length} (one per instance)`)),
    h(
      'table',
      { class: 'predictions' },
      h('thead', null, h('tr', null, h('th', null, 'row'), h('th', null, 'prediction'))),
      h('tbody', null, ...shown.map((p, i) => h('tr', null, h('td', { class: 'muted' }, String(i)), h('td', null, predictionText(p))))),
    ),
    predictions.length > MAX_ROWS ? h('div', { class: 'muted' }, `showing ${MAX_ROWS} of ${predictions.length} predictions (all in Raw response)`) : null,
  );
}

function predictionText(p: unknown): string {
  if (p === null || typeof p !== 'object') return fmtValue(p);
  const text = JSON.stringify(p, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v));
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

function topKTable(t: TopKTable): HTMLElement {
  const ranks = Array.from({ length: t.k }, (_, i) => i);
  return h(
    'div',
    { class: 'output', attrs: { 'data-output': `top-${t.output}` } },
    h('h3', null, `Top ${t.k} classes by ${t.output}`, h('span', { class: 'muted' }, t.scores === 'logit' ? ' (logits; softmax probability shown)' : ' (probabilities)')),
    h(
      'table',
      { class: 'topk' },
      h('thead', null, h('tr', null, h('th', null, 'row'), ...ranks.map((r) => h('th', null, `#${r + 1}`)))),
      h(
        'tbody',
        null,
        ...t.rows.slice(0, MAX_ROWS).map((row, i) =>
          h(
            'tr',
            null,
            h('td', { class: 'muted' }, String(i)),
            ...row.map((e, r) =>
              h('td', { class: r === 0 ? 'top1' : '' }, h('span', { class: 'label' }, e.label ?? String(e.index)), ' ', h('span', { class: 'muted' }, pct(e.probability))),
            ),
          ),
        ),
      ),
    ),
  );
}

function tensorTable(t: ResultTensor): HTMLElement {
  const caption = h('h3', null, t.name, h('span', { class: 'muted' }, ` ${t.datatype} [${t.shape.join(', ')}]`));
  const cell = (i: number) => {
    const v = t.data[i];
    const label = t.labels?.[i];
    return h('td', null, fmtValue(v), label !== undefined ? h('span', { class: 'label' }, ` ${label}`) : null);
  };
  if (t.shape.length === 2) {
    const [rows, cols] = t.shape as [number, number];
    const shownCols = Math.min(cols, MAX_COLS);
    return h(
      'div',
      { class: 'output', attrs: { 'data-output': t.name } },
      caption,
      h(
        'table',
        null,
        h('thead', null, h('tr', null, h('th', null, 'row'), ...Array.from({ length: shownCols }, (_, c) => h('th', null, String(c))))),
        h(
          'tbody',
          null,
          ...Array.from({ length: Math.min(rows, MAX_ROWS) }, (_, r) => h('tr', null, h('td', { class: 'muted' }, String(r)), ...Array.from({ length: shownCols }, (_, c) => cell(r * cols + c)))),
        ),
      ),
      rows > MAX_ROWS || cols > MAX_COLS ? h('div', { class: 'muted' }, `showing ${Math.min(rows, MAX_ROWS)} of ${rows} rows, ${shownCols} of ${cols} columns (all in Raw response)`) : null,
    );
  }
  const n = Math.min(t.data.length, MAX_FLAT);
  return h(
    'div',
    { class: 'output', attrs: { 'data-output': t.name } },
    caption,
    h('table', null, h('tbody', null, h('tr', null, ...Array.from({ length: n }, (_, i) => cell(i))))),
    t.data.length > MAX_FLAT ? h('div', { class: 'muted' }, `first ${MAX_FLAT} of ${t.data.length} values (all in Raw response)`) : null,
  );
}

function fmtValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toFixed(4) : v.toExponential(3);
  return String(v);
}

function pct(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}
