import { UserFacingError } from '../common/errors';
import type { CommandContext } from './context';
import { deploymentArg } from './pickers';

/**
 * Open Predict Panel: the deployment's predict panel beside the editor (one per deployment; an
 * open one is revealed). From the palette, running deployments are offered.
 */
export async function openPredictPanel(ctx: CommandContext, arg?: unknown): Promise<string> {
  const name = await deploymentArg(ctx, arg, 'test', ['running']);
  if (!ctx.deployments.get(name)) throw new UserFacingError(`no deployment named "${name}"`);
  return ctx.panels.openPredict(name).panel.title;
}
