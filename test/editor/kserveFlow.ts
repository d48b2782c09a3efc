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
import type { Page } from 'playwright-core';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { dismissNotifications, expandPane, pageText, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import type { StepOutcome } from './uiFlow';

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
  const fake = await FakeKubeApi.start({ modelServerUrl: server.url });
  const kubeconfig = fake.writeKubeconfig(join(workspace, '.kube'), { context: 'fake-kserve' });
  // Point the extension at the test cluster: a kubeconfig path and the ingress address (a cluster
  // without DNS for example.com), as a user would in the workspace settings.
  const settingsFile = join(workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(settingsFile, JSON.stringify({ ...settings, 'modeldeck.kserve.kubeconfig': kubeconfig, 'modeldeck.kserve.ingressUrl': fake.ingressUrl }, null, 2));
  const deploymentsDir = join(workspace, '.modeldeck', 'deployments');
  mkdirSync(deploymentsDir, { recursive: true });
  const irisFile = join(deploymentsDir, `${NAME}.json`);
  const iris = {
    name: NAME,
    model: { name: 'iris', version: 2 },
    servingTool: 'kserve',
    kserve: { storageUri: 's3://models/{model}/{version}' },
  };
  writeFileSync(irisFile, JSON.stringify(iris, null, 2));
  writeFileSync(
    join(deploymentsDir, `${BROKEN}.json`),
    JSON.stringify({ name: BROKEN, model: { name: 'broken', version: 1 }, servingTool: 'kserve', kserve: { storageUri: 'gs://models/broken/1' } }, null, 2),
  );

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
      await remoteRow(page, NAME, /KServe · iris 2/, 10_000);
    }],
    ['"Deploy to KServe" previews the InferenceService YAML and asks before creating it', 'kserve-deploy-confirm', async () => {
      await runCommand(page, 'ModelDeck: Deploy to KServe');
      await pickQuickItem(page, NAME);
      await pollFor('the manifest preview', 20_000, async () =>
        (await editorTexts(page)).some((t) => t.includes('kind: InferenceService') && t.includes(`name: ${NAME}`) && t.includes('storageUri: s3://models/iris/2')) ? true : undefined,
      );
      await page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: 20_000 });
      await screenshots.take(page, 'kserve-deploy-dialog');
      await dialogButton(page, new RegExp(`Create InferenceService ${NAME} in fake-kserve/${NS}\\?`), 'Apply');
    }],
    ['it turns Ready in the Deployments view with its URL, replicas and model', 'kserve-ready', async () => {
      const row = await remoteRow(page, NAME, /Ready · iris v2 · 1\/1 ready · http:\/\/iris-kserve\.ml-team\.example\.com/, 60_000);
      await pollFor('the "is Ready on KServe" notification', 20_000, async () =>
        ((await page.locator('.notification-toast').allInnerTexts()).some((t) => t.includes(`${NAME} is Ready on KServe at http://${NAME}.${NS}.example.com`)) ? true : undefined),
      );
      await remoteRow(page, 'URL:', new RegExp(`http://${NAME}\\.${NS}\\.example\\.com`), 5_000);
      if (!row) throw new Error('no row');
    }],
    ['a prediction against the remote URL (through the ingress with the Host header) answers with the model\'s output', 'kserve-predict', async () => {
      await dismissNotifications(page);
      const example = JSON.parse(readFileSync(join(workspace, 'models/iris/2/model.json'), 'utf8')).input_example;
      const res = await fetch(`${server.url}/v2/models/${NAME}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example) });
      if (res.status !== 200) throw new Error(`the cluster's model server does not serve ${NAME}: ${res.status} ${await res.text()}`);
      await runCommand(page, 'ModelDeck: Predict on KServe Deployment');
      await pickQuickItem(page, NAME);
      await pollFor('the prediction document', 30_000, async () => {
        const texts = await editorTexts(page);
        return texts.some((t) => t.includes(`POST ${fake.ingressUrl}/v2/models/${NAME}/infer`) && t.includes(`Host: ${NAME}.${NS}.example.com`) && /HTTP 200/.test(t) && t.includes('"model_name": "iris-kserve"')) ? true : undefined;
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
    ['a deployment whose model cannot load ends the wait; "Why not ready?" shows lastFailureInfo, events and container states', 'kserve-why-not-ready', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await runCommand(page, 'ModelDeck: Deploy to KServe');
      await pickQuickItem(page, BROKEN);
      await dialogButton(page, new RegExp(`Create InferenceService ${BROKEN}`), 'Apply');
      await pollFor('the "is not Ready" notification', 60_000, async () =>
        ((await page.locator('.notification-toast').allInnerTexts()).some((t) => t.includes(`${BROKEN} is not Ready on KServe`)) ? true : undefined),
      );
      await remoteRow(page, BROKEN, /Failed/, 20_000);
      await page.locator('.notification-toast .monaco-button', { hasText: 'Why Not Ready?' }).first().click();
      await pollFor('the diagnosis document', 30_000, async () => {
        // Word-wrapped markdown: compare with the wraps undone.
        const t = (await editorTexts(page)).join('\n').replace(/\s+/g, ' ');
        // The top of the document (Monaco renders only the visible lines): the headline with the failure.
        return t.includes(`# Why is ${NS}/${BROKEN} not ready?`) && /Failed: ModelLoadFailed: failed to load model "broken-kserve"/.test(t) ? true : undefined;
      });
    }],
    ['an update shows the diff against the cluster before applying it, then rolls out', 'kserve-update-diff', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      writeFileSync(irisFile, JSON.stringify({ ...iris, resources: { minReplicas: 1, maxReplicas: 3 } }, null, 2));
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

  const outcomes: StepOutcome[] = [];
  try {
    for (const [name, shot, fn] of steps) {
      const started = Date.now();
      try {
        await fn();
        await page.waitForTimeout(300);
        await screenshots.take(page, shot);
        outcomes.push({ name, ok: true, ms: Date.now() - started });
        console.log(`  ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        await screenshots.failure(page, shot);
        outcomes.push({ name, ok: false, ms: Date.now() - started, error });
        console.log(`  FAIL ${name}: ${error}`);
        console.log(`  --- page text ---\n${(await pageText(page)).slice(0, 2000)}\n  -----------------`);
        break; // later steps build on this one
      }
    }
  } finally {
    await fake.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    rmSync(registry, { recursive: true, force: true });
  }
  return outcomes.map((o) => ({ ...o, name: `kserve: ${o.name}` }));
}
