/// <reference types="mocha" />
// The deployment form, the predict panel, "Send Request" and the "Predict with" CodeLens inside
// the real extension host, through commands and the public API. (The webview pages themselves are
// driven by test/editor/panelsFlow.ts in the browser.)
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, type ModelDeckApi } from './api';

/** What "Send Request" resolves with (the predict panel's history entry), as far as these tests read it. */
interface SentEntry {
  transport: string;
  format: string;
  source: string;
  version?: string;
  outcome:
    | { ok: true; outputs: { name: string; data: unknown[]; labels?: string[] }[]; topK: { output: string; rows: { label?: string }[][] }[]; timing: { clientMs: number; queueMs?: number } }
    | { ok: false; error: string; problems?: string[]; status?: string };
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined, describe?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${describe ? `; last seen: ${JSON.stringify(describe())}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const fileUri = (...p: string[]) => vscode.Uri.file(join(root(), ...p));
const ok = (e: SentEntry) => {
  assert.ok(e.outcome.ok, `expected an answer, got ${JSON.stringify(e.outcome)}`);
  return e.outcome;
};

suite('ModelDeck panels: deployment form, predict panel, Send Request, CodeLens', function () {
  this.timeout(120_000);
  let api: ModelDeckApi;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<ModelDeckApi>(EXTENSION_ID)!.activate();
    await api.whenIdle();
    // The example workspace's "iris" deployment serves the request files.
    await vscode.commands.executeCommand('modeldeck.startDeployment', 'iris');
    await waitFor('iris running', 90_000, () => (api.deployments().find((d) => d.name === 'iris')?.state === 'running' ? true : undefined), () => api.deployments());
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('modeldeck.server.stop').then(undefined, () => undefined);
  });

  test('contributes the commands, menus and panel restore (onWebviewPanel) they need', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const c of ['modeldeck.deploy', 'modeldeck.editDeployment', 'modeldeck.sendRequest', 'modeldeck.openPredictPanel']) assert.ok(all.has(c), `${c} is registered`);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.ok(pkg.activationEvents.includes('onWebviewPanel:modeldeck.deploymentForm'));
    assert.ok(pkg.activationEvents.includes('onWebviewPanel:modeldeck.predict'));
    const items = pkg.contributes.menus['view/item/context'] as { command: string; when: string }[];
    assert.ok(items.some((m) => m.command === 'modeldeck.deploy' && m.when.includes('modeldeck.models')), 'Deploy… on models and versions');
    assert.ok(items.some((m) => m.command === 'modeldeck.editDeployment' && m.when.includes('modeldeck.deployments')), 'Edit on deployments');
  });

  test('Deploy… opens a deployment form; Edit opens one form per deployment (again: revealed, not duplicated)', async () => {
    assert.equal(await vscode.commands.executeCommand('modeldeck.deploy'), 'Deploy a Model');
    assert.equal(await vscode.commands.executeCommand('modeldeck.editDeployment', 'iris'), 'Deployment: iris');
    await vscode.commands.executeCommand('modeldeck.editDeployment', 'iris');
    const forms = api.panels().filter((p) => p.viewType === 'modeldeck.deploymentForm');
    assert.deepEqual(forms.map((f) => f.deployment ?? '(new)').sort(), ['(new)', 'iris']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the forms closed', 10_000, () => (api.panels().length === 0 ? true : undefined), () => api.panels());
  });

  test('Send Request on a V2 request file answers over REST and over gRPC, shown in the deployment\'s predict panel', async () => {
    const uri = fileUri('requests', 'iris.request.json');
    await vscode.window.showTextDocument(uri);
    const rest = (await vscode.commands.executeCommand('modeldeck.sendRequest', { uri: uri.toString(), deployment: 'iris' })) as SentEntry;
    const answer = ok(rest);
    assert.equal(rest.transport, 'rest-json', 'the deployment\'s protocol is rest');
    assert.equal(rest.source, 'requests/iris.request.json');
    assert.deepEqual(answer.outputs.find((o) => o.name === 'label')!.labels, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(answer.topK[0]!.rows.map((r) => r[0]!.label), ['setosa', 'versicolor', 'virginica']);
    assert.equal(typeof answer.timing.queueMs, 'number', 'server timing');
    const grpc = (await vscode.commands.executeCommand('modeldeck.sendRequest', { uri: uri.toString(), deployment: 'iris', transport: 'grpc' })) as SentEntry;
    assert.equal(grpc.transport, 'grpc');
    assert.deepEqual(ok(grpc).outputs.find((o) => o.name === 'label')!.data, [0, 1, 2]);
    const panels = api.panels().filter((p) => p.viewType === 'modeldeck.predict');
    assert.deepEqual(panels.map((p) => p.deployment), ['iris'], 'one predict panel, for iris');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString(), 'focus stays in the request file');
    assert.deepEqual(api.lastPrediction('iris'), { ok: true, transport: 'grpc', source: 'requests/iris.request.json', outputs: ['label', 'probabilities'] });
  });

  test('a V1 instances file is sent over REST to :predict', async () => {
    const entry = (await vscode.commands.executeCommand('modeldeck.sendRequest', { uri: fileUri('requests', 'iris-v1.request.json').toString(), deployment: 'iris' })) as SentEntry;
    assert.equal(entry.format, 'v1');
    assert.deepEqual(ok(entry).outputs.find((o) => o.name === 'label')!.data, [0, 1, 2]);
  });

  test('the selection alone is sent when there is one', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: `// two requests in one scratch file\n${JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] })}\n` });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 0, 1, doc.lineAt(1).text.length);
    const entry = (await vscode.commands.executeCommand('modeldeck.sendRequest', { uri: doc.uri.toString(), deployment: 'iris' })) as SentEntry;
    assert.deepEqual(ok(entry).outputs.find((o) => o.name === 'label')!.data, [0]);
  });

  test('a request that does not fit the model is not sent, and the panel says why', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'json',
      content: JSON.stringify({ inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }),
    });
    await vscode.window.showTextDocument(doc);
    const entry = (await vscode.commands.executeCommand('modeldeck.sendRequest', { uri: doc.uri.toString(), deployment: 'iris' })) as SentEntry;
    assert.equal(entry.outcome.ok, false);
    assert.deepEqual(!entry.outcome.ok && entry.outcome.problems, ['inputs[0] "float_input": shape [1,3] does not fit the model\'s [-1,4]: dimension 1 must be 4 (got 3)']);
    assert.equal(api.lastPrediction('iris')?.ok, false);
  });

  test('the CodeLens says "Predict with <deployment>" on request files only, and clicking it sends the file', async () => {
    const uri = fileUri('requests', 'iris.request.json');
    await vscode.window.showTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.endsWith('Predict with iris')), `lenses: ${titles.join(' | ')}`);
    const lens = lenses.find((l) => l.command?.title.endsWith('Predict with iris'))!;
    assert.equal(lens.command!.command, 'modeldeck.sendRequest');
    const entry = (await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []))) as SentEntry;
    assert.equal(entry.source, 'requests/iris.request.json');
    ok(entry);
    // The provider runs on documents the editor has loaded.
    for (const other of [fileUri('models', 'iris', '2', 'model.json'), fileUri('.modeldeck', 'deployments', 'iris.json')]) {
      await vscode.window.showTextDocument(other);
      const none = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', other);
      assert.ok(!none.some((l) => /Predict with/.test(l.command?.title ?? '')), `no lens on ${other.path} (a model.json nests its example; a deployment file is no request)`);
    }
  });

  test('Open Predict Panel keeps one panel per deployment', async () => {
    await vscode.commands.executeCommand('modeldeck.openPredictPanel', 'iris');
    await vscode.commands.executeCommand('modeldeck.openPredictPanel', 'iris');
    assert.equal(api.panels().filter((p) => p.viewType === 'modeldeck.predict' && p.deployment === 'iris').length, 1);
  });
});
