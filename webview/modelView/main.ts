// The model view page: an .onnx file's summary (producer, opsets, metadata, inputs and outputs with
// named dynamic dimensions, operator histogram, parameters and weight bytes, external data) and,
// for registry versions, model.json's metrics. It only renders; the host parses the file and runs
// the actions (Serve, Register, Deploy, Predict, Export).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { formatBytes, type OnnxSummary, type OnnxTensorInfo } from '../../src/core/onnx/onnxSummaryTypes';
import type { ModelViewAction, ModelViewData, ModelViewFromPage, ModelViewToPage, RegistryVersionView } from '../../src/panels/protocols/modelViewProtocol';
import { h, replaceChildren } from '../common/dom';
import { connect } from '../common/vscodeApi';

const channel = connect<ModelViewFromPage, ModelViewToPage, Record<string, never>>();
const root = document.getElementById('root')!;

const style = h('style', { attrs: { nonce: root.dataset.nonce ?? '' } });
style.textContent = `
  .model-page .path { font-family: var(--vscode-editor-font-family); }
  .model-page .toolbar { display: flex; gap: 6px; flex-wrap: wrap; margin: 10px 0 14px; }
  .model-page .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px; }
  .model-page dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
  .model-page dt { color: var(--vscode-descriptionForeground); }
  .model-page dd { margin: 0; font-family: var(--vscode-editor-font-family); overflow-wrap: anywhere; }
  .model-page .dyn { font-style: italic; color: var(--vscode-symbolIcon-variableForeground, var(--vscode-foreground)); }
  .model-page table { width: 100%; }
  .model-page td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .model-page .bar { height: 0.8em; background: var(--vscode-charts-blue, var(--vscode-progressBar-background)); min-width: 2px; }
  .model-page .best { color: var(--vscode-charts-green, var(--vscode-foreground)); }
  .model-page pre.doc { white-space: pre-wrap; max-height: 30vh; }
  .model-page th.bar-col { width: 50%; }
`;
document.head.append(style);

const header = h('header');
const toolbar = h('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Model actions' } });
const body = h('div');
root.classList.add('model-page');
replaceChildren(root, header, toolbar, body);

const ACTIONS: [ModelViewAction, string, string, string][] = [
  ['serve', 'Serve', 'play', 'Serve this model on the local server'],
  ['register', 'Register Model Version…', 'add', 'Copy this file into a registry as a new version'],
  ['deploy', 'Deploy…', 'rocket', 'Open the deployment form for this model'],
  ['predict', 'Open Predict Panel', 'beaker', 'Predict with a running deployment of this model'],
  ['export', 'Export as…', 'export', 'Write a Triton config.pbtxt or an MLServer model-settings.json'],
];

channel.on({
  data: (m) => render(m.data),
  busy: () => undefined,
});
channel.post({ type: 'ready' });

function render(data: ModelViewData): void {
  const name = data.file.split(/[\\/]/).pop() ?? data.file;
  replaceChildren(header, h('h1', null, data.registry ? `${data.registry.model} v${data.registry.version}` : name), h('div', { class: 'muted path', attrs: { 'data-key': 'file' } }, data.file));
  replaceChildren(
    toolbar,
    ...ACTIONS.filter(([a]) => a !== 'register' || !data.registry).map(([action, label, icon, title]) =>
      h('vscode-button', { attrs: { icon, title, secondary: action !== 'serve', 'data-action': action }, on: { click: () => channel.post({ type: 'action', action }) } }, label),
    ),
  );
  if (!data.summary) {
    replaceChildren(body, h('p', { class: 'error-text', attrs: { role: 'alert', 'data-key': 'error' } }, data.error ?? 'This file could not be read.'));
    return;
  }
  const s = data.summary;
  replaceChildren(
    body,
    h(
      'div',
      { class: 'grid' },
      card('Model', 'model', modelFacts(s)),
      card('Size', 'size', sizeFacts(s)),
      data.registry ? card('Registry', 'registry', ...registryCard(data.registry, data.deployments)) : null,
      s.metadata.length ? card('Metadata properties', 'metadata', table(['key', 'value'], s.metadata.map((e) => [e.key, e.value]))) : null,
    ),
    section('Inputs', 'inputs', tensorTable(s.inputs)),
    section('Outputs', 'outputs', tensorTable(s.outputs)),
    section(`Operators (${s.nodeCount} nodes, ${s.operators.length} kinds)`, 'operators', operatorTable(s)),
    s.externalData.length ? section('External data', 'external', table(['file', 'tensors', 'bytes', 'found'], s.externalData.map((e) => [e.location, String(e.tensors), formatBytes(e.bytes), e.exists === false ? 'missing' : 'yes']))) : null,
    s.docString ? section('Doc string', 'doc', h('pre', { class: 'doc' }, s.docString)) : null,
  );
}

function card(title: string, key: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { class: 'card', attrs: { 'data-key': key, 'aria-label': title } }, h('h2', null, title), ...children);
}

function section(title: string, key: string, child: Node): HTMLElement {
  return h('section', { attrs: { 'data-key': key, 'aria-label': title } }, h('h2', null, title), child);
}

function facts(rows: [string, string | Node | undefined][]): HTMLElement {
  return h('dl', null, ...rows.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', null, k), h('dd', { attrs: { 'data-fact': k } }, v!)]));
}

function modelFacts(s: OnnxSummary): HTMLElement {
  return facts([
    ['producer', [s.producerName, s.producerVersion].filter(Boolean).join(' ') || undefined],
    ['IR version', s.irVersion !== undefined ? String(s.irVersion) : undefined],
    ['opsets', s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')],
    ['domain', s.domain],
    ['model version', s.modelVersion !== undefined ? String(s.modelVersion) : undefined],
    ['graph', s.graphName],
  ]);
}

function sizeFacts(s: OnnxSummary): HTMLElement {
  return facts([
    ['parameters', s.parameterCount.toLocaleString('en-US')],
    ['weights', formatBytes(s.weightBytes)],
    ['initializers', String(s.initializerCount)],
    ['file', formatBytes(s.fileBytes)],
    ['external data', s.externalData.length ? `${s.externalData.length} file(s)` : 'none'],
    ['read to show this', formatBytes(s.bytesRead)],
  ]);
}

function registryCard(r: RegistryVersionView, deployments: ModelViewData['deployments']): (Node | null)[] {
  const metrics = Object.entries(r.metrics);
  return [
    facts([
      ['model', r.model],
      ['version', `${r.version}${r.best && r.keyMetric ? ` (best by ${r.keyMetric})` : ''}`],
      ['framework', r.framework],
      ['description', r.description],
      ...r.details.map((d): [string, string] => [d.key, d.value]),
      ['deployments', deployments.map((d) => `${d.name}${d.running ? ' (running)' : ''}`).join(', ') || 'none'],
    ]),
    metrics.length
      ? h(
          'table',
          { attrs: { 'aria-label': 'model.json metrics', 'data-key': 'metrics' } },
          h('thead', null, h('tr', null, h('th', null, 'metric'), h('th', null, 'value'))),
          h('tbody', null, ...metrics.map(([k, v]) => h('tr', null, h('td', { class: k === r.keyMetric ? 'best' : '' }, k), h('td', { class: 'num' }, String(v))))),
        )
      : h('p', { class: 'muted' }, 'model.json has no metrics'),
  ];
}

function shapeNode(shape: OnnxTensorInfo['shape']): HTMLElement {
  const parts: (Node | string)[] = ['['];
  shape.forEach((d, i) => {
    if (i > 0) parts.push(', ');
    parts.push(typeof d === 'number' ? String(d) : h('span', { class: 'dyn', attrs: { title: 'dynamic dimension' } }, d));
  });
  parts.push(']');
  return h('span', null, ...parts);
}

function tensorTable(list: OnnxTensorInfo[]): HTMLElement {
  if (list.length === 0) return h('p', { class: 'muted' }, 'none');
  return h(
    'table',
    null,
    h('thead', null, h('tr', null, h('th', null, 'name'), h('th', null, 'datatype'), h('th', null, 'shape'))),
    h('tbody', null, ...list.map((t) => h('tr', null, h('td', null, t.name), h('td', null, t.datatype), h('td', null, shapeNode(t.shape))))),
  );
}

function operatorTable(s: OnnxSummary): HTMLElement {
  const max = Math.max(1, ...s.operators.map((o) => o.count));
  return h(
    'table',
    { attrs: { 'aria-label': 'Operator histogram' } },
    h('thead', null, h('tr', null, h('th', null, 'operator'), h('th', null, 'nodes'), h('th', { class: 'bar-col', attrs: { 'aria-hidden': 'true' } }, ''))),
    h('tbody', null, ...s.operators.map((o) => h('tr', null, h('td', null, o.op), h('td', { class: 'num' }, String(o.count)), h('td', { attrs: { 'aria-hidden': 'true' } }, barOf(o.count / max))))),
  );
}

function barOf(fraction: number): HTMLElement {
  const bar = h('div', { class: 'bar' });
  bar.style.width = `${Math.round(fraction * 100)}%`;
  return bar;
}

function table(head: string[], rows: string[][]): HTMLElement {
  return h('table', null, h('thead', null, h('tr', null, ...head.map((x) => h('th', null, x)))), h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c) => h('td', null, c))))));
}
