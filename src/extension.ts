import * as path from 'node:path';
import * as vscode from 'vscode';
import { createApi, type ModelDeckApi } from './api';
import { ViewIds } from './common/commandIds';
import { readSettings } from './common/config';
import { DisposableStore } from './common/lifecycle';
import { registerCommands } from './commands/registerCommands';
import { DeploymentLogDocuments, LOG_SCHEME } from './logs/deploymentLogDocument';
import { ModelDeckOutput } from './logs/output';
import { DeploymentService } from './services/deploymentService';
import { LocalServer } from './services/localServer';
import { RegistryService } from './services/registryService';
import { DeploymentsTreeProvider } from './views/deploymentsTree';
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
  server = store.add(
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
  const deployments = store.add(new DeploymentService(server, context.workspaceState, output));
  const modelsTree = new ModelsTreeProvider(registry);
  const deploymentsTree = new DeploymentsTreeProvider(deployments);
  store.add(vscode.window.createTreeView(ViewIds.models, { treeDataProvider: modelsTree, showCollapseAll: true }));
  const deploymentsView = store.add(vscode.window.createTreeView(ViewIds.deployments, { treeDataProvider: deploymentsTree }));
  store.add(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, store.add(new DeploymentLogDocuments(output))));
  store.add(createServerStatusBar(server));
  for (const d of registerCommands({ extension: context, output, registry, deployments, server, modelsTree, deploymentsTree, deploymentsView })) store.add(d);
  store.add(vscode.workspace.onDidGrantWorkspaceTrust(() => void deployments.restoreRunning()));

  await Promise.all([registry.refresh(), deployments.reloadFiles()]);
  // Deployments left running last time come back (only in a trusted workspace).
  void deployments.restoreRunning();
  output.info(`ModelDeck activated: registries ${registry.roots().map((r) => r.root).join(', ') || '(no folder open)'}`);
  return createApi(server, deployments, registry, output);
}

/** Stops the server gracefully before the extension host goes away. */
export async function deactivate(): Promise<void> {
  await server?.stop();
  store?.dispose();
}
