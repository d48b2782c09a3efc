import * as vscode from 'vscode';
import { externalUrl } from '../../common/externalUrl';
import { kserveUserError } from '../../services/kserveService';
import type { KServeCommandContext } from './kserveArgs';
import { kserveDeploymentArg } from './kserveArgs';

/** "Deploy to KServe": a deployment file with servingTool "kserve" → applied, watched until Ready. */
export async function deployToKServeCommand(ctx: KServeCommandContext, arg?: unknown): Promise<unknown> {
  const name = await kserveDeploymentArg(ctx, arg);
  let result;
  try {
    result = await ctx.kserve.deployToKServe(name);
  } catch (err) {
    throw kserveUserError(err);
  }
  if (result.ready) {
    void vscode.window.showInformationMessage(`${name} is Ready on KServe${result.url ? ` at ${await externalUrl(result.url)}` : ''}.`);
  } else {
    void vscode.window
      .showErrorMessage(`${name} is not Ready on KServe: ${result.reasons.join('; ')}`, 'Why Not Ready?', 'Show Logs')
      .then((c) => {
        if (c === 'Why Not Ready?') void vscode.commands.executeCommand('modeldeck.kserve.whyNotReady', name);
        if (c === 'Show Logs') void vscode.commands.executeCommand('modeldeck.kserve.showLogs', name);
      });
  }
  return { ready: result.ready, ...(result.ready ? { url: result.url } : { reasons: result.reasons }) };
}
