import type { Router } from 'express';
import { invalidArgument } from '../../errors';
import type { ServerContext } from '../../serverContext';
import { handle } from './middleware';
import { modelMetadata, scriptParameters } from '../modelMetadata';
import { optionalPathParam, parseVersionParam, pathParam } from './requestParsing';
import { inferV2 } from './v2Infer';

/** Extensions this server implements, reported in server metadata. */
export const SERVER_EXTENSIONS = ['binary_tensor_data', 'model_repository', 'statistics', 'kserve_v1', 'metrics'];

/** Open Inference Protocol V2 over REST: health, metadata, readiness, inference, statistics. */
export function addV2Routes(router: Router, ctx: ServerContext): void {
  router.get('/v2/health/live', (_req, res) => {
    res.json({ live: true });
  });
  router.get('/v2/health/ready', (_req, res) => {
    const ready = ctx.lifecycle.started && !ctx.lifecycle.draining;
    res.status(ready ? 200 : 503).json({ ready });
  });
  router.get(['/v2', '/v2/'], (_req, res) => {
    res.json({ name: 'modeldeck', version: ctx.version, extensions: SERVER_EXTENSIONS });
  });

  // Before /v2/models/:model so that "stats" is not taken for a model name.
  const stats = handle((req, res) => {
    const name = optionalPathParam(req, 'model');
    const version = parseVersionParam(optionalPathParam(req, 'version'));
    if (name !== undefined && !ctx.manager.has(name) && ctx.stats.list(name).length === 0) {
      ctx.inference.target(name); // 404 naming the models that exist
    }
    res.json({ model_stats: ctx.stats.list(name, version) });
  });
  router.get('/v2/models/stats', stats);
  router.get('/v2/models/:model/stats', stats);
  router.get('/v2/models/:model/versions/:version/stats', stats);

  const metadata = handle((req, res) => {
    const v = ctx.inference.target(pathParam(req, 'model'), parseVersionParam(optionalPathParam(req, 'version')));
    res.json({
      ...modelMetadata(v),
      parameters: {
        registry_model: v.info.model,
        execution_provider: v.runtime.provider,
        instances: v.pool.size,
        ...(v.labels ? { labels: v.labels } : {}),
        ...(v.script ? { predictor_script: scriptParameters(v.script) } : {}),
        ...(v.transformer ? { transformer_script: scriptParameters(v.transformer) } : {}),
      },
    });
  });
  router.get('/v2/models/:model', metadata);
  router.get('/v2/models/:model/versions/:version', metadata);

  const ready = handle((req, res) => {
    const name = pathParam(req, 'model');
    const version = parseVersionParam(optionalPathParam(req, 'version'));
    ctx.inference.checkServed(name, version); // the 404 with the list of models
    const status = ctx.manager.status(name)!;
    const isReady = status.state === 'READY' && (version === undefined || status.version === version);
    res.status(isReady ? 200 : 503).json({ name, ready: isReady, ...(status.reason ? { reason: status.reason } : {}) });
  });
  router.get('/v2/models/:model/ready', ready);
  router.get('/v2/models/:model/versions/:version/ready', ready);

  // Normally answered by the node:http fast path (fastInfer.ts) before express sees the request;
  // kept so the express app is complete on its own.
  const infer = handle(async (req, res) => {
    const answer = await inferV2(ctx, {
      model: pathParam(req, 'model'),
      version: parseVersionParam(optionalPathParam(req, 'version')),
      body: req.body as Buffer,
      headerLength: req.get('inference-header-content-length'),
      requestId: res.locals.requestId as string,
    });
    for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
    res.status(200).send(answer.body);
  });
  router.post('/v2/models/:model/infer', infer);
  router.post('/v2/models/:model/versions/:version/infer', infer);

  // The inference logger's live stream (the editor's Inference Log polls it): records numbered
  // from `since` on, and `next` to ask from next time. Served whatever the deployment's sink is.
  router.get('/v2/logging/:model/records', handle((req, res) => {
    const name = pathParam(req, 'model');
    ctx.manager.checkServed(name); // 404 naming the deployments that exist
    const raw = req.query.since;
    const since = raw === undefined ? 0 : typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(since)) throw invalidArgument(`"since" must be a record number ≥ 0, the "next" of the previous answer (got ${JSON.stringify(raw)})`);
    res.type('application/json').send(ctx.inferenceLog.records(name, since));
  }));

}
