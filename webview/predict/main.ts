// The predict panel page: a request editor (prefilled by the host with the model's example), the
// transport, Send and "Copy as", the answer, and the history. It keeps only UI state (the text
// being edited, the transport, the tab, ticked history entries); requests are checked, sent and
// recorded by the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import type { ModelMetadataView, RequestFormat, Transport } from '../../src/core/predict/predictTypes';
import type { HistoryEntry, PredictFromPage, PredictPageState, PredictTarget, PredictToPage } from '../../src/panels/protocols/predictProtocol';
import { connect } from '../common/vscodeApi';
import { h, replaceChildren } from '../common/dom';
import { ChatView } from './chatView';
import { HistoryView } from './historyView';
import { ResultView, TRANSPORT_LABELS } from './resultView';

const channel = connect<PredictFromPage, PredictToPage, PredictPageState>();
const root = document.getElementById('root')!;
let ui: PredictPageState = channel.getState() ?? { deployment: '' };
let target: PredictTarget | undefined;
let metadata: ModelMetadataView | undefined;
let formats: RequestFormat[] = ['v2'];
let scriptNote: string | undefined;
let entries: HistoryEntry[] = [];

const persist = () => channel.setState(ui);

// ---- header: the deployment and where it answers
const title = h('h1');
const targetLine = h('div', { class: 'target', attrs: { 'aria-live': 'polite' } });
const signature = h('div', { class: 'muted signature', attrs: { 'data-key': 'signature' } });
const startButton = h('vscode-button', { attrs: { icon: 'debug-start' }, on: { click: () => channel.post({ type: 'startDeployment' }) } }, 'Start deployment');

// ---- request editor and toolbar
const transport = h('vscode-single-select', {
  attrs: { 'aria-label': 'Transport', 'data-key': 'transport' },
  on: {
    change: () => {
      ui.transport = transport.value as Transport;
      persist();
    },
  },
});
const editor = h('vscode-textarea', {
  attrs: { monospace: true, rows: 14, resize: 'vertical', 'aria-label': 'Request body (JSON)', 'data-key': 'request', spellcheck: false },
  on: {
    input: () => {
      ui.text = editor.value;
      persist();
    },
    keydown: (e) => {
      const k = e as KeyboardEvent;
      if (k.key === 'Enter' && (k.ctrlKey || k.metaKey)) {
        k.preventDefault();
        send();
      }
    },
  },
});
const sendButton = h('vscode-button', { attrs: { icon: 'play', 'data-action': 'send', title: 'Send (Ctrl+Enter)' }, on: { click: () => send() } }, 'Send');
const loadTestButton = h('vscode-button', { attrs: { secondary: true, icon: 'pulse', 'data-action': 'load-test', title: 'Run this request under load from the deployment dashboard' }, on: { click: () => channel.post({ type: 'loadTest', text: editor.value, transport: currentTransport() }) } }, 'Load Test…');
const exampleV2 = h('vscode-button', { attrs: { secondary: true, icon: 'discard', 'data-action': 'example-v2', title: 'Replace the request with the example as V2 tensors' }, on: { click: () => askExample('v2') } }, 'V2 example');
const exampleV1 = h('vscode-button', { attrs: { secondary: true, icon: 'discard', 'data-action': 'example-v1', title: 'Replace the request with the example as KServe V1 instances' }, on: { click: () => askExample('v1') } }, 'V1 example');
// Under the editor: the example is only a placeholder (a script deployment without input_example).
const requestHint = h('div', { class: 'muted request-hint', attrs: { 'data-key': 'request-hint' } });
requestHint.hidden = true;
const copyButtons = (['curl', 'python', 'grpcurl'] as const).map((kind) =>
  h(
    'vscode-button',
    { attrs: { secondary: true, icon: 'copy', 'data-action': `copy-${kind}` }, on: { click: () => channel.post({ type: 'copyAs', kind, text: editor.value, transport: currentTransport() }) } },
    kind === 'python' ? 'Python requests' : kind,
  ),
);

const result = new ResultView((view) => {
  ui.view = view;
  persist();
});
const history = new HistoryView({
  show: (e) => {
    ui.shown = e.id;
    persist();
    result.show(e);
  },
  replay: (id) => channel.post({ type: 'replay', id }),
  compare: (a, b) => channel.post({ type: 'compare', a, b }),
  clear: () => channel.post({ type: 'clearHistory' }),
  ticked: (ids) => {
    ui.compare = ids;
    persist();
  },
});

root.classList.add('predict-page');
replaceChildren(
  root,
  h('header', null, title, h('div', { class: 'control-row' }, targetLine, startButton), signature),
  h(
    'section',
    { class: 'request', attrs: { 'aria-label': 'Request' } },
    h('div', { class: 'section-head' }, h('h2', null, 'Request'), transport, sendButton, exampleV2, exampleV1, loadTestButton),
    editor,
    requestHint,
    h('div', { class: 'control-row copy-row' }, h('span', { class: 'muted' }, 'Copy as'), ...copyButtons),
  ),
  result.root,
  history.root,
);
// ---- the Chat tab, for deployments that answer on /openai/v1 (LLM predictors, KServe's Hugging Face
// runtime): a tab bar over the request pane (request, response, history) and the chat pane.
const chat = new ChatView({
  send: (question, settings) => channel.post({ type: 'chatSend', question, settings }),
  stop: () => channel.post({ type: 'chatStop' }),
  copy: (kind, question, settings) => channel.post({ type: 'chatCopy', kind, question, settings }),
  clear: () => channel.post({ type: 'chatClear' }),
  typed: (state) => {
    ui.chat = state;
    persist();
  },
});
chat.restore(ui.chat);
let chatAvailable = false;
let chatReason: string | undefined;
const tabButton = (tab: 'request' | 'chat', label: string) =>
  h('button', { class: 'page-tab', attrs: { role: 'tab', 'data-tab': tab, type: 'button' }, on: { click: () => selectTab(tab) } }, label);
const tabBar = h('div', { class: 'page-tabs', attrs: { role: 'tablist', 'aria-label': 'Request or chat' } }, tabButton('request', 'Request'), tabButton('chat', 'Chat'));
const requestPane = h('div', { class: 'request-pane', attrs: { role: 'tabpanel' } }, ...Array.from(root.children).slice(1));
root.append(tabBar, requestPane, chat.root);
renderChat();

function selectTab(tab: 'request' | 'chat'): void {
  ui.tab = tab;
  persist();
  renderChat();
}

function renderChat(): void {
  tabBar.hidden = !chatAvailable;
  // An LLM deployment opens on its Chat tab unless the user chose the request editor.
  const tab = chatAvailable ? (ui.tab ?? 'chat') : 'request';
  requestPane.hidden = tab === 'chat';
  chat.root.hidden = tab !== 'chat';
  for (const b of Array.from(tabBar.children)) b.setAttribute('aria-selected', String(b.getAttribute('data-tab') === tab));
  chat.setState(target?.state === 'running', chatAvailable ? undefined : chatReason);
}

if (ui.text) editor.value = ui.text;
if (ui.view) result.selectTab(ui.view);
renderTransports();

function currentTransport(): Transport {
  return (transport.value as Transport) || 'rest-json';
}

function renderTransports(): void {
  const chosen = ui.transport ?? (target?.protocol === 'grpc' ? 'grpc' : 'rest-json');
  replaceChildren(transport, ...(Object.keys(TRANSPORT_LABELS) as Transport[]).map((t) => h('vscode-option', { attrs: { value: t, selected: t === chosen } }, TRANSPORT_LABELS[t])));
  queueMicrotask(() => {
    if (transport.value !== chosen) transport.value = chosen;
  });
}

function send(): void {
  if (!target || target.state !== 'running') return;
  channel.post({ type: 'send', text: editor.value, transport: currentTransport() });
}

function askExample(format: RequestFormat): void {
  channel.post({ type: 'example', format });
}

function renderTarget(metadataError?: string): void {
  if (!target) return;
  title.textContent = `Predict: ${target.deployment}${target.remote ? ' on KServe' : ''}`;
  const running = target.state === 'running';
  const parts = [
    target.state,
    target.model ? `${target.model}${target.version !== undefined ? ` v${target.version}` : ''}` : '',
    metadata?.executionProvider ?? '',
    target.remote ? `KServe ${target.remote.context}/${target.remote.namespace}` : '',
    target.restUrl ? `REST ${target.restUrl}${target.remote?.host ? ` (Host: ${target.remote.host})` : ''}` : '',
    target.remote?.token ? 'bearer token' : '',
    target.grpcUrl ? `gRPC ${target.grpcUrl}` : '',
    !running && target.reason ? target.reason : '',
  ].filter(Boolean);
  targetLine.textContent = parts.join(' · ');
  targetLine.className = `target ${running ? 'ok-text' : target.state === 'failed' ? 'error-text' : 'muted'}`;
  startButton.hidden = running || target.state === 'starting' || target.state === 'updating' || target.startable === false;
  sendButton.disabled = !running;
  loadTestButton.disabled = !running;
  exampleV1.hidden = !formats.includes('v1');
  // The format to start with comes first (V1 for a script deployment).
  if (formats[0] === 'v1') exampleV2.before(exampleV1);
  else exampleV2.after(exampleV1);
  const sig = metadata
    ? `${metadata.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(',')}]`).join(', ')} → ${metadata.outputs.map((o) => `${o.name} ${o.datatype} [${o.shape.join(',')}]`).join(', ')}${metadata.labels ? ` · ${metadata.labels.length} labels` : ''}`
    : '';
  signature.textContent = metadataError ? `metadata: ${metadataError}` : (scriptNote ?? sig);
}

channel.on({
  target: (m) => {
    const first = !target;
    target = m.target;
    metadata = m.metadata ?? metadata;
    formats = m.formats;
    scriptNote = m.scriptNote;
    if (ui.deployment !== target.key) ui = { deployment: target.key };
    persist();
    if (first) renderTransports();
    renderTarget(m.metadataError);
    renderChat();
    // A fresh panel starts with the model's example; an edited request is never replaced.
    if (!editor.value.trim() && metadata) askExample(formats[0] ?? 'v2');
  },
  request: (m) => {
    requestHint.hidden = !m.placeholder;
    requestHint.textContent = m.placeholder ? 'A placeholder: model.json has no input_example for this version. Write what your script accepts.' : '';
    editor.value = m.text;
    ui.text = m.text;
    ui.format = m.format;
    // V1 "instances" travel over REST JSON only: an example in V1 switches to it.
    const via = m.transport ?? (m.format === 'v1' && currentTransport() !== 'rest-json' ? 'rest-json' : undefined);
    if (via) {
      ui.transport = via;
      transport.value = via;
    }
    persist();
  },
  sending: (m) => result.sending(m.transport),
  outcome: (m) => {
    ui.shown = m.entry.id;
    persist();
    result.show(m.entry);
  },
  history: (m) => {
    entries = m.entries;
    history.setEntries(entries);
    history.setTicked(ui.compare ?? []);
    // After a reload, show again the answer that was on screen.
    const shown = entries.find((e) => e.id === ui.shown);
    if (shown && result.root.hidden) result.show(shown);
  },
  comparison: (m) => history.showComparison(m.a, m.b, m.rows, m.error),
});

channel.on({
  chatAvailability: (m) => {
    chatAvailable = m.available;
    chatReason = m.reason;
    renderChat();
  },
  chatTurns: (m) => chat.setTurns(m.turns),
  chatStarted: (m) => chat.started(m.id, m.messages),
  chatText: (m) => chat.text(m.id, m.text),
  chatDone: (m) => chat.done(m.turn),
  chatProblems: (m) => chat.showProblems(m.problems),
});

channel.post({ type: 'ready' });
