// The compliance report page: one row per check (verdict, id, what it tests, the spec section,
// why), filled in as the host streams results; each row opens to the exchanges it made. It keeps
// no data of its own: Run Again and Export Markdown go to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CheckResult, ComplianceReport, ComplianceTarget } from '../../src/core/compliance/complianceTypes';
import type { ComplianceFromPage, ComplianceToPage } from '../../src/panels/protocols/complianceProtocol';
import { h, replaceChildren } from '../common/dom';
import { connect } from '../common/vscodeApi';

const channel = connect<ComplianceFromPage, ComplianceToPage, Record<string, never>>();
const root = document.getElementById('root')!;

const style = h('style', { attrs: { nonce: root.dataset.nonce ?? '' } });
style.textContent = `
  .compliance-page .target { font-family: var(--vscode-editor-font-family); }
  .compliance-page .toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 10px 0; }
  .compliance-page .counts span { margin-right: 12px; font-weight: 600; }
  .compliance-page .pass { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .compliance-page .fail { color: var(--vscode-testing-iconFailed, var(--vscode-errorForeground)); }
  .compliance-page .skipped { color: var(--vscode-testing-iconSkipped, var(--vscode-descriptionForeground)); }
  .compliance-page table.checks { width: 100%; }
  .compliance-page table.checks td { vertical-align: top; padding: 3px 10px 3px 0; }
  .compliance-page td.id { font-family: var(--vscode-editor-font-family); white-space: nowrap; }
  .compliance-page td.verdict { white-space: nowrap; font-weight: 600; }
  .compliance-page details summary { cursor: pointer; }
  .compliance-page details pre { max-height: 30vh; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
  .compliance-page .exchange-head { font-family: var(--vscode-editor-font-family); margin-top: 6px; }
`;
document.head.append(style);

const title = h('h1', null, 'Endpoint compliance');
const targetLine = h('div', { class: 'muted target', attrs: { 'data-key': 'target' } });
const counts = h('div', { class: 'counts', attrs: { 'data-key': 'counts', role: 'status', 'aria-live': 'polite' } });
const failuresOnly = h('vscode-button', { attrs: { secondary: true, icon: 'filter', 'data-action': 'failures' }, on: { click: () => toggleFailures() } }, 'Failures only');
const rerun = h('vscode-button', { attrs: { icon: 'debug-rerun', 'data-action': 'rerun' }, on: { click: () => channel.post({ type: 'rerun' }) } }, 'Run Again');
const exportButton = h('vscode-button', { attrs: { secondary: true, icon: 'markdown', 'data-action': 'export', disabled: true }, on: { click: () => channel.post({ type: 'exportMarkdown' }) } }, 'Export Markdown');
const note = h('span', { class: 'muted', attrs: { 'data-key': 'note' } });
const tbody = h('tbody');
const table = h(
  'table',
  { class: 'checks', attrs: { 'aria-label': 'Compliance checks' } },
  h('thead', null, h('tr', null, ...['result', 'check', 'what it tests', 'spec section', 'detail'].map((t) => h('th', null, t)))),
  tbody,
);
root.classList.add('compliance-page');
replaceChildren(root, h('header', null, title, targetLine), h('div', { class: 'toolbar' }, counts, rerun, exportButton, failuresOnly, note), table);

let results: CheckResult[] = [];
let onlyFailures = false;
let running = false;

channel.on({
  start: (m) => {
    running = true;
    results = [];
    title.textContent = `Endpoint compliance: ${m.label}`;
    targetLine.textContent = describeTarget(m.target);
    exportButton.setAttribute('disabled', '');
    rerun.setAttribute('disabled', '');
    note.textContent = '';
    render();
  },
  result: (m) => {
    results.push(m.result);
    render();
  },
  done: (m) => finish(m.report),
  failed: (m) => {
    running = false;
    rerun.removeAttribute('disabled');
    note.textContent = `The check stopped: ${m.message}`;
  },
  exported: (m) => (note.textContent = `Saved ${m.file}`),
});
channel.post({ type: 'ready' });

function finish(report: ComplianceReport): void {
  running = false;
  results = report.results;
  exportButton.removeAttribute('disabled');
  rerun.removeAttribute('disabled');
  render(report);
}

function describeTarget(t: ComplianceTarget): string {
  return [`REST ${t.url}`, t.grpc ? `gRPC ${t.grpc}` : 'no gRPC', t.model ? `model ${t.model}` : 'model: first ready one'].join(' · ');
}

function toggleFailures(): void {
  onlyFailures = !onlyFailures;
  failuresOnly.textContent = onlyFailures ? 'All checks' : 'Failures only';
  render();
}

function render(report?: ComplianceReport): void {
  const n = { pass: 0, fail: 0, skipped: 0 };
  for (const r of results) n[r.status]++;
  replaceChildren(
    counts,
    h('span', { class: 'pass' }, `${n.pass} passed`),
    h('span', { class: 'fail' }, `${n.fail} failed`),
    h('span', { class: 'skipped' }, `${n.skipped} skipped`),
    running ? h('span', { class: 'muted' }, 'running…') : report ? h('span', { class: 'muted' }, `in ${(report.durationMs / 1000).toFixed(1)} s`) : null,
  );
  replaceChildren(tbody, ...results.filter((r) => !onlyFailures || r.status === 'fail').map(row));
}

const LABEL: Record<CheckResult['status'], string> = { pass: '✓ pass', fail: '✗ fail', skipped: '– skipped' };

function row(r: CheckResult): HTMLElement {
  return h(
    'tr',
    { attrs: { 'data-check': r.id, 'data-status': r.status } },
    h('td', { class: `verdict ${r.status}` }, LABEL[r.status]),
    h('td', { class: 'id' }, r.id),
    h('td', null, r.title),
    h('td', null, h('a', { attrs: { href: r.sectionUrl, title: r.sectionUrl } }, r.section)),
    h('td', null, r.detail, r.exchanges.length ? exchanges(r) : null),
  );
}

function exchanges(r: CheckResult): HTMLElement {
  return h(
    'details',
    null,
    h('summary', null, `${r.exchanges.length} exchange${r.exchanges.length === 1 ? '' : 's'}`),
    ...r.exchanges.flatMap((e) => [
      h('div', { class: 'exchange-head' }, `${e.method} ${e.target} → ${e.error ? `no answer: ${e.error}` : e.status}`),
      e.requestBody ? h('pre', { attrs: { 'aria-label': 'sent' } }, e.requestBody) : null,
      e.responseBody ? h('pre', { attrs: { 'aria-label': 'received' } }, e.responseBody) : null,
    ]),
  );
}
