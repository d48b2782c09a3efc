import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserFacingError } from '../common/errors';
import type { DeploymentsNode } from '../views/deploymentsTree';
import type { ModelsNode } from '../views/modelsTree';
import type { CommandContext } from './context';
import { deploymentArg } from './pickers';
import { curlFor } from './serveModel';

/** Refresh: re-read registries and deployment files. */
export async function refresh(ctx: CommandContext): Promise<void> {
  ctx.modelsTree.refresh();
  await Promise.all([ctx.registry.refresh(), ctx.deployments.reloadFiles()]);
}

/** Copy curl: a ready-to-paste request for a running deployment. */
export async function copyCurl(ctx: CommandContext, arg?: unknown): Promise<string> {
  const name = await deploymentArg(ctx, arg, 'copy a curl for', ['running']);
  const curl = await curlFor(ctx, name);
  await vscode.env.clipboard.writeText(curl);
  void vscode.window.setStatusBarMessage('ModelDeck: curl copied', 3000);
  return curl;
}

export async function copyText(_ctx: CommandContext, text?: unknown): Promise<void> {
  if (typeof text !== 'string') return;
  await vscode.env.clipboard.writeText(text);
  void vscode.window.setStatusBarMessage(`ModelDeck: copied ${text}`, 3000);
}

function pathOf(node: unknown): string | undefined {
  const n = node as ModelsNode | undefined;
  if (n?.kind === 'version') return n.info.dir;
  if (n?.kind === 'file') return n.file;
  if (n?.kind === 'model') return n.model.versions[0] ? path.dirname(n.model.versions[0].dir) : undefined;
  if (node instanceof vscode.Uri) return node.fsPath;
  return undefined;
}

/** Reveal in Explorer: a model, version or file of the Models view. */
export async function revealInExplorer(_ctx: CommandContext, node?: unknown): Promise<void> {
  const p = pathOf(node);
  if (!p) throw new UserFacingError('pick a model, version or file in the Models view');
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(p));
}

/** Open model.json of a version. */
export async function openModelJson(_ctx: CommandContext, node?: unknown): Promise<void> {
  const n = node as ModelsNode | undefined;
  if (n?.kind !== 'version') throw new UserFacingError('pick a version in the Models view');
  if (!n.info.metadataFile) throw new UserFacingError(`${n.info.model} v${n.info.version} has no model.json`);
  await vscode.window.showTextDocument(vscode.Uri.file(n.info.metadataFile));
}

/** Open a deployment's file. */
export async function openDeploymentFile(ctx: CommandContext, node?: unknown): Promise<void> {
  const name = await deploymentArg(ctx, node as DeploymentsNode | string | undefined, 'open');
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  await vscode.window.showTextDocument(vscode.Uri.file(d.file));
}
