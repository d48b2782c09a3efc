/**
 * The inference logger in the real server, over real sockets: CloudEvents to an HTTP receiver for
 * every protocol and mode, Kafka for real through kcat's librdkafka mock cluster, the file sink's
 * rotation, dead sinks (inference unaffected, drops counted), memory over 10,000 logged requests,
 * and the live stream.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, postJson, postRaw } from '../support/http';
import { call, openGrpcClient, type GrpcClient } from '../support/grpcTestClient';
import { EXAMPLE_REGISTRY, tempRegistry } from '../support/registryCopy';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';

const MODES = ['all', 'request', 'response', 'none'] as const;
const ROW = [5.1, 3.5, 1.4, 0.2];
const V2_BODY = { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: ROW }] };
const KAFKA_REQUESTS = 3;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A CloudEvents receiver: every POST kept by path, answered 200. */
async function startReceiver(): Promise<{ url: string; events: Map<string, Received[]>; close(): Promise<void> }> {
  const events = new Map<string, Received[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const list = events.get(req.url!) ?? [];
      list.push({ headers: req.headers, body: Buffer.concat(chunks) });
      events.set(req.url!, list);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** kcat with librdkafka's mock cluster: consumes `count` messages of `topic`, then exits. */
async function startKcat(topic: string, count: number): Promise<{ port: number; child: ChildProcess; output: Promise<string> }> {
  if (spawnSync('kcat', ['-V']).error) assert.fail('kcat is not installed: run scripts/install-test-deps.sh (apt-get install kcat)');
  const child = spawn('kcat', ['-u', '-X', 'test.mock.num.brokers=1', '-b', 'x:1', '-C', '-t', topic, '-o', 'beginning', '-c', String(count), '-f', '%k\\t%h\\t%s\\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const output = new Promise<string>((resolve) => child.on('exit', () => resolve(out)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /replaced with 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`kcat exited before its mock cluster started:\n${err}`)));
  });
  return { port, child, output };
}

/** Polls `probe` until it returns a value (bounded: 30 s), so tests wait for background sends without timing assertions. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A metric's value from /metrics (0 when absent). */
async function metric(server: ServerProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await getJson(`${server.url}/metrics`)).body as string;
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function workspace(deployments: Record<string, unknown>[]): Promise<{ ws: string; dir: string; registry: string }> {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-inflog-'));
  const dir = path.join(ws, '.modeldeck', 'deployments');
  await fs.mkdir(dir, { recursive: true });
  for (const d of deployments) await fs.writeFile(path.join(dir, `${d.name as string}.json`), JSON.stringify(d));
  const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] }]);
  return { ws, dir, registry };
}

/** A binary-extension request: JSON header + 16 bytes of FP32, one output asked for in binary. */
function binaryRequest(): { body: Buffer; headerLength: number } {
  const data = Buffer.from(new Float32Array(ROW).buffer);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: data.length } }],
      outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
    }),
  );
  return { body: Buffer.concat([header, data]), headerLength: header.length };
}

describe('inference logger', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let kcat: Awaited<ReturnType<typeof startKcat>>;
  let server: ServerProcess;
  let client: GrpcClient;
  let ws: string;
  const httpDeployment = (mode: string): string => `http-${mode}`;

  before(async () => {
    receiver = await startReceiver();
    kcat = await startKcat('modeldeck-inference', KAFKA_REQUESTS * 2);
    const [deadHttp, deadKafka] = [await deadPort(), await deadPort()];
    const iris = { name: 'iris', version: 2 };
    const setup = await workspace([
      ...MODES.map((mode) => ({ name: httpDeployment(mode), model: iris, inferenceLogger: { mode, sink: `${receiver.url}/${mode}` } })),
      { name: 'kafka', model: iris, inferenceLogger: { mode: 'all', sink: `kafka://127.0.0.1:${kcat.port}/modeldeck-inference` } },
      // A relative file sink: relative to the workspace of the deployment file.
      { name: 'rotating', model: iris, inferenceLogger: { mode: 'all', sink: 'logs/rotating.jsonl' } },
      { name: 'dead-http', model: iris, inferenceLogger: { mode: 'all', sink: `http://127.0.0.1:${deadHttp}/` } },
      { name: 'dead-kafka', model: iris, inferenceLogger: { mode: 'all', sink: `kafka://127.0.0.1:${deadKafka}/nobody` } },
      { name: 'truncated', model: iris, inferenceLogger: { mode: 'request', sink: `${receiver.url}/truncated` } },
    ]);
    ws = setup.ws;
    server = await startServerProcess(['--deployments', setup.dir, '--registry', setup.registry, '--log-file-max-bytes', '3000', '--log-file-keep', '2', '--log-payload-max-bytes', '600']);
    client = openGrpcClient(server.grpcPort!);
  });

  after(async () => {
    client?.close();
    await server?.stop();
    kcat?.child.kill();
    await receiver?.close();
    if (ws) await fs.rm(ws, { recursive: true, force: true });
  });

  /** The events the receiver got for a mode, once `count` have arrived. */
  const eventsOf = (mode: string, count: number): Promise<Received[]> =>
    waitFor(`${count} CloudEvents for mode ${mode}`, () => {
      const list = receiver.events.get(`/${mode}`) ?? [];
      return list.length >= count ? list : undefined;
    });

  function checkCloudEvent(ev: Received, deployment: string, type: 'request' | 'response', id: string, contentType: string): void {
    const h = ev.headers;
    assert.equal(h['ce-specversion'], '1.0');
    assert.equal(h['ce-id'], id);
    assert.equal(h['ce-type'], `org.kubeflow.serving.inference.${type}`);
    assert.equal(h['ce-source'], `http://localhost/modeldeck/${deployment}`);
    assert.ok(!Number.isNaN(Date.parse(h['ce-time'] as string)) && /Z$/.test(h['ce-time'] as string), `ce-time ${h['ce-time']}`);
    assert.equal(h['ce-inferenceservicename'], deployment);
    assert.equal(h['ce-namespace'], 'local');
    assert.equal(h['ce-component'], 'predictor');
    assert.equal(h['ce-endpoint'], 'default');
    assert.equal(h['content-type'], contentType);
  }

  it('sends CloudEvents (binary mode) for V2 JSON, V2 binary, V1 and gRPC in each mode; responses only when answered', async () => {
    const sent: Record<string, { id: string; request: Buffer; response: Buffer; requestType: string; responseType: string }[]> = {};
    for (const mode of MODES) {
      const d = httpDeployment(mode);
      const list: (typeof sent)[string] = [];
      // V2 JSON
      const jsonId = `${mode}-v2-json`;
      const json = await postJson(`${server.url}/v2/models/${d}/infer`, V2_BODY, { 'x-request-id': jsonId });
      assert.equal(json.status, 200);
      list.push({ id: jsonId, request: Buffer.from(JSON.stringify(V2_BODY)), response: json.raw, requestType: 'application/json', responseType: 'application/json' });
      // V2 binary (answer in binary too)
      const bin = binaryRequest();
      const binId = `${mode}-v2-binary`;
      const binRes = await postRaw(`${server.url}/v2/models/${d}/infer`, bin.body, { 'inference-header-content-length': String(bin.headerLength), 'x-request-id': binId });
      assert.equal(binRes.status, 200);
      list.push({ id: binId, request: bin.body, response: binRes.raw, requestType: 'application/octet-stream', responseType: 'application/octet-stream' });
      // V1
      const v1Id = `${mode}-v1`;
      const v1 = await postJson(`${server.url}/v1/models/${d}:predict`, { instances: [ROW] }, { 'x-request-id': v1Id });
      assert.equal(v1.status, 200);
      list.push({ id: v1Id, request: Buffer.from(JSON.stringify({ instances: [ROW] })), response: v1.raw, requestType: 'application/json', responseType: 'application/json' });
      // gRPC
      const grpcId = `${mode}-grpc`;
      const reply = await call(client, 'ModelInfer', { model_name: d, id: grpcId, inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: ROW } }] });
      assert.equal(reply.id, grpcId);
      list.push({ id: grpcId, request: Buffer.alloc(0), response: Buffer.alloc(0), requestType: 'application/grpc+json', responseType: 'application/grpc+json' });
      // A request that fails (400): its request is logged, no response.
      const bad = await postJson(`${server.url}/v2/models/${d}/infer`, { inputs: [{ name: 'nope', shape: [1], datatype: 'FP32', data: [1] }] }, { 'x-request-id': `${mode}-bad` });
      assert.equal(bad.status, 400);
      sent[mode] = list;
    }

    for (const mode of ['all', 'request', 'response'] as const) {
      const d = httpDeployment(mode);
      const expected = (mode === 'all' ? 2 : 1) * 4 + (mode === 'response' ? 0 : 1);
      const events = await eventsOf(mode, expected);
      for (const s of sent[mode]!) {
        const mine = events.filter((e) => e.headers['ce-id'] === s.id);
        const req = mine.find((e) => e.headers['ce-type'] === 'org.kubeflow.serving.inference.request');
        const res = mine.find((e) => e.headers['ce-type'] === 'org.kubeflow.serving.inference.response');
        assert.equal(mine.length, mode === 'all' ? 2 : 1, `${mode} ${s.id}`);
        if (mode !== 'response') {
          checkCloudEvent(req!, d, 'request', s.id, s.requestType);
          if (s.requestType === 'application/grpc+json') {
            const msg = JSON.parse(req!.body.toString());
            assert.equal(msg.model_name, d);
            assert.equal(msg.id, s.id);
            assert.deepEqual(msg.inputs[0].contents.fp32_contents.map((v: number) => Math.round(v * 10) / 10), ROW);
          } else if (s.requestType === 'application/json') {
            assert.deepEqual(JSON.parse(req!.body.toString()), JSON.parse(s.request.toString()));
          } else {
            assert.ok(req!.body.equals(s.request), 'binary request body as received');
          }
        } else assert.equal(req, undefined);
        if (mode !== 'request') {
          checkCloudEvent(res!, d, 'response', s.id, s.responseType);
          if (s.responseType === 'application/grpc+json') {
            const msg = JSON.parse(res!.body.toString());
            assert.equal(msg.id, s.id);
            assert.deepEqual(msg.outputs.map((o: { name: string }) => o.name).sort(), ['label', 'probabilities']);
          } else if (s.responseType === 'application/json') {
            assert.deepEqual(JSON.parse(res!.body.toString()), JSON.parse(s.response.toString()));
          } else {
            assert.ok(res!.body.equals(s.response), 'binary response body as answered');
          }
        } else assert.equal(res, undefined);
      }
      const bad = events.filter((e) => e.headers['ce-id'] === `${mode}-bad`);
      assert.deepEqual(bad.map((e) => e.headers['ce-type']), mode === 'response' ? [] : ['org.kubeflow.serving.inference.request']);
    }
    // Everything above has arrived; mode "none" sent nothing and keeps no records.
    assert.equal(receiver.events.get('/none'), undefined);
    const none = await getJson(`${server.url}/v2/logging/${httpDeployment('none')}/records`);
    assert.deepEqual(none.body, { next: 0, records: [] });
  });

  it('cuts payloads over --log-payload-max-bytes and says so (truncatedFrom, ce-truncatedfrom)', async () => {
    const big = { inputs: [{ name: 'float_input', shape: [100, 4], datatype: 'FP32', data: Array.from({ length: 400 }, (_, i) => i / 7) }] };
    const res = await postJson(`${server.url}/v2/models/truncated/infer`, big, { 'x-request-id': 'big-one' });
    assert.equal(res.status, 200);
    const [ev] = await eventsOf('truncated', 1);
    const size = Buffer.byteLength(JSON.stringify(big));
    assert.equal(ev!.headers['ce-truncatedfrom'], String(size));
    assert.equal(ev!.body.toString(), JSON.stringify(big).slice(0, 600));
    const stream = await getJson(`${server.url}/v2/logging/truncated/records`);
    const record = stream.body.records[0];
    assert.equal(record.truncatedFrom, size);
    assert.equal(record.payload, JSON.stringify(big).slice(0, 600));
  });

  it('produces to Kafka for real: kcat (librdkafka mock cluster) reads keys, ce_ headers and JSON records', async () => {
    const ids: string[] = [];
    for (let i = 0; i < KAFKA_REQUESTS; i++) {
      const id = `kafka-${i}`;
      ids.push(id);
      const res = await postJson(`${server.url}/v2/models/kafka/infer`, V2_BODY, { 'x-request-id': id });
      assert.equal(res.status, 200);
    }
    const lines = (await kcat.output).trim().split('\n');
    assert.equal(lines.length, KAFKA_REQUESTS * 2, lines.join('\n'));
    const messages = lines.map((l) => {
      const [key, headers, value] = l.split('\t');
      return { key: key!, headers: Object.fromEntries(headers!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])), value: JSON.parse(value!) };
    });
    for (const id of ids) {
      const mine = messages.filter((m) => m.key === id);
      assert.deepEqual(mine.map((m) => m.value.messageType).sort(), ['request', 'response']);
      for (const m of mine) {
        assert.equal(m.headers.ce_specversion, '1.0');
        assert.equal(m.headers.ce_id, id);
        assert.equal(m.headers.ce_type, `org.kubeflow.serving.inference.${m.value.messageType}`);
        assert.equal(m.headers.ce_source, 'http://localhost/modeldeck/kafka');
        assert.equal(m.headers.ce_inferenceservicename, 'kafka');
        assert.equal(m.headers.ce_namespace, 'local');
        assert.equal(m.headers.ce_component, 'predictor');
        assert.equal(m.headers.ce_endpoint, 'default');
        assert.ok(!Number.isNaN(Date.parse(m.headers.ce_time!)));
        assert.equal(m.value.inferenceId, id);
        assert.equal(m.value.modelName, 'kafka');
        assert.equal(m.value.modelVersion, 2);
        assert.equal(m.value.protocol, 'v2-rest');
        assert.equal(typeof m.value.requestTimestamp, 'number');
      }
      const request = mine.find((m) => m.value.messageType === 'request')!.value;
      assert.deepEqual(request.payload, V2_BODY);
      assert.equal(request.responseHttpCode, undefined);
      const response = mine.find((m) => m.value.messageType === 'response')!.value;
      assert.equal(response.responseHttpCode, 200);
      assert.equal(response.payload.id, id);
      assert.equal(typeof response.latencyMs, 'number');
    }
    assert.equal(await metric(server, 'modeldeck_inference_log_sent_total', { deployment: 'kafka' }), KAFKA_REQUESTS * 2);
  });

  it('writes JSON lines to a file relative to the workspace and rotates it by size', async () => {
    const file = path.join(ws, 'logs', 'rotating.jsonl');
    const n = 30;
    for (let i = 0; i < n; i++) {
      const res = await postJson(`${server.url}/v2/models/rotating/infer`, V2_BODY, { 'x-request-id': `rot-${i}` });
      assert.equal(res.status, 200);
    }
    await waitFor('the file sink to take every event', async () => ((await metric(server, 'modeldeck_inference_log_sent_total', { deployment: 'rotating' })) >= n * 2 ? true : undefined));
    const names = (await fs.readdir(path.dirname(file))).sort();
    assert.deepEqual(names, ['rotating.jsonl', 'rotating.jsonl.1', 'rotating.jsonl.2'], '--log-file-keep 2: two rotated files');
    const ids = new Set<string>();
    for (const name of names) {
      const text = await fs.readFile(path.join(path.dirname(file), name), 'utf8');
      assert.ok(Buffer.byteLength(text) <= 3000, `${name} is ${Buffer.byteLength(text)} bytes, over --log-file-max-bytes`);
      for (const line of text.trim().split('\n')) {
        const r = JSON.parse(line);
        assert.equal(r.modelName, 'rotating');
        assert.ok(r.messageType === 'request' || r.messageType === 'response');
        ids.add(r.inferenceId);
      }
    }
    // The newest file holds the last request; older ones were rotated away.
    assert.ok(ids.has(`rot-${n - 1}`));
    assert.ok(!ids.has('rot-0'));
  });

  it('a dead HTTP sink and a dead Kafka broker: every inference answered, drops counted and rising, one warning', async () => {
    const burst = async (tag: string): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        for (const d of ['dead-http', 'dead-kafka']) {
          const res = await postJson(`${server.url}/v2/models/${d}/infer`, V2_BODY, { 'x-request-id': `${tag}-${i}` });
          assert.equal(res.status, 200, JSON.stringify(res.body));
        }
      }
    };
    await burst('dead1');
    const first: Record<string, number> = {};
    for (const d of ['dead-http', 'dead-kafka']) {
      first[d] = await waitFor(`drops for ${d}`, async () => {
        const v = await metric(server, 'modeldeck_inference_log_dropped_total', { deployment: d });
        return v > 0 ? v : undefined;
      });
      assert.equal(await metric(server, 'modeldeck_inference_log_sent_total', { deployment: d }), 0);
      assert.ok((await metric(server, 'modeldeck_inference_log_retried_total', { deployment: d })) > 0, `${d} retried before dropping`);
    }
    await burst('dead2');
    for (const d of ['dead-http', 'dead-kafka']) {
      await waitFor(`more drops for ${d}`, async () => ((await metric(server, 'modeldeck_inference_log_dropped_total', { deployment: d })) > first[d]! ? true : undefined));
      const warnings = server.logs.filter((l) => l.deployment === d && l.level === 'warn' && /^inference log: dropping events/.test(l.msg));
      assert.equal(warnings.length, 1, 'one warning when drops start, not one per event');
    }
  });

  it('live stream: records from `since` on, `next` to poll without gaps or repeats; 404 and 400 as usual', async () => {
    const url = `${server.url}/v2/logging/http-all/records`;
    const start = await getJson(url);
    assert.equal(start.status, 200);
    assert.equal(start.body.records.length, start.body.next, 'from 0: every record so far (fewer than the ring holds)');
    const n0 = start.body.next as number;
    for (const id of ['live-1', 'live-2']) await postJson(`${server.url}/v2/models/http-all/infer`, V2_BODY, { 'x-request-id': id });
    const next = await getJson(`${url}?since=${n0}`);
    assert.equal(next.body.next, n0 + 4);
    assert.deepEqual(
      next.body.records.map((r: { inferenceId: string; messageType: string }) => `${r.inferenceId} ${r.messageType}`),
      ['live-1 request', 'live-1 response', 'live-2 request', 'live-2 response'],
    );
    const r = next.body.records[1];
    assert.equal(r.modelName, 'http-all');
    assert.equal(r.responseHttpCode, 200);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.payload.id, 'live-1');
    const empty = await getJson(`${url}?since=${n0 + 4}`);
    assert.deepEqual(empty.body, { next: n0 + 4, records: [] });
    // Binary payloads are base64 with the header length for replay.
    const bin = start.body.records.find((x: { inferenceId: string; messageType: string }) => x.inferenceId === 'all-v2-binary' && x.messageType === 'request');
    const { body, headerLength } = binaryRequest();
    assert.deepEqual(bin.payload, { base64: body.toString('base64') });
    assert.equal(bin.binaryHeaderLength, headerLength);
    const unknown = await getJson(`${server.url}/v2/logging/nope/records`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /model "nope" not found \(models: .*http-all/);
    const bad = await getJson(`${url}?since=soon`);
    assert.equal(bad.status, 400);
  });
});

describe('inference logger memory', () => {
  let server: ServerProcess;
  let ws: string;
  before(async () => {
    const setup = await workspace([{ name: 'busy', model: { name: 'iris', version: 2 }, inferenceLogger: { mode: 'all', sink: 'logs/busy.jsonl' } }]);
    ws = setup.ws;
    server = await startServerProcess(['--deployments', setup.dir, '--registry', setup.registry, '--log-file-max-bytes', String(4 * 1024 * 1024)]);
  });
  after(async () => {
    await server?.stop();
    if (ws) await fs.rm(ws, { recursive: true, force: true });
  });

  it('10,000 logged requests keep the server memory flat', async () => {
    const body = JSON.stringify(V2_BODY);
    const send = async (count: number): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          next++;
          const res = await fetch(`${server.url}/v2/models/busy/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          assert.equal(res.status, 200);
          await res.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    };
    const drained = (n: number): Promise<true> =>
      waitFor(`${n} events written`, async () => ((await metric(server, 'modeldeck_inference_log_sent_total', { deployment: 'busy' })) >= n ? true : undefined));
    await send(2000); // warm up: JIT, pools, buffers, the ring filled to its 1000 records
    await drained(4000);
    const before = await metric(server, 'modeldeck_process_resident_memory_bytes');
    await send(10_000);
    await drained(24_000);
    const afterRss = await metric(server, 'modeldeck_process_resident_memory_bytes');
    const growth = afterRss - before;
    assert.ok(growth < 48 * 1024 * 1024, `RSS grew by ${Math.round(growth / 1024 / 1024)} MiB over 10,000 logged requests (from ${Math.round(before / 1024 / 1024)} MiB)`);
    assert.equal(await metric(server, 'modeldeck_inference_log_dropped_total', { deployment: 'busy' }), 0);
    const files = await fs.readdir(path.join(ws, 'logs'));
    assert.ok(files.includes('busy.jsonl'));
  });
});

describe('inference logger, HTTP sink on the main thread (--log-http-thread off)', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: ServerProcess;
  let ws: string;
  before(async () => {
    receiver = await startReceiver();
    const setup = await workspace([{ name: 'inline-http', model: { name: 'iris', version: 2 }, inferenceLogger: { mode: 'all', sink: `${receiver.url}/inline` } }]);
    ws = setup.ws;
    server = await startServerProcess(['--deployments', setup.dir, '--registry', setup.registry, '--log-http-thread', 'off']);
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
    if (ws) await fs.rm(ws, { recursive: true, force: true });
  });

  it('sends the same CloudEvents (request and response per inference, JSON and binary bodies as sent)', async () => {
    const json = await postJson(`${server.url}/v2/models/inline-http/infer`, V2_BODY, { 'x-request-id': 'inline-json' });
    assert.equal(json.status, 200);
    const bin = binaryRequest();
    const binRes = await postRaw(`${server.url}/v2/models/inline-http/infer`, bin.body, { 'inference-header-content-length': String(bin.headerLength), 'x-request-id': 'inline-bin' });
    assert.equal(binRes.status, 200);
    const events = await waitFor('4 CloudEvents', () => {
      const list = receiver.events.get('/inline') ?? [];
      return list.length >= 4 ? list : undefined;
    });
    const of = (id: string, type: string): Received => events.find((e) => e.headers['ce-id'] === id && e.headers['ce-type'] === `org.kubeflow.serving.inference.${type}`)!;
    assert.deepEqual(of('inline-json', 'request').body, Buffer.from(JSON.stringify(V2_BODY)));
    assert.deepEqual(of('inline-json', 'response').body, json.raw);
    assert.deepEqual(of('inline-bin', 'request').body, bin.body);
    assert.equal(of('inline-bin', 'response').headers['content-type'], 'application/octet-stream');
    assert.deepEqual(of('inline-bin', 'response').body, binRes.raw);
    assert.equal(await waitFor('sent counted', async () => ((await metric(server, 'modeldeck_inference_log_sent_total', { deployment: 'inline-http' })) >= 4 ? true : undefined)), true);
  });
});
