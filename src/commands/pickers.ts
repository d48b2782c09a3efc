import * as vscode from 'vscode';
import { CancelledError, UserFacingError } from '../common/errors';
import type { DeploymentStateName } from '../services/deploymentService';
import type { ModelEntry } from '../services/registryService';
import type { DeploymentsNode } from '../views/deploymentsTree';
import type { ModelsNode } from '../views/modelsTree';
import type { CommandContext } from './context';

/** A deployment name from a command argument (tree node or string), or asked for. */
export async function deploymentArg(ctx: CommandContext, arg: unknown, purpose: string, states?: DeploymentStateName[]): Promise<string> {
  if (typeof arg === 'string') return arg;
  const node = arg as DeploymentsNode | undefined;
  if (node?.kind === 'deployment') return node.name;
  if (node?.kind === 'endpoint') return node.deployment;
  const candidates = ctx.deployments.list().filter((d) => !states || states.includes(d.state));
  if (candidates.length === 0) {
    throw new UserFacingError(`no deployment to ${purpose}${states ? ` (none is ${states.join(' or ')})` : ''}`);
  }
  const pick = await vscode.window.showQuickPick(
    candidates.map((d) => ({ label: d.name, description: `${d.state} · ${d.model}`, name: d.name })),
    { title: `Deployment to ${purpose}`, placeHolder: 'Pick a deployment' },
  );
  if (!pick) throw new CancelledError();
  return pick.name;
}

/** A model from a tree node, or asked for. */
export async function modelArg(ctx: CommandContext, arg: unknown, title: string): Promise<ModelEntry> {
  const node = arg as ModelsNode | undefined;
  if (node?.kind === 'model' || node?.kind === 'version') return node.model;
  await ctx.registry.settled();
  const models = ctx.registry.models;
  if (models.length === 0) throw new UserFacingError(`no models in the registry (${ctx.registry.roots().map((r) => r.root).join(', ')}); register one first`);
  const pick = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.model, description: `${m.versions.length} versions`, detail: m.registry.root, m })),
    { title, placeHolder: 'Pick a model' },
  );
  if (!pick) throw new CancelledError();
  return pick.m;
}
