// The predict panel's client (src/core/predict/) against a real server: REST JSON, REST binary,
// V1 and gRPC give the same answers; every datatype survives the binary extension and gRPC; bad
// requests are refused before sending; errors carry the server's status; and the "Copy as"
// commands, run for real, get the same answer.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { copyAs, type CopyTarget } from '../../src/core/predict/copyAs';
import { exampleRequestText } from '../../src/core/predict/exampleRequest';
import { InferenceClient, type PredictEndpoint } from '../../src/core/predict/inferenceClient';
import type { InferOutcome, InferSuccess, ModelMetadataView, Transport } from '../../src/core/predict/predictTypes';
import { parseRequestText, type ParsedRequest } from '../../src/core/predict/requestModel';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const PROTO = path.join(REPO_ROOT, 'server', 'protocols', 'grpc', 'proto', 'open_inference_grpc.proto');
const IRIS_EXAMPLE = JSON.parse(readFileSync(path.join(EXAMPLE_REGISTRY, 'iris', '2', 'model.json'), 'utf8')).input_example;

/** One [2, 2] tensor per datatype of the alltypes fixture, with each type's extremes. */
const ALL_TYPES: { name: string; datatype: string; data: unknown[] }[] = [
  { name: 'bool', datatype: 'BOOL', data: [true, false, false, true] },
  { name: 'uint8', datatype: 'UINT8', data: [0, 1, 254, 255] },
  { name: 'uint16', datatype: 'UINT16', data: [0, 1, 65534, 65535] },
  { name: 'uint32', datatype: 'UINT32', data: [0, 1, 4294967294, 4294967295] },
  { name: 'uint64', datatype: 'UINT64', data: [0, 1, '9007199254740993', '18446744073709551615'] },
  { name: 'int8', datatype: 'INT8', data: [-128, -1, 0, 127] },
  { name: 'int16', datatype: 'INT16', data: [-32768, -1, 0, 32767] },
  { name: 'int32', datatype: 'INT32', data: [-2147483648, -1, 0, 2147483647] },
  { name: 'int64', datatype: 'INT64', data: ['-9223372036854775808', -1, 0, '9223372036854775807'] },
  { name: 'float16', datatype: 'FP16', data: [0, -2.5, 65504, 0.0999755859375] },
  { name: 'float32', datatype: 'FP32', data: [0, -2.5, 3.4028234663852886e38, 0.10000000149011612] },
  { name: 'float64', datatype: 'FP64', data: [0, -2.5, 1.7976931348623157e308, 0.1] },
  { name: 'string', datatype: 'BYTES', data: ['', 'ascii', 'ünïcødé ✓', 'x'.repeat(300)] },
];

describe('predict client against a real server', () => {
  let server: ServerProcess;
  let client: InferenceClient;
  let endpoint: (model: string) => PredictEndpoint;
  let iris: ModelMetadataView;

  before(async () => {
    const fixtures = await tempRegistry([{ from: FIXTURE_MODELS, name: 'alltypes' }]);
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--registry', fixtures]);
    assert.ok(server.grpcPort, 'the server listens for gRPC');
    client = new InferenceClient(PROTO);
    endpoint = (model) => ({ httpUrl: server.url, grpcAddress: `grpc://127.0.0.1:${server.grpcPort}`, model });
    iris = await client.metadata(endpoint('iris'));
  });
  after(async () => {
    client?.dispose();
    await server?.stop();
  });

  const request = (text: string): ParsedRequest => {
    const r = parseRequestText(text);
    assert.ok(r.ok, JSON.stringify(r));
    return r.request;
  };
  const ok = (o: InferOutcome): InferSuccess => {
    assert.ok(o.ok, `expected an answer, got ${JSON.stringify(o)}`);
    return o;
  };

  it('reads metadata with labels and the execution provider', () => {
    assert.deepEqual(iris.inputs, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(iris.labels, ['setosa', 'versicolor', 'virginica']);
    assert.equal(iris.executionProvider, 'cpu');
  });

  it('sends the prefilled example over REST JSON, REST binary and gRPC, and V1: the same answer each time', async () => {
    const text = exampleRequestText(iris, IRIS_EXAMPLE, 'v2');
    const answers: Record<string, InferSuccess> = {};
    for (const t of ['rest-json', 'rest-binary', 'grpc'] as Transport[]) answers[t] = ok(await client.send(endpoint('iris'), request(text), t, iris));
    answers.v1 = ok(await client.send(endpoint('iris'), request(exampleRequestText(iris, IRIS_EXAMPLE, 'v1')), 'rest-json', iris));
    const json = answers['rest-json']!;
    assert.deepEqual(json.outputs.find((o) => o.name === 'label')!.data, [2, 1]);
    assert.deepEqual(json.outputs.find((o) => o.name === 'label')!.labels, ['virginica', 'versicolor']);
    assert.deepEqual(json.topK[0]!.rows.map((r) => r[0]!.label), ['virginica', 'versicolor']);
    for (const [via, a] of Object.entries(answers)) {
      assert.deepEqual(a.outputs.find((o) => o.name === 'label')!.data, [2, 1], via);
      const p = a.outputs.find((o) => o.name === 'probabilities')!;
      assert.deepEqual(p.shape, [2, 3], via);
      p.data.forEach((v, i) => assert.ok(Math.abs((v as number) - (json.outputs[1]!.data[i] as number)) < 1e-6, `${via} probabilities[${i}]`));
      assert.ok(a.timing.clientMs > 0, via);
    }
    for (const via of ['rest-json', 'rest-binary', 'grpc']) {
      const a = answers[via]!;
      assert.equal(a.modelVersion, '2', via);
      assert.equal(typeof a.timing.queueMs, 'number', `${via} reports queue_ms`);
      assert.equal(typeof a.timing.computeMs, 'number', `${via} reports compute_ms`);
    }
    assert.match(answers['rest-binary']!.raw, /binary tensor data after the \d+-byte JSON header/);
  });

  it('every datatype survives REST binary and gRPC exactly (64-bit extremes, FP16, BYTES)', async () => {
    const meta = await client.metadata(endpoint('alltypes'));
    const body = {
      inputs: [...ALL_TYPES.map((c) => ({ name: `${c.name}_in`, datatype: c.datatype, shape: [2, 2], data: c.data })), { name: 'scalar_in', datatype: 'FP32', shape: [], data: [42.5] }],
    };
    for (const t of ['rest-binary', 'grpc'] as Transport[]) {
      const a = ok(await client.send(endpoint('alltypes'), request(JSON.stringify(body)), t, meta));
      for (const c of ALL_TYPES) {
        const out = a.outputs.find((o) => o.name === `${c.name}_out`)!;
        assert.equal(out.datatype, c.datatype, `${t} ${c.name}`);
        assert.deepEqual(out.data.map(String), c.data.map(String), `${t} ${c.name}`);
      }
      assert.deepEqual(a.outputs.find((o) => o.name === 'scalar_out')!.data, [42.5], t);
    }
    // JSON numbers cannot hold the 64-bit extremes: refused before sending, with the way out.
    const json = await client.send(endpoint('alltypes'), request(JSON.stringify(body)), 'rest-json', meta);
    assert.deepEqual(!json.ok && json.problems, [
      'inputs[4] "uint64_in": data[2] 9007199254740993 is beyond what a JSON number holds exactly (±2^53); send it over REST binary or gRPC',
      'inputs[8] "int64_in": data[0] -9223372036854775808 is beyond what a JSON number holds exactly (±2^53); send it over REST binary or gRPC',
    ]);
    const safe = { inputs: body.inputs.map((i) => (i.datatype === 'INT64' || i.datatype === 'UINT64' ? { ...i, data: [0, 1, '9007199254740991', 3] } : i)) };
    const a = ok(await client.send(endpoint('alltypes'), request(JSON.stringify(safe)), 'rest-json', meta));
    assert.deepEqual(a.outputs.find((o) => o.name === 'int64_out')!.data, [0, 1, 9007199254740991, 3]);
    assert.deepEqual(a.outputs.find((o) => o.name === 'string_out')!.data, ALL_TYPES.find((c) => c.name === 'string')!.data);
  });

  it('refuses a request that does not fit the model without sending it', async () => {
    const before = server.logs.filter((l) => l.msg === 'inference').length;
    const o = await client.send(endpoint('iris'), request('{"inputs": [{"name": "float_input", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3]}]}'), 'grpc', iris);
    assert.equal(o.ok, false);
    assert.deepEqual(!o.ok && o.problems, ['inputs[0] "float_input": shape [1,3] does not fit the model\'s [-1,4]: dimension 1 must be 4 (got 3)']);
    assert.equal(!o.ok && o.status, undefined, 'not sent');
    assert.equal(server.logs.filter((l) => l.msg === 'inference').length, before);
    const v1Binary = await client.send(endpoint('iris'), request('{"instances": [[1, 2, 3, 4]]}'), 'rest-binary', iris);
    assert.match(!v1Binary.ok ? v1Binary.problems![0]! : '', /V1 "instances" travel over REST JSON only/);
  });

  it('reports the server\'s own error with its status, per transport', async () => {
    const text = exampleRequestText(iris, IRIS_EXAMPLE, 'v2');
    const rest = await client.send(endpoint('tulips'), request(text), 'rest-json', iris);
    assert.equal(!rest.ok && rest.status, 'HTTP 404');
    assert.match(!rest.ok ? rest.error : '', /tulips/);
    const grpc = await client.send(endpoint('tulips'), request(text), 'grpc', iris);
    assert.equal(!grpc.ok && grpc.status, 'gRPC NOT_FOUND');
    assert.match(!grpc.ok ? grpc.error : '', /tulips/);
  });

  it('says when it cannot reach the server', async () => {
    const text = exampleRequestText(iris, IRIS_EXAMPLE, 'v2');
    const port = await closedPort();
    const rest = await client.send({ httpUrl: `http://127.0.0.1:${port}`, model: 'iris' }, request(text), 'rest-json', iris);
    assert.match(!rest.ok ? rest.error : '', new RegExp(`^could not reach http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
    const grpc = await client.send({ httpUrl: `http://127.0.0.1:${port}`, grpcAddress: `127.0.0.1:${port}`, model: 'iris' }, request(text), 'grpc', iris);
    assert.equal(grpc.ok, false);
    assert.equal(!grpc.ok && grpc.status, 'gRPC UNAVAILABLE');
  });

  it('"Copy as curl" (JSON and binary) and "Python requests" get the same answer when run', async (t) => {
    const target: CopyTarget = { httpUrl: server.url, grpcAddress: `127.0.0.1:${server.grpcPort}`, model: 'iris', protoDir: path.dirname(PROTO), meta: iris };
    const req = request(exampleRequestText(iris, IRIS_EXAMPLE, 'v2'));
    const labelsOf = (stdout: string) => JSON.parse(stdout).outputs.find((o: { name: string }) => o.name === 'label').data;
    for (const transport of ['rest-json', 'rest-binary'] as Transport[]) {
      const r = spawnSync('bash', ['-c', copyAs('curl', req, transport, target)], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(labelsOf(r.stdout), [2, 1], `curl over ${transport}`);
    }
    const v1 = spawnSync('bash', ['-c', copyAs('curl', request(exampleRequestText(iris, IRIS_EXAMPLE, 'v1')), 'rest-json', target)], { encoding: 'utf8', timeout: 20_000 });
    assert.deepEqual(JSON.parse(v1.stdout).predictions.map((p: { label: number }) => p.label), [2, 1]);
    const python = '/usr/bin/python3';
    if (spawnSync(python, ['-c', 'import requests'], { encoding: 'utf8' }).status !== 0) {
      t.diagnostic('skipping the Python snippets: /usr/bin/python3 has no requests module (apt-get install python3-requests)');
      return;
    }
    for (const transport of ['rest-json', 'rest-binary'] as Transport[]) {
      const r = spawnSync(python, ['-c', `${copyAs('python', req, transport, target)}\n`.replace('print(response.json())', 'import json; print(json.dumps(response.json()))')], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(labelsOf(r.stdout), [2, 1], `python over ${transport}`);
    }
  });
});
