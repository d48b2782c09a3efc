/**
 * Predictor and transformer scripts in the real server: Python (Debian's /usr/bin/python3 with
 * numpy) and TypeScript, over real sockets, REST V1 and V2, and gRPC.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, postJson } from '../support/http';
import { call, openGrpcClient, type GrpcClient } from '../support/grpcTestClient';
import { EXAMPLE_REGISTRY, tempRegistry } from '../support/registryCopy';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'scripts', 'server');
const PYTHON = '/usr/bin/python3';

/** A workspace: scripts/ (copies of the fixtures), .modeldeck/deployments/ and a registry. */
async function workspace(deployments: Record<string, unknown>[]): Promise<{ ws: string; registry: string }> {
  const ws = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-scripts-'));
  await fs.cp(FIXTURES, path.join(ws, 'scripts'), { recursive: true });
  const dir = path.join(ws, '.modeldeck', 'deployments');
  await fs.mkdir(dir, { recursive: true });
  for (const d of deployments) await fs.writeFile(path.join(dir, `${d.name as string}.json`), JSON.stringify(d));
  const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] }]);
  // A version without an .onnx file: what a script serves (a pickle, weights of its own…).
  await fs.mkdir(path.join(registry, 'summer', '1'), { recursive: true });
  await fs.writeFile(path.join(registry, 'summer', '1', 'weights.txt'), '1\n');
  return { ws, registry };
}

const V2 = (rows: number[][], name = 'x') => ({ inputs: [{ name, shape: [rows.length, rows[0]!.length], datatype: 'FP32', data: rows.flat() }] });

describe('predictor and transformer scripts in the local server', () => {
  let server: ServerProcess;
  let ws: string;
  let registryRoot: string;
  const registryOf = (_s: ServerProcess): string => registryRoot;
  let client: GrpcClient;
  before(async () => {
    const setup = await workspace([
      { name: 'summer', model: { name: 'summer', version: 1 }, modelServer: 'script', predictor: { script: 'scripts/sum_predictor.py', environment: PYTHON }, batcher: { enabled: true, maxLatencyMs: 20 } },
      { name: 'legacy', model: { name: 'summer' }, modelServer: 'script', predictor: { script: 'scripts/legacy_predict.py', environment: PYTHON } },
      { name: 'broken', model: { name: 'summer' }, modelServer: 'script', predictor: { script: 'scripts/broken_syntax.py', environment: PYTHON } },
      { name: 'needs-module', model: { name: 'summer' }, modelServer: 'script', predictor: { script: 'scripts/missing_module.py', environment: PYTHON } },
      { name: 'iris-t', model: { name: 'iris', version: 2 }, transformer: { script: 'scripts/iris_transformer.py' }, predictor: { environment: PYTHON } },
      { name: 'doubler', model: { name: 'summer' }, modelServer: 'script', predictor: { script: 'scripts/echoPredictor.ts' } },
      { name: 'onnx-on-pickle', model: { name: 'summer' } },
      { name: 'envs', model: { name: 'summer', version: 1 }, modelServer: 'script', predictor: { script: 'scripts/envcheck/env_predictor.py', environment: PYTHON } },
    ]);
    ws = setup.ws;
    registryRoot = setup.registry;
    server = await startServerProcess(['--deployments', path.join(ws, '.modeldeck', 'deployments'), '--registry', setup.registry, '--log-level', 'debug']);
    client = openGrpcClient(server.grpcPort!);
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  it('serves a Python predictor over V1: one prediction per row, "inputs" accepted too, prints in the log', async () => {
    const res = await postJson(`${server.url}/v1/models/summer:predict`, { instances: [[1, 2], [3, 4.5]] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { predictions: [3, 7.5] });
    const alt = await postJson(`${server.url}/v1/models/summer:predict`, { inputs: [[10, 1]] });
    assert.deepEqual(alt.body, { predictions: [11] });
    const printed = await server.waitForLog((l) => /^predict call \d+: 1 rows$/.test(l.msg));
    assert.equal(printed.deployment, 'summer');
    assert.equal(printed.level, 'info');
    assert.equal(printed.script, 'sum_predictor.py');
  });

  it('serves V2 tensors (numpy rows) over REST and gRPC with inferred output datatypes', async () => {
    const res = await postJson(`${server.url}/v2/models/summer/infer`, V2([[1, 2, 3], [4, 5, 6]]));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.outputs, [{ name: 'output-0', datatype: 'FP64', shape: [2], data: [6, 15] }]);
    const reply = await call(client, 'ModelInfer', { model_name: 'summer', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], contents: { fp32_contents: [0.5, 0.25] } }] });
    assert.equal(reply.outputs[0].datatype, 'FP64');
    assert.deepEqual(reply.outputs[0].shape.map(Number), [1]);
    assert.deepEqual(reply.outputs[0].contents.fp64_contents, [0.75]);
  });

  it('gives scripts the Hopsworks environment, their folder as working directory and on the import path', async () => {
    const res = await postJson(`${server.url}/v1/models/envs:predict`, { instances: [[0]] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const script = path.join(ws, 'scripts', 'envcheck', 'env_predictor.py');
    const modelDir = path.join(registryOf(server), "summer", "1");
    assert.deepEqual(res.body.predictions[0], {
      MODEL_FILES_PATH: modelDir,
      ARTIFACT_FILES_PATH: modelDir,
      DEPLOYMENT_NAME: 'envs',
      DEPLOYMENT_VERSION: '1',
      MODEL_NAME: 'summer',
      MODEL_VERSION: '1',
      ARTIFACT_VERSION: '1',
      SCRIPT_PATH: script,
      SCRIPT_NAME: 'env_predictor.py',
      IS_PREDICTOR: 'true',
      IS_TRANSFORMER: 'false',
      cwd: path.dirname(script),
      helper: 'helper beside the script',
    });
  });

  it('describes a script deployment in its metadata and the repository index', async () => {
    const meta = await getJson(`${server.url}/v2/models/summer`);
    assert.equal(meta.body.platform, 'python_script');
    assert.deepEqual(meta.body.inputs, []);
    assert.equal(meta.body.parameters.predictor_script.class_name, 'Predictor');
    assert.equal(meta.body.parameters.predictor_script.path, path.join(ws, 'scripts', 'sum_predictor.py'));
    assert.equal((await getJson(`${server.url}/v2/models/doubler`)).body.platform, 'js_script');
    const index = await getJson(`${server.url}/v2/repository/index`);
    const summer = index.body.find((e: any) => e.name === 'summer');
    assert.equal(summer.state, 'READY');
    assert.equal(summer.predictor.className, 'Predictor');
    assert.match(summer.predictor.runtime, /^Python 3\.\d+\.\d+ \(\/usr\/bin\/python3(\.\d+)?\)$/);
    assert.equal(summer.predictor.interpreterSource, 'deployment');
    assert.equal(summer.predictor.script, path.join(ws, 'scripts', 'sum_predictor.py'));
    const loaded = await server.waitForLog((l) => l.deployment === 'summer' && /predictor script sum_predictor\.py loaded: class Predictor on Python/.test(l.msg));
    assert.match(loaded.msg, /chosen by deployment/);
  });

  it('fails only the request whose rows raise; its batch-mates get their answers; the next request works', async () => {
    const bodies = [[[1, 1]], [[2, 2]], [[-1, 5]], [[3, 3]], [[4, 4]], [[5, 5]]];
    const answers = await Promise.all(bodies.map((instances) => postJson(`${server.url}/v1/models/summer:predict`, { instances })));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 500, 200, 200, 200]);
    assert.deepEqual(answers.filter((a) => a.status === 200).map((a) => a.body.predictions[0]), [2, 4, 6, 8, 10]);
    assert.equal(answers[2]!.body.error, 'sum_predictor.py raised ValueError: row holds -1');
    const trace = await server.waitForLog((l) => l.deployment === 'summer' && l.level === 'error' && /Traceback/.test(l.msg));
    assert.match(trace.msg, /sum_predictor\.py", line \d+, in predict/);
    // The batcher merged some of them into one predict call (the log counts rows per call).
    await server.waitForLog((l) => l.deployment === 'summer' && /^predict call \d+: [2-6] rows$/.test(l.msg));
    assert.deepEqual((await postJson(`${server.url}/v1/models/summer:predict`, { instances: [[7, 7]] })).body, { predictions: [14] });
  });

  it('routes a legacy Predict class through :predict, :classify and :regress', async () => {
    const instances = [[1, 2, 3], [9, 9, 9]];
    assert.deepEqual((await postJson(`${server.url}/v1/models/legacy:predict`, { instances })).body, { predictions: [3, 3] });
    assert.deepEqual((await postJson(`${server.url}/v1/models/legacy:classify`, { instances })).body, { predictions: ['small', 'big'] });
    assert.deepEqual((await postJson(`${server.url}/v1/models/legacy:regress`, { instances })).body, { predictions: [2, 9] });
    const noVerb = await postJson(`${server.url}/v1/models/summer:classify`, { instances });
    assert.equal(noVerb.status, 400);
    assert.match(noVerb.body.error, /Predictor in .*sum_predictor\.py has no "classify" method \(it has: .*predict/);
  });

  it('fails a deployment whose script does not load, with file and line, or the missing module and a pip hint', async () => {
    const index = (await getJson(`${server.url}/v2/repository/index`)).body as any[];
    const broken = index.find((e) => e.name === 'broken');
    assert.equal(broken.state, 'FAILED');
    assert.match(broken.reason, /predictor script broken_syntax\.py failed to load: SyntaxError: .*\(.*broken_syntax\.py:2\)/);
    const needs = index.find((e) => e.name === 'needs-module');
    assert.equal(needs.state, 'FAILED');
    assert.match(needs.reason, /No module named 'modeldeck_no_such_module'/);
    assert.match(needs.reason, /the interpreter is \/usr\/bin\/python3(\.\d+)?: install it with \/usr\/bin\/python3(\.\d+)? -m pip install modeldeck-no-such-module/);
    const infer = await postJson(`${server.url}/v1/models/broken:predict`, { instances: [[1]] });
    assert.equal(infer.status, 503);
  });

  it('refuses to serve a version without an .onnx file with the ONNX model server, saying why', async () => {
    const index = (await getJson(`${server.url}/v2/repository/index`)).body as any[];
    const onnx = index.find((e) => e.name === 'onnx-on-pickle');
    assert.equal(onnx.state, 'FAILED');
    assert.match(onnx.reason, /has no \.onnx file \(files: weights\.txt\); serve it with a predictor script/);
  });

  it('runs a transformer in front of the ONNX model: V1 named features in, label names out; V2 passed through', async () => {
    const v1 = await postJson(`${server.url}/v1/models/iris-t:predict`, {
      instances: [
        { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
        [7.3, 2.9, 6.3, 1.8],
      ],
    });
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    assert.deepEqual(v1.body, { predictions: ['setosa', 'virginica'] });
    const v2 = await postJson(`${server.url}/v2/models/iris-t/infer`, { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] });
    assert.equal(v2.status, 200, JSON.stringify(v2.body));
    assert.deepEqual(v2.body.outputs.map((o: any) => o.name), ['label']);
    const index = (await getJson(`${server.url}/v2/repository/index`)).body as any[];
    assert.equal(index.find((e) => e.name === 'iris-t').transformer.className, 'Transformer');
  });

  it('serves a TypeScript predictor (compiled at load) with console output in the log', async () => {
    const res = await postJson(`${server.url}/v1/models/doubler:predict`, { instances: [[1, 2], [3, 4]] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { predictions: [[2, 4], [6, 8]] });
    const line = await server.waitForLog((l) => l.deployment === 'doubler' && l.msg === 'ts predict 2 rows for summer');
    assert.equal(line.level, 'info');
    // Datatypes are inferred from what came back: integers only → INT64, any fraction → FP64.
    const ints = await postJson(`${server.url}/v2/models/doubler/infer`, V2([[1.5, 2]]));
    assert.deepEqual(ints.body.outputs, [{ name: 'output-0', datatype: 'INT64', shape: [1, 2], data: [3, 4] }]);
    const floats = await postJson(`${server.url}/v2/models/doubler/infer`, V2([[1.25, 2]]));
    assert.deepEqual(floats.body.outputs, [{ name: 'output-0', datatype: 'FP64', shape: [1, 2], data: [2.5, 4] }]);
  });

  it('reloads a deployment when its script is saved, with no failed request during the swap', async () => {
    const script = path.join(ws, 'scripts', 'legacy_predict.py');
    let stop = false;
    const results: number[] = [];
    const loop = (async () => {
      while (!stop && results.length < 5000) {
        const r = await postJson(`${server.url}/v1/models/legacy:predict`, { instances: [[1, 2]] });
        results.push(r.status === 200 ? (r.body.predictions[0] as number) : -r.status);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const text = await fs.readFile(script, 'utf8');
    await fs.writeFile(script, text.replace('return [len(row) for row in inputs]', 'return [100 + len(row) for row in inputs]'));
    await server.waitForLog((l) => l.deployment === 'legacy' && /^unloaded version 1$/.test(l.msg), 30_000);
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await loop;
    assert.ok(results.length > 20, `the load loop ran (${results.length})`);
    assert.deepEqual(results.filter((r) => r < 0), [], 'no request failed during the reload');
    assert.ok(results.includes(2) && results.at(-1) === 102, `answers moved from the old script to the new one (last: ${results.at(-1)})`);
  });
});

describe('script hosts that hang or exit are replaced', () => {
  let server: ServerProcess;
  before(async () => {
    const { ws, registry } = await workspace([
      { name: 'flaky', model: { name: 'summer' }, modelServer: 'script', predictor: { script: 'scripts/flaky_predictor.py', environment: PYTHON } },
    ]);
    server = await startServerProcess(['--deployments', path.join(ws, '.modeldeck', 'deployments'), '--registry', registry, '--script-timeout-seconds', '1']);
  });
  after(async () => {
    await server?.stop();
  });

  it('fails a call past --script-timeout-seconds, replaces the process, and serves the next request', async () => {
    const before = await postJson(`${server.url}/v1/models/flaky:predict`, { instances: [[1]] });
    assert.equal(before.status, 200);
    const hung = await postJson(`${server.url}/v1/models/flaky:predict`, { instances: [['hang']] });
    assert.equal(hung.status, 503);
    assert.equal(hung.body.error, 'script host did not answer within 1 s');
    await server.waitForLog((l) => l.deployment === 'flaky' && /^script host of version 1 replaced/.test(l.msg));
    const after = await postJson(`${server.url}/v1/models/flaky:predict`, { instances: [[1]] });
    assert.equal(after.status, 200);
    assert.notEqual(after.body.predictions[0], before.body.predictions[0], 'a new process answers');
  });

  it('fails the call of a process that exits, replaces it, and serves the next request', async () => {
    const exited = await postJson(`${server.url}/v1/models/flaky:predict`, { instances: [['exit']] });
    assert.equal(exited.status, 500);
    assert.match(exited.body.error, /script host exited with code 3/);
    await server.waitForLog((l) => l.deployment === 'flaky' && /lost \(script host exited with code 3\)/.test(l.msg));
    let answer;
    for (let i = 0; i < 50; i++) {
      answer = await postJson(`${server.url}/v1/models/flaky:predict`, { instances: [[1]] });
      if (answer.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(answer!.status, 200, JSON.stringify(answer!.body));
  });
});
