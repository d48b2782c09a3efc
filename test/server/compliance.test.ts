// The endpoint compliance check (src/core/compliance/) and `modeldeck check`: against ModelDeck's
// own server every check passes (iris: everything, REST and gRPC; the alltypes fixture: every
// datatype); against a deliberately incomplete server (test/support/incompleteOipServer.ts) each
// missing part is reported on its own check with a precise reason, and the CLI exits 1.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createServer } from 'node:net';
import { reportMarkdown } from '../../src/core/compliance/complianceMarkdown';
import type { ComplianceReport } from '../../src/core/compliance/complianceTypes';
import { runComplianceCheck } from '../../src/core/compliance/runCompliance';
import { startIncompleteOipServer, type IncompleteServer } from '../support/incompleteOipServer';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';

const PROTO = path.join(REPO_ROOT, 'server', 'protocols', 'grpc', 'proto', 'open_inference_grpc.proto');
const CLI = path.join(REPO_ROOT, 'dist', 'modeldeck.js');

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs dist/modeldeck.js without blocking this process (the incomplete server answers from it). */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const byId = (r: ComplianceReport, id: string) => {
  const found = r.results.find((c) => c.id === id);
  assert.ok(found, `check ${id} ran; got ${r.results.map((c) => c.id).join(', ')}`);
  return found;
};
const failures = (r: ComplianceReport) => r.results.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.detail}`);

describe('compliance check against ModelDeck', () => {
  let server: ServerProcess;
  before(async () => {
    const fixtures = await tempRegistry([{ from: FIXTURE_MODELS, name: 'alltypes' }]);
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--registry', fixtures]);
  });
  after(async () => {
    await server?.stop();
  });

  it('iris over REST and gRPC: every check passes, none skipped', async () => {
    const r = await runComplianceCheck({ url: server.url, grpc: `127.0.0.1:${server.grpcPort}`, model: 'iris' }, { protoFile: PROTO });
    assert.deepEqual(failures(r), []);
    assert.equal(r.counts.skipped, 0, JSON.stringify(r.results.filter((c) => c.status === 'skipped').map((c) => c.id)));
    for (const id of ['rest.health.live', 'rest.health.ready', 'rest.server.metadata', 'rest.model.ready', 'rest.model.metadata', 'rest.infer.json', 'rest.datatype.FP32', 'rest.datatype.INT64', 'rest.infer.binary', 'rest.v1.metadata', 'rest.v1.predict', 'rest.error.unknownModel.metadata', 'rest.error.unknownModel.infer', 'rest.error.shape', 'rest.error.rank', 'rest.error.datatype', 'grpc.health.live', 'grpc.health.ready', 'grpc.server.metadata', 'grpc.model.ready', 'grpc.model.metadata', 'grpc.infer.contents', 'grpc.infer.raw', 'grpc.error.unknownModel', 'grpc.error.shape']) {
      assert.equal(byId(r, id).status, 'pass', id);
    }
    // Each check says what it sent and received, and which section it tests.
    const infer = byId(r, 'rest.infer.json');
    assert.match(infer.exchanges[0]!.requestBody!, /"float_input"/);
    assert.equal(infer.exchanges[0]!.status, '200');
    assert.match(infer.section, /OIP REST · Inference/);
    assert.match(byId(r, 'grpc.infer.raw').exchanges[0]!.target, /GRPCInferenceService\/ModelInfer/);
    const md = reportMarkdown(r);
    assert.match(md, /\| `rest\.health\.live` .*\| ✅ pass \| \[OIP REST · Health\]/);
    assert.match(md, /### `rest\.error\.shape`: ✅ pass/);
    assert.match(md, /\*\*\d+ passed, 0 failed, 0 skipped\*\*/);
  });

  it('the alltypes fixture: every one of the 13 datatypes passes, REST and gRPC', async () => {
    const r = await runComplianceCheck({ url: server.url, grpc: `127.0.0.1:${server.grpcPort}`, model: 'alltypes' }, { protoFile: PROTO });
    assert.deepEqual(failures(r), []);
    const types = r.results.filter((c) => c.id.startsWith('rest.datatype.'));
    assert.deepEqual(types.map((c) => c.id.slice('rest.datatype.'.length)).sort(), ['BOOL', 'BYTES', 'FP16', 'FP32', 'FP64', 'INT16', 'INT32', 'INT64', 'INT8', 'UINT16', 'UINT32', 'UINT64', 'UINT8']);
    assert.ok(types.every((c) => c.status === 'pass'));
    // V1 instances carry a single input: skipped, with the reason.
    assert.equal(byId(r, 'rest.v1.predict').status, 'skipped');
    assert.match(byId(r, 'rest.v1.predict').detail, /one input/);
  });

  it('no model named: the first ready model of the repository index is checked', async () => {
    const r = await runComplianceCheck({ url: server.url }, { protoFile: PROTO });
    assert.equal(byId(r, 'rest.model.pick').status, 'pass');
    assert.ok(r.model);
    assert.deepEqual(failures(r), []);
    assert.equal(byId(r, 'grpc').status, 'skipped');
  });

  it('modeldeck check prints JSON and exits 0', async () => {
    const run = await runCli(['check', server.url, '--model', 'iris', '--grpc', `127.0.0.1:${server.grpcPort}`, '--json']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as ComplianceReport;
    assert.equal(report.counts.fail, 0);
    assert.equal(report.model, 'iris');
    const text = await runCli(['check', server.url, '--model', 'iris']);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /^PASS {2}rest\.infer\.binary/m);
    assert.match(text.stdout, /passed, 0 failed, 1 skipped/);
  });
});

describe('compliance check against an incomplete server', () => {
  let server: IncompleteServer;
  before(async () => {
    server = await startIncompleteOipServer();
  });
  after(async () => {
    await server?.close();
  });

  it('reports each missing part on its own check, precisely', async () => {
    const grpcPort = await closedPort();
    const r = await runComplianceCheck({ url: server.url, model: 'iris', grpc: `127.0.0.1:${grpcPort}` }, { protoFile: PROTO });
    const expected: Record<string, [string, RegExp]> = {
      'rest.health.live': ['pass', /200/],
      'rest.health.ready': ['fail', /answered 404, the spec requires 200/],
      'rest.server.metadata': ['fail', /"extensions" is missing/],
      'rest.model.ready': ['pass', /200/],
      'rest.model.metadata': ['pass', /1 input/],
      'rest.infer.json': ['pass', /probabilities FP32 \[1,3\]/],
      'rest.datatype.FP32': ['pass', /sent float_input; received probabilities/],
      'rest.datatype.INT64': ['fail', /declared INT64 output\(s\) label did not come back/],
      'rest.infer.binary': ['fail', /answered 400 to a binary request.*does not list binary_tensor_data/],
      'rest.v1.metadata': ['skipped', /V1 is not served here \(404\)/],
      'rest.v1.predict': ['skipped', /V1 is not served/],
      'rest.error.unknownModel.metadata': ['fail', /answered 500, the spec requires 404/],
      'rest.error.unknownModel.infer': ['fail', /answered 500, the spec requires 404/],
      'rest.error.shape': ['fail', /answered 200, the spec requires 400/],
      'rest.error.rank': ['fail', /answered 200, the spec requires 400/],
      'rest.error.datatype': ['fail', /400 as required, but the body is not a JSON error object/],
      'grpc.health.live': ['fail', /UNAVAILABLE/],
      'grpc.model.metadata': ['skipped', /nothing answers gRPC/],
    };
    for (const [id, [status, detail]] of Object.entries(expected)) {
      const c = byId(r, id);
      assert.equal(c.status, status, `${id}: ${c.detail}`);
      assert.match(c.detail, detail, id);
    }
    // The failing binary check shows what it sent (the JSON header) and the server's answer.
    const binary = byId(r, 'rest.infer.binary').exchanges[0]!;
    assert.match(binary.requestBody!, /binary_data_size/);
    assert.equal(binary.status, '400');
    assert.match(binary.responseBody!, /not supported/);
  });

  it('no model named and no repository index: the pick fails and says to name one', async () => {
    const r = await runComplianceCheck({ url: server.url }, { protoFile: PROTO });
    const pick = byId(r, 'rest.model.pick');
    assert.equal(pick.status, 'fail');
    assert.match(pick.detail, /answered 404: name one \(--model\)/);
    assert.ok(!r.results.some((c) => c.id.startsWith('rest.infer')), 'no model checks without a model');
  });

  it('modeldeck check exits 1 and prints the failures', async () => {
    const run = await runCli(['check', server.url, '--model', 'iris']);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^FAIL {2}rest\.health\.ready +answered 404/m);
    assert.match(run.stdout, /^SKIP {2}rest\.v1\.metadata/m);
    const usage = await runCli(['check', '--grpc']);
    assert.equal(usage.status, 2);
    assert.match(usage.stdout, /--grpc needs a value/);
  });
});
