import * as vscode from 'vscode';
import { CommandIds } from '../common/commandIds';
import { runCommandSafely } from '../common/errors';
import type { CommandContext } from './context';
import { deployBestVersion } from './deployBestVersion';
import { startDeployment, stopDeployment } from './deploymentLifecycle';
import { deploy, editDeployment } from './openDeploymentForm';
import { openPredictPanel } from './openPredictPanel';
import { sendRequest } from './sendRequest';
import { registerModelVersion } from './registerModelVersion';
import { restartServer, serverActions, stopServer } from './serverCommands';
import { serveModel } from './serveModel';
import { showLogs } from './showLogs';
import { copyCurl, copyText, openDeploymentFile, openModelJson, refresh, revealInExplorer } from './smallCommands';

type Handler = (ctx: CommandContext, arg?: unknown) => Promise<unknown>;

/** The one registration table: command id → title (for error messages) and handler. */
const COMMANDS: Record<string, { title: string; run: Handler }> = {
  [CommandIds.serveModel]: { title: 'Serve This Model', run: serveModel },
  [CommandIds.serveModelFromExplorer]: { title: 'Serve this model', run: serveModel },
  [CommandIds.stopDeployment]: { title: 'Stop Deployment', run: stopDeployment },
  [CommandIds.startDeployment]: { title: 'Start Deployment', run: startDeployment },
  [CommandIds.showLogs]: { title: 'Show Logs', run: showLogs },
  [CommandIds.registerModelVersion]: { title: 'Register Model Version', run: registerModelVersion },
  [CommandIds.deployBestVersion]: { title: 'Deploy Best Version', run: deployBestVersion },
  [CommandIds.refresh]: { title: 'Refresh', run: refresh },
  [CommandIds.openPredictPanel]: { title: 'Open Predict Panel', run: openPredictPanel },
  [CommandIds.deploy]: { title: 'Deploy', run: deploy },
  [CommandIds.editDeployment]: { title: 'Edit Deployment', run: editDeployment },
  [CommandIds.sendRequest]: { title: 'Send Request', run: sendRequest },
  [CommandIds.copyCurl]: { title: 'Copy curl', run: copyCurl },
  [CommandIds.revealInExplorer]: { title: 'Reveal in Explorer', run: revealInExplorer },
  [CommandIds.openModelJson]: { title: 'Open model.json', run: openModelJson },
  [CommandIds.openDeploymentFile]: { title: 'Open Deployment File', run: openDeploymentFile },
  [CommandIds.serverActions]: { title: 'Server', run: serverActions },
  [CommandIds.serverRestart]: { title: 'Restart Server', run: restartServer },
  [CommandIds.serverStop]: { title: 'Stop Server', run: stopServer },
  'modeldeck.copyText': { title: 'Copy', run: copyText },
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, { title, run }]) =>
    vscode.commands.registerCommand(id, (arg?: unknown) => runCommandSafely(ctx.output, title, () => run(ctx, arg))),
  );
}
