import * as path from 'node:path';
import * as vscode from 'vscode';
import { createApi, type ModelDeckApi } from './api';
import { ViewIds } from './common/commandIds';
import { readSettings } from './common/config';
import { DisposableStore } from './common/lifecycle';
import { registerCommands } from './commands/registerCommands';
import { DeploymentLogDocuments, LOG_SCHEME } from './logs/deploymentLogDocument';
import { ModelDeckOutput } from './logs/output';
import { InferenceClient } from './core/predict/inferenceClient';
import { Dashboards } from './panels/dashboard/dashboards';
import { Panels } from './panels/panels';
import { ModelViewProvider } from './panels/modelView/modelViewProvider';
import { LocalPredictSource, RemotePredictSource } from './panels/predict/predictSource';
import { PredictHistoryStore } from './panels/predict/predictHistoryStore';
import { DeploymentService } from './services/deploymentService';
import { KServeService } from './services/kserveService';
import { KSERVE_SCHEME, KServeDocuments } from './logs/kserveDocuments';
import { LocalServer } from './services/localServer';
import { RegistryService } from './services/registryService';
import { DeploymentsTreeProvider } from './views/deploymentsTree';
import { RequestCodeLensProvider } from './views/requestCodeLens';
import { ModelsTreeProvider } from './views/modelsTree';
import { createServerStatusBar } from './views/statusBar';

let store: DisposableStore | undefined;
let server: LocalServer | undefined;

/** Composition root: build the services, register views and commands, nothing else. */
export async function activate(context: vscode.ExtensionContext): Promise<ModelDeckApi> {
  store = new DisposableStore();
  context.subscriptions.push(store);
  const output = store.add(new ModelDeckOutput());
  const registry = store.add(new RegistryService());
  const localServer = store.add(
    new LocalServer(output, () => {
      const settings = readSettings();
      return {
        serverScript: path.join(context.extensionPath, 'dist', 'server.js'),
        registries: registry.roots().map((r) => r.root),
        settings: settings.server,
        env: settings.pythonInterpreter ? { MODELDECK_PYTHON: settings.pythonInterpreter } : ({} as Record<string, string>),
      };
    }),
  );
  server = localServer;
  const deployments = store.add(new DeploymentService(localServer, context.workspaceState, output));
  const modelsTree = new ModelsTreeProvider(registry);
  const kserveDocuments = store.add(new KServeDocuments());
  store.add(vscode.workspace.registerTextDocumentContentProvider(KSERVE_SCHEME, kserveDocuments));
  const kserve = store.add(new KServeService(context.workspaceState, context.secrets, deployments, registry, output, kserveDocuments));
  const deploymentsTree = new DeploymentsTreeProvider(deployments, kserve);
  store.add(vscode.window.createTreeView(ViewIds.models, { treeDataProvider: modelsTree, showCollapseAll: true }));
  const deploymentsView = store.add(vscode.window.createTreeView(ViewIds.deployments, { treeDataProvider: deploymentsTree }));
  // Remote (KServe) rows are re-read only while someone can see them.
  kserve.setVisible(deploymentsView.visible);
  store.add(deploymentsView.onDidChangeVisibility((e) => kserve.setVisible(e.visible)));
  store.add(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, store.add(new DeploymentLogDocuments(output))));
  store.add(createServerStatusBar(server));
  const loaded = Promise.all([registry.refresh(), deployments.reloadFiles()]).then(() => undefined);
  // Panels register their serializers now, before the first await: VS Code restores panels right after activation.
  const inference = new InferenceClient(path.join(context.extensionPath, 'dist', 'proto', 'open_inference_grpc.proto'));
  store.add({ dispose: () => inference.dispose() });
  const sources = {
    local: (name: string) => new LocalPredictSource(name, deployments, localServer, registry),
    remote: (ctx: string, namespace: string, name: string) => new RemotePredictSource(ctx, namespace, name, kserve, registry),
  };
  const panels = store.add(
    new Panels(
      { extensionUri: context.extensionUri, registry, deployments, output, deployToKServe: (name: string) => kserve.deployToKServe(name) },
      { extensionUri: context.extensionUri, client: inference, history: new PredictHistoryStore(context.workspaceState), output },
      sources,
      () => loaded,
      { extensionUri: context.extensionUri, output, deployments, server: localServer },
    ),
  );
  const dashboards = store.add(
    new Dashboards({ extensionUri: context.extensionUri, output, client: inference, workspaceFolder: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath }, sources, () => loaded),
  );
  // .onnx files open in the model view (a read-only custom editor; registered before the first await).
  store.add(ModelViewProvider.register({ extensionUri: context.extensionUri, registry, deployments, output }).registration);
  store.add(vscode.languages.registerCodeLensProvider([{ language: 'json' }, { language: 'jsonc' }], new RequestCodeLensProvider(deployments, registry, {
        readyCount: () => (kserve.remoteState.kind === 'ok' ? kserve.remoteState.items.filter((s) => s.state === 'Ready').length : 0),
        onDidChange: kserve.onDidChange,
      })));
  for (const d of registerCommands({ extension: context, output, registry, deployments, server, modelsTree, deploymentsTree, deploymentsView, panels, kserve, dashboards })) store.add(d);
  store.add(vscode.workspace.onDidGrantWorkspaceTrust(() => void deployments.restoreRunning()));

  await loaded;
  // Deployments left running last time come back (only in a trusted workspace).
  void deployments.restoreRunning();
  output.info(`ModelDeck activated: registries ${registry.roots().map((r) => r.root).join(', ') || '(no folder open)'}`);
  return createApi(server, deployments, registry, output, panels, kserve);
}

/** Stops the server gracefully before the extension host goes away. */
export async function deactivate(): Promise<void> {
  await server?.stop();
  store?.dispose();
}
