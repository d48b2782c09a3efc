// The deployment dashboard page: live charts of the server's statistics (requests/s, latency
// percentiles, queue vs compute time, batch sizes, errors by reason, worker state and restarts), a
// table view of the same numbers, and the load test (form, progress, live charts, summary,
// comparison, save). It keeps only UI state (the form, chart or table view); the host scrapes the
// server and runs the load process.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { DashboardView, TableRow } from '../../src/core/dashboard/dashboardSeries';
import type { LoadProgress, LoadProtocol } from '../../src/core/loadtest/loadTestTypes';
import type { DashboardFromPage, DashboardPageState, DashboardTarget, DashboardToPage, LoadForm, LoadSummary } from '../../src/panels/protocols/dashboardProtocol';
import { h, replaceChildren } from '../common/dom';
import { connect } from '../common/vscodeApi';
import { BarChart, LineChart } from './charts';
import { comparisonTable, summaryTable } from './summaryView';

const channel = connect<DashboardFromPage, DashboardToPage, DashboardPageState>();
const root = document.getElementById('root')!;
let ui: DashboardPageState = channel.getState() ?? { deployment: '' };
const persist = () => channel.setState(ui);
const PROTOCOL_NAMES: Record<LoadProtocol, string> = { 'rest-json': 'REST JSON', 'rest-binary': 'REST binary', grpc: 'gRPC' };

// uPlot's own stylesheet, copied beside this bundle by esbuild.mjs (the CSP allows the extension's styles).
const script = document.currentScript as HTMLScriptElement | null;
if (script?.src) document.head.append(h('link', { attrs: { rel: 'stylesheet', nonce: root.dataset.nonce ?? '', href: script.src.replace(/dashboard\.js(\?.*)?$/, 'uPlot.min.css') } }));

const style = h('style', { attrs: { nonce: root.dataset.nonce ?? '' } });
style.textContent = `
  .dash .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
  .dash .card { border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent)); border-radius: 4px; padding: 4px 10px 8px; min-width: 0; }
  .dash .card h3 { font-size: 1em; margin: 6px 0; }
  .dash .uplot { font-family: var(--vscode-font-family); color: var(--vscode-foreground); width: 100%; }
  .dash .u-legend { font-size: 0.9em; }
  .dash .toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
  .dash .badges span { margin-right: 14px; }
  .dash .form { display: flex; gap: 10px; align-items: flex-end; flex-wrap: wrap; }
  .dash .form label { display: flex; flex-direction: column; gap: 3px; }
  .dash .form vscode-textfield { width: 110px; }
  .dash .form vscode-single-select { width: 140px; }
  .dash progress { width: 100%; height: 10px; accent-color: var(--vscode-progressBar-background); }
  .dash .request-preview { font-family: var(--vscode-editor-font-family); font-size: 0.9em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .dash table.numbers td:last-child { font-family: var(--vscode-editor-font-family); text-align: right; }
  .dash .better { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
  .dash .worse { color: var(--vscode-errorForeground); }
`;
document.head.append(style);

// ---- header
const title = h('h1', null, 'Dashboard');
const targetLine = h('div', { class: 'muted', attrs: { 'data-key': 'target' } });
const problemLine = h('div', { class: 'warning-text', attrs: { 'data-key': 'problem', role: 'status' } });
const viewButton = h('vscode-button', { attrs: { secondary: true, 'data-action': 'toggle-view', 'aria-pressed': String(!!ui.tableView) }, on: { click: () => setTableView(!ui.tableView) } });
const badges = h('div', { class: 'badges', attrs: { 'data-key': 'badges', 'aria-live': 'polite' } });

// ---- server charts
const card = (heading: string, key: string): { box: HTMLElement; chart: HTMLElement } => {
  const chart = h('div', { attrs: { 'data-chart': key } });
  return { box: h('section', { class: 'card' }, h('h3', null, heading), chart), chart };
};
const rpsCard = card('Requests per second', 'rps');
const latencyCard = card('Latency (server side)', 'latency');
const queueCard = card('Queue vs compute time (mean per request)', 'queue');
const batchCard = card('Batch size (requests per execution)', 'batch');
const errorsBox = h('div', { attrs: { 'data-key': 'errors' } });
const errorsCard = h('section', { class: 'card' }, h('h3', null, 'Errors by reason (since opened)'), errorsBox);
const rpsChart = new LineChart(rpsCard.chart, [{ label: 'requests/s', color: '--vscode-charts-blue' }, { label: 'errors/s', color: '--vscode-charts-red' }], '');
const latencyChart = new LineChart(latencyCard.chart, [{ label: 'p50', color: '--vscode-charts-green' }, { label: 'p95', color: '--vscode-charts-yellow' }, { label: 'p99', color: '--vscode-charts-red' }], ' ms');
const queueChart = new LineChart(queueCard.chart, [{ label: 'queue', color: '--vscode-charts-orange' }, { label: 'compute', color: '--vscode-charts-purple' }], ' ms');
const batchChart = new BarChart(batchCard.chart, [{ label: 'executions', color: '--vscode-charts-blue' }], '');
const chartsGrid = h('div', { class: 'grid', attrs: { 'data-key': 'charts' } }, rpsCard.box, latencyCard.box, queueCard.box, batchCard.box, errorsCard);
const numbersTable = h('table', { class: 'numbers', attrs: { 'data-key': 'numbers', 'aria-label': 'Dashboard numbers' } });
const tableSection = h('section', null, h('h2', null, 'Numbers'), numbersTable);

// ---- load test
const protocolSelect = h('vscode-single-select', { attrs: { 'aria-label': 'Protocol', 'data-key': 'lt-protocol' }, on: { change: () => saveForm() } });
const numField = (key: string, label: string, value: number | undefined, placeholder = '') =>
  h('vscode-textfield', { attrs: { 'aria-label': label, 'data-key': key, placeholder, inputmode: 'decimal' }, props: { value: value === undefined ? '' : String(value) }, on: { change: () => saveForm() } });
const form0: LoadForm = ui.form ?? { protocol: 'rest-json', concurrency: 16, durationS: 10 };
const concurrencyField = numField('lt-concurrency', 'Concurrency', form0.concurrency);
const durationField = numField('lt-duration', 'Duration (s)', form0.durationS);
const rateField = numField('lt-rate', 'Rate (req/s, empty: as fast as possible)', form0.ratePerS, 'unpaced');
const startButton = h('vscode-button', { attrs: { icon: 'play', 'data-action': 'start-load' }, on: { click: () => start() } }, 'Run Load Test');
const stopButton = h('vscode-button', { attrs: { secondary: true, icon: 'debug-stop', 'data-action': 'stop-load', disabled: true }, on: { click: () => channel.post({ type: 'stopLoad' }) } }, 'Stop');
const requestLine = h('div', { class: 'muted', attrs: { 'data-key': 'lt-request' } }, "Request: the model's example request");
const requestPreview = h('div', { class: 'request-preview muted', attrs: { 'data-key': 'lt-request-preview' } });
const exampleButton = h('vscode-button', { attrs: { secondary: true, 'data-action': 'use-example' }, on: { click: () => channel.post({ type: 'useExample' }) } }, 'Use Example');
const fileButton = h('vscode-button', { attrs: { secondary: true, icon: 'file', 'data-action': 'pick-request' }, on: { click: () => channel.post({ type: 'pickRequestFile' }) } }, 'Request File…');
const progress = h('progress', { attrs: { max: 1, value: 0, 'aria-label': 'Load test progress', 'data-key': 'lt-progress' } });
const progressText = h('div', { attrs: { 'data-key': 'lt-status', role: 'status', 'aria-live': 'polite' } });
const ltRpsCard = card('Load test: throughput (client side)', 'lt-rps');
const ltLatencyCard = card('Load test: latency (client side)', 'lt-latency');
const ltRpsChart = new LineChart(ltRpsCard.chart, [{ label: 'req/s', color: '--vscode-charts-blue' }, { label: 'errors/s', color: '--vscode-charts-red' }], '', false);
const ltLatencyChart = new LineChart(ltLatencyCard.chart, [{ label: 'p50', color: '--vscode-charts-green' }, { label: 'p99', color: '--vscode-charts-red' }], ' ms', false);
const ltCharts = h('div', { class: 'grid' }, ltRpsCard.box, ltLatencyCard.box);
const summaryBox = h('div', { attrs: { 'data-key': 'lt-summary' } });
const loadSection = h(
  'section',
  { attrs: { 'aria-label': 'Load test' } },
  h('h2', null, 'Load test'),
  h('p', { class: 'hint' }, 'The load runs in its own process (not in the editor, not in the server). Results can be saved to .modeldeck/loadtests and are compared with the last saved run.'),
  h('div', { class: 'form' }, h('label', null, 'Protocol', protocolSelect), h('label', null, 'Concurrency', concurrencyField), h('label', null, 'Duration (s)', durationField), h('label', null, 'Rate (req/s)', rateField), startButton, stopButton),
  h('div', { class: 'toolbar' }, requestLine, exampleButton, fileButton),
  requestPreview,
  progress,
  progressText,
  ltCharts,
  summaryBox,
);

root.classList.add('dash');
root.append(h('header', null, title, targetLine, problemLine, h('div', { class: 'toolbar' }, viewButton, badges)), chartsGrid, tableSection, loadSection);

let target: DashboardTarget | undefined;
let loadPoints: LoadProgress[] = [];
let lastView: DashboardView | undefined;

function setTableView(on: boolean): void {
  ui = { ...ui, tableView: on };
  persist();
  viewButton.textContent = on ? 'Show Charts' : 'Show Table';
  viewButton.setAttribute('aria-pressed', String(on));
  chartsGrid.hidden = on;
  ltCharts.hidden = on;
  tableSection.hidden = !on;
  // Charts hidden while they were drawn have no width: draw them again when they show.
  if (!on && lastView) renderStats(lastView);
}
setTableView(!!ui.tableView);

function readForm(): LoadForm | string {
  const num = (el: { value: string }, what: string, min: number): number | string => {
    const n = Number(el.value);
    return el.value.trim() !== '' && Number.isFinite(n) && n >= min ? n : `${what}: expected a number ≥ ${min}`;
  };
  const c = num(concurrencyField, 'Concurrency', 1);
  const d = num(durationField, 'Duration', 0.1);
  const r = rateField.value.trim() === '' ? 0 : num(rateField, 'Rate', 0.001);
  for (const v of [c, d, r]) if (typeof v === 'string') return v;
  return { protocol: (protocolSelect.value || 'rest-json') as LoadProtocol, concurrency: Math.round(c as number), durationS: d as number, ...((r as number) > 0 ? { ratePerS: r as number } : {}) };
}

function saveForm(): void {
  const f = readForm();
  if (typeof f !== 'string') {
    ui = { ...ui, form: f };
    persist();
  }
}

function start(): void {
  const f = readForm();
  if (typeof f === 'string') {
    progressText.textContent = f;
    return;
  }
  ui = { ...ui, form: f };
  persist();
  channel.post({ type: 'startLoad', form: f });
}

function renderTarget(t: DashboardTarget): void {
  target = t;
  ui = { ...ui, deployment: t.key };
  persist();
  title.textContent = `Dashboard: ${t.deployment}`;
  targetLine.textContent = `${t.remote ? `KServe ${t.key.replace(/^kserve:/, '')}` : 'local'} · ${t.state}${t.version !== undefined ? ` · version ${t.version}` : ''}${t.url ? ` · ${t.url}` : ''}${t.reason ? ` · ${t.reason}` : ''}`;
  const wanted = ui.form?.protocol ?? 'rest-json';
  replaceChildren(protocolSelect, ...t.protocols.map((p) => h('vscode-option', { props: { value: p, selected: p === wanted } }, PROTOCOL_NAMES[p])));
  protocolSelect.value = t.protocols.includes(wanted) ? wanted : 'rest-json';
}

function renderStats(view: DashboardView, rows?: TableRow[]): void {
  lastView = view;
  problemLine.textContent = view.problem ?? '';
  const pts = view.points;
  const x = pts.map((p) => p.at / 1000);
  const last = pts[pts.length - 1];
  const n = (v: number | undefined) => (v === undefined ? null : v);
  rpsChart.setData(x, [pts.map((p) => p.rps), pts.map((p) => p.errorRps)], `Requests per second, now ${last ? last.rps.toFixed(1) : 'unknown'}`);
  latencyChart.setData(x, [pts.map((p) => n(p.p50Ms)), pts.map((p) => n(p.p95Ms)), pts.map((p) => n(p.p99Ms))], `Latency p50, p95, p99; p99 now ${last?.p99Ms?.toFixed(2) ?? 'unknown'} ms`);
  queueChart.setData(x, [pts.map((p) => n(p.queueMs)), pts.map((p) => n(p.computeMs))], `Queue ${last?.queueMs?.toFixed(3) ?? 'unknown'} ms vs compute ${last?.computeMs?.toFixed(3) ?? 'unknown'} ms`);
  // Executions per batch-size bucket over the points shown (the last five minutes at most).
  const bucketTotals = new Map<number, number>();
  for (const p of pts) for (const b of p.batchSizes ?? []) bucketTotals.set(b.le, (bucketTotals.get(b.le) ?? 0) + b.count);
  const buckets = [...bucketTotals].sort((a, b) => a[0] - b[0]);
  batchChart.setBars(buckets.map(([le], i) => (le === Infinity ? `>${buckets[i - 1]?.[0] ?? ''}` : i === 0 ? `${le}` : `≤${le}`)), buckets.map(([, c]) => c), `Executions by batch size: ${buckets.map(([le, c]) => `${le}: ${c}`).join(', ') || 'none yet'}`);
  const reasons = Object.entries(view.totals.errorsByReason).sort((a, b) => b[1] - a[1]);
  replaceChildren(errorsBox, reasons.length === 0 ? h('span', { class: 'muted' }, 'No errors.') : h('table', null, ...reasons.map(([r, c]) => h('tr', null, h('td', null, r), h('td', null, String(c))))));
  const w = view.workerEvents;
  replaceChildren(
    badges,
    h('span', { attrs: { 'data-key': 'serving' } }, `State: ${view.serving?.state ?? 'unknown'}${view.serving?.reason ? ` (${view.serving.reason})` : ''}`),
    h('span', { attrs: { 'data-key': 'workers' } }, `Workers lost ${w.lost ?? 0}, restarted ${w.restarted ?? 0}${w.gave_up ? `, gave up ${w.gave_up}×` : ''}`),
    h('span', { attrs: { 'data-key': 'source' }, class: 'muted' }, view.source === 'statistics' ? 'from the statistics extension (no /metrics)' : view.source ? 'from /metrics' : ''),
  );
  if (rows) replaceChildren(numbersTable, h('tbody', null, ...rows.map((r) => h('tr', null, h('th', { attrs: { scope: 'row' } }, r.label), h('td', null, r.value)))));
}

function renderLoad(): void {
  const pts = loadPoints.filter((p) => !p.warmingUp);
  const x = pts.map((p) => Math.round(p.elapsedS * 10) / 10);
  ltRpsChart.setData(x, [pts.map((p) => p.intervalRps), pts.map((p) => (p.intervalS > 0 ? p.intervalErrors / p.intervalS : 0))], `Load test throughput, last ${pts[pts.length - 1]?.intervalRps.toFixed(1) ?? 'unknown'} req/s`);
  ltLatencyChart.setData(x, [pts.map((p) => p.intervalLatency?.p50Ms ?? null), pts.map((p) => p.intervalLatency?.p99Ms ?? null)], `Load test latency, last p99 ${pts[pts.length - 1]?.intervalLatency?.p99Ms.toFixed(2) ?? 'unknown'} ms`);
  const last = loadPoints[loadPoints.length - 1];
  if (last) {
    progress.setAttribute('value', String(last.warmingUp ? 0 : Math.min(1, last.elapsedS / last.durationS)));
    progressText.textContent = last.warmingUp ? 'Warming up…' : `${last.elapsedS.toFixed(1)} of ${last.durationS} s · ${last.ok} ok · ${last.errors} errors · ${last.intervalRps.toFixed(1)} req/s`;
  }
}

function setRunning(running: boolean): void {
  startButton.toggleAttribute('disabled', running);
  stopButton.toggleAttribute('disabled', !running);
}

function renderSummary(s: LoadSummary): void {
  const r = s.record.result;
  progress.setAttribute('value', '1');
  progressText.textContent = `Done${r.stopped ? ' (stopped)' : ''}: ${r.throughputRps.toFixed(1)} req/s, p99 ${r.latency?.p99Ms.toFixed(2) ?? '–'} ms, ${r.errors} errors`;
  const save = s.saved
    ? h('div', { attrs: { 'data-key': 'lt-saved' } }, 'Saved: ', h('a', { attrs: { href: '#' }, on: { click: (e) => (e.preventDefault(), channel.post({ type: 'openSaved', file: s.saved!.markdown })) } }, s.saved.markdown), ' and .json')
    : h('vscode-button', { attrs: { icon: 'save', 'data-action': 'save-run' }, on: { click: () => channel.post({ type: 'saveRun' }) } }, 'Save (JSON + Markdown)');
  const compare = h('vscode-button', { attrs: { secondary: true, icon: 'diff', 'data-action': 'compare-with' }, on: { click: () => channel.post({ type: 'compareWith' }) } }, 'Compare with…');
  replaceChildren(
    summaryBox,
    h('h3', null, 'Summary'),
    summaryTable(s.record),
    s.comparison ? comparisonTable(s.comparison) : h('p', { class: 'muted' }, 'No earlier saved run of this deployment to compare with.'),
    h('div', { class: 'toolbar' }, save, compare),
  );
  if (loadPoints.length === 0 && r.timeline.length > 0) {
    // A page that reloaded after the run: draw the saved per-second timeline.
    ltRpsChart.setData(r.timeline.map((t) => t.t), [r.timeline.map((t) => t.rps), r.timeline.map((t) => t.errors)], 'Load test throughput per second');
    ltLatencyChart.setData(r.timeline.map((t) => t.t), [r.timeline.map(() => null), r.timeline.map((t) => t.p99Ms ?? null)], 'Load test p99 latency per second');
  }
}

channel.on({
  target: (m) => renderTarget(m.target),
  stats: (m) => renderStats(m.view, m.rows),
  request: (m) => {
    requestLine.textContent = `Request: ${m.request.description}${m.request.transport ? ` (sent over ${PROTOCOL_NAMES[m.request.transport]} in the panel)` : ''}`;
    requestPreview.textContent = m.request.preview;
    if (m.request.transport && target?.protocols.includes(m.request.transport)) {
      protocolSelect.value = m.request.transport;
      saveForm();
    }
  },
  loadStarted: (m) => {
    loadPoints = [...m.progress];
    replaceChildren(summaryBox);
    progressText.className = '';
    progressText.textContent = `Starting: ${m.form.concurrency} concurrent, ${m.form.durationS} s, ${PROTOCOL_NAMES[m.form.protocol]} → ${m.target}`;
    setRunning(true);
    renderLoad();
  },
  loadProgress: (m) => {
    loadPoints.push(m.progress);
    renderLoad();
  },
  loadDone: (m) => {
    setRunning(false);
    renderSummary(m.summary);
  },
  loadFailed: (m) => {
    setRunning(false);
    progressText.textContent = `Load test failed: ${m.error}`;
    progressText.className = 'error-text';
  },
});
channel.post({ type: 'ready' });
