import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { getJson, postJson } from '../support/http';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';

/** The protos as the package ships them: the client knows nothing of the server's code. */
const SHIPPED_PROTO_DIR = path.join(REPO_ROOT, 'dist', 'proto');
const MAX_BODY_BYTES = 1024 * 1024;
const IRIS_ROWS = [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Clients {
  inference: grpc.Client & Record<string, any>;
  health: grpc.Client & Record<string, any>;
  close(): void;
}

/** A generic OIP client: the shipped .proto, proto-loader, grpc.loadPackageDefinition. */
function connect(port: number): Clients {
  const definition = protoLoader.loadSync(['open_inference_grpc.proto', 'health.proto'], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [SHIPPED_PROTO_DIR],
  });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  const address = `127.0.0.1:${port}`;
  const credentials = grpc.credentials.createInsecure();
  // The client's own limits off: the server's limit is what the tests exercise.
  const options = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
  const inference = new pkg.inference.GRPCInferenceService(address, credentials, options);
  const health = new pkg.grpc.health.v1.Health(address, credentials, options);
  return {
    inference,
    health,
    close: () => {
      inference.close();
      health.close();
    },
  };
}

function call<T = any>(client: Record<string, any>, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + 30_000 }, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/** Calls `method`, expects it to fail with `code`, and returns the status message. */
async function callFails(client: Record<string, any>, method: string, request: unknown, code: grpc.status): Promise<string> {
  try {
    const res = await call(client, method, request);
    assert.fail(`${method} succeeded, expected ${grpc.status[code]}: ${JSON.stringify(res)}`);
  } catch (err) {
    const e = err as grpc.ServiceError;
    if (e.code === undefined) throw err;
    assert.equal(e.code, code, `expected ${grpc.status[code]}, got ${grpc.status[e.code]}: ${e.details}`);
    return e.details;
  }
}

const fp32Bytes = (values: number[]): Buffer => Buffer.from(Float32Array.from(values).buffer);

function irisInput(rows = IRIS_ROWS, extra: Record<string, unknown> = {}) {
  return { name: 'float_input', datatype: 'FP32', shape: [rows.length / 4, 4], contents: { fp32_contents: rows }, ...extra };
}

describe('gRPC: Open Inference Protocol on the example registry', () => {
  let server: ServerProcess;
  let c: Clients;
  before(async () => {
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--log-level', 'debug', '--max-body-bytes', String(MAX_BODY_BYTES)]);
    assert.ok(server.grpcPort, 'the server logs its gRPC port');
    c = connect(server.grpcPort!);
  });
  after(async () => {
    c?.close();
    await server?.stop();
  });

  it('logs the gRPC listener before the REST one', () => {
    const grpcLine = server.logs.findIndex((l) => l.msg === 'listening' && l.protocol === 'grpc');
    const restLine = server.logs.findIndex((l) => l.msg === 'listening' && l.protocol === 'rest');
    assert.ok(grpcLine >= 0 && grpcLine < restLine, 'gRPC line first');
    assert.equal(server.logs[grpcLine]!.url, `grpc://127.0.0.1:${server.grpcPort}`);
  });

  it('answers ServerLive, ServerReady and ServerMetadata like REST', async () => {
    assert.deepEqual(await call(c.inference, 'ServerLive', {}), { live: true });
    assert.deepEqual(await call(c.inference, 'ServerReady', {}), { ready: true });
    const meta = await call(c.inference, 'ServerMetadata', {});
    const rest = await getJson(`${server.url}/v2`);
    assert.deepEqual(meta, rest.body);
    assert.equal(meta.name, 'modeldeck');
    assert.ok(meta.extensions.includes('model_repository'));
  });

  it('answers ModelReady true, NOT_FOUND for a version not served and for an unknown model', async () => {
    assert.deepEqual(await call(c.inference, 'ModelReady', { name: 'iris' }), { ready: true });
    assert.deepEqual(await call(c.inference, 'ModelReady', { name: 'iris', version: '2' }), { ready: true });
    const v1 = await callFails(c.inference, 'ModelReady', { name: 'iris', version: '1' }, grpc.status.NOT_FOUND);
    assert.equal(v1, 'version 1 of model "iris" is not served (serving version 2)');
    const msg = await callFails(c.inference, 'ModelReady', { name: 'nope' }, grpc.status.NOT_FOUND);
    assert.equal(msg, 'model "nope" not found (models: digits, digits-cnn, iris)');
    const bad = await callFails(c.inference, 'ModelReady', { name: 'iris', version: 'two' }, grpc.status.INVALID_ARGUMENT);
    assert.equal(bad, 'model version must be a positive integer (got "two")');
  });

  it('answers ModelMetadata like REST, with -1 for dynamic dimensions; NOT_FOUND for unknown models and versions', async () => {
    const meta = await call(c.inference, 'ModelMetadata', { name: 'iris' });
    const rest = (await getJson(`${server.url}/v2/models/iris`)).body;
    const numeric = (ts: any[]) => ts.map((t) => ({ ...t, shape: t.shape.map(Number) }));
    assert.equal(meta.name, 'iris');
    assert.deepEqual(meta.versions, ['2']);
    assert.equal(meta.platform, 'onnxruntime_onnx');
    assert.deepEqual(numeric(meta.inputs), rest.inputs);
    assert.deepEqual(numeric(meta.outputs), rest.outputs);
    assert.deepEqual(numeric(meta.inputs), [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(await call(c.inference, 'ModelMetadata', { name: 'iris', version: '2' }), meta);
    const unknown = await callFails(c.inference, 'ModelMetadata', { name: 'nope' }, grpc.status.NOT_FOUND);
    assert.equal(unknown, (await getJson(`${server.url}/v2/models/nope`)).body.error);
    const version = await callFails(c.inference, 'ModelMetadata', { name: 'iris', version: '1' }, grpc.status.NOT_FOUND);
    assert.equal(version, 'version 1 of model "iris" is not served (serving version 2)');
  });

  it('infers with typed contents, echoes id and version, and matches REST', async () => {
    const res = await call(c.inference, 'ModelInfer', { model_name: 'iris', id: 'grpc-req-1', inputs: [irisInput()] });
    const rest = await postJson(`${server.url}/v2/models/iris/infer`, {
      inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }],
    });
    assert.equal(rest.status, 200);
    assert.equal(res.model_name, 'iris');
    assert.equal(res.model_version, '2');
    assert.equal(res.id, 'grpc-req-1');
    assert.deepEqual(res.raw_output_contents, [], 'typed request, typed answer');
    assert.equal(res.parameters.queue_ms.parameter_choice, 'double_param');
    assert.equal(typeof res.parameters.compute_ms.double_param, 'number');
    const byName = Object.fromEntries(res.outputs.map((o: any) => [o.name, o]));
    const restByName = Object.fromEntries(rest.body.outputs.map((o: any) => [o.name, o]));
    assert.deepEqual(Object.keys(byName), ['label', 'probabilities']);
    assert.equal(byName.label.datatype, 'INT64');
    assert.deepEqual(byName.label.shape, ['3']);
    assert.deepEqual(byName.label.contents.int64_contents.map(Number), restByName.label.data);
    assert.deepEqual(byName.label.contents.int64_contents, ['0', '2', '1']);
    assert.equal(byName.probabilities.datatype, 'FP32');
    assert.deepEqual(byName.probabilities.shape, ['3', '3']);
    assert.deepEqual(byName.probabilities.contents.fp32_contents, restByName.probabilities.data);
    const log = await server.waitForLog((l) => l.msg === 'inference' && l.requestId === 'grpc-req-1');
    assert.equal(log.protocol, 'grpc');
  });

  it('infers with raw_input_contents and answers raw, with the same values as REST', async () => {
    const res = await call(c.inference, 'ModelInfer', {
      model_name: 'iris',
      model_version: '2',
      inputs: [{ name: 'float_input', datatype: 'FP32', shape: [3, 4] }],
      raw_input_contents: [fp32Bytes(IRIS_ROWS)],
    });
    assert.equal(res.model_version, '2');
    assert.match(res.id, UUID, 'a generated id when the request has none');
    assert.equal(res.raw_output_contents.length, 2);
    for (const o of res.outputs) assert.equal(o.contents, null, `${o.name} travels raw`);
    const rest = await postJson(`${server.url}/v2/models/iris/infer`, {
      inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }],
    });
    const restByName = Object.fromEntries(rest.body.outputs.map((o: any) => [o.name, o]));
    const at = (name: string) => res.raw_output_contents[res.outputs.findIndex((o: any) => o.name === name)] as Buffer;
    const label = at('label');
    const probs = at('probabilities');
    assert.equal(label.length, 3 * 8);
    assert.deepEqual(Array.from({ length: 3 }, (_, i) => Number(label.readBigInt64LE(i * 8))), restByName.label.data);
    assert.equal(probs.length, 9 * 4);
    assert.deepEqual(Array.from({ length: 9 }, (_, i) => probs.readFloatLE(i * 4)), restByName.probabilities.data);
  });

  it('returns only the requested outputs, and rejects unknown ones like REST', async () => {
    const res = await call(c.inference, 'ModelInfer', { model_name: 'iris', inputs: [irisInput()], outputs: [{ name: 'probabilities' }] });
    assert.deepEqual(res.outputs.map((o: any) => o.name), ['probabilities']);
    const msg = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', inputs: [irisInput()], outputs: [{ name: 'nope' }] }, grpc.status.INVALID_ARGUMENT);
    assert.equal(msg, 'outputs[0]: unknown output "nope"; expected one of ["label", "probabilities"]');
    const rest = await postJson(`${server.url}/v2/models/iris/infer`, {
      inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }],
      outputs: [{ name: 'nope' }],
    });
    assert.equal(rest.body.error, msg);
  });

  it('answers INVALID_ARGUMENT with REST’s message for a wrong datatype, shape or name', async () => {
    const cases: [string, any, any][] = [
      [
        'datatype',
        { name: 'float_input', datatype: 'FP64', shape: [1, 4], contents: { fp64_contents: [1, 2, 3, 4] } },
        { name: 'float_input', datatype: 'FP64', shape: [1, 4], data: [1, 2, 3, 4] },
      ],
      [
        'shape',
        { name: 'float_input', datatype: 'FP32', shape: [1, 5], contents: { fp32_contents: [1, 2, 3, 4, 5] } },
        { name: 'float_input', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] },
      ],
      [
        'name',
        { name: 'x', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } },
        { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
      ],
      [
        'unknown datatype',
        { name: 'float_input', datatype: 'FP8', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } },
        { name: 'float_input', datatype: 'FP8', shape: [1, 4], data: [1, 2, 3, 4] },
      ],
    ];
    for (const [what, grpcInput, restInput] of cases) {
      const msg = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', inputs: [grpcInput] }, grpc.status.INVALID_ARGUMENT);
      const rest = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [restInput] });
      assert.equal(rest.status, 400);
      assert.equal(msg, rest.body.error, what);
    }
    const expectations: [string, RegExp][] = [
      ['datatype', /input "float_input": expected datatype FP32, got FP64/],
      ['shape', /input "float_input": expected shape \[-1,4\], got \[1,5\]/],
      ['name', /unknown input "x"; expected inputs \["float_input"\]/],
    ];
    for (const [i, [what, re]] of expectations.entries()) {
      const msg = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', inputs: [cases[i]![1]] }, grpc.status.INVALID_ARGUMENT);
      assert.match(msg, re, what);
    }
  });

  it('answers INVALID_ARGUMENT for contents that do not fit the datatype or shape', async () => {
    const wrongField = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], contents: { int_contents: [1, 2, 3, 4] } }] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(wrongField, 'input "float_input": expected fp32_contents for FP32, got int_contents');
    const count = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', inputs: [{ ...irisInput(), shape: [2, 4] }] }, grpc.status.INVALID_ARGUMENT);
    assert.equal(count, 'input "float_input": shape [2,4] needs 8 elements, got 12 in fp32_contents');
    const none = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4] }] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(none, 'input "float_input": expected 4 values in contents.fp32_contents for FP32 [1,4] (or its bytes in raw_input_contents), got none');
    const noInputs = await callFails(c.inference, 'ModelInfer', { model_name: 'iris' }, grpc.status.INVALID_ARGUMENT);
    assert.match(noInputs, /non-empty list of tensors/);
  });

  it('answers INVALID_ARGUMENT for raw contents of the wrong size or count, or given with typed contents', async () => {
    const size = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [fp32Bytes([1, 2, 3])] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(size, 'input "float_input": raw_input_contents has 12 bytes but FP32 [1,4] needs 16');
    const both = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'iris', inputs: [irisInput([1, 2, 3, 4])], raw_input_contents: [fp32Bytes([1, 2, 3, 4])] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(both, 'input "float_input": expected either contents or raw_input_contents, got both (fp32_contents and raw_input_contents)');
    const count = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [fp32Bytes([1, 2, 3, 4]), fp32Bytes([1])] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(count, 'raw_input_contents: expected one entry per input (1), got 2');
  });

  it('answers INVALID_ARGUMENT for a bad version and NOT_FOUND for an unknown model or version', async () => {
    const bad = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', model_version: '0', inputs: [irisInput()] }, grpc.status.INVALID_ARGUMENT);
    assert.equal(bad, 'model version must be a positive integer (got "0")');
    const model = await callFails(c.inference, 'ModelInfer', { model_name: 'nope', inputs: [irisInput()] }, grpc.status.NOT_FOUND);
    assert.equal(model, 'model "nope" not found (models: digits, digits-cnn, iris)');
    const version = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', model_version: '7', inputs: [irisInput()] }, grpc.status.NOT_FOUND);
    assert.equal(version, 'version 7 of model "iris" is not served (serving version 2)');
    // NOT_FOUND whatever the request holds: no inputs, or raw contents that do not match them.
    const empty = await callFails(c.inference, 'ModelInfer', { model_name: 'nope', inputs: [] }, grpc.status.NOT_FOUND);
    assert.equal(empty, model);
    const mismatched = await callFails(c.inference, 'ModelInfer', { model_name: 'iris', model_version: '7', inputs: [irisInput()], raw_input_contents: [Buffer.alloc(3), Buffer.alloc(5)] }, grpc.status.NOT_FOUND);
    assert.equal(mismatched, version);
    const rest = await postJson(`${server.url}/v2/models/iris/versions/7/infer`, { inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }] });
    assert.equal(rest.body.error, version);
  });

  it('logs a failed call at debug with its request id', async () => {
    await callFails(c.inference, 'ModelInfer', { model_name: 'iris', id: 'bad-req-7', inputs: [{ ...irisInput(), shape: [1, 5] }] }, grpc.status.INVALID_ARGUMENT);
    const log = await server.waitForLog((l) => l.requestId === 'bad-req-7' && /^grpc ModelInfer failed/.test(l.msg));
    assert.equal(log.level, 'debug');
    assert.equal(log.code, grpc.status.INVALID_ARGUMENT);
  });

  it('answers RESOURCE_EXHAUSTED for a message over --max-body-bytes, saying limit and size', async () => {
    const rows = (2 * MAX_BODY_BYTES) / 16;
    const msg = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [rows, 4] }], raw_input_contents: [Buffer.alloc(rows * 16)] },
      grpc.status.RESOURCE_EXHAUSTED,
    );
    const m = /larger than max \((\d+) vs\.? (\d+)\)/.exec(msg);
    assert.ok(m, msg);
    assert.ok(Number(m[1]) > MAX_BODY_BYTES);
    assert.equal(Number(m[2]), MAX_BODY_BYTES);
  });

  it('answers health checks for the server, the service and each model', async () => {
    assert.deepEqual(await call(c.health, 'Check', { service: '' }), { status: 'SERVING' });
    assert.deepEqual(await call(c.health, 'Check', { service: 'inference.GRPCInferenceService' }), { status: 'SERVING' });
    assert.deepEqual(await call(c.health, 'Check', { service: 'iris' }), { status: 'SERVING' });
    const msg = await callFails(c.health, 'Check', { service: 'nope' }, grpc.status.NOT_FOUND);
    assert.match(msg, /unknown service "nope"/);
    const first = await new Promise<any>((resolve, reject) => {
      const stream = c.health.Watch({ service: '' });
      stream.on('data', (d: unknown) => {
        resolve(d);
        stream.cancel();
      });
      stream.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : reject(e)));
    });
    assert.deepEqual(first, { status: 'SERVING' });
  });

  it('is still up after every error', async () => {
    assert.deepEqual(await call(c.inference, 'ServerLive', {}), { live: true });
    assert.equal((await call(c.inference, 'ModelInfer', { model_name: 'iris', inputs: [irisInput()] })).outputs.length, 2);
  });
});

/** One [batch=2, 2] example per datatype of the alltypes fixture; 64-bit values beyond 2^53 must stay exact. */
const CASES: { name: string; datatype: string; field?: string; values: unknown[]; raw: (v: any[]) => Buffer }[] = [
  { name: 'bool', datatype: 'BOOL', field: 'bool_contents', values: [true, false, false, true], raw: (v) => Buffer.from(v.map(Number)) },
  { name: 'uint8', datatype: 'UINT8', field: 'uint_contents', values: [0, 1, 254, 255], raw: (v) => Buffer.from(v) },
  { name: 'uint16', datatype: 'UINT16', field: 'uint_contents', values: [0, 1, 65534, 65535], raw: (v) => Buffer.from(Uint16Array.from(v).buffer) },
  { name: 'uint32', datatype: 'UINT32', field: 'uint_contents', values: [0, 1, 4294967294, 4294967295], raw: (v) => Buffer.from(Uint32Array.from(v).buffer) },
  {
    name: 'uint64',
    datatype: 'UINT64',
    field: 'uint64_contents',
    values: ['0', '1', '9007199254740993', '18446744073709551615'],
    raw: (v) => Buffer.from(BigUint64Array.from(v, BigInt).buffer),
  },
  { name: 'int8', datatype: 'INT8', field: 'int_contents', values: [-128, -1, 0, 127], raw: (v) => Buffer.from(Int8Array.from(v).buffer) },
  { name: 'int16', datatype: 'INT16', field: 'int_contents', values: [-32768, -1, 0, 32767], raw: (v) => Buffer.from(Int16Array.from(v).buffer) },
  { name: 'int32', datatype: 'INT32', field: 'int_contents', values: [-2147483648, -1, 0, 2147483647], raw: (v) => Buffer.from(Int32Array.from(v).buffer) },
  {
    name: 'int64',
    datatype: 'INT64',
    field: 'int64_contents',
    values: ['-9223372036854775808', '-1', '9007199254740993', '9223372036854775807'],
    raw: (v) => Buffer.from(BigInt64Array.from(v, BigInt).buffer),
  },
  // Half bits of 0, -2.5, 65504, 0.0999755859375: FP16 has no typed field and only travels raw.
  { name: 'float16', datatype: 'FP16', values: [0x0000, 0xc100, 0x7bff, 0x2e66], raw: (v) => Buffer.from(Uint16Array.from(v).buffer) },
  {
    name: 'float32',
    datatype: 'FP32',
    field: 'fp32_contents',
    values: [0, -2.5, 3.4028234663852886e38, 0.10000000149011612],
    raw: (v) => Buffer.from(Float32Array.from(v).buffer),
  },
  { name: 'float64', datatype: 'FP64', field: 'fp64_contents', values: [0, -2.5, 1.7976931348623157e308, 0.1], raw: (v) => Buffer.from(Float64Array.from(v).buffer) },
  {
    name: 'string',
    datatype: 'BYTES',
    field: 'bytes_contents',
    values: ['', 'ascii', 'ünïcødé ✓', 'x'.repeat(300)].map((s) => Buffer.from(s)),
    raw: (v: Buffer[]) => Buffer.concat(v.flatMap((b) => [Buffer.from(Uint32Array.of(b.length).buffer), b])),
  },
];

describe('gRPC: every datatype through the alltypes fixture', () => {
  let server: ServerProcess;
  let c: Clients;
  before(async () => {
    server = await startServerProcess(['--registry', await tempRegistry([{ from: FIXTURE_MODELS, name: 'alltypes' }])]);
    c = connect(server.grpcPort!);
  });
  after(async () => {
    c?.close();
    await server?.stop();
  });

  const scalarTyped = { name: 'scalar_in', datatype: 'FP32', shape: [], contents: { fp32_contents: [42.5] } };

  it('round-trips every datatype raw, FP16 included, byte for byte', async () => {
    const inputs = [...CASES.map((k) => ({ name: `${k.name}_in`, datatype: k.datatype, shape: [2, 2] })), { name: 'scalar_in', datatype: 'FP32', shape: [] }];
    const raw = [...CASES.map((k) => k.raw(k.values)), fp32Bytes([42.5])];
    const res = await call(c.inference, 'ModelInfer', { model_name: 'alltypes', inputs, raw_input_contents: raw });
    assert.equal(res.raw_output_contents.length, CASES.length + 1);
    for (const [i, k] of CASES.entries()) {
      const at = res.outputs.findIndex((o: any) => o.name === `${k.name}_out`);
      assert.equal(res.outputs[at].datatype, k.datatype);
      assert.deepEqual(res.outputs[at].shape, ['2', '2']);
      assert.deepEqual(res.raw_output_contents[at], raw[i], k.datatype);
    }
    const scalar = res.outputs.findIndex((o: any) => o.name === 'scalar_out');
    assert.deepEqual(res.outputs[scalar].shape, []);
    assert.equal(res.raw_output_contents[scalar].readFloatLE(0), 42.5);
  });

  it('round-trips every datatype that has a typed field through typed contents, exactly', async () => {
    const typed = CASES.filter((k) => k.field);
    // FP16 cannot travel typed; an empty FP16 tensor has nothing to carry, so the request stays typed.
    const inputs = [
      ...typed.map((k) => ({ name: `${k.name}_in`, datatype: k.datatype, shape: [2, 2], contents: { [k.field!]: k.values } })),
      { name: 'float16_in', datatype: 'FP16', shape: [0, 2] },
      scalarTyped,
    ];
    const outputs = [...typed.map((k) => ({ name: `${k.name}_out` })), { name: 'scalar_out' }];
    const res = await call(c.inference, 'ModelInfer', { model_name: 'alltypes', inputs, outputs });
    assert.deepEqual(res.raw_output_contents, [], 'typed request without FP16 outputs: typed answer');
    for (const k of typed) {
      const out = res.outputs.find((o: any) => o.name === `${k.name}_out`);
      assert.equal(out.datatype, k.datatype);
      assert.deepEqual(out.shape, ['2', '2']);
      assert.deepEqual(out.contents[k.field!], k.values, k.datatype);
      for (const other of new Set(CASES.map((x) => x.field).filter((f) => f && f !== k.field))) {
        assert.deepEqual(out.contents[other!], [], `${k.datatype} uses only ${k.field}`);
      }
    }
    assert.deepEqual(res.outputs.find((o: any) => o.name === 'scalar_out').contents.fp32_contents, [42.5]);
  });

  it('answers raw when an output is FP16, even to a typed request', async () => {
    const typed = CASES.filter((k) => k.field);
    const inputs = [
      ...typed.map((k) => ({ name: `${k.name}_in`, datatype: k.datatype, shape: [2, 2], contents: { [k.field!]: k.values } })),
      { name: 'float16_in', datatype: 'FP16', shape: [0, 2] },
      scalarTyped,
    ];
    const res = await call(c.inference, 'ModelInfer', { model_name: 'alltypes', inputs });
    assert.equal(res.raw_output_contents.length, res.outputs.length);
    for (const o of res.outputs) assert.equal(o.contents, null);
    const int64 = res.raw_output_contents[res.outputs.findIndex((o: any) => o.name === 'int64_out')] as Buffer;
    assert.deepEqual(int64, CASES.find((k) => k.name === 'int64')!.raw(CASES.find((k) => k.name === 'int64')!.values));
  });

  it('rejects FP16 in typed contents, values out of range, and a contents field of another datatype', async () => {
    const fp16 = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'alltypes', inputs: [{ name: 'float16_in', datatype: 'FP16', shape: [1, 2], contents: { fp32_contents: [1, 2] } }] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(fp16, 'input "float16_in": FP16 has no typed contents field; expected its bytes in raw_input_contents');
    const range = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'alltypes', inputs: [{ name: 'int8_in', datatype: 'INT8', shape: [1, 2], contents: { int_contents: [1, 300] } }] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(range, 'input "int8_in" element 1: expected an integer in [-128, 127] for INT8, got 300');
    const field = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'alltypes', inputs: [{ name: 'uint64_in', datatype: 'UINT64', shape: [1, 2], contents: { int64_contents: ['1', '2'] } }] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(field, 'input "uint64_in": expected uint64_contents for UINT64, got int64_contents');
    const bytes = await callFails(
      c.inference,
      'ModelInfer',
      { model_name: 'alltypes', inputs: [{ name: 'string_in', datatype: 'BYTES', shape: [1, 1] }], raw_input_contents: [Buffer.from([5, 0, 0, 0, 0x61])] },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.match(bytes, /^input "string_in" element 0: expected 5 bytes, got 1 left of raw_input_contents size 5$/);
    assert.deepEqual(await call(c.inference, 'ServerLive', {}), { live: true });
  });
});

describe('gRPC: model repository, failed models and shutdown', () => {
  let server: ServerProcess;
  let c: Clients;
  before(async () => {
    const registry = await tempRegistry([
      { from: EXAMPLE_REGISTRY, name: 'iris' },
      { from: FIXTURE_MODELS, name: 'broken' },
    ]);
    server = await startServerProcess(['--registry', registry, '--log-level', 'debug']);
    c = connect(server.grpcPort!);
  });
  after(async () => {
    c?.close();
    await server?.stop();
  });

  it('answers UNAVAILABLE for a model that failed to load, with REST’s message', async () => {
    const infer = await callFails(c.inference, 'ModelInfer', { model_name: 'broken', inputs: [irisInput()] }, grpc.status.UNAVAILABLE);
    assert.match(infer, /^model "broken" is not ready: /);
    const rest = await postJson(`${server.url}/v2/models/broken/infer`, { inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }] });
    assert.equal(rest.status, 503);
    assert.equal(infer, rest.body.error);
    const meta = await callFails(c.inference, 'ModelMetadata', { name: 'broken' }, grpc.status.UNAVAILABLE);
    assert.equal(meta, infer);
    assert.deepEqual(await call(c.inference, 'ModelReady', { name: 'broken' }), { ready: false });
    assert.deepEqual(await call(c.health, 'Check', { service: 'broken' }), { status: 'NOT_SERVING' });
    assert.deepEqual(await call(c.inference, 'ServerLive', {}), { live: true });
  });

  it('lists, unloads and loads models, with a deployment spec too', async () => {
    const index = await call(c.inference, 'RepositoryIndex', {});
    assert.deepEqual(
      index.models.map((m: any) => [m.name, m.version, m.state]),
      [
        ['broken', '', 'FAILED'],
        ['iris', '2', 'READY'],
      ],
    );
    assert.notEqual(index.models[0].reason, '');
    assert.deepEqual((await call(c.inference, 'RepositoryIndex', { ready: true })).models.map((m: any) => m.name), ['iris']);

    assert.deepEqual(await call(c.inference, 'RepositoryModelUnload', { model_name: 'iris' }), {});
    await callFails(c.inference, 'ModelReady', { name: 'iris' }, grpc.status.NOT_FOUND);
    const unloaded = await callFails(c.inference, 'RepositoryModelUnload', { model_name: 'iris' }, grpc.status.NOT_FOUND);
    assert.equal(unloaded, 'deployment "iris" not found (deployments: broken)');

    assert.deepEqual(await call(c.inference, 'RepositoryModelLoad', { model_name: 'iris' }), {});
    assert.deepEqual(await call(c.inference, 'ModelReady', { name: 'iris' }), { ready: true });

    const deployment = JSON.stringify({ name: 'flowers', model: { name: 'iris', version: 1 } });
    await call(c.inference, 'RepositoryModelLoad', { model_name: 'flowers', parameters: { deployment: { string_param: deployment } } });
    const meta = await call(c.inference, 'ModelMetadata', { name: 'flowers' });
    assert.deepEqual(meta.versions, ['1']);
    const res = await call(c.inference, 'ModelInfer', { model_name: 'flowers', inputs: [irisInput()] });
    assert.equal(res.model_version, '1');

    const mismatch = await callFails(
      c.inference,
      'RepositoryModelLoad',
      { model_name: 'roses', parameters: { deployment: { string_param: deployment } } },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(mismatch, 'deployment name "flowers" does not match the request\'s model_name "roses"');
    const malformed = await callFails(
      c.inference,
      'RepositoryModelLoad',
      { model_name: 'flowers', parameters: { deployment: { string_param: '{"name": ' } } },
      grpc.status.INVALID_ARGUMENT,
    );
    assert.match(malformed, /^parameters\.deployment: malformed JSON: /);
    const unknown = await callFails(c.inference, 'RepositoryModelLoad', { model_name: 'nope' }, grpc.status.NOT_FOUND);
    assert.match(unknown, /^model "nope" is neither deployed nor in the registry .* \(registry models: broken, iris\)$/);
    const failed = await callFails(c.inference, 'RepositoryModelLoad', { model_name: 'broken' }, grpc.status.INVALID_ARGUMENT);
    assert.match(failed, /^failed to load model "broken": /);
    assert.deepEqual(await call(c.inference, 'ServerLive', {}), { live: true });
  });
});

describe('gRPC: shutdown', () => {
  it('on SIGTERM says NOT_SERVING at once, finishes calls in flight, then exits 0', async () => {
    const registry = await tempRegistry([{ from: FIXTURE_MODELS, name: 'slow' }]);
    const server = await startServerProcess(['--registry', registry]);
    const c = connect(server.grpcPort!);
    try {
      assert.deepEqual(await call(c.health, 'Check', { service: '' }), { status: 'SERVING' });
      const watched: string[] = [];
      const watchEnded = new Promise<void>((resolve, reject) => {
        const stream = c.health.Watch({ service: 'inference.GRPCInferenceService' });
        stream.on('data', (d: { status: string }) => watched.push(d.status));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      const request = { model_name: 'slow', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], contents: { fp32_contents: new Array(256).fill(0.01) } }] };
      // Thirty slow calls queue on one worker: they take well over a second in total.
      const inflight = Array.from({ length: 30 }, () => call(c.inference, 'ModelInfer', request));
      await new Promise((r) => setTimeout(r, 100));
      server.child.kill('SIGTERM');
      await server.waitForLog((l) => /shutting down/.test(l.msg));
      assert.deepEqual(await call(c.health, 'Check', { service: '' }), { status: 'NOT_SERVING' });
      assert.deepEqual(await call(c.health, 'Check', { service: 'inference.GRPCInferenceService' }), { status: 'NOT_SERVING' });
      assert.deepEqual(await call(c.inference, 'ServerReady', {}), { ready: false });
      const results = await Promise.all(inflight);
      assert.equal(results.length, 30);
      for (const r of results) assert.equal(r.outputs[0].name, 'y');
      await watchEnded;
      assert.deepEqual(watched, ['SERVING', 'NOT_SERVING']);
      assert.equal(await server.exited, 0);
      assert.ok(server.logs.some((l) => l.msg === 'stopped'));
    } finally {
      c.close();
      await server.stop();
    }
  });
});
