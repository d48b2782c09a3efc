// The load test's core (src/core/loadtest/): the payload is exactly what the predict panel sends,
// the generator counts answers and errors against a real local HTTP server, pacing bounds the
// request count, stopping ends early, and saved runs compare and render.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { runLoad, planProblems } from '../../src/core/loadtest/loadGenerator';
import { compareRuns, parseRecord, recordMarkdown, verdict, type LoadTestRecord } from '../../src/core/loadtest/loadTestReport';
import type { LoadTestResult } from '../../src/core/loadtest/loadTestTypes';
import { parseLoadtestArgs } from '../../src/core/loadtest/loadtestCli';
import { percentiles } from '../../src/core/loadtest/latencyStats';
import { listRuns, runFolderName, saveRun } from '../../src/core/loadtest/savedRuns';
import { LoadTestError, wirePayload } from '../../src/core/loadtest/wirePayload';
import type { ModelMetadataView } from '../../src/core/predict/predictTypes';
import type { ParsedRequest } from '../../src/core/predict/requestModel';
import { restJsonRequest } from '../../src/core/predict/restCodec';

const PROTO = path.resolve(__dirname, '../../server/protocols/grpc/proto/open_inference_grpc.proto');
const META: ModelMetadataView = { name: 'iris', versions: ['2'], inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }] };
const REQUEST: ParsedRequest = { format: 'v2', body: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] } };
const ENDPOINT = { httpUrl: 'http://127.0.0.1:1', grpcAddress: '127.0.0.1:2', model: 'iris', headers: { Host: 'iris.default.example.com', Authorization: 'Bearer t' }, grpcAuthority: 'iris.default.example.com' };

describe('wirePayload', () => {
  it('REST JSON carries the predict panel bytes, the endpoint headers and the JSON content type', () => {
    const p = wirePayload(ENDPOINT, REQUEST, 'rest-json', { protoFile: PROTO, meta: META });
    assert.equal(p.kind, 'http');
    if (p.kind !== 'http') return;
    const panel = restJsonRequest(ENDPOINT.httpUrl, 'iris', REQUEST.format === 'v2' ? REQUEST.body : (undefined as never));
    assert.equal(p.url, 'http://127.0.0.1:1/v2/models/iris/infer');
    assert.equal(Buffer.from(p.bodyB64, 'base64').toString(), panel.body);
    assert.equal(p.headers.Host, 'iris.default.example.com');
    assert.equal(p.headers['content-type'], 'application/json');
  });

  it('REST binary has the header length and the raw FP32 bytes after the JSON header', () => {
    const p = wirePayload(ENDPOINT, REQUEST, 'rest-binary', { protoFile: PROTO, meta: META });
    assert.ok(p.kind === 'http');
    const bytes = Buffer.from(p.bodyB64, 'base64');
    const headerLength = Number(p.headers['Inference-Header-Content-Length']);
    const header = JSON.parse(bytes.subarray(0, headerLength).toString()) as { inputs: { parameters: { binary_data_size: number } }[] };
    assert.equal(header.inputs[0]!.parameters.binary_data_size, 16);
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + headerLength, bytes.byteOffset + bytes.length));
    assert.deepEqual([...floats].map((v) => Math.round(v * 10) / 10), [5.1, 3.5, 1.4, 0.2]);
  });

  it('gRPC is a serialized ModelInferRequest with raw contents, the :authority and the token as metadata', () => {
    const p = wirePayload(ENDPOINT, REQUEST, 'grpc', { protoFile: PROTO, meta: META });
    assert.ok(p.kind === 'grpc');
    assert.equal(p.address, '127.0.0.1:2');
    assert.equal(p.authority, 'iris.default.example.com');
    assert.deepEqual(p.metadata, { authorization: 'Bearer t' });
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, defaults: true });
    const decode = (def['inference.GRPCInferenceService'] as unknown as { ModelInfer: { requestDeserialize: (b: Buffer) => { model_name: string; inputs: { name: string; shape: string[] }[]; raw_input_contents: Buffer[] } } }).ModelInfer.requestDeserialize;
    const msg = decode(Buffer.from(p.bodyB64, 'base64'));
    assert.equal(msg.model_name, 'iris');
    assert.equal(msg.inputs[0]!.name, 'input');
    assert.equal(msg.raw_input_contents[0]!.length, 16);
  });

  it('refuses a request that does not fit the model, V1 over REST binary, and gRPC without an address', () => {
    const bad: ParsedRequest = { format: 'v2', body: { inputs: [{ name: 'wrong', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] } };
    assert.throws(() => wirePayload(ENDPOINT, bad, 'rest-json', { protoFile: PROTO, meta: META }), (e: unknown) => e instanceof LoadTestError && e.reason === 'bad-request' && /wrong|input/.test(e.message));
    assert.throws(() => wirePayload(ENDPOINT, { format: 'v1', instances: [[1, 2, 3, 4]] }, 'rest-binary', { protoFile: PROTO, meta: META }), /REST JSON or gRPC/);
    assert.throws(() => wirePayload({ httpUrl: 'http://x', model: 'iris' }, REQUEST, 'grpc', { protoFile: PROTO, meta: META }), /no gRPC address/);
  });
});

describe('runLoad against a local HTTP server', () => {
  let server: http.Server;
  let url = '';
  let seen = 0;
  before(async () => {
    // Every fourth request is refused with the server's error shape: the tally must name it.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen++;
        if (seen % 4 === 0) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'queue full' }));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"outputs":[]}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v2/models/m/infer`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const payload = () => ({ kind: 'http' as const, url, headers: { 'content-type': 'application/json' }, bodyB64: Buffer.from('{}').toString('base64') });

  it('counts successes and errors by message, with percentiles, progress and a timeline', async () => {
    const progress: number[] = [];
    const r = await runLoad({ payload: payload(), protocol: 'rest-json', concurrency: 4, durationS: 0.6, warmupS: 0.1, progressMs: 200 }, (p) => progress.push(p.ok)).done;
    assert.ok(r.ok > 0 && r.errors > 0, `ok ${r.ok} errors ${r.errors}`);
    assert.deepEqual(r.errorKinds.map((e) => e.message), ['HTTP 503: queue full']);
    assert.equal(r.errorKinds[0]!.count, r.errors);
    assert.ok(r.latency && r.latency.p50Ms <= r.latency.p99Ms && r.latency.p99Ms <= r.latency.maxMs);
    assert.equal(r.stopped, false);
    assert.ok(progress.length >= 2, 'progress was reported');
    assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]!), 'progress counts never go back');
    assert.ok(r.timeline.length >= 1);
    assert.ok(Math.abs(r.throughputRps - r.ok / r.elapsedS) < 1e-9);
  });

  it('paces to the target rate: never more requests than the schedule allows', async () => {
    const r = await runLoad({ payload: payload(), protocol: 'rest-json', concurrency: 8, durationS: 1, warmupS: 0, ratePerS: 40 }).done;
    // The schedule has 40 slots per second (+1 for the slot at 0); requests in flight at the end may finish after.
    assert.ok(r.ok + r.errors <= 41 + 8, `sent ${r.ok + r.errors}`);
    assert.ok(r.ok + r.errors > 0);
  });

  it('stops early on request, with what it measured', async () => {
    const run = runLoad({ payload: payload(), protocol: 'rest-json', concurrency: 2, durationS: 60, warmupS: 0, progressMs: 100 }, (p) => {
      if (p.ok > 5) run.stop();
    });
    const r = await run.done;
    assert.equal(r.stopped, true);
    assert.ok(r.elapsedS < 60);
  });

  it('reports an unreachable server as network errors', async () => {
    const r = await runLoad({ payload: { ...payload(), url: 'http://127.0.0.1:9/x' }, protocol: 'rest-json', concurrency: 1, durationS: 0.3, warmupS: 0 }).done;
    assert.equal(r.ok, 0);
    assert.ok(r.errorKinds[0]?.message.startsWith('network:'));
  });

  it('refuses an impossible plan before sending anything', async () => {
    assert.deepEqual(planProblems({ concurrency: 0, durationS: 0, ratePerS: -1 }).length, 3);
    await assert.rejects(runLoad({ payload: payload(), protocol: 'rest-json', concurrency: 0, durationS: 1 }).done, /concurrency/);
  });
});

function record(over: Partial<Omit<LoadTestRecord, 'result'>> & { result?: Partial<LoadTestResult> } = {}): LoadTestRecord {
  const result: LoadTestResult = { ok: 1000, errors: 0, errorKinds: [], warmupErrors: 0, elapsedS: 10, throughputRps: 100, latency: { p50Ms: 1, p90Ms: 2, p95Ms: 3, p99Ms: 4, maxMs: 9, meanMs: 1.5, minMs: 0.5 }, stopped: false, timeline: [], ...over.result };
  return { kind: 'modeldeck-loadtest', deployment: 'iris', model: 'iris', target: 'http://x/v2/models/iris/infer', protocol: 'rest-json', concurrency: 16, durationS: 10, startedAt: '2026-01-01T00:00:00.000Z', ...over, result };
}

describe('load test reports', () => {
  it('compares two runs: throughput up is better, latency up is worse, tiny changes are the same', () => {
    const before = record();
    const after = record({ startedAt: '2026-01-02T00:00:00.000Z', result: { throughputRps: 120, latency: { p50Ms: 1.01, p90Ms: 2, p95Ms: 3, p99Ms: 6, maxMs: 9, meanMs: 1.5, minMs: 0.5 } } });
    const rows = compareRuns(before, after);
    const by = (l: string) => rows.find((r) => r.label.startsWith(l))!;
    assert.equal(verdict(by('throughput')), 'better');
    assert.ok(Math.abs(by('throughput').change! - 0.2) < 1e-9);
    assert.equal(verdict(by('p99')), 'worse');
    assert.equal(verdict(by('p50')), 'same');
  });

  it('Markdown has the figures, the errors and the comparison (with a note when the load differs)', () => {
    const now = record({ concurrency: 4, result: { errors: 3, errorKinds: [{ message: 'HTTP 503: queue | full', count: 3 }] } });
    const md = recordMarkdown(now, record());
    assert.match(md, /\| throughput \| 100\.0 req\/s \|/);
    assert.match(md, /\| 3 \| HTTP 503: queue \\\| full \|/);
    assert.match(md, /## Compared with 2026-01-01/);
    assert.match(md, /Not the same load: concurrency 16 → 4/);
  });

  it('saves JSON + Markdown and lists runs of that deployment newest first', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-lt-'));
    try {
      await saveRun(ws, record());
      const second = await saveRun(ws, record({ startedAt: '2026-01-03T00:00:00.000Z' }), record());
      await saveRun(ws, record({ deployment: 'kserve:ctx/ns/iris' }));
      assert.ok(fs.readFileSync(second.markdown, 'utf8').includes('## Compared with'));
      const runs = await listRuns(ws, 'iris');
      assert.deepEqual(runs.map((r) => r.record.startedAt), ['2026-01-03T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
      assert.equal((await listRuns(ws, 'kserve:ctx/ns/iris')).length, 1);
      assert.equal(runFolderName('kserve:ctx/ns/iris'), 'kserve_ctx_ns_iris');
      assert.equal(parseRecord({ kind: 'other' }), undefined);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('nearest-rank percentiles', () => {
    const p = percentiles(Float64Array.from({ length: 100 }, (_, i) => i + 1))!;
    assert.deepEqual([p.p50Ms, p.p90Ms, p.p99Ms, p.maxMs, p.minMs], [50, 90, 99, 100, 1]);
    assert.equal(percentiles([]), undefined);
  });
});

describe('modeldeck loadtest arguments', () => {
  it('reads the flags of the issue and defaults to REST JSON', () => {
    const a = parseLoadtestArgs(['http://h:8080/', '--model', 'iris', '--concurrency', '16', '--duration=5', '--header', 'Host: a.b', '--json']);
    assert.deepEqual({ url: a.url, model: a.model, c: a.concurrency, d: a.durationS, p: a.protocol, h: a.headers, j: a.json }, { url: 'http://h:8080', model: 'iris', c: 16, d: 5, p: 'rest-json', h: { Host: 'a.b' }, j: true });
    assert.equal(parseLoadtestArgs(['http://h', '--model', 'm', '--protocol', 'binary']).protocol, 'rest-binary');
  });

  it('says what is wrong', () => {
    assert.throws(() => parseLoadtestArgs(['http://h']), /--model/);
    assert.throws(() => parseLoadtestArgs(['http://h', '--model', 'm', '--protocol', 'ftp']), /rest, binary or grpc/);
    assert.throws(() => parseLoadtestArgs(['http://h', '--model', 'm', '--protocol', 'grpc']), /--grpc HOST:PORT/);
    assert.throws(() => parseLoadtestArgs(['http://h', '--model', 'm', '--concurrency', 'x']), /expected a number/);
    assert.throws(() => parseLoadtestArgs(['http://h', '--model', 'm', '--bogus', '1']), /unknown option --bogus/);
  });
});
