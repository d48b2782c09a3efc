// The Inference Log page: a deployment's requests and responses as they happen, newest first, a
// filter, and the selected entry's two payloads with Replay. It keeps only UI state (the filter and
// the selection, with setState); the host reads, pairs and filters the records and answers with
// rows and payloads.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { EntryDetail, LogFilter, LogRow, PayloadView } from '../../src/core/inferenceLog/inferenceLogView';
import type { InferenceLogFromPage, InferenceLogPageState, InferenceLogToPage, LogSourceInfo } from '../../src/panels/protocols/inferenceLogProtocol';
import { debounce, h, replaceChildren } from '../common/dom';

import { connect } from '../common/vscodeApi';

const channel = connect<InferenceLogFromPage, InferenceLogToPage, InferenceLogPageState>();
const root = document.getElementById('root')!;
let ui: InferenceLogPageState = channel.getState() ?? { deployment: '' };
let rows: LogRow[] = [];
let protocols: string[] = [];

const persist = () => channel.setState(ui);

// This page's few styles, allowed by the CSP through the page's nonce (webview.css is shared).
const style = h('style', { attrs: { nonce: root.dataset.nonce ?? '' } });
style.textContent = `
  .log-page .source { font-family: var(--vscode-editor-font-family); }
  .log-page .filters { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 12px 0 8px; }
  .log-page .filters vscode-textfield { flex: 1 1 260px; width: auto; }
  .log-page .filters vscode-single-select { width: 160px; }
  .log-page .table-wrap { max-height: 42vh; overflow: auto; border: 1px solid var(--vscode-panel-border, transparent); }
  .log-page table.entries { width: 100%; }
  .log-page table.entries th { position: sticky; top: 0; background: var(--vscode-editor-background); }
  .log-page table.entries td { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); white-space: nowrap; cursor: pointer; padding: 2px 10px 2px 4px; }
  .log-page table.entries tr:hover td { background: var(--vscode-list-hoverBackground); }
  .log-page table.entries tr.selected td { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
  .log-page .detail-head { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 16px 0 6px; }
  .log-page .detail-head h2 { margin: 0 8px 0 0; }
  .log-page .payloads { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
  .log-page .payloads h3 { font-size: 1em; margin: 4px 0; }
  .log-page .payloads pre { max-height: 40vh; margin: 4px 0; white-space: pre-wrap; word-break: break-all; }
  .log-page .empty { padding: 12px 4px; }
`;
document.head.append(style);

// ---- header
const title = h('h1');
const sourceLine = h('div', { class: 'source muted', attrs: { 'data-key': 'source', 'aria-live': 'polite' } });
const problemLine = h('div', { class: 'warning-text', attrs: { 'data-key': 'problem', role: 'status' } });

// ---- filters
const textFilter = h('vscode-textfield', {
  attrs: { placeholder: 'Filter: request id or payload text', 'aria-label': 'Filter by request id or payload text', 'data-key': 'filter-text' },
  props: { value: ui.filter?.text ?? '' },
  on: { input: () => setFilter({ text: textFilter.value }) },
});
const protocolFilter = h('vscode-single-select', { attrs: { 'aria-label': 'Protocol', 'data-key': 'filter-protocol' }, on: { change: () => setFilter({ protocol: protocolFilter.value }) } });
const statusFilter = h('vscode-single-select', { attrs: { 'aria-label': 'Status', 'data-key': 'filter-status' }, on: { change: () => setFilter({ status: statusFilter.value }) } });
const counts = h('span', { class: 'muted', attrs: { 'data-key': 'counts' } });
const clearButton = h('vscode-button', { attrs: { secondary: true, icon: 'clear-all', title: 'Hide the entries read so far' }, on: { click: () => channel.post({ type: 'clear' }) } }, 'Clear');

// ---- table
const tbody = h('tbody');
const emptyLine = h('div', { class: 'muted empty', attrs: { 'data-key': 'empty' } });
const table = h(
  'table',
  { class: 'entries', attrs: { 'aria-label': 'Requests and responses, newest first' } },
  h('thead', null, h('tr', null, ...['time', 'request id', 'protocol', 'status', 'latency', 'version'].map((t) => h('th', null, t)))),
  tbody,
);

// ---- detail
const detailTitle = h('h2', null, 'Select a request');
const replayButton = h('vscode-button', { attrs: { icon: 'debug-rerun', 'data-action': 'replay', disabled: true, title: 'Open this request in the predict panel (not sent)' }, on: { click: () => ui.selected && channel.post({ type: 'replay', id: ui.selected }) } }, 'Replay');
const detailNote = h('span', { class: 'muted', attrs: { 'data-key': 'replay-note' } });
const requestPane = h('div', { attrs: { 'data-key': 'request-pane' } });
const responsePane = h('div', { attrs: { 'data-key': 'response-pane' } });
const detail = h('section', { class: 'detail', attrs: { 'aria-label': 'Selected request' } }, h('div', { class: 'detail-head' }, detailTitle, replayButton, detailNote), h('div', { class: 'payloads' }, requestPane, responsePane));
detail.hidden = true;

root.classList.add('log-page');
replaceChildren(
  root,
  h('header', null, title, sourceLine, problemLine),
  h('div', { class: 'filters' }, textFilter, protocolFilter, statusFilter, counts, clearButton),
  h('div', { class: 'table-wrap' }, table, emptyLine),
  detail,
);
renderFilters();

const sendFilter = debounce(() => channel.post({ type: 'filter', filter: ui.filter ?? {} }), 150);

function setFilter(patch: LogFilter): void {
  ui.filter = { ...ui.filter, ...patch };
  persist();
  sendFilter();
}

function renderFilters(): void {
  const protocol = ui.filter?.protocol ?? '';
  const all = [...new Set([...protocols, ...(protocol ? [protocol] : [])])];
  fillSelect(protocolFilter, [['', 'any protocol'], ...all.map((p) => [p, p] as [string, string])], protocol);
  fillSelect(statusFilter, [['', 'any status'], ['answered', 'answered'], ['unanswered', 'no response'], ['200', '200']], ui.filter?.status ?? '');
}

function fillSelect(select: HTMLElement & { value: string }, options: [string, string][], value: string): void {
  replaceChildren(select, ...options.map(([v, label]) => h('vscode-option', { attrs: { value: v, selected: v === value } }, label)));
  queueMicrotask(() => {
    if (select.value !== value) select.value = value;
  });
}

function time(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function latency(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

function renderRows(total: number, count: number): void {
  counts.textContent = total === count ? `${count} request${count === 1 ? '' : 's'}` : `${total} of ${count} shown`;
  replaceChildren(
    tbody,
    ...rows.map((r) =>
      h(
        'tr',
        { class: r.id === ui.selected ? 'selected' : '', attrs: { 'data-id': r.id, tabindex: 0, 'aria-selected': r.id === ui.selected }, on: { click: () => select(r.id), keydown: (e) => (e as KeyboardEvent).key === 'Enter' && select(r.id) } },
        h('td', null, time(r.time)),
        h('td', { attrs: { title: r.id } }, r.id.length > 18 ? `${r.id.slice(0, 8)}…${r.id.slice(-6)}` : r.id),
        h('td', null, r.protocol),
        h('td', { class: r.status === undefined ? 'muted' : r.status === 200 ? 'ok-text' : 'error-text' }, r.status === undefined ? (r.has.request ? 'no response' : '–') : String(r.status)),
        h('td', null, latency(r.latencyMs)),
        h('td', null, r.version !== undefined ? `v${r.version}` : ''),
      ),
    ),
  );
  emptyLine.textContent = rows.length ? '' : count ? 'No request matches the filter.' : 'No requests logged yet. They appear here as they happen.';
  emptyLine.hidden = rows.length > 0;
}

function select(id: string): void {
  ui.selected = id;
  persist();
  for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('selected', tr.getAttribute('data-id') === id);
  channel.post({ type: 'select', id });
}

function payloadPane(pane: HTMLElement, heading: string, p: PayloadView | undefined, key: string): void {
  if (!p) {
    replaceChildren(pane, h('h3', null, heading), h('div', { class: 'muted' }, heading === 'Request' ? 'not logged (mode "response")' : 'not logged (mode "request", or the request was not answered)'));
    return;
  }
  const meta =
    p.kind === 'binary'
      ? `binary, ${p.bytes} bytes (base64) · ${p.contentType}`
      : p.kind === 'truncated'
        ? `cut at ${p.text.length} characters (was ${p.truncatedFrom} bytes) · ${p.contentType}`
        : `${p.contentType}${p.truncatedFrom !== undefined ? ` · cut (was ${p.truncatedFrom} bytes)` : ''}`;
  replaceChildren(
    pane,
    h('h3', null, heading),
    h('div', { class: 'muted', attrs: { 'data-key': `${key}-meta` } }, meta),
    p.header ? h('div', null, h('div', { class: 'muted' }, 'JSON header'), h('pre', { attrs: { 'data-key': `${key}-header` } }, p.header)) : null,
    h('pre', { attrs: { 'data-key': key } }, p.text),
  );
}

function renderDetail(id: string, d: EntryDetail | undefined): void {
  if (id !== ui.selected) return;
  detail.hidden = false;
  if (!d) {
    detailTitle.textContent = 'This request is no longer in the log';
    replayButton.setAttribute('disabled', '');
    detailNote.textContent = '';
    replaceChildren(requestPane);
    replaceChildren(responsePane);
    return;
  }
  const r = d.row;
  detailTitle.textContent = `Request ${r.id}`;
  detailTitle.title = `${r.protocol} · ${r.status ?? 'no response'} · ${latency(r.latencyMs)}`;
  if (d.replay.ok) replayButton.removeAttribute('disabled');
  else replayButton.setAttribute('disabled', '');
  detailNote.className = d.replay.ok ? 'muted' : 'warning-text';
  detailNote.textContent = d.replay.ok ? (d.replay.note ? `Replay: ${d.replay.note}` : '') : `Replay: ${d.replay.reason}`;
  payloadPane(requestPane, 'Request', d.request, 'request-payload');
  payloadPane(responsePane, 'Response', d.response, 'response-payload');
}

function renderSource(s: LogSourceInfo): void {
  title.textContent = `Inference Log: ${s.deployment}`;
  sourceLine.textContent = `mode "${s.mode}" · ${s.kind === 'file' ? `tailing ${s.where}` : `live stream from ${s.where}`}`;
  problemLine.textContent = s.problem ?? '';
  problemLine.hidden = !s.problem;
}

channel.on({
  source: (m) => {
    if (ui.deployment !== m.source.deployment) ui = { deployment: m.source.deployment };
    persist();
    renderSource(m.source);
  },
  rows: (m) => {
    rows = m.rows;
    if (m.protocols.join() !== protocols.join()) {
      protocols = m.protocols;
      renderFilters();
    }
    renderRows(m.total, m.count);
  },
  detail: (m) => renderDetail(m.id, m.detail),
  replayed: (m) => {
    if (m.id !== ui.selected) return;
    detailNote.className = m.error ? 'error-text' : 'ok-text';
    detailNote.textContent = m.error ? `Replay: ${m.error}` : 'Opened in the predict panel: press Send there.';
  },
});

channel.post({ type: 'ready' });
// The filter and selection the page kept (a reload, a hidden panel shown again) go back to the host.
if (ui.filter) channel.post({ type: 'filter', filter: ui.filter });
if (ui.selected) channel.post({ type: 'select', id: ui.selected });
