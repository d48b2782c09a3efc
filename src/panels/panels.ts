import * as vscode from 'vscode';
import { defaultForm } from '../core/deployment/deploymentForm';
import { Disposable } from '../common/lifecycle';
import { DeploymentFormPanel, type FormInit, type FormPanelDeps } from './deploymentForm/deploymentFormPanel';
import { InferenceLogPanel, type InferenceLogPanelDeps } from './inferenceLog/inferenceLogPanel';
import { PredictPanel, type PredictPanelDeps } from './predict/predictPanel';
import { parseRemoteKey, remoteKey } from '../core/predict/remoteKey';
import type { PredictSource } from './predict/predictSource';
import { DEPLOYMENT_FORM_VIEW_TYPE, type FormPageState } from './protocols/deploymentFormProtocol';
import { INFERENCE_LOG_VIEW_TYPE, type InferenceLogPageState } from './protocols/inferenceLogProtocol';
import { PREDICT_VIEW_TYPE, type PredictPageState } from './protocols/predictProtocol';

/** An open panel as the API reports it (tests, other extensions). */
export interface PanelInfo {
  viewType: string;
  title: string;
  /** The deployment a predict panel talks to (a remote one as `kserve:<context>/<namespace>/<name>`), or a form edits. */
  deployment?: string;
  visible: boolean;
}

/** Makes the {@link PredictSource} of a local deployment or a remote InferenceService. */
export interface PredictSources {
  local(name: string): PredictSource;
  remote(context: string, namespace: string, name: string): PredictSource;
}

/**
 * Every ModelDeck webview panel: at most one predict panel per deployment (local, or remote on
 * KServe) and one form per edited
 * deployment (opening again reveals it), and the serializers that bring them back after a window
 * reload from the state their pages kept.
 */
export class Panels extends Disposable {
  private readonly predict = new Map<string, PredictPanel>();
  private readonly forms = new Set<DeploymentFormPanel>();
  private readonly logs = new Map<string, InferenceLogPanel>();

  constructor(
    private readonly formDeps: Omit<FormPanelDeps, 'openPredict'>,
    private readonly predictDeps: PredictPanelDeps,
    private readonly sources: PredictSources,
    /** Resolves once deployment files and registries are read (restored panels need them). */
    private readonly loaded: () => Promise<void>,
    /** What Inference Log panels need (their Replay goes through {@link openPredictWithRequest}). */
    private readonly logDeps?: Omit<InferenceLogPanelDeps, 'openPredictWithRequest'>,
  ) {
    super();
    // Registered during activation, before any await: VS Code restores panels right after.
    this.register(
      vscode.window.registerWebviewPanelSerializer(DEPLOYMENT_FORM_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: FormPageState | undefined) => {
          await this.loaded();
          const init: FormInit = state?.state
            ? { mode: state.mode, ...(state.editing ? { editing: state.editing } : {}), state: state.state }
            : { mode: 'new', state: defaultForm() };
          this.track(new DeploymentFormPanel(panel, this.fullFormDeps(), init));
        },
      }),
    );
    this.register(
      vscode.window.registerWebviewPanelSerializer(PREDICT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: PredictPageState | undefined) => {
          if (!state?.deployment) {
            panel.dispose(); // nothing says which deployment it was for
            return;
          }
          await this.loaded();
          this.trackPredict(new PredictPanel(panel, this.predictDeps, this.sourceFor(state.deployment)));
        },
      }),
    );
    if (logDeps) {
      this.register(
        vscode.window.registerWebviewPanelSerializer(INFERENCE_LOG_VIEW_TYPE, {
          deserializeWebviewPanel: async (panel, state: InferenceLogPageState | undefined) => {
            if (!state?.deployment) {
              panel.dispose();
              return;
            }
            await this.loaded();
            this.trackLog(new InferenceLogPanel(panel, this.fullLogDeps(), state.deployment));
          },
        }),
      );
    }
  }

  /** Opens a deployment form; an edit form already open for the same deployment is revealed instead. */
  openForm(init: FormInit): DeploymentFormPanel {
    if (init.mode === 'edit') {
      const open = [...this.forms].find((f) => f.editing === init.editing);
      if (open) {
        open.reveal();
        return open;
      }
    }
    return this.track(DeploymentFormPanel.create(this.fullFormDeps(), init));
  }

  /**
   * The deployment's predict panel, created when needed: beside the editor (or in the editor area
   * when nothing is open there), an open one revealed where it is, except that `beside` (the
   * column of a request file) makes it move next to that column rather than cover it.
   */
  openPredict(deployment: string, opts: { preserveFocus?: boolean; beside?: vscode.ViewColumn } = {}): PredictPanel {
    const open = this.predict.get(deployment);
    if (open) {
      const covers = opts.beside !== undefined && open.panel.viewColumn === opts.beside;
      open.reveal(covers ? vscode.ViewColumn.Beside : open.panel.viewColumn, opts.preserveFocus);
      return open;
    }
    const empty = vscode.window.tabGroups.all.every((g) => g.tabs.length === 0);
    const column = empty ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside;
    return this.trackPredict(PredictPanel.create(this.predictDeps, this.sourceFor(deployment), column, opts.preserveFocus));
  }

  /** The predict panel of an InferenceService on KServe (same panel, requests through the cluster's ingress). */
  openRemotePredict(context: string, namespace: string, name: string, opts: { preserveFocus?: boolean; beside?: vscode.ViewColumn } = {}): PredictPanel {
    return this.openPredict(remoteKey(context, namespace, name), opts);
  }

  /**
   * Replay from the Inference Log: the deployment's predict panel (opened or revealed) with `text`
   * as its request, not sent: the user looks at it and presses Send.
   */
  openPredictWithRequest(deployment: string, text: string): PredictPanel {
    const panel = this.openPredict(deployment);
    panel.showRequest(text);
    return panel;
  }

  /** The deployment's Inference Log (one per deployment; an open one is revealed). */
  openInferenceLog(deployment: string): InferenceLogPanel {
    if (!this.logDeps) throw new Error('the Inference Log is not available');
    const open = this.logs.get(deployment);
    if (open) {
      open.reveal(open.panel.viewColumn);
      return open;
    }
    const empty = vscode.window.tabGroups.all.every((g) => g.tabs.length === 0);
    return this.trackLog(InferenceLogPanel.create(this.fullLogDeps(), deployment, empty ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside));
  }

  inferenceLogPanel(deployment: string): InferenceLogPanel | undefined {
    return this.logs.get(deployment);
  }

  private fullLogDeps(): InferenceLogPanelDeps {
    return { ...this.logDeps!, openPredictWithRequest: (name, text) => void this.openPredictWithRequest(name, text) };
  }

  private trackLog(panel: InferenceLogPanel): InferenceLogPanel {
    this.logs.get(panel.deployment)?.dispose();
    this.logs.set(panel.deployment, panel);
    panel.onDidDispose(() => {
      if (this.logs.get(panel.deployment) === panel) this.logs.delete(panel.deployment);
    });
    return panel;
  }

  private sourceFor(key: string): PredictSource {
    const remote = parseRemoteKey(key);
    return remote ? this.sources.remote(remote.context, remote.namespace, remote.name) : this.sources.local(key);
  }

  predictPanel(deployment: string): PredictPanel | undefined {
    return this.predict.get(deployment);
  }

  list(): PanelInfo[] {
    return [
      ...[...this.forms].map((f) => ({ viewType: DEPLOYMENT_FORM_VIEW_TYPE, title: f.panel.title, visible: f.panel.visible, ...(f.editing ? { deployment: f.editing } : {}) })),
      ...[...this.predict.values()].map((p) => ({ viewType: PREDICT_VIEW_TYPE, title: p.panel.title, visible: p.panel.visible, deployment: p.deployment })),
      ...[...this.logs.values()].map((l) => ({ viewType: INFERENCE_LOG_VIEW_TYPE, title: l.panel.title, visible: l.panel.visible, deployment: l.deployment })),
    ];
  }

  private fullFormDeps(): FormPanelDeps {
    return { ...this.formDeps, openPredict: async (name) => this.openPredict(name) };
  }

  private track(form: DeploymentFormPanel): DeploymentFormPanel {
    this.forms.add(form);
    form.onDidDispose(() => this.forms.delete(form));
    return form;
  }

  private trackPredict(panel: PredictPanel): PredictPanel {
    // A second panel for the same deployment (two restored after a reload) replaces the first.
    this.predict.get(panel.deployment)?.dispose();
    this.predict.set(panel.deployment, panel);
    panel.onDidDispose(() => {
      if (this.predict.get(panel.deployment) === panel) this.predict.delete(panel.deployment);
    });
    return panel;
  }

  override dispose(): void {
    for (const f of [...this.forms]) f.dispose();
    for (const p of [...this.predict.values()]) p.dispose();
    for (const l of [...this.logs.values()]) l.dispose();
    super.dispose();
  }
}
