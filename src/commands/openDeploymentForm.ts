import { defaultForm, formFromSpec } from '../core/deployment/deploymentForm';
import { deploymentNameFor } from '../core/deployment/naming';
import { UserFacingError } from '../common/errors';
import type { ModelsNode } from '../views/modelsTree';
import type { CommandContext } from './context';
import { deploymentArg } from './pickers';

/**
 * Deploy…: the deployment form for a new deployment. From a model in the Models view it is
 * prefilled with that model (latest version); from a version, with that version pinned; from the
 * palette, empty. The suggested name is free (never one an existing deployment uses).
 */
export async function deploy(ctx: CommandContext, arg?: unknown): Promise<string> {
  await ctx.registry.settled();
  const node = arg as ModelsNode | undefined;
  const model = node?.kind === 'model' || node?.kind === 'version' ? node.model.model : undefined;
  const version = node?.kind === 'version' ? node.info.version : undefined;
  const name = model ? freeName(ctx, deploymentNameFor(model, version)) : '';
  const form = ctx.panels.openForm({ mode: 'new', state: defaultForm({ name, ...(model ? { model } : {}), ...(version !== undefined ? { version } : {}) }) });
  return form.panel.title;
}

/** Edit: the deployment form on an existing deployment file (an open form for it is revealed). */
export async function editDeployment(ctx: CommandContext, arg?: unknown): Promise<string> {
  const name = await deploymentArg(ctx, arg, 'edit');
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  const form = ctx.panels.openForm({ mode: 'edit', editing: name, state: formFromSpec(d.spec) });
  return form.panel.title;
}

function freeName(ctx: CommandContext, base: string): string {
  const taken = new Set(ctx.deployments.list().map((d) => d.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base.slice(0, 60)}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}
