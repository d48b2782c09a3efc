import type { Router } from 'express';
import type { ServerContext } from '../../serverContext';
import type { DeploymentStatus } from '../../repository/modelManager';
import { loadModel } from '../../repository/repositoryActions';
import type { PythonHints } from '../../repository/scriptLoading';
import { handle } from './middleware';
import { parseJsonBody, pathParam } from './requestParsing';

/**
 * Model repository extension (Triton's shape): index, load, unload. `load` also takes a full
 * deployment spec in the body, which is how the extension adds deployments without a restart.
 */
export function addRepositoryRoutes(router: Router, ctx: ServerContext): void {
  const index = handle(async (_req, res) => {
    res.json(ctx.manager.statuses().map(indexEntry));
  });
  router.post('/v2/repository/index', index);
  router.get('/v2/repository/index', index);

  router.post('/v2/repository/models/:model/load', handle(async (req, res) => {
    const name = pathParam(req, 'model');
    const rawBody = req.body as Buffer | undefined;
    const body = rawBody && rawBody.length > 0 ? (parseJsonBody(rawBody) as Record<string, unknown> | null) : undefined;
    const raw = body?.deployment ?? (body?.parameters as Record<string, unknown> | undefined)?.deployment;
    res.json(indexEntry(await loadModel(ctx, name, raw, undefined, pythonHintsOf(body?.python))));
  }));

  router.post('/v2/repository/models/:model/unload', handle(async (req, res) => {
    const name = pathParam(req, 'model');
    await ctx.manager.remove(name);
    res.json({ name, state: 'UNAVAILABLE' });
  }));
}

/** A deployment as the repository index lists it (versions are strings, as everywhere in OIP). */
function indexEntry(s: DeploymentStatus): Record<string, unknown> {
  return {
    name: s.name,
    model: s.model,
    ...(s.version !== undefined ? { version: String(s.version) } : {}),
    state: s.state,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.provider ? { provider: s.provider } : {}),
    ...(s.restarting ? { restarting: true } : {}),
    ...(s.predictor ? { predictor: s.predictor } : {}),
    ...(s.transformer ? { transformer: s.transformer } : {}),
  };
}

/** `{"python": {"setting": …, "extensionInterpreter": …}}` of a load request: interpreters the editor knows of. */
function pythonHintsOf(raw: unknown): PythonHints | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const setting = str(r.setting);
  const extensionInterpreter = str(r.extensionInterpreter);
  return { ...(setting ? { setting } : {}), ...(extensionInterpreter ? { extensionInterpreter } : {}) };
}
