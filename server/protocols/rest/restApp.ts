import express from 'express';
import type { ServerContext } from '../../serverContext';
import { errorHandler, hostCheck, requestId } from './middleware';
import { addRepositoryRoutes } from './repositoryRoutes';
import { addV1Routes } from './v1Routes';
import { addV2Routes } from './v2Routes';
import { addOpenAIRoutes } from '../openai/openaiRoutes';

/** The REST front end: OIP V2, KServe V1, repository, statistics and Prometheus metrics. */
export function createRestApp(ctx: ServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId());
  app.use(hostCheck(ctx.allowedHosts));
  // Every body is read as raw bytes: the binary tensor extension needs them, and JSON.parse on
  // the whole buffer is as fast as body-parser's json() while giving us our own error message.
  app.use(express.raw({ type: () => true, limit: ctx.maxBodyBytes }));

  const router = express.Router();
  addV2Routes(router, ctx);
  addV1Routes(router, ctx);
  addRepositoryRoutes(router, ctx);
  addOpenAIRoutes(router, ctx);
  router.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
  app.use(router);
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}; see GET /v2 for the server and /v2/models/<name> for a model` });
  });
  app.use(errorHandler(ctx));
  return app;
}
