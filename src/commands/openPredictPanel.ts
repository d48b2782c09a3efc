import * as vscode from 'vscode';
import { UserFacingError } from '../common/errors';
import type { CommandContext } from './context';
import { deploymentArg } from './pickers';

/** Open Predict Panel: opens the running deployment's example V2 request beside the editor. */
export async function openPredictPanel(ctx: CommandContext, arg?: unknown): Promise<void> {
  const name = await deploymentArg(ctx, arg, 'test', ['running']);
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  const info = ctx.registry.find(d.model)?.versions.find((v) => v.version === d.version);
  const body = info?.metadata.input_example ?? { inputs: [] };
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(body, null, 2) + '\n' });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}
