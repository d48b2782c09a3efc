/// <reference types="mocha" />
// KServe inside the real extension host: the fake Kubernetes API (test/support/fakeKubeApi.ts) and
// a real ModelDeck server playing the cluster's kserve-container, started here; the extension
// pointed at them through its settings (`modeldeck.kserve.kubeconfig`, `modeldeck.kserve.ingressUrl`).
// Through the extension API and its commands only.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { FakeKubeApi } from '../../support/fakeKubeApi';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../../support/registryCopy';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess';
import { EXTENSION_ID } from './api';

interface KServeApi {
  panels(): { viewType: string; title: string; deployment?: string }[];
  kserve: {
    remote(): Promise<{ kind: string; context?: string; namespace?: string; message?: string; items: { name: string; state: string; url?: string; reason?: string; replicas: { ready: number; total: number } }[] }>;
    logLines(namespace: string, name: string): string[];
    setInferenceToken(token: string): Promise<void>;
    deploy(name: string): Promise<{ ready: boolean; url?: string; reasons?: string[] }>;
  };
}

const NS = 'ml-team';

async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What "Predict on KServe Deployment" resolves with (a predict panel history entry). */
interface Prediction {
  transport: string;
  outcome: { ok: boolean; modelName?: string; outputs?: { name: string }[]; status?: string; error?: string };
}

suite('KServe (fake cluster)', function () {
  this.timeout(120_000);
  let api: KServeApi;
  let fake: FakeKubeApi;
  let server: ServerProcess;
  let registry: string;
  let scratch: string;
  let files: string[] = [];
  const config = () => vscode.workspace.getConfiguration('modeldeck');

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as KServeApi;
    registry = await tempRegistry([
      { from: EXAMPLE_REGISTRY, name: 'iris' },
      { from: FIXTURE_MODELS, name: 'broken' },
    ]);
    server = await startServerProcess(['--registry', registry, '--model-control', 'explicit', '--any-host']);
    fake = await FakeKubeApi.start({ modelServerUrl: server.url, modelServerGrpc: `127.0.0.1:${server.grpcPort}` });
    scratch = mkdtempSync(join(tmpdir(), 'modeldeck-kserve-suite-'));
    const dir = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.modeldeck', 'deployments');
    mkdirSync(dir, { recursive: true });
    const write = (name: string, spec: unknown) => {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify(spec, null, 2));
      files.push(f);
    };
    write('iris-suite', { name: 'iris-suite', model: { name: 'iris', version: 2 }, servingTool: 'kserve', kserve: { storageUri: 's3://models/{model}/{version}' } });
    write('broken-suite', { name: 'broken-suite', model: { name: 'broken', version: 1 }, servingTool: 'kserve', kserve: { storageUri: 'gs://models/broken/1' } });
  });

  suiteTeardown(async () => {
    for (const f of files) { try { unlinkSync(f); } catch { /* gone */ } }
    files = [];
    await config().update('kserve.kubeconfig', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('kserve.ingressUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await fake?.close();
    await server?.stop();
    rmSync(registry, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a missing kubeconfig is reported, naming where it was looked for', async () => {
    const missing = join(scratch, 'nope', 'kubeconfig');
    await config().update('kserve.kubeconfig', missing, vscode.ConfigurationTarget.Workspace);
    const r = await waitFor('the error state', 20_000, async () => {
      const x = await api.kserve.remote();
      return x.kind === 'error' ? x : undefined;
    });
    assert.match(r.message ?? '', /no kubeconfig found: looked in/);
    assert.ok((r.message ?? '').includes(missing), r.message);
  });

  test('an empty kubeconfig is reported as empty', async () => {
    const empty = join(scratch, 'empty-kubeconfig');
    writeFileSync(empty, '');
    await config().update('kserve.kubeconfig', empty, vscode.ConfigurationTarget.Workspace);
    const r = await waitFor('the error state', 20_000, async () => {
      const x = await api.kserve.remote();
      return x.kind === 'error' && /empty/.test(x.message ?? '') ? x : undefined;
    });
    assert.match(r.message ?? '', /the file is empty/);
  });

  test('deploys a kserve deployment file: applied, watched until Ready, listed with its URL and replicas', async () => {
    await config().update('kserve.kubeconfig', fake.writeKubeconfig(scratch, { namespace: NS }), vscode.ConfigurationTarget.Workspace);
    await config().update('kserve.ingressUrl', fake.ingressUrl, vscode.ConfigurationTarget.Workspace);
    await waitFor('the deployment files', 20_000, async () => ((await api.kserve.remote()).kind === 'ok' ? true : undefined));
    const r = await api.kserve.deploy('iris-suite');
    assert.deepEqual(r, { ready: true, url: `http://iris-suite.${NS}.example.com` });
    const stored = fake.getIsvc(NS, 'iris-suite');
    assert.ok(stored?.metadata.managedFields.some((m: { manager: string }) => m.manager === 'modeldeck'), 'applied with field manager modeldeck');
    const list = await api.kserve.remote();
    assert.equal(list.context, 'fake-kserve');
    assert.equal(list.namespace, NS);
    const row = list.items.find((i) => i.name === 'iris-suite');
    assert.equal(row?.state, 'Ready');
    assert.equal(row?.url, `http://iris-suite.${NS}.example.com`);
    assert.deepEqual(row?.replicas, { ready: 1, total: 1 });
  });

  test('"Predict on KServe Deployment" opens the predict panel and sends the example through the ingress with the Host header', async () => {
    const entry = (await vscode.commands.executeCommand('modeldeck.kserve.predict', 'iris-suite')) as Prediction;
    assert.ok(entry.outcome.ok, JSON.stringify(entry.outcome));
    assert.equal(entry.outcome.modelName, 'iris-suite');
    assert.ok(entry.outcome.outputs?.some((o) => o.name === 'label'), JSON.stringify(entry.outcome));
    const panel = api.panels().find((p) => p.deployment === `kserve:fake-kserve/${NS}/iris-suite`);
    assert.equal(panel?.title, 'Predict: iris-suite (KServe)', JSON.stringify(api.panels()));
  });

  test('a gateway that wants a token refuses the panel\'s request until one is in secret storage; then it goes along as a bearer token', async () => {
    fake.controller.inferenceToken = 'tok-suite';
    try {
      const refused = (await vscode.commands.executeCommand('modeldeck.kserve.predict', 'iris-suite')) as Prediction;
      assert.equal(refused.outcome.ok, false);
      assert.equal(refused.outcome.status, 'HTTP 401', JSON.stringify(refused.outcome));
      await api.kserve.setInferenceToken('tok-suite');
      const answered = (await vscode.commands.executeCommand('modeldeck.kserve.predict', 'iris-suite')) as Prediction;
      assert.ok(answered.outcome.ok, JSON.stringify(answered.outcome));
    } finally {
      fake.controller.inferenceToken = undefined;
      await api.kserve.setInferenceToken('');
    }
  });

  test('Show Logs follows every container of its pods into a live document', async () => {
    await vscode.commands.executeCommand('modeldeck.kserve.showLogs', { kind: 'remote', name: 'iris-suite', namespace: NS });
    const lines = await waitFor('kserve-container lines', 20_000, () => {
      const l = api.kserve.logLines(NS, 'iris-suite');
      return l.some((x) => /\/kserve-container\] /.test(x)) && l.some((x) => /\/storage-initializer\] /.test(x)) ? l : undefined;
    });
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'modeldeck-kserve' && d.uri.path.endsWith('/iris-suite/logs.log'));
    assert.ok(doc, 'the log document is open');
    await waitFor('the document to show the lines', 10_000, () => (doc.getText().includes('/kserve-container]') ? true : undefined));
    assert.ok(lines.length > 2);
  });

  test('a model that cannot load ends the wait as failed; "Why Not Ready?" shows lastFailureInfo, events and containers', async () => {
    const r = await api.kserve.deploy('broken-suite');
    assert.equal(r.ready, false);
    assert.ok((r.reasons ?? []).some((x) => /ModelLoadFailed|CrashLoopBackOff/.test(x)), JSON.stringify(r));
    const md = (await vscode.commands.executeCommand('modeldeck.kserve.whyNotReady', 'broken-suite')) as string;
    assert.match(md, new RegExp(`# Why is ${NS}/broken-suite not ready\\?`));
    assert.match(md, /last failure: ModelLoadFailed in broken-suite-predictor-/);
    assert.match(md, /\| kserve-container \| waiting \| CrashLoopBackOff/);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'modeldeck-kserve' && d.uri.path.endsWith('/broken-suite/why-not-ready.md'));
    assert.equal(doc?.languageId, 'markdown');
  });

  test('Stop sets the stop annotation and the view says Stopped; Start brings it back to Ready', async () => {
    await vscode.commands.executeCommand('modeldeck.kserve.stop', 'iris-suite');
    assert.equal(fake.getIsvc(NS, 'iris-suite')?.metadata.annotations['serving.kserve.io/stop'], 'true');
    await waitFor('Stopped', 20_000, async () => ((await api.kserve.remote()).items.find((i) => i.name === 'iris-suite')?.state === 'Stopped' ? true : undefined));
    await vscode.commands.executeCommand('modeldeck.kserve.start', 'iris-suite');
    await waitFor('Ready again', 30_000, async () => ((await api.kserve.remote()).items.find((i) => i.name === 'iris-suite')?.state === 'Ready' ? true : undefined));
  });

  test('"Generate KServe Runtime Files" writes the Dockerfile, the ClusterServingRuntime and the server it copies', async () => {
    const out = join(scratch, 'runtime');
    const written = (await vscode.commands.executeCommand('modeldeck.kserve.generateRuntimeFiles', { folder: out, image: 'registry.example.com/ml/modeldeck-runtime:test' })) as string[];
    assert.ok(Array.isArray(written), 'the command returned the files it wrote');
    for (const f of ['Dockerfile', 'cluster-serving-runtime.yaml', 'dist/server.js', 'node_modules/onnxruntime-node/package.json']) assert.ok(existsSync(join(out, f)), `${f} written`);
    const runtime = readFileSync(join(out, 'cluster-serving-runtime.yaml'), 'utf8');
    assert.match(runtime, /kind: ClusterServingRuntime/);
    assert.match(runtime, /image: registry\.example\.com\/ml\/modeldeck-runtime:test/);
  });
});
