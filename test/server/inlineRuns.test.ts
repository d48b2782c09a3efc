/**
 * Tiny ONNX runs on the main thread (server/runtime/inlinePolicy.ts): after the workers measured
 * the iris model's runs, they move to a main-thread session (the log says so) and answer exactly
 * what an in-process session answers, concurrent requests included; a model with slower runs
 * (digits-cnn) stays on its worker; `--inline-runs off` keeps every run on the workers.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import { getJson, postJson } from '../support/http';
import { SERVER_BUNDLE, startServerProcess, type LogLine, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';

const ROW = [6.7, 3.0, 5.2, 2.3];
const body = { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: ROW }] };
const isInlineLine = (deployment: string) => (l: LogLine): boolean => l.deployment === deployment && /run on the main thread/.test(l.msg);

async function expectedProbabilities(): Promise<number[]> {
  const session = await ort.InferenceSession.create(path.join(EXAMPLE_REGISTRY, 'iris', '2', 'model.onnx'));
  try {
    const out = await session.run({ float_input: new ort.Tensor('float32', Float32Array.from(ROW), [1, 4]) });
    const probs = Object.values(out).find((t) => t.type === 'float32')!;
    return Array.from(probs.data as Float32Array);
  } finally {
    await session.release();
  }
}

async function predict(url: string, model: string, payload: unknown = body): Promise<{ status: number; body: any }> {
  return postJson(`${url}/v2/models/${model}/infer`, payload);
}

function probabilitiesOf(res: { body: any }): number[] {
  const out = (res.body.outputs as { datatype: string; data: number[] }[]).find((o) => o.datatype === 'FP32');
  assert.ok(out, `no FP32 output in ${JSON.stringify(res.body)}`);
  return out.data;
}

function assertClose(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `element ${i}: ${v} vs ${expected[i]}`));
}

describe('tiny runs on the main thread (--inline-runs auto, the default)', () => {
  let server: ServerProcess;
  let expected: number[];
  before(async () => {
    expected = await expectedProbabilities();
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY]);
  });
  after(async () => {
    await server?.stop();
  });

  it('moves iris to the main thread after its worker runs were measured, with the same answers', async () => {
    const answers: number[][] = [];
    for (let i = 0; i < 40 && !server.logs.some(isInlineLine('iris')); i++) {
      const res = await predict(server.url, 'iris');
      assert.equal(res.status, 200);
      answers.push(probabilitiesOf(res));
    }
    const line = await server.waitForLog(isInlineLine('iris'), 10_000);
    assert.equal(line.level, 'info');
    assert.match(line.msg, /version 2: runs take about \d+ µs/);
    // Answers from the main thread equal the workers' and an in-process session's.
    for (let i = 0; i < 20; i++) {
      const res = await predict(server.url, 'iris');
      assert.equal(res.status, 200);
      answers.push(probabilitiesOf(res));
    }
    for (const a of answers) assertClose(a, expected);
  });

  it('answers 64 concurrent requests correctly from the main thread; a bad one among them fails alone', async () => {
    const bad = { inputs: [{ name: 'float_input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] };
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => predict(server.url, 'iris', i === 10 ? bad : body)));
    results.forEach((res, i) => {
      if (i === 10) {
        assert.equal(res.status, 400);
        assert.match(res.body.error, /float_input/);
      } else {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assertClose(probabilitiesOf(res), expected);
      }
    });
  });

  it('keeps digits-cnn, whose runs take over a millisecond, on its worker', async () => {
    const digits = { inputs: [{ name: 'image', shape: [1, 1, 8, 8], datatype: 'FP32', data: Array.from({ length: 64 }, (_, i) => (i % 7) / 7) }] };
    for (let i = 0; i < 40; i++) {
      const res = await predict(server.url, 'digits-cnn', digits);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    assert.equal(server.logs.filter(isInlineLine('digits-cnn')).length, 0);
  });
});

describe('batching on with tiny runs on the main thread', () => {
  let server: ServerProcess;
  let expected: number[];
  before(async () => {
    expected = await expectedProbabilities();
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--batching', '--max-latency-ms', '5']);
  });
  after(async () => {
    await server?.stop();
  });

  it('still merges concurrent requests into one run (the main-thread lane is the capacity the batcher waits for)', async () => {
    for (let i = 0; i < 40 && !server.logs.some(isInlineLine('iris')); i++) assert.equal((await predict(server.url, 'iris')).status, 200);
    await server.waitForLog(isInlineLine('iris'), 10_000);
    const statsOf = async (): Promise<{ inference_count: number; execution_count: number }> =>
      (await getJson(`${server.url}/v2/models/iris/stats`)).body.model_stats.find((m: { version: string }) => m.version === '2');
    // 64 keep-alive connections opened first, so the measured wave arrives together, as under load.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const text = JSON.stringify(body);
    const wave = (): Promise<{ status: number; body: any }[]> =>
      Promise.all(
        Array.from({ length: 64 }, () =>
          new Promise<{ status: number; body: any }>((resolve, reject) => {
            const req = http.request(`${server.url}/v2/models/iris/infer`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
              let data = '';
              res.on('data', (d) => (data += d));
              res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
            });
            req.on('error', reject);
            req.end(text);
          }),
        ),
      );
    await wave();
    const before = await statsOf();
    const results = await wave();
    agent.destroy();
    for (const res of results) {
      assert.equal(res.status, 200);
      assertClose(probabilitiesOf(res), expected);
    }
    const after = await statsOf();
    const requests = after.inference_count - before.inference_count;
    const runs = after.execution_count - before.execution_count;
    assert.equal(requests, 64);
    assert.ok(runs < requests / 2, `64 concurrent requests took ${runs} runs: they were not merged`);
  });
});

describe('--inline-runs off', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--inline-runs', 'off']);
  });
  after(async () => {
    await server?.stop();
  });

  it('keeps every iris run on the workers', async () => {
    for (let i = 0; i < 40; i++) assert.equal((await predict(server.url, 'iris')).status, 200);
    assert.equal(server.logs.filter(isInlineLine('iris')).length, 0);
  });

  it('refuses a value other than auto or off', () => {
    const r = spawnSync(process.execPath, [SERVER_BUNDLE, '--registry', EXAMPLE_REGISTRY, '--inline-runs', 'sometimes'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--inline-runs must be auto or off \(got "sometimes"\)/);
  });
});
