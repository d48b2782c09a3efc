// Deploy to KServe in a real VS Code, against the fake Kubernetes API (test/support/fakeKubeApi.ts)
// whose simulated KServe controller loads models into a real ModelDeck server started here, so the
// InferenceService's URL answers real predictions. Driven like a user: pick the context and
// namespace, "Deploy to KServe" (YAML preview, confirm), watch it turn Ready with its URL in the
// Deployments view, predict against the remote URL (ingress + Host header), follow its pod logs,
// "Why not ready?" on a deployment whose model cannot load, an update shown as a diff, Stop, Delete.
// Runs after the other flows on the same page. One screenshot per step.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { chooseOption, fillField, markdownPreviewFrame, webviewFrame } from './lib/webview';
import { runSteps, type StepOutcome } from './lib/steps';

export interface KServeFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
  /** Runs after the predict panel exists: predict through it (else the flow checks the remote URL by HTTP). */
  predictPanel?: boolean;
}

const NS = 'ml-team';
const NAME = 'iris-kserve';
const BROKEN = 'broken-kserve';

/** Text of every visible editor (Monaco renders non-breaking spaces). */
async function editorTexts(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const lines of await page.locator('.monaco-editor .view-lines').all()) out.push((await lines.innerText().catch(() => '')).replace(/\u00a0/g, ' '));
  return out;
}

async function dialogButton(page: Page, text: RegExp, button: string): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 20_000 });
  const t = await dialog.innerText();
  if (!text.test(t)) throw new Error(`unexpected dialog: ${t}`);
  await dialog.locator('.monaco-button', { hasText: button }).first().click();
  return t;
}

/** Opens the ModelDeck side bar unless it shows already (clicking its icon again would close it). */
async function showModelDeck(page: Page): Promise<void> {
  const header = viewPane(page, 'Deployments').locator('.pane-header').first();
  if (await header.isVisible().catch(() => false)) return;
  await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
  await header.waitFor({ state: 'visible', timeout: 20_000 });
}

async function remoteRow(page: Page, name: string, re: RegExp, timeoutMs: number): Promise<string> {
  await showModelDeck(page);
  const pane = await expandPane(page, 'Deployments');
  return pollFor(`${name} ${re} in the Deployments view`, timeoutMs, async () => (await paneRowsText(pane)).find((r) => r.startsWith(`${name} `) && re.test(r)));
}

/** Clicks an inline action of a remote row, else runs the palette command and picks the service. */
async function onRemoteRow(page: Page, name: string, action: string, paletteTitle: string): Promise<void> {
  await showModelDeck(page);
  const pane = await expandPane(page, 'Deployments');
  const row = pane.locator('.monaco-list-row', { hasText: `${name} ` }).first();
  await row.hover();
  const button = row.locator(`.action-label[aria-label="${action}"]`).first();
  if (await button.isVisible().catch(() => false)) {
    await button.click();
    return;
  }
  await runCommand(page, paletteTitle);
  await pickQuickItem(page, name);
}

export async function runKServeFlow(ctx: KServeFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots, workspace } = ctx;
  const registry = await tempRegistry([
    { from: EXAMPLE_REGISTRY, name: 'iris' },
    { from: FIXTURE_MODELS, name: 'broken' },
  ]);
  // The "cluster's" model server: --any-host because requests arrive with the service's Host.
  const server: ServerProcess = await startServerProcess(['--registry', registry, '--model-control', 'explicit', '--any-host']);
  const fake = await FakeKubeApi.start({ modelServerUrl: server.url, modelServerGrpc: `127.0.0.1:${server.grpcPort}` });
  const kubeconfig = fake.writeKubeconfig(join(workspace, '.kube'), { context: 'fake-kserve' });
  // Point the extension at the test cluster: a kubeconfig path and the ingress address (a cluster
  // without DNS for example.com), as a user would in the workspace settings.
  const settingsFile = join(workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(settingsFile, JSON.stringify({ ...settings, 'modeldeck.kserve.kubeconfig': kubeconfig, 'modeldeck.kserve.ingressUrl': fake.ingressUrl }, null, 2));
  const deploymentsDir = join(workspace, '.modeldeck', 'deployments');
  mkdirSync(deploymentsDir, { recursive: true });
  // iris-kserve is made in the deployment form; the broken one is a file from the start.
  const irisFile = join(deploymentsDir, `${NAME}.json`);
  writeFileSync(
    join(deploymentsDir, `${BROKEN}.json`),
    JSON.stringify({ name: BROKEN, model: { name: 'broken', version: 1 }, servingTool: 'kserve', kserve: { storageUri: 'gs://models/broken/1' } }, null, 2),
  );

  let form: Frame | undefined;
  const steps: [string, string, () => Promise<void>][] = [
    ['"Select KServe Context and Namespace…" lists the kubeconfig\'s context; the view shows the KServe group for it', 'kserve-context', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await showModelDeck(page);
      // Room for the Deployments view in the screenshots: the Models view folded.
      const models = viewPane(page, 'Models').locator('.pane-header').first();
      if ((await models.getAttribute('aria-expanded')) === 'true') await models.click();
      await runCommand(page, 'ModelDeck: Select KServe Context and Namespace…');
      await pickQuickItem(page, 'fake-kserve');
      // The kubeconfig's context names no namespace: "default" is offered, another one is typed.
      await pickQuickItem(page, 'Other namespace…');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.fill(NS);
      await input.press('Enter');
      await remoteRow(page, 'KServe', /fake-kserve · ml-team/, 20_000);
      await remoteRow(page, BROKEN, /KServe · broken 1/, 10_000);
    }],
    ['the deployment form with Serving tool "KServe": Deploy saves the file, previews the InferenceService YAML and asks before creating it', 'kserve-deploy-confirm', async () => {
      await runCommand(page, 'ModelDeck: Deploy…');
      form = await webviewFrame(page, 'deploymentForm.js', 'Deploy a model');
      await fillField(form, 'name', NAME);
      await chooseOption(form.locator('vscode-single-select[data-key="model.name"]'), 'iris');
      await form.locator('vscode-radio[value="kserve"]').click();
      await fillField(form, 'kserve.storageUri', 's3://models/{model}/{version}');
      await screenshots.take(page, 'kserve-form');
      await form.locator('vscode-button[data-action="deploy"]').click();
      await pollFor('the manifest preview', 20_000, async () =>
        (await editorTexts(page)).some((t) => t.includes('kind: InferenceService') && t.includes(`name: ${NAME}`) && t.includes('storageUri: s3://models/iris/2')) ? true : undefined,
      );
      await page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: 20_000 });
      await screenshots.take(page, 'kserve-deploy-dialog');
      await dialogButton(page, new RegExp(`Create InferenceService ${NAME} in fake-kserve/${NS}\\?`), 'Apply');
    }],
    ['it turns Ready in the Deployments view with its URL, replicas and model; the form says so', 'kserve-ready', async () => {
      await pollFor('"is Ready on KServe" in the form\'s status line', 60_000, async () => {
        const t = await form!.locator('.actions .status').innerText();
        if (/not Ready|failed|Fix the/i.test(t)) throw new Error(`Deploy failed: ${t}`);
        return t.includes(`"${NAME}" is Ready on KServe at http://${NAME}.${NS}.example.com`) ? true : undefined;
      });
      if (JSON.parse(readFileSync(irisFile, 'utf8')).servingTool !== 'kserve') throw new Error(`the form did not save ${irisFile} with servingTool "kserve"`);
      const row = await remoteRow(page, NAME, /Ready · iris v2 · 1\/1 ready · http:\/\/iris-kserve\.ml-team\.example\.com/, 60_000);
      await pollFor('the "is Ready on KServe" notification', 20_000, async () =>
        ((await page.locator('.notification-toast').allInnerTexts()).some((t) => t.includes(`${NAME} is Ready on KServe at http://${NAME}.${NS}.example.com`)) ? true : undefined),
      );
      await remoteRow(page, 'URL:', new RegExp(`http://${NAME}\\.${NS}\\.example\\.com`), 5_000);
      if (!row) throw new Error('no row');
    }],
    ['"Predict on KServe Deployment" opens the predict panel: the example goes through the ingress with the Host header and answers with top-k', 'kserve-predict', async () => {
      await dismissNotifications(page);
      await runCommand(page, 'View: Close All Editor Groups');
      await runCommand(page, 'ModelDeck: Predict on KServe Deployment');
      await pickQuickItem(page, NAME);
      const predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME} on KServe`);
      // The URL shown is the ingress as the user reaches it (vscode.env.asExternalUri): code-server
      // forwards its port as http://127.0.0.1:<code-server port>/proxy/<ingress port>; a desktop VS
      // Code shows it unchanged. Either way the ingress's own port, and the Host header beside it.
      const ingressPort = new URL(fake.ingressUrl).port;
      const shownRest = new RegExp(`REST (?:${escapeRegExp(fake.ingressUrl)}|https?://[^/\\s]+/proxy/${ingressPort})/? \\(Host: ${escapeRegExp(`${NAME}.${NS}.example.com`)}\\)`);
      let lastTarget = '';
      await pollFor('the remote answer in the panel', 30_000, async () => {
        const target = (lastTarget = await predict.locator('.target').innerText());
        const status = await predict.locator('.result-status').innerText();
        if (status.startsWith('✗')) throw new Error(`the panel shows a failure: ${status}`);
        return target.includes(`KServe fake-kserve/${NS}`) && shownRest.test(target) && status.startsWith(`✓ REST JSON · ${NAME} v2`) ? true : undefined;
      }).catch((e: Error) => {
        throw new Error(`${e.message}; the panel's target line: ${lastTarget}`);
      });
      const top = await predict.locator('.result [data-output="top-probabilities"]').innerText();
      if (!/virginica[\s\S]*versicolor/.test(top)) throw new Error(`top-k table without the example's classes:\n${top}`);
      // The ingress really carried it: the queue-proxy access log of the predictor pod has the request.
      const logged = fake.podsOf(NS, NAME).flatMap((p) => fake.logOf(NS, p.metadata.name, 'queue-proxy'));
      if (!logged.some((l) => l.includes(`/v2/models/${NAME}/infer`))) throw new Error(`no infer request in queue-proxy's log:\n${logged.join('\n')}`);
    }],
    ['"Send Request to Deployment…" on a request file offers the Ready KServe service; its panel answers beside the file', 'kserve-send-request', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill('requests/iris.request.json');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'iris.request.json' }).first().click();
      await page.locator('.monaco-editor .view-lines', { hasText: 'float_input' }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await runCommand(page, 'ModelDeck: Send Request to Deployment…');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: `KServe fake-kserve/${NS}` }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: `KServe fake-kserve/${NS}` }).first().click();
      const predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME} on KServe`);
      await pollFor('the request file\'s answer in the remote panel', 30_000, async () => {
        const status = await predict.locator('.result-status').innerText();
        const source = await predict.locator('.history-table tbody tr').first().innerText();
        if (status.startsWith('✗')) throw new Error(`the panel shows a failure: ${status}`);
        return status.startsWith(`✓ REST JSON · ${NAME} v2`) && source.includes('requests/iris.request.json') ? true : undefined;
      });
    }],
    ['Show Logs follows the pods: kserve-container, queue-proxy and storage-initializer lines, live', 'kserve-logs', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await onRemoteRow(page, NAME, 'Show Logs', 'ModelDeck: Show KServe Logs');
      await pollFor('log lines of each container', 30_000, async () => {
        const t = (await editorTexts(page)).join('\n');
        return /\[iris-kserve-predictor-[^\]]*\/kserve-container\]/.test(t) && /\/storage-initializer\]/.test(t) && /\/queue-proxy\]/.test(t) ? true : undefined;
      });
    }],
    ['a deployment whose model cannot load ends the wait; "Why not ready?" opens rendered (lastFailureInfo, events, container states); "Open Source File" shows its Markdown', 'kserve-why-not-ready-source', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await runCommand(page, 'ModelDeck: Deploy to KServe');
      await pickQuickItem(page, BROKEN);
      await dialogButton(page, new RegExp(`Create InferenceService ${BROKEN}`), 'Apply');
      await pollFor('the "is not Ready" notification', 60_000, async () =>
        ((await page.locator('.notification-toast').allInnerTexts()).some((t) => t.includes(`${BROKEN} is not Ready on KServe`)) ? true : undefined),
      );
      await remoteRow(page, BROKEN, /Failed/, 20_000);
      await page.locator('.notification-toast .monaco-button', { hasText: 'Why Not Ready?' }).first().click();
      // Rendered: the Markdown preview shows headings, lists and tables, not Markdown source.
      const preview = await markdownPreviewFrame(page, `Why is ${NS}/${BROKEN} not ready?`);
      await pollFor('the rendered diagnosis with the failure, the model status, the pods and the events', 30_000, async () => {
        const t = (await preview.locator('body').innerText()).replace(/\s+/g, ' ');
        return /Failed: ModelLoadFailed: failed to load model "broken-kserve"/.test(t) && /last failure: ModelLoadFailed in broken-kserve-predictor-/.test(t) ? true : undefined;
      });
      const headings = (await preview.locator('h2').allInnerTexts()).map((h) => h.trim());
      for (const h of ['Conditions', 'Model status', 'Pods', 'Recent events']) if (!headings.includes(h)) throw new Error(`no "${h}" heading in the preview: ${headings.join(', ')}`);
      const containers = await preview.locator('table', { hasText: 'last termination' }).first().innerText();
      if (!/kserve-container\s+waiting\s+CrashLoopBackOff/.test(containers)) throw new Error(`the containers table lacks kserve-container waiting CrashLoopBackOff:\n${containers}`);
      if ((await editorTexts(page)).some((t) => t.includes('# Why is'))) throw new Error('the Markdown source is shown in a text editor as well');
      await dismissNotifications(page);
      await screenshots.take(page, 'kserve-why-not-ready-rendered');
      // The preview's own toolbar button opens the read-only Markdown source.
      await page.locator('.editor-actions .action-label[aria-label^="Open Source File"]').first().click();
      await pollFor('the diagnosis as Markdown source', 20_000, async () => {
        const t = (await editorTexts(page)).join('\n').replace(/\s+/g, ' ');
        return t.includes(`# Why is ${NS}/${BROKEN} not ready?`) && t.includes('## Findings') ? true : undefined;
      });
    }],
    ['an update shows the diff against the cluster before applying it, then rolls out', 'kserve-update-diff', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      const saved = JSON.parse(readFileSync(irisFile, 'utf8')) as { resources?: Record<string, unknown> };
      writeFileSync(irisFile, JSON.stringify({ ...saved, resources: { ...saved.resources, minReplicas: 1, maxReplicas: 3 } }, null, 2));
      await remoteRow(page, NAME, /Ready/, 10_000);
      await pollFor('the deployment file reloaded', 10_000, async () => true);
      await page.waitForTimeout(1_000);
      await runCommand(page, 'ModelDeck: Deploy to KServe');
      await pickQuickItem(page, NAME);
      await page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 20_000 });
      await pollFor('maxReplicas 1 → 3 in the diff', 20_000, async () => {
        const t = (await editorTexts(page)).join('\n');
        return /maxReplicas: 1/.test(t) && /maxReplicas: 3/.test(t) ? true : undefined;
      });
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ state: 'visible', timeout: 20_000 });
      const text = await dialog.innerText();
      if (!/~ spec\.predictor\.maxReplicas: 1 → 3/.test(text)) throw new Error(`the dialog does not list the change:\n${text}`);
      await screenshots.take(page, 'kserve-update-diff-dialog');
      await dialogButton(page, /Update InferenceService/, 'Apply');
      await remoteRow(page, NAME, /Ready/, 60_000);
      await pollFor('the second "is Ready" notification', 30_000, async () =>
        ((await page.locator('.notification-toast').allInnerTexts()).some((t) => t.includes(`${NAME} is Ready on KServe`)) ? true : undefined),
      );
    }],
    ['Stop sets the stop annotation (Stopped in the view); Delete asks, then it is gone', 'kserve-stop-delete', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await onRemoteRow(page, NAME, 'Stop', 'ModelDeck: Stop KServe Deployment');
      await remoteRow(page, NAME, /Stopped/, 20_000);
      if (fake.getIsvc(NS, NAME)?.metadata?.annotations?.['serving.kserve.io/stop'] !== 'true') throw new Error('the stop annotation is not set in the cluster');
      await screenshots.take(page, 'kserve-stopped');
      await runCommand(page, 'ModelDeck: Delete KServe Deployment');
      await pickQuickItem(page, BROKEN);
      await dialogButton(page, new RegExp(`Delete InferenceService ${BROKEN} from fake-kserve/${NS}\\?`), 'Delete');
      await showModelDeck(page);
      const pane = await expandPane(page, 'Deployments');
      await pollFor(`${BROKEN} gone from the KServe group`, 20_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${BROKEN} Failed`)) ? undefined : true));
      if (fake.getIsvc(NS, BROKEN)) throw new Error(`${BROKEN} still exists in the cluster`);
    }],
  ];

  let outcomes: StepOutcome[] = [];
  try {
    outcomes = await runSteps(page, screenshots, steps);
  } finally {
    await fake.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    rmSync(registry, { recursive: true, force: true });
  }
  return outcomes.map((o) => ({ ...o, name: `kserve: ${o.name}` }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
