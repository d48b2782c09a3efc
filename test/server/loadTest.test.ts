// The load test and the dashboard against a real server: the load process (dist/loadtest.js) over
// REST JSON, REST binary and gRPC, counted by the server's own /metrics as the dashboard reads them;
// a request the model refuses shows as errors by message and by reason; `modeldeck loadtest`
// end to end; worker losses and restarts reach the dashboard's counters.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { dashboardPoint } from '../../src/core/dashboard/dashboardAggregation';
import type { DeploymentSnapshot } from '../../src/core/dashboard/deploymentSnapshot';
import { startLoadProcess } from '../../src/core/loadtest/loadProcess';
import type { LoadProtocol, LoadTestResult } from '../../src/core/loadtest/loadTestTypes';
import { wirePayload } from '../../src/core/loadtest/wirePayload';
import type { ParsedRequest } from '../../src/core/predict/requestModel';
import { StatsScraper } from '../../src/panels/dashboard/statsScraper';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';

const PROTO = path.join(REPO_ROOT, 'dist', 'proto', 'open_inference_grpc.proto');
const LOAD_SCRIPT = path.join(REPO_ROOT, 'dist', 'loadtest.js');
const IRIS: ParsedRequest = { format: 'v2', body: { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] } };
const CONCURRENCY = 4;

describe('load test and dashboard against a real server', () => {
  let server: ServerProcess;
  const endpoint = () => ({ httpUrl: server.url, grpcAddress: `127.0.0.1:${server.grpcPort}`, model: 'iris' });
  const scraper = new StatsScraper();
  const snapshot = (): Promise<DeploymentSnapshot> => scraper.scrape(endpoint());
  const load = (request: ParsedRequest, protocol: LoadProtocol): Promise<LoadTestResult> => {
    // Without the model's metadata nothing is checked before sending: a request the model refuses goes out too.
    const payload = wirePayload(endpoint(), request, protocol, { protoFile: PROTO });
    // No warm-up: every request the server counts was sent inside the window (or drained after it).
    return startLoadProcess(LOAD_SCRIPT, { payload, protocol, concurrency: CONCURRENCY, durationS: 0.8, warmupS: 0 }, () => {}).done;
  };

  before(async () => {
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--poll-interval-ms', '0']);
  });
  after(() => server.stop());

  for (const [protocol, label] of [['rest-json', 'v2-rest'], ['rest-binary', 'v2-rest-binary'], ['grpc', 'grpc']] as const) {
    it(`${protocol}: the server counts what the load process measured (plus the requests in flight at the end)`, async () => {
      const a = await snapshot();
      const r = await load(IRIS, protocol);
      const b = await snapshot();
      assert.ok(r.ok > 0, `no successful request: ${JSON.stringify(r.errorKinds)}`);
      assert.equal(r.errors, 0, JSON.stringify(r.errorKinds));
      const counted = (b.byProtocol[label] ?? 0) - (a.byProtocol[label] ?? 0);
      assert.ok(counted >= r.ok && counted <= r.ok + CONCURRENCY, `server counted ${counted}, the load test ${r.ok}`);
      const p = dashboardPoint(a, b);
      assert.ok(p.rps > 0 && p.errorRps === 0);
      assert.ok(p.p50Ms !== undefined && p.p99Ms !== undefined && p.p50Ms <= p.p99Ms);
      assert.ok(p.computeMs !== undefined && p.queueMs !== undefined);
      assert.ok(r.latency && r.latency.p50Ms > 0);
    });
  }

  it('a request the model refuses: errors by message in the load test, by reason on the dashboard', async () => {
    const bad: ParsedRequest = { format: 'v2', body: { inputs: [{ name: 'nope', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] } };
    const a = await snapshot();
    const r = await load(bad, 'rest-json');
    const b = await snapshot();
    assert.equal(r.ok, 0);
    assert.ok(r.errors > 0);
    assert.match(r.errorKinds[0]!.message, /^HTTP 400: .*nope/);
    const p = dashboardPoint(a, b);
    const byReason = p.errorsByReason['invalid-argument'] ?? 0;
    assert.ok(byReason >= r.errors && byReason <= r.errors + CONCURRENCY, `dashboard ${byReason}, load test ${r.errors}`);
  });

  it('modeldeck loadtest prints a JSON record and exits 0 when every request succeeded', async () => {
    const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'modeldeck.js'), 'loadtest', server.url, '--model', 'iris', '--concurrency', '2', '--duration', '0.5', '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const rec = JSON.parse(res.stdout) as { kind: string; protocol: string; result: LoadTestResult };
    assert.equal(rec.kind, 'modeldeck-loadtest');
    assert.equal(rec.protocol, 'rest-json');
    assert.ok(rec.result.ok > 0 && rec.result.latency);
  });

  it('modeldeck loadtest exits 2 with the server message for an unknown model', () => {
    const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'modeldeck.js'), 'loadtest', server.url, '--model', 'nope', '--duration', '0.5'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 2);
    assert.match(res.stdout, /404/);
  });
});

describe('worker losses on the dashboard', () => {
  it('a worker that dies is counted lost and restarted in /metrics', async () => {
    // The stand-in worker ends its thread on a first value of -1 (test/fixtures/workers/echoWorker.mjs).
    const registry = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-dash-'));
    await fs.mkdir(path.join(registry, 'echo', '1'), { recursive: true });
    await fs.writeFile(path.join(registry, 'echo', '1', 'model.onnx'), 'stand-in model');
    const server = await startServerProcess(['--registry', registry, '--worker-script', path.join(REPO_ROOT, 'test', 'fixtures', 'workers', 'echoWorker.mjs'), '--adaptive-threads', 'off']);
    try {
      const res = await fetch(`${server.url}/v2/models/echo/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [-1, 0, 0, 0] }] }) });
      assert.notEqual(res.status, 200);
      await server.waitForLog((l) => / replaced;/.test(l.msg), 20_000);
      const s = await new StatsScraper().scrape({ httpUrl: server.url, model: 'echo' });
      assert.equal(s.workerEvents.lost, 1);
      assert.equal(s.workerEvents.restarted, 1);
    } finally {
      await server.stop();
      await fs.rm(registry, { recursive: true, force: true });
    }
  });
});
