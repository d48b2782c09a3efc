// The deployment form page. It keeps the form as the user edits it (its UI state, saved with
// setState so a reload keeps the draft), sends each change to the host and shows the problems the
// host's validator answers next to their fields. Validation, files and deploying are the host's.
import type { DeploymentFormState, FormFieldKey, FormProblem } from '../../src/core/deployment/deploymentForm';
import type { FormContext, FormFromPage, FormPageState, FormToPage } from '../../src/panels/protocols/deploymentFormProtocol';
import { connect } from '../common/vscodeApi';
import { debounce } from '../common/dom';
import { FormView } from './formView';

const channel = connect<FormFromPage, FormToPage, FormPageState>();
const root = document.getElementById('root')!;

let state: DeploymentFormState | undefined;
let context: FormContext | undefined;
let seq = 0;
let problems: FormProblem[] = [];
/**
 * Problems an action found beyond validation (e.g. what KServe needs for the preview). Kept apart:
 * a validation answer arriving after the action must not wipe them; the next edit does.
 */
let actionProblems: FormProblem[] = [];
/** Errors show under fields the user has touched; after Save/Deploy/Preview, under all of them. */
const touched = new Set<string>();
let showAll = false;

const view = new FormView(root, {
  edit: (key, value) => {
    if (!state) return;
    setField(state, key, value);
    actionProblems = [];
    touched.add(key);
    if (key.startsWith('model.version')) touched.add('model.version');
    view.update(state);
    persist();
    sendChange();
  },
  action: (action) => {
    if (!state) return;
    showAll = true;
    channel.post({ type: 'action', action, state });
  },
  pick: (key) => channel.post({ type: 'pick', key }),
  template: (key) => state && channel.post({ type: 'newFromTemplate', key, state }),
});

const sendChange = debounce(() => {
  if (state) channel.post({ type: 'changed', seq: ++seq, state });
}, 150);

function setField(s: DeploymentFormState, key: FormFieldKey, value: string | boolean | string[]): void {
  if (key.startsWith('kserve.')) s.kserve[key.slice('kserve.'.length)] = String(value);
  else (s as unknown as Record<string, unknown>)[key] = value;
}

function persist(): void {
  if (!state || !context) return;
  channel.setState({ state, mode: context.mode, ...(context.editing ? { editing: context.editing } : {}) });
}

function renderProblems(): void {
  view.showProblems([...problems, ...actionProblems], (key) => showAll || touched.has(key));
}

channel.on({
  init: (m) => {
    state = m.state;
    context = m.context;
    view.render(state, context);
    persist();
    // Validate at once: the resolved version shows, and problems are ready when fields are touched.
    channel.post({ type: 'changed', seq: ++seq, state });
  },
  context: (m) => {
    context = m.context;
    if (state) view.setContext(context, state);
  },
  validation: (m) => {
    // An answer to an older edit would flash stale errors; action answers always apply.
    if (m.seq < seq) return;
    if (m.seq === Number.MAX_SAFE_INTEGER) showAll = true;
    problems = m.problems;
    renderProblems();
    view.setWarnings(m.warnings);
    view.setKServePlan(m.kservePlan ?? []);
    if (state) view.showResolved(state, m.resolvedVersion);
  },
  fieldValue: (m) => {
    if (!state) return;
    setField(state, m.key, m.value);
    actionProblems = [];
    view.setValue(m.key, m.value);
    touched.add(m.key);
    persist();
    sendChange();
  },
  actionState: (m) => {
    view.setBusy(m.action, m.busy);
    if (m.busy) return;
    view.setStatus(m.ok, m.message ?? '');
    actionProblems = m.problems ?? [];
    renderProblems();
  },
  mode: (m) => {
    if (!context) return;
    context = { ...context, mode: m.mode, ...(m.editing ? { editing: m.editing } : {}), ...(m.running !== undefined ? { running: m.running } : {}) };
    view.setMode(m.mode, m.editing, m.running);
    persist();
  },
});

channel.post({ type: 'ready' });
