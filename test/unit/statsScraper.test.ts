// How the dashboard reads a server (src/panels/dashboard/statsScraper.ts, no vscode): /metrics with the
// endpoint's headers (Host and token through an ingress), and the statistics extension when a server
// has no /metrics (another runtime on KServe), remembered for the next scrapes.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { StatsScraper } from '../../src/panels/dashboard/statsScraper';

describe('StatsScraper', () => {
  let server: http.Server;
  let base = '';
  const seen: { url: string; host?: string; auth?: string }[] = [];
  let hasMetrics = true;
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', ...(req.headers.host ? { host: req.headers.host } : {}), ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
      if (req.url === '/metrics' && hasMetrics) {
        res.end('modeldeck_inference_requests_total{model="iris",version="1",protocol="v2-rest",outcome="success"} 7\n');
      } else if (req.url === '/v2/models/iris/stats') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ model_stats: [{ name: 'iris', version: '1', inference_stats: { success: { count: 5, ns: 5e6 }, fail: { count: 2, ns: 0 }, queue: { count: 5, ns: 1e6 }, compute_infer: { count: 5, ns: 2e6 } } }] }));
      } else {
        res.statusCode = 404;
        res.end('{"error":"not found"}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('reads /metrics with the Host header and token an ingress needs', async () => {
    const s = await new StatsScraper().scrape({ httpUrl: base, model: 'iris', headers: { Host: 'iris.default.example.com', Authorization: 'Bearer t' } });
    assert.equal(s.source, 'metrics');
    assert.deepEqual(s.requests, { success: 7 });
    assert.deepEqual(seen.at(-1), { url: '/metrics', host: 'iris.default.example.com', auth: 'Bearer t' });
  });

  it('falls back to the statistics extension when /metrics is 404, and stays there', async () => {
    hasMetrics = false;
    const scraper = new StatsScraper();
    const s = await scraper.scrape({ httpUrl: base, model: 'iris' });
    assert.equal(s.source, 'statistics');
    assert.deepEqual(s.requests, { success: 5, failed: 2 });
    seen.length = 0;
    hasMetrics = true;
    await scraper.scrape({ httpUrl: base, model: 'iris' });
    assert.deepEqual(seen.map((x) => x.url), ['/v2/models/iris/stats']);
  });

  it('says which URL failed when neither answers', async () => {
    hasMetrics = false;
    await assert.rejects(new StatsScraper().scrape({ httpUrl: base, model: 'other' }), /GET .*\/v2\/models\/other\/stats → 404/);
    hasMetrics = true;
  });
});
