import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { getJson, postJson, postRaw } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';
import { grpcInfer, openGrpcClient, type GrpcClient } from '../support/grpcTestClient';

const MAX_BATCH = 8;
const CNN_FILE = path.join(EXAMPLE_REGISTRY, 'digits-cnn', '1', 'model.onnx');

/** Deterministic pseudo-random numbers (mulberry32): a failing seed can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Channel = 'rest-json' | 'rest-binary' | 'v1' | 'grpc';

interface Planned {
  channel: Channel;
  rows: number;
  pixels: Float32Array;
  malformed: boolean;
}

function metricValue(text: string, pattern: RegExp): number {
  const m = text.match(pattern);
  return m ? Number(m[1]) : NaN;
}

describe('adaptive batching across protocols', () => {
  let server: ServerProcess;
  let grpc: GrpcClient;
  let session: ort.InferenceSession;
  before(async () => {
    const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-batch-'));
    await fs.cp(path.join(EXAMPLE_REGISTRY, 'digits-cnn'), path.join(ws, 'models', 'digits-cnn'), { recursive: true });
    const deployments = path.join(ws, '.modeldeck', 'deployments');
    await fs.mkdir(deployments, { recursive: true });
    await fs.writeFile(
      path.join(deployments, 'cnn.json'),
      JSON.stringify({
        name: 'cnn',
        model: { name: 'digits-cnn', version: 'latest' },
        batcher: { enabled: true, maxBatchSize: MAX_BATCH, maxLatencyMs: 20, maxQueueSize: 400 },
      }),
    );
    await fs.writeFile(
      path.join(deployments, 'tight.json'),
      JSON.stringify({
        name: 'tight',
        model: { name: 'digits-cnn', version: 'latest' },
        batcher: { enabled: true, maxBatchSize: 2, maxLatencyMs: 1000, maxQueueSize: 3 },
      }),
    );
    server = await startServerProcess(['--deployments', deployments]);
    grpc = openGrpcClient(server.grpcPort!);
    session = await ort.InferenceSession.create(CNN_FILE, { intraOpNumThreads: 1 });
  });
  after(async () => {
    grpc?.close();
    await session?.release();
    await server?.stop();
  });

  async function expected(pixels: Float32Array, rows: number): Promise<Float32Array> {
    const out = await session.run({ image: new ort.Tensor('float32', pixels, [rows, 1, 8, 8]) });
    return out.probabilities!.data as Float32Array;
  }

  async function send(p: Planned): Promise<{ status: number | string; probs?: number[]; error?: string }> {
    const shape = p.malformed ? [p.rows, 1, 8, 7] : [p.rows, 1, 8, 8];
    const data = p.malformed ? Array.from(p.pixels.subarray(0, p.rows * 56)) : Array.from(p.pixels);
    switch (p.channel) {
      case 'rest-json': {
        const r = await postJson(`${server.url}/v2/models/cnn/infer`, {
          inputs: [{ name: 'image', datatype: 'FP32', shape, data }],
          outputs: [{ name: 'probabilities' }],
        });
        return { status: r.status, probs: r.body.outputs?.[0]?.data, error: r.body.error };
      }
      case 'rest-binary': {
        const bytes = Buffer.from(Float32Array.from(data).buffer);
        const header = Buffer.from(
          JSON.stringify({
            inputs: [{ name: 'image', datatype: 'FP32', shape, parameters: { binary_data_size: bytes.length } }],
            outputs: [{ name: 'probabilities' }],
          }),
        );
        const r = await postRaw(`${server.url}/v2/models/cnn/infer`, Buffer.concat([header, bytes]), {
          'inference-header-content-length': String(header.length),
        });
        return { status: r.status, probs: r.body.outputs?.[0]?.data, error: r.body.error };
      }
      case 'v1': {
        const instances = [];
        const per = p.malformed ? 56 : 64;
        for (let i = 0; i < p.rows; i++) {
          const flat = data.slice(i * per, (i + 1) * per);
          instances.push([Array.from({ length: 8 }, (_, y) => flat.slice(y * (per / 8), (y + 1) * (per / 8)))]);
        }
        const r = await postJson(`${server.url}/v1/models/cnn:predict`, { instances });
        return { status: r.status, probs: r.body.predictions?.flatMap((x: any) => x.probabilities), error: r.body.error };
      }
      case 'grpc': {
        try {
          const r = await grpcInfer(grpc, 'cnn', [{ name: 'image', datatype: 'FP32', shape, fp32: data }], ['probabilities']);
          return { status: 200, probs: r.fp32.probabilities };
        } catch (err) {
          return { status: `grpc-${(err as { code?: number }).code}`, error: (err as Error).message };
        }
      }
    }
  }

  it('gives every well-formed request exactly its own rows in randomized mixed batches; malformed ones fail alone', async () => {
    const before = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const execBefore = metricValue(before, /modeldeck_batch_requests_count\{model="cnn"\} (\d+)/) || 0;
    const random = rng(20261122);
    const channels: Channel[] = ['rest-json', 'rest-binary', 'v1', 'grpc'];
    let sent = 0;
    for (let round = 0; round < 6; round++) {
      const planned: Planned[] = Array.from({ length: 24 }, () => {
        const rows = 1 + Math.floor(random() * 3);
        return {
          channel: channels[Math.floor(random() * channels.length)]!,
          rows,
          pixels: Float32Array.from({ length: rows * 64 }, () => Math.floor(random() * 17)),
          malformed: false,
        };
      });
      planned[Math.floor(random() * planned.length)]!.malformed = true;
      const results = await Promise.all(planned.map((p) => send(p)));
      sent += planned.length;
      for (let i = 0; i < planned.length; i++) {
        const p = planned[i]!;
        const r = results[i]!;
        if (p.malformed) {
          assert.ok(r.status === 400 || r.status === 'grpc-3', `malformed ${p.channel} request got ${r.status}`);
          assert.match(r.error ?? '', /8/);
          continue;
        }
        assert.equal(r.status, 200, `${p.channel} request ${i} of round ${round}: ${r.error}`);
        const want = await expected(p.pixels, p.rows);
        assert.equal(r.probs!.length, p.rows * 10, `${p.channel}: ${p.rows} rows in, ${p.rows} rows out`);
        for (let j = 0; j < want.length; j++) assert.ok(Math.abs(r.probs![j]! - want[j]!) < 1e-4, `${p.channel} row value ${j}`);
      }
    }
    const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const executions = metricValue(text, /modeldeck_batch_requests_count\{model="cnn"\} (\d+)/) - execBefore;
    const rowsCount = metricValue(text, /modeldeck_batch_rows_count\{model="cnn"\} (\d+)/);
    const withinMax = metricValue(text, new RegExp(`modeldeck_batch_rows_bucket\\{le="${MAX_BATCH}",model="cnn"\\} (\\d+)`));
    assert.equal(withinMax, rowsCount, 'no batch had more than maxBatchSize rows');
    assert.ok(executions < sent - 6, `requests were batched: ${sent - 6} good requests in ${executions} executions`);
  });

  it('rejects at once with 503 and Retry-After when the queue is full, and serves again after', async () => {
    const body = { inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], data: new Array(64).fill(3) }] };
    const results = await Promise.all(Array.from({ length: 30 }, () => postJson(`${server.url}/v2/models/tight/infer`, body)));
    const full = results.filter((r) => r.status === 503);
    assert.ok(full.length > 0, 'some requests were refused');
    assert.ok(results.some((r) => r.status === 200), 'the held requests were served');
    assert.deepEqual(results.filter((r) => r.status !== 200 && r.status !== 503).map((r) => r.status), []);
    assert.equal(full[0]!.headers.get('retry-after'), '1');
    assert.match(full[0]!.body.error, /queue full/);
    const later = await postJson(`${server.url}/v2/models/tight/infer`, body);
    assert.equal(later.status, 200);
    try {
      const grpcResults = await Promise.allSettled(
        Array.from({ length: 30 }, () => grpcInfer(grpc, 'tight', [{ name: 'image', datatype: 'FP32', shape: [1, 1, 8, 8], fp32: new Array(64).fill(3) }], [])),
      );
      const refused = grpcResults.filter((r) => r.status === 'rejected');
      assert.ok(refused.length > 0);
      for (const r of refused) assert.equal((r as PromiseRejectedResult).reason.code, 14, 'UNAVAILABLE');
    } finally {
      assert.equal((await getJson(`${server.url}/v2/health/live`)).status, 200);
    }
  });
});
