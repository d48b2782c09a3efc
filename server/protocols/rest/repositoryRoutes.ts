import type { Router } from 'express';
import { DeploymentSpecError, parseDeployment } from '../../../src/core/deployment/validateDeployment';
import type { DeploymentSpec } from '../../../src/core/deployment/deploymentSpec';
import { InferenceError, invalidArgument, notFound } from '../../errors';
import type { ServerContext } from '../../serverContext';
import { defaultDeploymentFor } from '../../repository/defaultDeployment';
import { handle } from './middleware';
import { parseJsonBody, pathParam } from './requestParsing';

/**
 * Model repository extension (Triton's shape): index, load, unload. `load` also takes a full
 * deployment spec in the body, which is how the extension adds deployments without a restart.
 */
export function addRepositoryRoutes(router: Router, ctx: ServerContext): void {
  const index = handle(async (_req, res) => {
    const served = ctx.manager.statuses().map((s) => ({
      name: s.name,
      model: s.model,
      ...(s.version !== undefined ? { version: String(s.version) } : {}),
      state: s.state,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.provider ? { provider: s.provider } : {}),
    }));
    res.json(served);
  });
  router.post('/v2/repository/index', index);
  router.get('/v2/repository/index', index);

  router.post('/v2/repository/models/:model/load', handle(async (req, res) => {
    const name = pathParam(req, 'model');
    const rawBody = req.body as Buffer | undefined;
    const body = rawBody && rawBody.length > 0 ? (parseJsonBody(rawBody) as Record<string, unknown> | null) : undefined;
    const raw = body?.deployment ?? (body?.parameters as Record<string, unknown> | undefined)?.deployment;
    let spec: DeploymentSpec;
    if (raw !== undefined) {
      try {
        spec = parseDeployment(raw, `deployment for "${name}"`);
      } catch (err) {
        if (err instanceof DeploymentSpecError) throw invalidArgument(err.message);
        throw err;
      }
      if (spec.name !== name) throw invalidArgument(`deployment name "${spec.name}" does not match the URL's model "${name}"`);
    } else {
      spec = ctx.manager.spec(name) ?? (await defaultForRegistryModel(ctx, name));
    }
    await ctx.manager.apply(spec);
    const status = ctx.manager.status(name)!;
    if (status.state !== 'READY') {
      throw new InferenceError('invalid-argument', `failed to load model "${name}": ${status.reason ?? status.state}`);
    }
    res.json(status);
  }));

  router.post('/v2/repository/models/:model/unload', handle(async (req, res) => {
    const name = pathParam(req, 'model');
    await ctx.manager.remove(name);
    res.json({ name, state: 'UNAVAILABLE' });
  }));
}

async function defaultForRegistryModel(ctx: ServerContext, name: string): Promise<DeploymentSpec> {
  const models = await ctx.registry.listModels();
  if (!models.includes(name)) {
    throw notFound(`model "${name}" is neither deployed nor in the registry ${ctx.registry.root} (registry models: ${models.join(', ') || 'none'})`);
  }
  return defaultDeploymentFor(name);
}
