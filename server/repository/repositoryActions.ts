import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { DeploymentSpecError, parseDeployment } from '../../src/core/deployment/validateDeployment';
import { InferenceError, invalidArgument, notFound } from '../errors';
import type { ServerContext } from '../serverContext';
import { defaultDeploymentFor } from './defaultDeployment';
import type { DeploymentStatus } from './modelManager';
import type { PythonHints } from './scriptLoading';

/**
 * The repository "load" action shared by REST and gRPC: with a deployment spec it adds or changes
 * that deployment; without one it reloads the deployment of that name, or serves the registry
 * model of that name with defaults. Resolves when it serves; a failed load is INVALID_ARGUMENT
 * with the reason (Triton answers a failed load the same way).
 */
export async function loadModel(ctx: ServerContext, name: string, rawSpec: unknown, what = "the URL's model", python?: PythonHints): Promise<DeploymentStatus> {
  let spec: DeploymentSpec;
  if (rawSpec !== undefined) {
    try {
      spec = parseDeployment(rawSpec, `deployment for "${name}"`);
    } catch (err) {
      if (err instanceof DeploymentSpecError) throw invalidArgument(err.message);
      throw err;
    }
    if (spec.name !== name) throw invalidArgument(`deployment name "${spec.name}" does not match ${what} "${name}"`);
  } else {
    spec = ctx.manager.spec(name) ?? (await defaultForRegistryModel(ctx, name));
  }
  await ctx.manager.apply(spec, python);
  const status = ctx.manager.status(name)!;
  if (status.state !== 'READY') {
    throw new InferenceError('invalid-argument', `failed to load model "${name}": ${status.reason ?? status.state}`);
  }
  return status;
}

async function defaultForRegistryModel(ctx: ServerContext, name: string): Promise<DeploymentSpec> {
  const models = await ctx.registry.listModels().catch(() => [] as string[]);
  if (!models.includes(name)) {
    throw notFound(`model "${name}" is neither deployed nor in the registry ${ctx.registry.describe()} (registry models: ${models.join(', ') || 'none'})`);
  }
  return defaultDeploymentFor(name);
}
