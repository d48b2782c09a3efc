import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { assertOip } from '../support/openApi';
import { getJson, postJson, postRaw } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';

const IRIS_ROWS = [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5];

async function inProcess(modelFile: string, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(modelFile);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function close(actual: number[], expected: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - Number(expected[i])) <= tol, `element ${i}: ${actual[i]} vs ${expected[i]}`);
}

describe('REST: Open Inference Protocol V2 and KServe V1 on the example registry', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--log-level', 'debug']);
  });
  after(async () => {
    await server?.stop();
  });

  it('answers health and server metadata', async () => {
    const live = await getJson(`${server.url}/v2/health/live`);
    assert.equal(live.status, 200);
    const ready = await getJson(`${server.url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    const meta = await getJson(`${server.url}/v2`);
    assert.equal(meta.status, 200);
    assertOip('metadata_server_response', meta.body);
    assert.equal(meta.body.name, 'modeldeck');
    assert.ok(meta.body.extensions.includes('binary_tensor_data'));
  });

  it('reports model metadata from the ONNX graph with -1 for dynamic dimensions', async () => {
    const res = await getJson(`${server.url}/v2/models/iris`);
    assert.equal(res.status, 200);
    assertOip('metadata_model_response', res.body);
    assert.deepEqual(res.body.versions, ['2']);
    assert.equal(res.body.platform, 'onnxruntime_onnx');
    assert.deepEqual(res.body.inputs, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(
      res.body.outputs.map((o: any) => [o.name, o.datatype, o.shape]),
      [
        ['label', 'INT64', [-1]],
        ['probabilities', 'FP32', [-1, 3]],
      ],
    );
    assert.equal(res.body.parameters.execution_provider, 'cpu');
    assert.deepEqual(res.body.parameters.labels, ['setosa', 'versicolor', 'virginica']);
    const versioned = await getJson(`${server.url}/v2/models/iris/versions/2`);
    assert.equal(versioned.status, 200);
    assert.deepEqual(versioned.body, res.body);
  });

  it('reports model readiness, with and without a version (404 for a version not served)', async () => {
    assert.equal((await getJson(`${server.url}/v2/models/iris/ready`)).status, 200);
    assert.equal((await getJson(`${server.url}/v2/models/iris/versions/2/ready`)).status, 200);
    const v1 = await getJson(`${server.url}/v2/models/iris/versions/1/ready`);
    assert.equal(v1.status, 404);
    assert.equal(v1.body.error, 'version 1 of model "iris" is not served (serving version 2)');
    assert.equal((await getJson(`${server.url}/v2/models/nope/ready`)).status, 404);
  });

  it('infers with JSON tensors and matches in-process onnxruntime', async () => {
    const req = { id: 'my-req-1', inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: IRIS_ROWS }] };
    const res = await postJson(`${server.url}/v2/models/iris/infer`, req);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertOip('inference_response', res.body);
    assert.equal(res.body.model_name, 'iris');
    assert.equal(res.body.model_version, '2');
    assert.equal(res.body.id, 'my-req-1');
    assert.match(res.headers.get('x-request-id') ?? '', /.+/);
    const expected = await inProcess(path.join(EXAMPLE_REGISTRY, 'iris', '2', 'model.onnx'), {
      float_input: new ort.Tensor('float32', Float32Array.from(IRIS_ROWS), [3, 4]),
    });
    const label = res.body.outputs.find((o: any) => o.name === 'label');
    const probs = res.body.outputs.find((o: any) => o.name === 'probabilities');
    assert.deepEqual(label.shape, [3]);
    assert.equal(label.datatype, 'INT64');
    assert.deepEqual(label.data, Array.from(expected.label!.data as BigInt64Array, Number));
    assert.deepEqual(label.data, [0, 2, 1]);
    assert.deepEqual(probs.shape, [3, 3]);
    close(probs.data, expected.probabilities!.data as Float32Array);
  });

  it('accepts nested data, echoes the request id header, and returns only requested outputs', async () => {
    const nested = [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
    ];
    const res = await postJson(
      `${server.url}/v2/models/iris/versions/2/infer`,
      { inputs: [{ name: 'float_input', shape: [2, 4], datatype: 'FP32', data: nested }], outputs: [{ name: 'label' }] },
      { 'x-request-id': 'trace-abc' },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers.get('x-request-id'), 'trace-abc');
    assert.equal(res.body.id, 'trace-abc');
    assert.deepEqual(res.body.outputs.map((o: any) => o.name), ['label']);
    assert.deepEqual(res.body.outputs[0].data, [0, 2]);
    const log = await server.waitForLog((l) => l.msg === 'inference' && l.requestId === 'trace-abc');
    assert.equal(log.deployment, 'iris');
    assert.equal(typeof log.latencyMs, 'number');
  });

  it('serves the digits MLP and the CNN with the same answers as in-process onnxruntime', async () => {
    for (const [model, input, shape] of [
      ['digits', 'pixels', [1, 64]],
      ['digits-cnn', 'image', [1, 1, 8, 8]],
    ] as const) {
      const meta = (await getJson(`${server.url}/v2/models/${model}`)).body;
      const example = meta && (await import('node:fs')).readFileSync(path.join(EXAMPLE_REGISTRY, model, '1', 'model.json'), 'utf8');
      const body = JSON.parse(example).input_example;
      const res = await postJson(`${server.url}/v2/models/${model}/infer`, body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const first = body.inputs[0];
      const expected = await inProcess(path.join(EXAMPLE_REGISTRY, model, '1', 'model.onnx'), {
        [input]: new ort.Tensor('float32', Float32Array.from(first.data.flat(Infinity)), first.shape),
      });
      const probs = res.body.outputs.find((o: any) => o.name === 'probabilities');
      close(probs.data, expected.probabilities!.data as Float32Array);
      assert.equal(shape.length, first.shape.length);
    }
  });

  it('speaks the binary tensor extension both ways', async () => {
    const input = Float32Array.from(IRIS_ROWS);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', parameters: { binary_data_size: input.byteLength } }],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'label', parameters: { binary_data: false } }],
      }),
    );
    const res = await postRaw(`${server.url}/v2/models/iris/infer`, Buffer.concat([header, Buffer.from(input.buffer)]), {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    });
    assert.equal(res.status, 200, res.raw.toString());
    const headerLength = Number(res.headers.get('inference-header-content-length'));
    const json = JSON.parse(res.raw.subarray(0, headerLength).toString());
    const probs = json.outputs.find((o: any) => o.name === 'probabilities');
    const label = json.outputs.find((o: any) => o.name === 'label');
    assert.equal(probs.parameters.binary_data_size, 9 * 4);
    assert.equal(probs.data, undefined);
    assert.deepEqual(label.data, [0, 2, 1]);
    const bin = res.raw.subarray(headerLength);
    assert.equal(bin.length, 36);
    const probsOut = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + 36));
    const expected = await inProcess(path.join(EXAMPLE_REGISTRY, 'iris', '2', 'model.onnx'), {
      float_input: new ort.Tensor('float32', input, [3, 4]),
    });
    close(Array.from(probsOut), expected.probabilities!.data as Float32Array);

    // binary_data_output asks for every output in binary; JSON input with binary output works too.
    const res2 = await postJson(`${server.url}/v2/models/iris/infer`, {
      parameters: { binary_data_output: true },
      inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: IRIS_ROWS.slice(0, 4) }],
    });
    assert.equal(res2.status, 200);
    const h2 = Number(res2.headers.get('inference-header-content-length'));
    const json2 = JSON.parse(res2.raw.subarray(0, h2).toString());
    assert.deepEqual(json2.outputs.map((o: any) => o.parameters.binary_data_size), [8, 12]);
    assert.equal(res2.raw.length, h2 + 20);
    assert.equal(res2.raw.readBigInt64LE(h2), 0n);
  });

  it('serves KServe V1: list, status and predict with instances or inputs', async () => {
    const list = await getJson(`${server.url}/v1/models`);
    assert.deepEqual(list.body.models, ['digits', 'digits-cnn', 'iris']);
    const status = await getJson(`${server.url}/v1/models/iris`);
    assert.deepEqual(status.body, { name: 'iris', ready: true });
    const pred = await postJson(`${server.url}/v1/models/iris:predict`, {
      instances: [
        [5.1, 3.5, 1.4, 0.2],
        [6.7, 3.0, 5.2, 2.3],
      ],
    });
    assert.equal(pred.status, 200, JSON.stringify(pred.body));
    assert.equal(pred.body.predictions.length, 2);
    assert.equal(pred.body.predictions[0].label, 0);
    assert.equal(pred.body.predictions[1].label, 2);
    assert.equal(pred.body.predictions[0].probabilities.length, 3);
    const viaInputs = await postJson(`${server.url}/v1/models/iris:predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] });
    assert.equal(viaInputs.status, 200, JSON.stringify(viaInputs.body));
    assert.equal(viaInputs.body.predictions[0].label, 0);
  });

  it('keeps per-model statistics and Prometheus metrics', async () => {
    const stats = await getJson(`${server.url}/v2/models/iris/stats`);
    assert.equal(stats.status, 200);
    const s = stats.body.model_stats.find((e: any) => e.version === '2');
    assert.ok(s.inference_count >= 4, JSON.stringify(s));
    assert.ok(s.inference_stats.success.count >= 4);
    assert.ok(s.inference_stats.compute_infer.ns > 0);
    assert.ok(s.inference_stats.queue.count >= 4);
    const all = await getJson(`${server.url}/v2/models/stats`);
    assert.ok(all.body.model_stats.some((e: any) => e.name === 'digits'));
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /modeldeck_inference_requests_total\{model="iris",version="2",protocol="v2-rest",outcome="success"\} \d+/);
    assert.match(metrics, /modeldeck_inference_requests_total\{model="iris",version="2",protocol="v1-rest",outcome="success"\} 2/);
    assert.match(metrics, /modeldeck_model_ready\{model="iris",version="2",provider="cpu"\} 1/);
    assert.match(metrics, /modeldeck_inference_compute_duration_seconds_bucket/);
  });

  it('lists, unloads and loads models through the repository API', async () => {
    const index = await postJson(`${server.url}/v2/repository/index`, {});
    assert.deepEqual(
      index.body.map((e: any) => [e.name, e.version, e.state]),
      [
        ['digits', '1', 'READY'],
        ['digits-cnn', '1', 'READY'],
        ['iris', '2', 'READY'],
      ],
    );
    const unload = await postJson(`${server.url}/v2/repository/models/digits/unload`, {});
    assert.equal(unload.status, 200);
    assert.equal((await getJson(`${server.url}/v2/models/digits`)).status, 404);
    const load = await postJson(`${server.url}/v2/repository/models/digits/load`, {});
    assert.equal(load.status, 200, JSON.stringify(load.body));
    assert.equal(load.body.state, 'READY');
    // A full deployment spec in the body adds a deployment under a new name, pinned to iris v1.
    const pinned = await postJson(`${server.url}/v2/repository/models/iris-v1/load`, {
      deployment: { name: 'iris-v1', model: { name: 'iris', version: 1 }, resources: { instances: 2 } },
    });
    assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
    const meta = await getJson(`${server.url}/v2/models/iris-v1`);
    assert.deepEqual(meta.body.versions, ['1']);
    assert.equal(meta.body.parameters.instances, 2);
    const bad = await postJson(`${server.url}/v2/repository/models/x/load`, { deployment: { name: 'x', model: { name: 'iris', version: 1 }, protocol: 'http' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /protocol/);
    assert.match(bad.body.error, /rest/);
    assert.equal((await postJson(`${server.url}/v2/repository/models/iris-v1/unload`, {})).status, 200);
    assert.equal((await postJson(`${server.url}/v2/repository/models/nope/load`, {})).status, 404);
  });
});
