import { CancelledError, UserFacingError } from '../common/errors';
import * as vscode from 'vscode';
import type { CommandContext } from './context';

/**
 * Show Inference Log: the deployment's requests and responses as they happen (its file sink tailed,
 * or the local server's live stream). From the palette, local deployments that log are offered.
 */
export async function showInferenceLog(ctx: CommandContext, arg?: unknown): Promise<string> {
  const name = await loggedDeploymentArg(ctx, arg);
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  if (d.spec.servingTool === 'kserve') throw new UserFacingError(`"${name}" is deployed to KServe: its logger sends to ${d.spec.inferenceLogger.sink ?? "KServe's default logger URL"}; the Inference Log follows local deployments`);
  if (d.spec.inferenceLogger.mode === 'none') {
    throw new UserFacingError(`"${name}" logs nothing (inferenceLogger mode "none"): set a mode and a sink in its deployment form first`, [
      { label: 'Edit Deployment', run: () => vscode.commands.executeCommand('modeldeck.editDeployment', name) },
    ]);
  }
  return ctx.panels.openInferenceLog(name).panel.title;
}

async function loggedDeploymentArg(ctx: CommandContext, arg: unknown): Promise<string> {
  if (typeof arg === 'string') return arg;
  const node = arg as { kind?: string; name?: string; deployment?: string } | undefined;
  if (node?.kind === 'deployment' && node.name) return node.name;
  if ((node?.kind === 'endpoint' || node?.kind === 'script') && node.deployment) return node.deployment;
  const candidates = ctx.deployments.list().filter((d) => d.spec.servingTool !== 'kserve' && d.spec.inferenceLogger.mode !== 'none');
  if (candidates.length === 0) throw new UserFacingError('no local deployment logs its inferences: set "inferenceLogger" (a mode and a sink) in a deployment first');
  const pick = await vscode.window.showQuickPick(
    candidates.map((d) => ({ label: d.name, description: `${d.state} · mode "${d.spec.inferenceLogger.mode}" → ${d.spec.inferenceLogger.sink ?? 'the server log'}`, name: d.name })),
    { title: 'Inference Log of…', placeHolder: 'A deployment that logs its requests' },
  );
  if (!pick) throw new CancelledError();
  return pick.name;
}
