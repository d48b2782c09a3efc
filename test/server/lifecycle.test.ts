import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, postJson } from '../support/http';
import { SERVER_BUNDLE, startServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, addVersion, tempRegistry } from '../support/registryCopy';

const IRIS = { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] };
const SLOW = { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: new Array(256).fill(0.01) }] };

/** Sends requests back to back from `workers` loops until `stop()`; records every outcome. */
function loadLoop(url: string, body: unknown, workers: number) {
  let running = true;
  const results: { status: number; version?: string; error?: string }[] = [];
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      try {
        const res = await postJson(url, body);
        results.push({ status: res.status, version: res.body?.model_version, error: res.body?.error });
      } catch (err) {
        results.push({ status: 0, error: (err as Error).message });
      }
    }
  });
  return {
    results,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server whose one model "echo" runs on a stand-in worker (real worker protocol) that echoes x as y and ends its thread on a first value of -1. */
/** The echo stand-in model; one worker (no adaptive width) unless `args` say otherwise. */
async function startEchoServer(args: string[] = ['--adaptive-threads', 'off']) {
  const registry = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-crash-'));
  await fs.mkdir(path.join(registry, 'echo', '1'), { recursive: true });
  await fs.writeFile(path.join(registry, 'echo', '1', 'model.onnx'), 'stand-in model');
  const worker = path.join(__dirname, '..', 'fixtures', 'workers', 'echoWorker.mjs');
  return startServerProcess(['--registry', registry, '--worker-script', worker, ...args]);
}

const echoBody = (v: number) => ({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [v, v, v, v] }] });

describe('versions, deployments and shutdown', () => {
  it('hot-swaps to a new version folder under concurrent load with zero failed requests', async () => {
    const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [1] }]);
    const server = await startServerProcess(['--registry', registry]);
    try {
      const load = loadLoop(`${server.url}/v2/models/iris/infer`, IRIS, 8);
      await new Promise((r) => setTimeout(r, 300));
      await addVersion(registry, 'iris', path.join(EXAMPLE_REGISTRY, 'iris', '2'), 2);
      await server.waitForLog((l) => l.msg === 'serving version 2 on cpu');
      await server.waitForLog((l) => l.msg === 'unloaded version 1');
      await new Promise((r) => setTimeout(r, 300));
      const results = await load.stop();
      const failed = results.filter((r) => r.status !== 200);
      assert.deepEqual(failed, [], `failed requests during the swap: ${JSON.stringify(failed.slice(0, 3))}`);
      const versions = new Set(results.map((r) => r.version));
      assert.deepEqual([...versions].sort(), ['1', '2'], 'traffic moved from version 1 to 2');
      const lastTen = results.slice(-10).map((r) => r.version);
      assert.ok(lastTen.every((v) => v === '2'), `after the swap only v2 answers: ${lastTen}`);
      assert.ok(results.length > 50, `load loop ran (${results.length} requests)`);
      assert.equal((await getJson(`${server.url}/v2/models/iris/versions/1/ready`)).status, 404, 'version 1 is no longer served');
    } finally {
      await server.stop();
    }
  });

  it('keeps the serving version when a new version is broken, and reports why', async () => {
    const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [1] }]);
    const server = await startServerProcess(['--registry', registry]);
    try {
      await addVersion(registry, 'iris', path.join(FIXTURE_MODELS, 'broken', '1'), 2);
      await server.waitForLog((l) => l.level === 'error' && /kept version 1/.test(l.msg));
      const res = await postJson(`${server.url}/v2/models/iris/infer`, IRIS);
      assert.equal(res.status, 200);
      assert.equal(res.body.model_version, '1');
      const index = await getJson(`${server.url}/v2/repository/index`);
      assert.match(index.body[0].reason, /kept version 1/);
    } finally {
      await server.stop();
    }
  });

  it('serves only the deployment files given, with their settings, and follows edits to them', async () => {
    const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-ws-'));
    await fs.cp(EXAMPLE_REGISTRY, path.join(ws, 'models'), { recursive: true });
    const deployments = path.join(ws, '.modeldeck', 'deployments');
    await fs.mkdir(deployments, { recursive: true });
    const write = (name: string, spec: unknown) => fs.writeFile(path.join(deployments, `${name}.json`), JSON.stringify(spec));
    await write('flowers', { name: 'flowers', model: { name: 'iris', version: 1 }, resources: { instances: 2 } });
    await write('digits-best', { name: 'digits-best', model: { name: 'digits', version: { best: { metric: 'accuracy', direction: 'max' } } } });
    await fs.writeFile(path.join(deployments, 'broken.json'), '{"name": "broken", ');
    const server = await startServerProcess(['--deployments', deployments]);
    try {
      const models = await getJson(`${server.url}/v1/models`);
      assert.deepEqual(models.body.models, ['digits-best', 'flowers']);
      await server.waitForLog((l) => l.level === 'error' && /broken\.json/.test(l.msg));
      const meta = await getJson(`${server.url}/v2/models/flowers`);
      assert.deepEqual(meta.body.versions, ['1']);
      assert.equal(meta.body.parameters.instances, 2);
      assert.equal(meta.body.parameters.registry_model, 'iris');
      // Changing the file's version hot-swaps the deployment.
      await write('flowers', { name: 'flowers', model: { name: 'iris', version: 2 } });
      await waitFor('flowers on version 2', async () => {
        const m = await getJson(`${server.url}/v2/models/flowers`);
        return m.body.versions?.[0] === '2' ? true : undefined;
      });
      // Removing a file stops that deployment.
      await fs.rm(path.join(deployments, 'digits-best.json'));
      await waitFor('digits-best removed', async () => ((await getJson(`${server.url}/v2/models/digits-best`)).status === 404 ? true : undefined));
    } finally {
      await server.stop();
    }
  });

  it('in explicit mode serves only what the repository API loads, from several registries, and still follows versions', async () => {
    const a = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [1] }]);
    const b = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'digits' }]);
    const server = await startServerProcess(['--registry', a, '--registry', b, '--model-control', 'explicit']);
    try {
      assert.deepEqual((await getJson(`${server.url}/v1/models`)).body.models, []);
      const load = await postJson(`${server.url}/v2/repository/models/flowers/load`, { deployment: { name: 'flowers', model: { name: 'iris' } } });
      assert.equal(load.status, 200, JSON.stringify(load.body));
      const digits = await postJson(`${server.url}/v2/repository/models/digits/load`, {});
      assert.equal(digits.status, 200, JSON.stringify(digits.body));
      assert.deepEqual((await getJson(`${server.url}/v1/models`)).body.models, ['digits', 'flowers']);
      const missing = await postJson(`${server.url}/v2/repository/models/x/load`, { deployment: { name: 'x', model: { name: 'resnet' } } });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error, /resnet/);
      assert.match(missing.body.error, /digits, iris/);
      const failed = (await getJson(`${server.url}/v2/repository/index`)).body.find((e: any) => e.name === 'x');
      assert.equal(failed.state, 'FAILED', 'a failed load stays listed with its reason');
      assert.equal((await postJson(`${server.url}/v2/repository/models/x/unload`, {})).status, 200);
      await addVersion(a, 'iris', path.join(EXAMPLE_REGISTRY, 'iris', '2'), 2);
      await waitFor('flowers on version 2', async () => ((await getJson(`${server.url}/v2/models/flowers`)).body.versions?.[0] === '2' ? true : undefined));
      // A new model folder is not served by itself in explicit mode.
      await fs.cp(path.join(EXAMPLE_REGISTRY, 'digits-cnn'), path.join(b, 'digits-cnn'), { recursive: true });
      await new Promise((r) => setTimeout(r, 600));
      assert.deepEqual((await getJson(`${server.url}/v1/models`)).body.models, ['digits', 'flowers']);
    } finally {
      await server.stop();
    }
  });

  it('falls back from an unavailable GPU provider to cpu, logs why, and shows the provider in use', async () => {
    const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-ws-'));
    await fs.cp(path.join(EXAMPLE_REGISTRY, 'iris'), path.join(ws, 'models', 'iris'), { recursive: true });
    const deployments = path.join(ws, '.modeldeck', 'deployments');
    await fs.mkdir(deployments, { recursive: true });
    await fs.writeFile(
      path.join(deployments, 'gpu.json'),
      JSON.stringify({ name: 'gpu', model: { name: 'iris', version: 'latest' }, resources: { gpu: 1, executionProviders: ['cuda', 'cpu'] } }),
    );
    const server = await startServerProcess(['--deployments', deployments]);
    try {
      const warn = await server.waitForLog((l) => l.level === 'warn' && /execution provider "cuda" unavailable/.test(l.msg));
      assert.equal(warn.deployment, 'gpu');
      const meta = await getJson(`${server.url}/v2/models/gpu`);
      assert.equal(meta.body.parameters.execution_provider, 'cpu');
      assert.equal((await postJson(`${server.url}/v2/models/gpu/infer`, IRIS)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('on SIGTERM flips readiness at once, finishes requests in flight, then exits 0', async () => {
    const registry = await tempRegistry([{ from: FIXTURE_MODELS, name: 'slow' }]);
    const server = await startServerProcess(['--registry', registry]);
    const url = `${server.url}/v2/models/slow/infer`;
    // Thirty slow requests queue on one worker: they take well over a second in total.
    const inflight = Array.from({ length: 30 }, () => postJson(url, SLOW));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    await server.waitForLog((l) => /shutting down/.test(l.msg));
    const ready = await getJson(`${server.url}/v2/health/ready`).catch(() => undefined);
    if (ready) assert.equal(ready.status, 503, 'readiness is off while draining');
    const results = await Promise.all(inflight);
    assert.deepEqual(results.map((r) => r.status), new Array(30).fill(200));
    assert.equal(await server.exited, 0);
    assert.ok(server.logs.some((l) => l.msg === 'stopped'));
  });

  it('replaces an inference worker that dies: that request gets 500, the model reports why it is not ready, then serves again', async () => {
    const server = await startEchoServer();
    try {
      const ok = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(2));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const crash = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(-1));
      assert.equal(crash.status, 500);
      assert.match(crash.body.error, /inference worker exited with code 7/);
      const lost = await server.waitForLog((l) => /inference worker of version 1 lost/.test(String(l.msg)));
      assert.equal(lost.level, 'error');
      assert.equal(lost.deployment, 'echo');
      // Until the replacement has loaded, readiness says why; requests sent meanwhile wait for it.
      const [during, indexDuring, waited] = await Promise.all([
        getJson(`${server.url}/v2/models/echo/ready`),
        postJson(`${server.url}/v2/repository/index`, {}),
        postJson(`${server.url}/v2/models/echo/infer`, echoBody(3)),
      ]);
      const entry = indexDuring.body.find((m: { name: string }) => m.name === 'echo');
      if (during.status === 503) {
        assert.match(during.body.reason, /restarting the inference worker \(last one: inference worker exited with code 7\)/);
        // The index says it is coming back (the extension shows "starting", not "failed").
        assert.deepEqual({ state: entry.state, restarting: entry.restarting }, { state: 'UNAVAILABLE', restarting: true });
      } else {
        assert.equal(during.status, 200, 'either restarting (503 with the reason) or already replaced');
      }
      assert.equal(waited.status, 200, JSON.stringify(waited.body));
      assert.deepEqual(waited.body.outputs[0].data, [3, 3, 3, 3]);
      await server.waitForLog((l) => /inference worker of version 1 replaced; 1 running/.test(String(l.msg)));
      assert.equal((await getJson(`${server.url}/v2/models/echo/ready`)).status, 200);
      assert.equal((await getJson(`${server.url}/v2/health/live`)).status, 200, 'the server itself never went down');
    } finally {
      await server.stop();
    }
  });

  it('adaptive width: a lone request that kills the wide session\'s worker gets 500; the single-thread sessions serve on', { skip: os.availableParallelism() < 2 ? 'one core: no adaptive width' : false }, async () => {
    const server = await startEchoServer([]);
    try {
      await server.waitForLog((l) => /a run alone uses one session × \d+ threads, overlapping runs up to \d+ sessions × 1 thread/.test(String(l.msg)));
      const crash = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(-1));
      assert.equal(crash.status, 500);
      assert.match(crash.body.error, /inference worker exited with code 7/);
      const lost = await server.waitForLog((l) => /the wide session's worker was lost \(inference worker exited with code 7\); runs use the single-thread sessions/.test(String(l.msg)));
      assert.equal(lost.level, 'warn');
      for (const v of [4, 5, 6]) {
        const r = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(v));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(r.body.outputs[0].data, [v, v, v, v]);
      }
      assert.equal((await getJson(`${server.url}/v2/models/echo/ready`)).status, 200, 'the narrow sessions never stopped');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /modeldeck_worker_events_total\{model="echo",event="lost"\} 1\b/, 'the lost worker is counted');
    } finally {
      await server.stop();
    }
  });

  it('gives up on a model that kills every worker, says why, and serves again once it is loaded again', async () => {
    const server = await startEchoServer();
    try {
      // Each crash waits for the replacement of the last one (0.1 + 0.2 + 0.4 + 0.8 + 1.6 s), then kills it too.
      for (let i = 0; i < 6; i++) {
        const r = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(-1));
        assert.equal(r.status, 500, `crash ${i + 1}: ${JSON.stringify(r.body)}`);
      }
      await server.waitForLog((l) => /died 5 times in a row; no longer restarted; requests fail until the deployment is loaded again/.test(String(l.msg)));
      const ready = await getJson(`${server.url}/v2/models/echo/ready`);
      assert.equal(ready.status, 503);
      assert.match(ready.body.reason, /inference workers died 5 times in a row, no longer restarted \(last: inference worker exited with code 7\)/);
      const refused = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(1));
      assert.equal(refused.status, 503);
      assert.match(refused.body.error, /no longer restarted/);
      const index = await postJson(`${server.url}/v2/repository/index`, {});
      const gaveUp = index.body.find((m: { name: string }) => m.name === 'echo');
      assert.equal(gaveUp.state, 'UNAVAILABLE');
      assert.equal(gaveUp.restarting, undefined, 'not coming back by itself');
      // Loading it again starts fresh workers.
      const load = await postJson(`${server.url}/v2/repository/models/echo/load`, {});
      assert.equal(load.status, 200, JSON.stringify(load.body));
      const ok = await postJson(`${server.url}/v2/models/echo/infer`, echoBody(4));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.outputs[0].data, [4, 4, 4, 4]);
      assert.equal((await getJson(`${server.url}/v2/models/echo/ready`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('exits 2 with the usage for a bad command line', () => {
    const r = spawnSync(process.execPath, [SERVER_BUNDLE, '--http-port', 'eighty'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--http-port must be an integer/);
    assert.match(r.stderr, /Usage: modeldeck-server/);
    const missing = spawnSync(process.execPath, [SERVER_BUNDLE, '--registry', '/nonexistent/models'], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /\/nonexistent\/models does not exist/);
  });
});
