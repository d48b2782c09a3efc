import * as vscode from 'vscode';
import { externalUrl } from '../common/externalUrl';
import type { CommandContext } from './context';
import { deploymentArg } from './pickers';

/** Start Deployment: loads a stopped or failed deployment on the local server. */
export async function startDeployment(ctx: CommandContext, arg?: unknown): Promise<void> {
  const name = await deploymentArg(ctx, arg, 'start', ['stopped', 'failed']);
  const view = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting ${name}…` }, () =>
    ctx.deployments.start(name),
  );
  void vscode.window.setStatusBarMessage(`ModelDeck: ${name} running at ${view.restUrl ? await externalUrl(view.restUrl) : ''}`, 5000);
}

/** Stop Deployment: unloads it (in-flight requests finish) and remembers it as stopped. */
export async function stopDeployment(ctx: CommandContext, arg?: unknown): Promise<void> {
  const name = await deploymentArg(ctx, arg, 'stop', ['running', 'starting', 'updating', 'failed']);
  await ctx.deployments.stop(name);
  void vscode.window.setStatusBarMessage(`ModelDeck: ${name} stopped`, 5000);
}
