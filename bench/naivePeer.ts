/**
 * The naive peer: what a user writes instead of ModelDeck. Express 5 + onnxruntime-node,
 * `session.run` on the main thread for each request, the same session options as ModelDeck's
 * worker, and the same OIP V2 JSON request and response format. prom-client's default metrics
 * (event-loop delay included) are served at GET /metrics, exactly as ModelDeck does.
 */
import express from 'express';
import * as ort from 'onnxruntime-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createPeerSession } from './peerSession';
import { argvJson, exitWithParent } from './common';

interface PeerConfig {
  name: string;
  version: number;
  file: string;
  intraOpThreads: number;
  /** Extra variant: onnxruntime's intra-op threads sleep instead of spinning between runs. */
  noSpin?: boolean;
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = argvJson<PeerConfig>();
  const session = await createPeerSession(cfg);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'naive_' });

  const app = express();
  app.use(express.json({ limit: '64mb' }));
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.post('/v2/models/:model/infer', async (req, res) => {
    if (req.params.model !== cfg.name) {
      res.status(404).json({ error: `unknown model ${req.params.model}` });
      return;
    }
    try {
      const body = req.body as { id?: string; inputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
      const feeds: Record<string, ort.Tensor> = {};
      for (const i of body.inputs) feeds[i.name] = new ort.Tensor('float32', Float32Array.from(i.data.flat(Infinity) as number[]), i.shape);
      const out = await session.run(feeds);
      res.json({
        model_name: cfg.name,
        model_version: String(cfg.version),
        id: body.id ?? '',
        outputs: Object.entries(out).map(([name, t]) => ({
          name,
          datatype: t.type === 'int64' ? 'INT64' : 'FP32',
          shape: [...t.dims],
          data: Array.from(t.data as ArrayLike<number | bigint>, Number),
        })),
      });
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const addr = server.address() as { port: number };
    process.stderr.write(JSON.stringify({ msg: 'listening', protocol: 'rest', httpPort: addr.port }) + '\n');
  });
  server.keepAliveTimeout = 65_000;
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`naivePeer: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
