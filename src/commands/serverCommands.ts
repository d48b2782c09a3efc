import * as vscode from 'vscode';
import { CommandIds, ViewIds } from '../common/commandIds';
import { externalUrl } from '../common/externalUrl';
import { requireTrust } from '../services/trust';
import type { CommandContext } from './context';

export async function restartServer(ctx: CommandContext): Promise<void> {
  requireTrust('start the server');
  await ctx.server.restart();
  await ctx.deployments.restoreRunning();
}

export async function stopServer(ctx: CommandContext): Promise<void> {
  await ctx.server.stop();
}

/** The status-bar click: what can be done with the server now. */
export async function serverActions(ctx: CommandContext): Promise<void> {
  const s = ctx.server.state;
  // Shown and copied as the user reaches it (forwarded in remote development).
  const url = s.httpUrl ? await externalUrl(s.httpUrl) : undefined;
  const items: { label: string; run: () => unknown }[] = [];
  if (s.state === 'running') {
    items.push({ label: '$(debug-restart) Restart server', run: () => vscode.commands.executeCommand(CommandIds.serverRestart) });
    items.push({ label: '$(debug-stop) Stop server', run: () => vscode.commands.executeCommand(CommandIds.serverStop) });
    if (url) items.push({ label: `$(copy) Copy ${url}`, run: () => vscode.env.clipboard.writeText(url) });
  } else {
    items.push({ label: '$(play) Start server (and deployments left running)', run: () => vscode.commands.executeCommand(CommandIds.serverRestart) });
  }
  items.push({ label: '$(output) Show logs', run: () => ctx.output.show() });
  items.push({ label: '$(list-tree) Show deployments', run: () => vscode.commands.executeCommand(`${ViewIds.deployments}.focus`) });
  const pick = await vscode.window.showQuickPick(items, { title: `ModelDeck server: ${s.state}${url ? ` at ${url}` : ''}` });
  await pick?.run();
}
