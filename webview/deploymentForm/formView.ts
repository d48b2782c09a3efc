// The deployment form's DOM: sections grouped like Hopsworks' predictor components (model,
// predictor, transformer, inference logger, batcher, resources, API protocol, KServe), the action
// bar, and the updates the state and the host's answers cause. Holds no data of its own.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { DeploymentFormState, FormFieldKey, FormProblem } from '../../src/core/deployment/deploymentForm';
import type { FormAction, FormContext, KServePlanLine, PickableField } from '../../src/panels/protocols/deploymentFormProtocol';
import { SINK_FORMS, sinkNote } from '../../src/core/inferenceLog/sinkForms';
import { h, replaceChildren } from '../common/dom';
import { checkboxField, radioField, selectField, sideButton, textField, type FieldView, type SelectView } from './fields';
import { providersEditor } from './providersEditor';

type Value = string | boolean | string[];

export interface FormCallbacks {
  edit(key: FormFieldKey, value: Value): void;
  action(action: FormAction): void;
  pick(key: PickableField): void;
  template(key: 'predictor.script' | 'transformer.script'): void;
}

const ACTION_LABELS: Record<FormAction, string> = { save: 'Save', deploy: 'Deploy', preview: 'Preview as KServe YAML' };

export class FormView {
  private fields = new Map<string, FieldView>();
  private modelSelect: SelectView | undefined;
  private versionSelect: SelectView | undefined;
  private metricSelect: SelectView | undefined;
  private providers: ReturnType<typeof providersEditor> | undefined;
  private readonly heading = h('h1');
  private readonly subheading = h('p', { class: 'muted' });
  private readonly kservePlan = h('ul', { class: 'hint kserve-plan', attrs: { 'aria-label': 'What Deploy to KServe uploads and builds' } });
  private readonly general = h('div', { class: 'general-problems', attrs: { role: 'alert' } });
  private readonly warnings = h('div', { class: 'warnings' });
  private readonly resolved = h('div', { class: 'hint resolved', attrs: { 'data-field': 'resolved-version' } });
  private readonly status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly buttons = new Map<FormAction, HTMLElement>();
  private context: FormContext | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly cb: FormCallbacks,
  ) {}

  /** Builds the whole form for a state. */
  render(state: DeploymentFormState, context: FormContext): void {
    this.context = context;
    this.fields.clear();
    const hint = (k: string) => context.hints[k];
    const text = (key: FormFieldKey, label: string, extra: { placeholder?: string; hint?: string; buttons?: HTMLElement[] } = {}) =>
      this.add(textField({ key, label, tooltip: hint(key), value: String(state[key as keyof DeploymentFormState] ?? ''), onInput: (v) => this.cb.edit(key, v), ...extra }));
    const radio = (key: FormFieldKey, label: string, options: { value: string; label: string }[]) =>
      this.add(radioField({ key, label, tooltip: hint(key), options, value: String(state[key as keyof DeploymentFormState]), onChange: (v) => this.cb.edit(key, v) }));

    this.modelSelect = this.add(
      selectField({ key: 'model.name', label: 'Model', tooltip: hint('model.name'), options: this.modelOptions(state), value: state['model.name'], onChange: (v) => this.cb.edit('model.name', v) }),
    ) as SelectView;
    this.versionSelect = this.add(
      selectField({ key: 'model.version.number', label: 'Version', options: this.versionOptions(state), value: state['model.version.number'], onChange: (v) => this.cb.edit('model.version.number', v) }),
    ) as SelectView;
    this.metricSelect = this.add(
      selectField({ key: 'model.version.metric', label: 'Metric', options: this.metricOptions(state), value: state['model.version.metric'], onChange: (v) => this.cb.edit('model.version.metric', v) }),
    ) as SelectView;
    this.providers = providersEditor({
      key: 'resources.executionProviders',
      label: 'Execution providers',
      tooltip: hint('resources.executionProviders'),
      all: context.executionProviders,
      value: state['resources.executionProviders'],
      onChange: (v) => this.cb.edit('resources.executionProviders', v),
    });
    this.fields.set(this.providers.key, this.providers);

    const sections = [
      section('Model', 'model', [
        text('name', 'Deployment name', { placeholder: 'e.g. iris-prod', hint: 'Lowercase letters, digits and "-" (a DNS label: KServe uses it as a resource name).' }).root,
        this.modelSelect.root,
        radio('model.version', 'Version to serve', [
          { value: 'latest', label: 'Latest' },
          { value: 'number', label: 'A version' },
          { value: 'best', label: 'Best by metric' },
        ]).root,
        this.versionSelect.root,
        h(
          'div',
          { class: 'row' },
          this.metricSelect.root,
          this.add(
            selectField({
              key: 'model.version.direction',
              label: 'Direction',
              options: [
                { value: 'max', label: 'max', description: 'higher is better' },
                { value: 'min', label: 'min', description: 'lower is better' },
              ],
              value: state['model.version.direction'],
              onChange: (v) => this.cb.edit('model.version.direction', v),
            }),
          ).root,
        ),
        this.resolved,
      ]),
      section('Predictor', 'predictor', [
        radio('modelServer', 'Model server', [
          { value: 'onnx', label: 'ONNX Runtime' },
          { value: 'script', label: 'Predictor script' },
        ]).root,
        radio('servingTool', 'Serving tool', [
          { value: 'local', label: 'Local' },
          { value: 'kserve', label: 'KServe' },
        ]).root,
        text('predictor.script', 'Predictor script', {
          placeholder: 'workspace-relative path',
          buttons: [sideButton('Pick…', 'folder-opened', () => this.cb.pick('predictor.script')), sideButton('New from template…', 'new-file', () => this.cb.template('predictor.script'))],
        }).root,
        text('predictor.environment', 'Python environment', {
          placeholder: 'interpreter (empty: the server decides)',
          buttons: [sideButton('Pick…', 'folder-opened', () => this.cb.pick('predictor.environment'))],
        }).root,
      ]),
      section('Transformer', 'transformer', [
        text('transformer.script', 'Transformer script', {
          placeholder: 'optional pre/post-processing script',
          buttons: [sideButton('Pick…', 'folder-opened', () => this.cb.pick('transformer.script')), sideButton('New from template…', 'new-file', () => this.cb.template('transformer.script'))],
        }).root,
      ]),
      section('Inference logger', 'logger', [
        this.add(
          selectField({
            key: 'inferenceLogger.mode',
            label: 'Mode',
            tooltip: hint('inferenceLogger.mode'),
            options: [
              { value: 'none', label: 'none' },
              { value: 'all', label: 'all', description: 'requests and responses' },
              { value: 'request', label: 'request' },
              { value: 'response', label: 'response' },
            ],
            value: state['inferenceLogger.mode'],
            onChange: (v) => this.cb.edit('inferenceLogger.mode', v),
          }),
        ).root,
        text('inferenceLogger.sink', 'Sink', {
          placeholder: 'logs/iris.jsonl, https://… or kafka://host:port/topic (empty: the server log)',
          hint: `Three forms: ${SINK_FORMS.map((f) => `${f.label} ${f.example}`).join(' · ')}`,
          // One button per form: puts its example in the field, to edit from there.
          buttons: SINK_FORMS.map((f) => {
            const b = sideButton(f.label, f.kind === 'file' ? 'file' : f.kind === 'http' ? 'globe' : 'server', () => {
              this.fields.get('inferenceLogger.sink')?.setValue(f.example);
              this.cb.edit('inferenceLogger.sink', f.example);
            });
            b.setAttribute('title', `${f.description}: ${f.example}`);
            b.setAttribute('data-sink-form', f.kind);
            return b;
          }),
        }).root,
        h('p', { class: 'hint sink-note', attrs: { 'data-key': 'sink-note', 'aria-live': 'polite' } }),
      ]),
      section('Inference batcher', 'batcher', [
        this.add(checkboxField({ key: 'batcher.enabled', label: 'Batch concurrent requests', tooltip: hint('batcher.enabled'), value: state['batcher.enabled'], onChange: (v) => this.cb.edit('batcher.enabled', v) })).root,
        h('div', { class: 'row' }, text('batcher.maxBatchSize', 'Max batch size').root, text('batcher.maxLatencyMs', 'Max latency (ms)').root, text('batcher.maxQueueSize', 'Max queue size').root),
      ]),
      section('Resources', 'resources', [
        h('div', { class: 'row' }, text('resources.instances', 'Instances').root, text('resources.minReplicas', 'Min replicas', { hint: '0 = scale to zero' }).root, text('resources.maxReplicas', 'Max replicas').root),
        h('div', { class: 'row' }, text('resources.cpu', 'CPU', { placeholder: 'e.g. 500m' }).root, text('resources.memory', 'Memory', { placeholder: 'e.g. 2Gi' }).root, text('resources.gpu', 'GPUs').root),
        this.providers.root,
      ]),
      section('API protocol', 'protocol', [
        radio('protocol', 'Protocol', [
          { value: 'rest', label: 'REST' },
          { value: 'grpc', label: 'gRPC' },
        ]).root,
      ]),
      section('KServe', 'kserve', [
        h('p', { class: 'hint kserve-note' }),
        this.kservePlan,
        ...context.kserveFields.map((f) => {
          const key = `kserve.${f.key}` as FormFieldKey;
          const value = state.kserve[f.key] ?? '';
          const view =
            f.kind === 'enum'
              ? selectField({
                  key,
                  label: labelOf(f.key),
                  tooltip: f.description,
                  options: [{ value: '', label: '(default)' }, ...(f.options ?? []).map((o) => ({ value: o, label: o }))],
                  value,
                  onChange: (v) => this.cb.edit(key, v),
                })
              : textField({ key, label: labelOf(f.key), tooltip: f.description, value, onInput: (v) => this.cb.edit(key, v) });
          return this.add(view).root;
        }),
      ]),
    ];

    for (const a of ['save', 'deploy', 'preview'] as const) {
      this.buttons.set(
        a,
        h('vscode-button', { attrs: { 'data-action': a, secondary: a !== 'deploy', icon: a === 'deploy' ? 'rocket' : a === 'save' ? 'save' : 'file-code' }, on: { click: () => this.cb.action(a) } }, ACTION_LABELS[a]),
      );
    }
    replaceChildren(
      this.root,
      h('header', { class: 'form-header' }, this.heading, this.subheading),
      this.general,
      this.warnings,
      h('div', { class: 'sections' }, ...sections),
      h('footer', { class: 'actions' }, ...this.buttons.values(), this.status),
    );
    this.setMode(context.mode, context.editing, context.running);
    this.update(state);
  }

  /** Follows the state: which fields apply, which options exist. */
  update(state: DeploymentFormState): void {
    const mode = state['model.version'];
    this.show('model.version.number', mode === 'number');
    this.show('model.version.metric', mode === 'best');
    this.show('model.version.direction', mode === 'best');
    this.versionSelect?.setOptions(this.versionOptions(state), state['model.version.number']);
    this.metricSelect?.setOptions(this.metricOptions(state), state['model.version.metric']);
    this.fields.get('inferenceLogger.sink')?.setDisabled(state['inferenceLogger.mode'] === 'none');
    const sinkNoteEl = this.root.querySelector('.sink-note');
    if (sinkNoteEl) sinkNoteEl.textContent = sinkNote(state['inferenceLogger.sink'], { mode: state['inferenceLogger.mode'], servingTool: state.servingTool });
    for (const k of ['batcher.maxBatchSize', 'batcher.maxLatencyMs', 'batcher.maxQueueSize']) this.fields.get(k)?.setDisabled(!state['batcher.enabled']);
    // KServe settings stay editable with the local serving tool: the YAML preview reads them too.
    const kserve = state.servingTool === 'kserve';
    const note = this.root.querySelector('.kserve-note');
    if (note) note.textContent = kserve ? 'Applied when deploying to KServe, and shown by "Preview as KServe YAML".' : 'Used when the serving tool is KServe (choose it under Predictor). "Preview as KServe YAML" shows the manifest either way.';
    this.fields.get('predictor.script')?.root.classList.toggle('required', state.modelServer === 'script');
  }

  setValue(key: FormFieldKey, value: Value): void {
    if (key === 'resources.executionProviders') this.providers?.setList(value as string[]);
    else this.fields.get(key)?.setValue(value as string | boolean);
  }

  setContext(context: FormContext, state: DeploymentFormState): void {
    this.context = context;
    this.modelSelect?.setOptions(this.modelOptions(state), state['model.name']);
    this.update(state);
    this.setMode(context.mode, context.editing, context.running);
  }

  setMode(mode: 'new' | 'edit', editing?: string, running?: boolean): void {
    this.heading.textContent = mode === 'edit' && editing ? `Deployment ${editing}` : 'Deploy a model';
    this.subheading.textContent =
      mode === 'edit' && editing
        ? `Editing .modeldeck/deployments/${editing}.json.${running ? ' It is running: saving a change applies it in place (a new version is hot-swapped).' : ''}`
        : 'A new deployment file in .modeldeck/deployments/. Every field starts at its default.';
  }

  /** Problems under their fields (only for `visible` keys), the rest above the form. */
  showProblems(problems: FormProblem[], visible: (key: string) => boolean): void {
    const byKey = new Map<string, string[]>();
    const general: string[] = [];
    for (const p of problems) {
      if (p.key && this.fields.has(p.key)) {
        if (visible(p.key)) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p.message]);
      } else if (p.key === 'model.version' || p.key?.startsWith('model.version')) {
        // The version group's own problems sit under whichever version control is shown.
        const target = this.fields.get('model.version.number')?.root.hidden === false ? 'model.version.number' : 'model.version.metric';
        if (visible('model.version') || visible(target)) byKey.set(target, [...(byKey.get(target) ?? []), p.message]);
      } else if (!p.key || visible(p.key)) general.push(p.key ? `${p.key}: ${p.message}` : p.message);
    }
    for (const [key, field] of this.fields) field.setError(byKey.get(key)?.join('; '));
    replaceChildren(this.general, ...general.map((m) => h('div', { class: 'error-text' }, m)));
  }

  /** What Deploy to KServe will upload and build for a deployment with scripts (empty: nothing extra). */
  setKServePlan(lines: readonly KServePlanLine[]): void {
    this.kservePlan.hidden = lines.length === 0;
    replaceChildren(this.kservePlan, ...lines.map((l) => h('li', null, h('strong', null, `${l.label}: `), l.text)));
  }

  setWarnings(warnings: string[]): void {
    replaceChildren(this.warnings, ...warnings.map((w) => h('div', { class: 'warning-text' }, `⚠ ${w}`)));
  }

  showResolved(state: DeploymentFormState, version: number | undefined): void {
    const model = this.context?.catalog.models.find((m) => m.name === state['model.name']);
    const v = model?.versions.find((x) => x.version === version);
    this.resolved.textContent = v ? `Serves version ${v.version} today${metricsText(v.metrics) ? ` (${metricsText(v.metrics)})` : ''}.` : '';
  }

  setBusy(action: FormAction, busy: boolean): void {
    for (const b of this.buttons.values()) (b as HTMLButtonElement).disabled = busy;
    if (busy) this.setStatus(undefined, `${ACTION_LABELS[action]}…`);
  }

  setStatus(ok: boolean | undefined, message: string): void {
    this.status.textContent = message;
    this.status.className = `status ${ok === false ? 'error-text' : ok ? 'ok-text' : 'muted'}`;
  }

  private add<T extends FieldView>(f: T): T {
    this.fields.set(f.key, f);
    return f;
  }

  private show(key: string, visible: boolean): void {
    const f = this.fields.get(key);
    if (f) f.root.hidden = !visible;
  }

  private modelOptions(state: DeploymentFormState) {
    const models = this.context?.catalog.models ?? [];
    const options = models.map((m) => ({ value: m.name, label: m.name, description: `${m.versions.length} version${m.versions.length === 1 ? '' : 's'}` }));
    if (state['model.name'] && !models.some((m) => m.name === state['model.name'])) options.push({ value: state['model.name'], label: state['model.name'], description: 'not in the registry' });
    return [{ value: '', label: '(choose a model)' }, ...options];
  }

  private versionOptions(state: DeploymentFormState) {
    const model = this.context?.catalog.models.find((m) => m.name === state['model.name']);
    const options = [...(model?.versions ?? [])].reverse().map((v) => ({ value: String(v.version), label: `v${v.version}`, description: metricsText(v.metrics) }));
    if (state['model.version.number'] && !options.some((o) => o.value === state['model.version.number'])) options.push({ value: state['model.version.number'], label: `v${state['model.version.number']}`, description: 'not in the registry' });
    return [{ value: '', label: '(choose a version)' }, ...options];
  }

  private metricOptions(state: DeploymentFormState) {
    const model = this.context?.catalog.models.find((m) => m.name === state['model.name']);
    const versions = model?.versions ?? [];
    const metrics = [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))].sort();
    const options = metrics.map((m) => ({ value: m, label: m, description: versions.map((v) => `v${v.version} ${v.metrics[m] === undefined ? '–' : fmt(v.metrics[m]!)}`).join(' · ') }));
    if (state['model.version.metric'] && !metrics.includes(state['model.version.metric'])) options.push({ value: state['model.version.metric'], label: state['model.version.metric'], description: 'no version records it' });
    return [{ value: '', label: '(choose a metric)' }, ...options];
  }
}

function section(title: string, id: string, children: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'card', attrs: { 'data-section': id, 'aria-label': title } }, h('h2', null, title), ...children);
}

function metricsText(metrics: Record<string, number>): string {
  return Object.entries(metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '');
}

/** "storageUri" → "Storage URI", "containerConcurrency" → "Container concurrency". */
function labelOf(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().replace(/\buri\b/, 'URI');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
