/**
 * The model view: a read-only custom editor for .onnx files (the default editor for them), so
 * opening a model shows its summary instead of "binary file". One webview per open editor; the
 * host parses the file (structure only) and re-reads it when the file, the registry or the
 * deployments change; the page renders and asks for actions, which run the existing commands.
 */
import * as vscode from 'vscode';
import { CommandIds } from '../../common/commandIds';
import { Disposable } from '../../common/lifecycle';
import type { ModelDeckOutput } from '../../logs/output';
import type { DeploymentService } from '../../services/deploymentService';
import type { RegistryService } from '../../services/registryService';
import { MessageChannel } from '../messageChannel';
import { resetWhenHidden, setupPanelPage } from '../panelPage';
import { MODEL_VIEW_TYPE, type ModelViewAction, type ModelViewData, type ModelViewFromPage, type ModelViewToPage } from '../protocols/modelViewProtocol';
import { modelViewData } from './modelViewData';

export interface ModelViewDeps {
  extensionUri: vscode.Uri;
  registry: RegistryService;
  deployments: DeploymentService;
  output: ModelDeckOutput;
}

/** The command that exports a model or deployment to Triton / MLServer. */
export const EXPORT_COMMAND = CommandIds.exportAs;

export class ModelViewProvider implements vscode.CustomReadonlyEditorProvider {
  /** Open views by file, for tests and the API. */
  private readonly open = new Map<string, ModelView>();

  constructor(private readonly deps: ModelViewDeps) {}

  static register(deps: ModelViewDeps): { provider: ModelViewProvider; registration: vscode.Disposable } {
    const provider = new ModelViewProvider(deps);
    const registration = vscode.window.registerCustomEditorProvider(MODEL_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true, webviewOptions: { retainContextWhenHidden: false } });
    return { provider, registration };
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const view = new ModelView(panel, document.uri, this.deps);
    this.open.set(document.uri.toString(), view);
    panel.onDidDispose(() => {
      if (this.open.get(document.uri.toString()) === view) this.open.delete(document.uri.toString());
      view.dispose();
    });
  }

  /** What an open model view shows (tests). */
  dataFor(uri: vscode.Uri): ModelViewData | undefined {
    return this.open.get(uri.toString())?.data;
  }
}

class ModelView extends Disposable {
  private readonly channel: MessageChannel<ModelViewToPage, ModelViewFromPage>;
  data: ModelViewData | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly uri: vscode.Uri,
    private readonly deps: ModelViewDeps,
  ) {
    super();
    setupPanelPage(panel, deps.extensionUri, { script: 'modelView.js', title: 'Model' });
    this.channel = this.register(
      new MessageChannel<ModelViewToPage, ModelViewFromPage>(
        panel.webview,
        { action: (m) => this.run(m.action), refresh: () => this.refresh() },
        (err) => deps.output.error(`model view: ${(err as Error).stack ?? String(err)}`),
      ),
    );
    this.register(resetWhenHidden(panel, this.channel));
    this.register(this.channel.onReady(() => this.data && this.channel.post({ type: 'data', data: this.data })));
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), '*')));
    this.register(watcher.onDidChange(() => this.scheduleRefresh()));
    this.register(watcher.onDidCreate(() => this.scheduleRefresh()));
    this.register(deps.registry.onDidChange(() => this.scheduleRefresh()));
    this.register(deps.deployments.onDidChange(() => this.scheduleRefresh()));
    void this.refresh();
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    // Debounced: the deployments service reports every 2 s poll, a registry copy writes in bursts.
    this.refreshTimer = setTimeout(() => void this.refresh(), 300);
  }

  private async refresh(): Promise<void> {
    await this.deps.registry.settled();
    const data = modelViewData(this.uri, this.deps.registry, this.deps.deployments);
    if (JSON.stringify(data) === JSON.stringify(this.data)) return;
    this.data = data;
    this.channel.post({ type: 'data', data });
  }

  private async run(action: ModelViewAction): Promise<void> {
    const reg = this.data?.registry;
    switch (action) {
      case 'serve':
        await vscode.commands.executeCommand(CommandIds.serveModel, this.uri);
        return;
      case 'register':
        await vscode.commands.executeCommand(CommandIds.registerModelVersion, this.uri);
        return;
      case 'deploy': {
        // The deploy command takes a Models-view node: hand it the version this file is.
        const model = reg ? this.deps.registry.find(reg.model) : undefined;
        const info = model?.versions.find((v) => v.version === reg?.version);
        await vscode.commands.executeCommand(CommandIds.deploy, model && info ? { kind: 'version', model, info } : undefined);
        return;
      }
      case 'predict': {
        const running = this.data?.deployments.find((d) => d.running);
        if (running) await vscode.commands.executeCommand(CommandIds.openPredictPanel, running.name);
        else {
          const choice = await vscode.window.showInformationMessage('No deployment of this model is running. Serve it first?', 'Serve');
          if (choice === 'Serve') {
            const name = (await vscode.commands.executeCommand(CommandIds.serveModel, this.uri)) as string | undefined;
            if (name) await vscode.commands.executeCommand(CommandIds.openPredictPanel, name);
          }
        }
        return;
      }
      case 'export':
        await vscode.commands.executeCommand(EXPORT_COMMAND, this.uri);
        return;
      case 'reveal':
        await vscode.commands.executeCommand('revealInExplorer', this.uri);
        return;
    }
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    super.dispose();
  }
}
