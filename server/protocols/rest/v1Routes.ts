import { performance } from 'node:perf_hooks';
import type { Router } from 'express';
import { invalidArgument } from '../../errors';
import type { ServerContext } from '../../serverContext';
import { handle } from './middleware';
import { parseJsonBody, pathParam } from './requestParsing';

/** KServe V1 protocol: list, model status and `:predict`. */
export function addV1Routes(router: Router, ctx: ServerContext): void {
  router.get('/v1/models', (_req, res) => {
    res.json({ models: ctx.manager.names() });
  });

  // Express 5 routes cannot contain a literal ':' after a parameter, so "name:verb" is one segment.
  router.get('/v1/models/:name', handle((req, res) => {
    const name = pathParam(req, 'name');
    const status = ctx.manager.status(name);
    if (!status) ctx.inference.target(name); // 404 listing the models
    res.status(status!.state === 'READY' ? 200 : 503).json({ name, ready: status!.state === 'READY' });
  }));

  router.post('/v1/models/:nameVerb', handle(async (req, res) => {
    const started = performance.now();
    const segment = pathParam(req, 'nameVerb');
    const colon = segment.lastIndexOf(':');
    const verb = colon < 0 ? '' : segment.slice(colon + 1);
    const model = colon < 0 ? segment : segment.slice(0, colon);
    ctx.inference.checkServed(model); // 404 before any check of the verb or the body
    if (verb !== 'predict' && verb !== 'classify' && verb !== 'regress') {
      throw invalidArgument(`unsupported V1 verb "${verb || segment}": use POST /v1/models/<name>:predict (or :classify / :regress with a legacy Predict script)`);
    }
    const requestId = res.locals.requestId as string;
    const answer = await ctx.inference.predictV1({ model, verb, requestId, body: parseJsonBody(req.body), received: req.body as Buffer }, started);
    res.json(answer.body);
    if (answer.log !== undefined) answer.log.response(requestId, 'v1-rest', started, answer.timing.totalMs, answer.body);
  }));
}
