import * as vscode from 'vscode';
import { CommandIds } from '../../common/commandIds';
import { externalUrl } from '../../common/externalUrl';
import { KSERVE_FIELDS, FORM_FIELD_KEYS, schemaDescription, type DeploymentFormState, type FormCatalog } from '../../core/deployment/deploymentForm';
import { EXECUTION_PROVIDERS } from '../../core/deployment/deploymentSpec';
import { validateDeploymentForm } from '../../core/deployment/validateDeploymentForm';
import { KServeError } from '../../core/kserve/kserveErrors';
import { CancelledError, UserFacingError } from '../../common/errors';
import { DeploymentSpecError } from '../../core/deployment/deploymentErrors';
import type { ModelDeckOutput } from '../../logs/output';
import type { DeploymentService } from '../../services/deploymentService';
import type { RegistryService } from '../../services/registryService';
import { requireTrust } from '../../services/trust';
import { MessageChannel } from '../messageChannel';
import { PanelHost } from '../panelHost';
import { resetWhenHidden } from '../panelPage';
import { DEPLOYMENT_FORM_VIEW_TYPE, type FormAction, type FormContext, type FormFromPage, type FormToPage, type PickableField } from '../protocols/deploymentFormProtocol';
import { newScriptFromTemplate, pickEnvironment, pickScript } from './formPickers';
import { previewKServeYaml } from './kservePreview';
import { deploymentFolderFor, saveDeploymentForm, type FormOrigin } from './saveDeploymentForm';
import { scriptDeploySummary } from '../../core/kserve/scriptDeployPlan';

/** What a form panel needs from the extension. */
export interface FormPanelDeps {
  extensionUri: vscode.Uri;
  registry: RegistryService;
  deployments: DeploymentService;
  output: ModelDeckOutput;
  /** After a successful Deploy: offer the predict panel. */
  openPredict(name: string): Promise<unknown>;
  /** Deploy for servingTool "kserve": diff or preview, server-side apply, watch until Ready (KServeService.deployToKServe). */
  deployToKServe?(name: string): Promise<{ ready: boolean; url?: string; reasons?: string[] }>;
}

/** How a form opens: a new deployment (prefilled) or an existing one. */
export interface FormInit {
  mode: 'new' | 'edit';
  editing?: string;
  state: DeploymentFormState;
}

/**
 * The host side of one deployment form. It owns the data (the registry catalog, validation, the
 * files) and answers the page: each edit is validated by the same validator the server uses and
 * the problems go back keyed by field; Save, Deploy and Preview run here.
 */
export class DeploymentFormPanel extends PanelHost {
  private state: DeploymentFormState;
  private readonly origin: FormOrigin;
  private readonly channel: MessageChannel<FormToPage, FormFromPage>;
  private lastRunning: boolean | undefined;

  static create(deps: FormPanelDeps, init: FormInit): DeploymentFormPanel {
    const panel = vscode.window.createWebviewPanel(DEPLOYMENT_FORM_VIEW_TYPE, titleOf(init), vscode.ViewColumn.Active, { retainContextWhenHidden: false });
    return new DeploymentFormPanel(panel, deps, init);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: FormPanelDeps,
    init: FormInit,
  ) {
    super(panel, { extensionUri: deps.extensionUri, script: 'deploymentForm.js', title: titleOf(init) });
    this.state = init.state;
    this.origin = { mode: init.mode, ...(init.editing ? { editing: init.editing, baseline: this.diskBaseline(init.editing) } : {}) };
    this.channel = this.register(
      new MessageChannel<FormToPage, FormFromPage>(
        panel.webview,
        {
          changed: (m) => this.onChanged(m.state, m.seq),
          action: (m) => this.runAction(m.action, m.state),
          pick: (m) => this.pick(m.key),
          newFromTemplate: (m) => this.pick(m.key, m.state),
        },
        (err) => deps.output.error(`deployment form: ${(err as Error).stack ?? String(err)}`),
      ),
    );
    this.register(this.channel.onReady(() => this.channel.post({ type: 'init', state: this.state, context: this.context() })));
    this.register(resetWhenHidden(panel, this.channel));
    this.register(deps.registry.onDidChange(() => this.channel.post({ type: 'context', context: this.context() })));
    this.register(
      deps.deployments.onDidChange(() => {
        const running = this.isRunning();
        if (running !== this.lastRunning) this.postMode();
      }),
    );
  }

  /** The deployment this form edits, if any (for reusing an open form). */
  get editing(): string | undefined {
    return this.origin.editing;
  }

  reveal(): void {
    this.panel.reveal();
  }

  private context(): FormContext {
    this.lastRunning = this.isRunning();
    return {
      mode: this.origin.mode,
      ...(this.origin.editing ? { editing: this.origin.editing, running: this.lastRunning } : {}),
      catalog: this.catalog(),
      executionProviders: EXECUTION_PROVIDERS,
      kserveFields: KSERVE_FIELDS,
      hints: Object.fromEntries([...FORM_FIELD_KEYS, ...KSERVE_FIELDS.map((f) => `kserve.${f.key}`)].map((k) => [k, schemaDescription(k.replace(/^model\.version\..*/, 'model.version'))])),
    };
  }

  private postMode(): void {
    this.lastRunning = this.isRunning();
    this.channel.post({ type: 'mode', mode: this.origin.mode, ...(this.origin.editing ? { editing: this.origin.editing } : {}), running: this.lastRunning });
  }

  private isRunning(): boolean {
    const d = this.origin.editing ? this.deps.deployments.get(this.origin.editing) : undefined;
    return d !== undefined && (d.state === 'running' || d.state === 'updating' || d.state === 'starting');
  }

  /** Models by name (the first registry that has a model owns it, as on the server), with versions and metrics. */
  private catalog(): FormCatalog {
    const models: FormCatalog['models'] = [];
    for (const m of this.deps.registry.models) {
      if (models.some((x) => x.name === m.model)) continue;
      models.push({
        name: m.model,
        versions: m.versions.map((v) => ({ version: v.version, metrics: { ...(v.metadata.metrics ?? {}) }, ...(v.modelFile === undefined ? { onnx: false, files: v.files } : {}) })),
      });
    }
    return { models };
  }

  private onChanged(state: DeploymentFormState, seq: number): void {
    this.state = state;
    const v = validateDeploymentForm(state, this.catalog());
    // For KServe: what a deploy will upload and build (a deployment with scripts goes as an artifact).
    const plan = v.spec?.servingTool === 'kserve' ? scriptDeploySummary(v.spec, v.resolvedVersion !== undefined ? { modelVersion: v.resolvedVersion } : {}) : [];
    this.channel.post({ type: 'validation', seq, problems: v.problems, warnings: v.warnings, ...(v.resolvedVersion !== undefined ? { resolvedVersion: v.resolvedVersion } : {}), ...(plan.length ? { kservePlan: plan } : {}) });
  }

  private async runAction(action: FormAction, state: DeploymentFormState): Promise<void> {
    this.state = state;
    const v = validateDeploymentForm(state, this.catalog());
    if (!v.ok || !v.spec) {
      const n = v.problems.length;
      this.channel.post({ type: 'validation', seq: Number.MAX_SAFE_INTEGER, problems: v.problems, warnings: v.warnings });
      this.channel.post({ type: 'actionState', action, busy: false, ok: false, message: `Fix the ${n} problem${n === 1 ? '' : 's'} marked in the form first.` });
      return;
    }
    const spec = v.spec;
    this.channel.post({ type: 'actionState', action, busy: true });
    try {
      let message: string;
      if (action === 'preview') {
        await previewKServeYaml(spec, this.deps.registry);
        message = `Opened the InferenceService for "${spec.name}" beside the form.`;
      } else {
        if (action === 'deploy') requireTrust('deploy a model');
        const renamedFrom = this.origin.mode === 'edit' && this.origin.editing !== spec.name ? this.origin.editing : undefined;
        const saved = await saveDeploymentForm(spec, this.origin, this.deps);
        this.adopt(spec.name);
        message = `Saved ${vscode.workspace.asRelativePath(saved.file)}.`;
        // A new name is a new deployment (KServe names are immutable too): the old file stays as it was.
        if (renamedFrom) message += ` That is a new deployment; "${renamedFrom}" is unchanged.`;
        if (saved.hotSwapped && action === 'save') {
          await this.deps.deployments.whenIdle();
          const d = this.deps.deployments.get(spec.name);
          message += d?.state === 'running' ? ` "${spec.name}" was running: it now serves version ${d.version} (hot-swapped).` : ` Applying it to the running deployment failed: ${d?.reason ?? d?.state}.`;
        }
        if (action === 'deploy') message += ` ${await this.deploy(spec.name)}`;
      }
      this.deps.output.info(`deployment form (${action}): ${message}`);
      this.channel.post({ type: 'actionState', action, busy: false, ok: true, message });
    } catch (err) {
      if (err instanceof CancelledError) {
        this.channel.post({ type: 'actionState', action, busy: false, ok: false, message: action === 'preview' ? 'Preview cancelled.' : 'Not saved.' });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      const path = err instanceof KServeError && err.reason === 'invalid-deployment' ? err.details[0] : undefined;
      const problems = path ? [{ key: fieldOf(path), message: message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message }] : undefined;
      // Problems the user can fix are reported as such; only the unexpected ones carry a stack.
      const expected = err instanceof UserFacingError || err instanceof KServeError || err instanceof DeploymentSpecError;
      if (expected) this.deps.output.warn(`deployment form (${action}): ${message}`);
      else this.deps.output.error(`deployment form (${action}) failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
      this.channel.post({ type: 'actionState', action, busy: false, ok: false, message, ...(problems ? { problems } : {}) });
    }
  }

  /** Starts (or updates) the saved deployment and says where it answers. */
  private async deploy(name: string): Promise<string> {
    if (this.deps.deployments.get(name)?.spec.servingTool === 'kserve' && this.deps.deployToKServe) {
      const r = await this.deps.deployToKServe(name);
      const url = r.url ? await externalUrl(r.url) : undefined; // as the user reaches it
      if (r.ready) {
        void vscode.window.showInformationMessage(`${name} is Ready on KServe${url ? ` at ${url}` : ''}.`, 'Open Predict Panel').then((choice) => {
          if (choice) void vscode.commands.executeCommand(CommandIds.kservePredict, name);
        });
      } else {
        void vscode.window.showErrorMessage(`${name} is not Ready on KServe: ${(r.reasons ?? []).join('; ')}`, 'Why Not Ready?').then((choice) => {
          if (choice) void vscode.commands.executeCommand(CommandIds.kserveWhyNotReady, name);
        });
      }
      return r.ready ? `"${name}" is Ready on KServe${url ? ` at ${url}` : ''}.` : `"${name}" is not Ready on KServe: ${(r.reasons ?? []).join('; ')}.`;
    }
    const view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Deploying ${name}…` }, () => this.deps.deployments.start(name));
    const restUrl = view.restUrl ? await externalUrl(view.restUrl) : undefined; // as the user reaches it
    void vscode.window.showInformationMessage(`${name} is running: version ${view.version} at ${restUrl ?? ''}`, 'Open Predict Panel').then((choice) => {
      if (choice) void this.deps.openPredict(name);
    });
    return `"${name}" is running: version ${view.version}${restUrl ? ` at ${restUrl}` : ''}.`;
  }

  /** After a save the form edits that file: later saves of it need no confirmation. */
  private adopt(name: string): void {
    this.origin.mode = 'edit';
    this.origin.editing = name;
    this.origin.baseline = this.diskBaseline(name);
    this.panel.title = titleOf({ mode: 'edit', editing: name });
    this.postMode();
  }

  private diskBaseline(name: string): string | undefined {
    const spec = this.deps.deployments.get(name)?.spec;
    return spec ? JSON.stringify(spec) : undefined;
  }

  private async pick(key: PickableField, state?: DeploymentFormState): Promise<void> {
    try {
      // Script paths are written relative to the folder whose .modeldeck/ will hold this deployment.
      const folder = () => deploymentFolderFor((state ?? this.state)['model.name'], this.origin, this.deps);
      const value =
        key === 'predictor.environment'
          ? await pickEnvironment()
          : state
            ? await newScriptFromTemplate(this.deps.extensionUri, key, state.name || state['model.name'], folder())
            : await pickScript(key, folder());
      this.channel.post({ type: 'fieldValue', key, value });
    } catch (err) {
      if (err instanceof CancelledError) return;
      void vscode.window.showErrorMessage(`ModelDeck: ${(err as Error).message}`);
    }
  }

}

function titleOf(init: { mode: 'new' | 'edit'; editing?: string }): string {
  return init.mode === 'edit' && init.editing ? `Deployment: ${init.editing}` : 'Deploy a Model';
}

/** A KServe builder path ("kserve.storageUri", "modelServer") as the form's field key. */
function fieldOf(path: string): string {
  return path.startsWith('kserve.') ? path.split('.').slice(0, 2).join('.') : path;
}
