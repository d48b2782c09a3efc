import * as vscode from 'vscode';
import { CommandIds } from '../common/commandIds';
import { runCommandSafely } from '../common/errors';
import type { CommandContext } from './context';
import { checkCompliance } from './checkCompliance';
import { deployBestVersion } from './deployBestVersion';
import { startDeployment, stopDeployment } from './deploymentLifecycle';
import { exportAs } from './exportAs';
import { deploy, editDeployment } from './openDeploymentForm';
import { loadTest, openDashboard } from './openDashboard';
import { openExampleWorkspace } from './openExampleWorkspace';
import { openPredictPanel } from './openPredictPanel';
import { sendRequest } from './sendRequest';
import { registerModelVersion } from './registerModelVersion';
import { restartServer, serverActions, stopServer } from './serverCommands';
import { serveModel } from './serveModel';
import { showInferenceLog } from './showInferenceLog';
import { showLogs } from './showLogs';
import { selectKServeContext, setKServeToken } from './kserve/clusterAccess';
import { deployToKServeCommand } from './kserve/deployToKServe';
import { generateKafkaLoggerManifests } from './kserve/generateKafkaLoggerManifests';
import { generateRuntimeFiles } from './kserve/generateRuntimeFiles';
import { predictRemote } from './kserve/predictRemote';
import { deleteRemote, refreshRemote, showRemoteLogs, startRemote, stopRemote, whyNotReady } from './kserve/remoteActions';
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
  [CommandIds.kserveSelectContext]: { title: 'Select KServe Context', run: selectKServeContext },
  [CommandIds.kserveSetToken]: { title: 'Set KServe Token', run: setKServeToken },
  [CommandIds.kserveDeploy]: { title: 'Deploy to KServe', run: deployToKServeCommand },
  [CommandIds.kserveWhyNotReady]: { title: 'Why Not Ready?', run: whyNotReady },
  [CommandIds.kserveStop]: { title: 'Stop KServe Deployment', run: stopRemote },
  [CommandIds.kserveStart]: { title: 'Start KServe Deployment', run: startRemote },
  [CommandIds.kserveDelete]: { title: 'Delete KServe Deployment', run: deleteRemote },
  [CommandIds.kserveShowLogs]: { title: 'Show KServe Logs', run: showRemoteLogs },
  [CommandIds.kservePredict]: { title: 'Predict on KServe Deployment', run: predictRemote },
  [CommandIds.kserveRefresh]: { title: 'Refresh KServe', run: refreshRemote },
  [CommandIds.kserveGenerateRuntimeFiles]: { title: 'Generate KServe Runtime Files', run: generateRuntimeFiles },
  [CommandIds.kserveGenerateKafkaLoggerManifests]: { title: 'Generate Kafka Logger Manifests for KServe', run: generateKafkaLoggerManifests },
  [CommandIds.showInferenceLog]: { title: 'Show Inference Log', run: showInferenceLog },
  [CommandIds.openExampleWorkspace]: { title: 'Open Example Workspace', run: openExampleWorkspace },
  [CommandIds.exportAs]: { title: 'Export as', run: exportAs },
  [CommandIds.checkCompliance]: { title: 'Check Endpoint Compliance', run: checkCompliance },
  [CommandIds.openDashboard]: { title: 'Open Dashboard', run: openDashboard },
  [CommandIds.loadTest]: { title: 'Load Test', run: loadTest },
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, { title, run }]) =>
    vscode.commands.registerCommand(id, (arg?: unknown) => runCommandSafely(ctx.output, title, () => run(ctx, arg))),
  );
}
