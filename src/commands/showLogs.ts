import * as vscode from 'vscode';
import { logUri } from '../logs/deploymentLogDocument';
import type { CommandContext } from './context';

/** Show Logs: the ModelDeck output, or one deployment's live log when a deployment is given. */
export async function showLogs(ctx: CommandContext, arg?: unknown): Promise<void> {
  const name = typeof arg === 'string' ? arg : (arg as { kind?: string; name?: string } | undefined)?.kind === 'deployment' ? (arg as { name: string }).name : undefined;
  if (!name) {
    ctx.output.show();
    return;
  }
  const doc = await vscode.workspace.openTextDocument(logUri(name));
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
}
