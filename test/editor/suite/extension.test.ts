/// <reference types="mocha" />
// ModelDeck in a real VS Code extension host, through its public API and its commands only.
// The workspace is a copy of examples/ (registry models/, deployments in .modeldeck/) with
// httpPort/grpcPort 0 and logLevel debug (written by the runner).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CONTRACT_COMMANDS, EXTENSION_ID, inferUrlOf, type DeploymentView, type ModelDeckApi } from './api';

/** Polls until `check` returns a value, or fails with the last state it saw. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, describe?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `; last seen: ${JSON.stringify(describe())}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri.fsPath;
}

function inputExample(model: string, version: number): unknown {
  const meta = JSON.parse(readFileSync(join(workspaceRoot(), 'models', model, String(version), 'model.json'), 'utf8'));
  assert.ok(meta.input_example, `models/${model}/${version}/model.json has an input_example`);
  return meta.input_example;
}

async function infer(d: DeploymentView, body: unknown, requestId: string): Promise<{ status: number; json: any }> {
  assert.ok(d.restUrl, `deployment ${d.name} has a restUrl`);
  const res = await fetch(inferUrlOf(d.restUrl, d.name), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, json };
}

suite('ModelDeck in VS Code', function () {
  this.timeout(120_000);
  let api: ModelDeckApi;
  /** The deployment created by serveModel (shared by the lifecycle tests, in order). */
  let served: DeploymentView | undefined;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<ModelDeckApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    api = await ext.activate();
  });

  suiteTeardown(async () => {
    // Leave no server behind when the host shuts down.
    await vscode.commands.executeCommand('modeldeck.server.stop').then(undefined, () => undefined);
  });

  test('activates and returns the ModelDeck API', async () => {
    const ext = vscode.extensions.getExtension<ModelDeckApi>(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    for (const fn of ['serverState', 'deployments', 'models', 'logLines', 'whenIdle'] as const) {
      assert.equal(typeof api?.[fn], 'function', `api.${fn} is a function`);
    }
    await api.whenIdle();
    if (process.env.MODELDECK_EDITOR_PACKAGED === '1') {
      // Payload mode runs the unpacked VSIX: the packaged bits, not the source tree.
      assert.ok(existsSync(join(ext.extensionPath, 'dist', 'extension.js')), 'dist/extension.js is packaged');
      assert.ok(existsSync(join(ext.extensionPath, 'dist', 'server.js')), 'dist/server.js is packaged');
      assert.ok(existsSync(join(ext.extensionPath, 'node_modules', 'onnxruntime-node', 'package.json')), 'onnxruntime-node is packaged');
      assert.ok(!existsSync(join(ext.extensionPath, 'src')), 'src/ is not packaged');
    }
  });

  test('contributes the commands, the ModelDeck view container and its settings', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = CONTRACT_COMMANDS.filter((c) => !all.has(c));
    assert.deepEqual(missing, [], 'every contract command is registered');
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const containers = pkg.contributes?.viewsContainers?.activitybar ?? [];
    assert.ok(containers.some((c: any) => c.id === 'modeldeck' && c.title === 'ModelDeck'), 'activity bar container "ModelDeck"');
    const views = (pkg.contributes?.views?.modeldeck ?? []).map((v: any) => `${v.id}=${v.name}`);
    assert.ok(views.includes('modeldeck.models=Models'), `Models view (${views.join(', ')})`);
    assert.ok(views.includes('modeldeck.deployments=Deployments'), `Deployments view (${views.join(', ')})`);
    const cfg = vscode.workspace.getConfiguration('modeldeck');
    assert.deepEqual(cfg.inspect('registryPaths')?.defaultValue, ['models']);
    assert.equal(cfg.inspect('server.host')?.defaultValue, '127.0.0.1');
    assert.equal(cfg.inspect('server.httpPort')?.defaultValue, 8080);
    assert.equal(cfg.inspect('server.grpcPort')?.defaultValue, 8081);
    // The runner's workspace settings are in effect (tests never collide on ports).
    assert.equal(cfg.get('server.httpPort'), 0);
  });

  test('models() lists the example registry with its best versions', async () => {
    const models = await waitFor('four example models', 30_000, () => {
      const m = api.models();
      return m.length >= 4 ? m : undefined;
    }, () => api.models());
    const byName = new Map(models.map((m) => [m.model, m]));
    // iris-sklearn has no .onnx file (model.pkl): listed all the same, served by a predictor script.
    assert.deepEqual([...byName.keys()].sort(), ['digits', 'digits-cnn', 'iris', 'iris-sklearn', 'tiny-lm']);
    assert.deepEqual(byName.get('iris-sklearn')!.versions, [1]);
    assert.deepEqual([...byName.get('iris')!.versions].sort(), [1, 2]);
    assert.equal(byName.get('iris')!.best, 2, 'iris/2 has the higher accuracy (0.9111 vs 0.8222)');
    assert.deepEqual(byName.get('digits')!.versions, [1]);
    assert.equal(byName.get('digits')!.best, 1);
    assert.deepEqual(byName.get('digits-cnn')!.versions, [1]);
  });

  test('serveModel on models/digits/1/model.onnx: a running deployment with a REST URL', async () => {
    const before = new Set(api.deployments().map((d) => d.name));
    const uri = vscode.Uri.file(join(workspaceRoot(), 'models', 'digits', '1', 'model.onnx'));
    await vscode.commands.executeCommand('modeldeck.serveModel', uri);
    served = await waitFor('a running digits deployment', 90_000, () => {
      const running = api.deployments().filter((d) => d.model === 'digits' && d.state === 'running' && d.restUrl);
      return running.find((d) => !before.has(d.name)) ?? running.find((d) => d.version === 1) ?? undefined;
    }, () => ({ deployments: api.deployments(), server: api.serverState() }));
    assert.equal(served.version, 1);
    assert.match(served.restUrl!, /^http:\/\/127\.0\.0\.1:\d+/);
    const server = api.serverState();
    assert.equal(server.state, 'running');
    assert.ok(typeof server.pid === 'number' && server.pid > 0, 'serverState().pid');
    const specFile = join(workspaceRoot(), '.modeldeck', 'deployments', `${served.name}.json`);
    assert.ok(existsSync(specFile), `${specFile} written`);
    const spec = JSON.parse(readFileSync(specFile, 'utf8'));
    assert.equal(spec.name, served.name);
  });

  test('a real inference over REST answers, and its request id reaches the output channel', async () => {
    assert.ok(served, 'serveModel test ran');
    const requestId = `editor-suite-${Date.now()}`;
    const r = await infer(served, inputExample('digits', 1), requestId);
    assert.equal(r.status, 200, `infer answered ${r.status}: ${JSON.stringify(r.json)}`);
    const label = r.json.outputs?.find((o: any) => o.name === 'label');
    assert.ok(label, `a "label" output in ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.equal(label.data.length, 2, 'two rows in, two labels out');
    await waitFor(`a log line with request id ${requestId}`, 15_000, () => (api.logLines().some((l) => l.includes(requestId)) ? true : undefined),
      () => api.logLines().slice(-10));
  });

  test('stopDeployment turns it stopped (and it no longer answers)', async () => {
    assert.ok(served, 'serveModel test ran');
    const name = served.name;
    await vscode.commands.executeCommand('modeldeck.stopDeployment', name);
    await waitFor(`${name} stopped`, 30_000, () => (api.deployments().find((d) => d.name === name)?.state === 'stopped' ? true : undefined),
      () => api.deployments());
    const r = await infer(served, inputExample('digits', 1), `editor-suite-stopped-${Date.now()}`).catch((e) => ({ status: -1, json: String(e) }));
    assert.notEqual(r.status, 200, 'a stopped deployment does not serve');
  });

  test('startDeployment brings it back to running', async () => {
    assert.ok(served, 'serveModel test ran');
    const name = served.name;
    await vscode.commands.executeCommand('modeldeck.startDeployment', name);
    served = await waitFor(`${name} running`, 60_000, () => {
      const d = api.deployments().find((x) => x.name === name);
      return d?.state === 'running' && d.restUrl ? d : undefined;
    }, () => api.deployments());
    const r = await infer(served, inputExample('digits', 1), `editor-suite-restarted-${Date.now()}`);
    assert.equal(r.status, 200);
  });

  test('when the server process dies it is restarted and the deployment comes back running', async () => {
    assert.ok(served, 'serveModel test ran');
    const name = served.name;
    const before = api.serverState();
    assert.equal(before.state, 'running');
    assert.ok(before.pid, 'server pid known');
    process.kill(before.pid, 'SIGKILL');
    const after = await waitFor('the server running again under a new pid', 60_000, () => {
      const s = api.serverState();
      return s.state === 'running' && s.pid !== before.pid && s.restarts >= before.restarts + 1 ? s : undefined;
    }, () => api.serverState());
    assert.ok(after.restarts >= 1);
    served = await waitFor(`${name} running again`, 60_000, () => {
      const d = api.deployments().find((x) => x.name === name);
      return d?.state === 'running' && d.restUrl ? d : undefined;
    }, () => api.deployments());
    const r = await infer(served, inputExample('digits', 1), `editor-suite-after-crash-${Date.now()}`);
    assert.equal(r.status, 200, `after the restart infer answered ${r.status}: ${JSON.stringify(r.json)}`);
  });

  // Untrusted workspaces: this harness runs code-server with --disable-workspace-trust (a trust prompt
  // would block headless runs), so Restricted Mode is tested by the UI flow instead, in a second
  // code-server with trust on (test/editor/restrictedFlow.ts).
});
