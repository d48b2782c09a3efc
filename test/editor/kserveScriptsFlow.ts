// Deploy a Python predictor script to KServe in a real VS Code, against the fake Kubernetes API and
// an S3-protocol server (s3rver) on 127.0.0.1: the deployment form's KServe section lists what will be
// uploaded and built; Deploy builds the artifact, uploads it to s3:// (the AWS SDK in the extension,
// the setting modeldeck.kserve.s3Endpoint), shows the docker commands for the image, previews and
// applies the InferenceService. The "pod" is played here: when the fake controller loads the service,
// the storage-initializer step copies the storageUri's objects from s3rver into a folder standing in
// for /mnt/models, and ModelDeck starts there as the script runtime image starts it (its Dockerfile
// carried out without Docker, with the artifact's requirements.txt). It turns Ready and the predict
// panel gets the script's predictions through the ingress. One screenshot per step.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { parseStorageTarget } from '../../src/core/artifacts/storageTarget';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { startPodServerShim } from '../support/podServerShim';
import { downloadPrefix, startS3 } from '../support/s3Server';
import { buildScriptRuntimeImage, startScriptRuntime } from '../support/scriptRuntimeImage';
import type { ServerProcess } from '../support/serverProcess';
import { dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { chooseOption, fillField, webviewFrame } from './lib/webview';
import { runSteps, type StepOutcome } from './lib/steps';

export interface KServeScriptsFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

const NS = 'ml-team';
const NAME = 'iris-sklearn-kserve';
const IMAGE = 'registry.example.com/ml/iris-sklearn:1';
const SCRIPT = 'scripts/iris_sklearn_predictor.py';

async function dialogButton(page: Page, text: RegExp, button: string): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  const t = await dialog.innerText();
  if (!text.test(t)) throw new Error(`unexpected dialog: ${t}`);
  await dialog.locator('.monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  return t;
}

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

async function editorTexts(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const lines of await page.locator('.monaco-editor .view-lines').all()) out.push((await lines.innerText().catch(() => '')).replace(/\u00a0/g, ' '));
  return out;
}

export async function runKServeScriptsFlow(ctx: KServeScriptsFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots, workspace } = ctx;
  const scratch = mkdtempSync(join(tmpdir(), 'modeldeck-kserve-scripts-flow-'));
  const s3 = await startS3(['models']);
  let pod: ServerProcess | undefined;
  let fake: FakeKubeApi | undefined;
  // The pod of the service: storage-initializer from s3rver, then the runtime image's ENTRYPOINT.
  const shim = await startPodServerShim(async (name) => {
    const isvc = fake!.getIsvc(NS, name);
    const uri = String(isvc?.spec?.predictor?.model?.storageUri ?? '');
    const target = parseStorageTarget(uri);
    if (target.scheme !== 's3') throw new Error(`storageUri ${uri} is not s3://`);
    const mnt = join(scratch, 'mnt-models');
    await downloadPrefix(s3.client, target.bucket, target.prefix, mnt);
    const requirements = existsSync(join(mnt, 'requirements.txt')) ? readFileSync(join(mnt, 'requirements.txt'), 'utf8') : '';
    const built = await buildScriptRuntimeImage(join(scratch, 'image'), requirements);
    pod = await startScriptRuntime(built, mnt);
    return pod.url;
  });
  fake = await FakeKubeApi.start({ modelServerUrl: shim.url });
  const kubeconfig = fake.writeKubeconfig(join(workspace, '.kube'), { context: 'fake-kserve' });
  const settingsFile = join(workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    settingsFile,
    JSON.stringify({ ...settings, 'modeldeck.kserve.kubeconfig': kubeconfig, 'modeldeck.kserve.ingressUrl': fake.ingressUrl, 'modeldeck.kserve.s3Endpoint': s3.endpoint }, null, 2),
  );
  // What the script needs, beside it: it goes into the artifact and the image.
  writeFileSync(join(workspace, 'scripts', 'requirements.txt'), 'scikit-learn\njoblib\nnumpy\n');
  mkdirSync(join(workspace, '.modeldeck', 'deployments'), { recursive: true });
  const deploymentFile = join(workspace, '.modeldeck', 'deployments', `${NAME}.json`);

  let form: Frame | undefined;
  const steps: [string, string, () => Promise<void>][] = [
    ['"Select KServe Context and Namespace…": the fake cluster\'s context, namespace ml-team', 'kserve-scripts-context', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await showModelDeck(page);
      await runCommand(page, 'ModelDeck: Select KServe Context and Namespace…');
      await pickQuickItem(page, 'fake-kserve');
      await pickQuickItem(page, 'Other namespace…');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.fill(NS);
      await input.press('Enter');
      await remoteRow(page, 'KServe', /fake-kserve · ml-team/, 20_000);
    }],
    ['the deployment form with a Python predictor script and Serving tool KServe lists what Deploy will upload and build', 'kserve-scripts-form', async () => {
      await runCommand(page, 'ModelDeck: Deploy…');
      form = await webviewFrame(page, 'deploymentForm.js', 'Deploy a model');
      await fillField(form, 'name', NAME);
      await chooseOption(form.locator('vscode-single-select[data-key="model.name"]'), 'iris-sklearn');
      await form.locator('[data-field="modelServer"] vscode-radio[value="script"]').click();
      await fillField(form, 'predictor.script', SCRIPT);
      await form.locator('vscode-radio[value="kserve"]').click();
      await fillField(form, 'kserve.storageUri', 's3://models/{model}/{version}/artifacts/{artifact}');
      await fillField(form, 'kserve.image', IMAGE);
      const plan = form.locator('.kserve-plan');
      await pollFor('the KServe plan with the artifact, the upload, the image and the runtime', 20_000, async () => {
        const t = await plan.innerText().catch(() => '');
        return /Artifact:.*iris_sklearn_predictor\.py/.test(t) && /Upload:.*AWS SDK/.test(t) && t.includes(`Image: ${IMAGE}`) && /Runtime:.*modeldeck-scripts/.test(t) ? true : undefined;
      });
      await plan.scrollIntoViewIfNeeded();
    }],
    ['Deploy builds the artifact, uploads it to s3:// and shows the docker commands for the image', 'kserve-scripts-image', async () => {
      await form!.locator('vscode-button[data-action="deploy"]').click();
      await page.locator('.monaco-dialog-box', { hasText: 'docker build' }).waitFor({ state: 'visible', timeout: 60_000 }).catch(async (e: Error) => {
        throw new Error(`${e.message}; form status: ${await form!.locator('.actions .status').innerText().catch(() => '?')}`);
      });
      await screenshots.take(page, 'kserve-scripts-docker-dialog');
      const text = await dialogButton(page, new RegExp(`Build and push ${IMAGE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} for ${NAME}`), 'Image Is Pushed').catch(async (e: Error) => {
        throw new Error(`${e.message}; form status: ${await form!.locator('.actions .status').innerText().catch(() => '?')}`);
      });
      if (!/docker build --platform linux\/amd64 -t registry\.example\.com\/ml\/iris-sklearn:1 /.test(text) || !/docker push /.test(text)) throw new Error(`the dialog lacks the docker commands:\n${text}`);
      // The artifact is at the storage URI already, manifest included.
      const keys = await downloadPrefix(s3.client, 'models', 'iris-sklearn/1/artifacts/1', join(scratch, 'check'));
      for (const k of ['modeldeck-artifact.json', 'iris_sklearn_predictor.py', 'requirements.txt', `.modeldeck/deployments/${NAME}.json`, 'models/iris-sklearn/1/model.pkl']) {
        if (!keys.includes(k)) throw new Error(`${k} is not in s3://models/iris-sklearn/1/artifacts/1 (${keys.join(', ')})`);
      }
      if (!existsSync(join(workspace, '.modeldeck', 'artifacts', 'iris-sklearn', '1', '1', 'modeldeck-artifact.json'))) throw new Error('no local artifact 1');
    }],
    ['the InferenceService YAML names the script runtime, the artifact and its image; Apply', 'kserve-scripts-confirm', async () => {
      await pollFor('the manifest preview', 30_000, async () =>
        (await editorTexts(page)).some((t) => t.includes('kind: InferenceService') && t.includes('storageUri: s3://models/iris-sklearn/1/artifacts/1') && t.includes('runtime: modeldeck-scripts')) ? true : undefined,
      );
      await page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: 20_000 });
      await screenshots.take(page, 'kserve-scripts-create-dialog');
      await dialogButton(page, new RegExp(`Create InferenceService ${NAME} in fake-kserve/${NS}\\?`), 'Apply');
    }],
    ['it turns Ready (the pod fetched the artifact from s3 and runs the script on the image\'s Python)', 'kserve-scripts-ready', async () => {
      await pollFor('"is Ready on KServe" in the form\'s status line', 120_000, async () => {
        const t = await form!.locator('.actions .status').innerText();
        if (/not Ready|failed|Fix the/i.test(t)) throw new Error(`Deploy failed: ${t}`);
        return t.includes(`"${NAME}" is Ready on KServe`) ? true : undefined;
      });
      if (JSON.parse(readFileSync(deploymentFile, 'utf8')).modelServer !== 'script') throw new Error(`${deploymentFile} is not a script deployment`);
      await remoteRow(page, NAME, /Ready · iris-sklearn v1/, 60_000);
      if (!pod?.logs.some((l) => /predictor script iris_sklearn_predictor\.py loaded: class Predictor on Python/.test(l.msg))) throw new Error('the pod did not load the predictor');
    }],
    ['"Predict on KServe Deployment": the predict panel gets the script\'s predictions through the ingress', 'kserve-scripts-predict', async () => {
      await dismissNotifications(page);
      await runCommand(page, 'View: Close All Editor Groups');
      await runCommand(page, 'ModelDeck: Predict on KServe Deployment');
      await pickQuickItem(page, NAME);
      const predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME} on KServe`);
      await pollFor('the request editor with V1 instances', 20_000, async () => {
        const v = await predict.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        return v.includes('"instances"') ? true : undefined;
      });
      await predict.locator('vscode-button[data-action="send"]').click();
      await pollFor('a V1 answer from the script', 30_000, async () => {
        const status = await predict.locator('.result-status').innerText();
        if (status.startsWith('✗')) throw new Error(`the panel shows a failure: ${status}`);
        const rows = await predict.locator('.result [data-output="v1-predictions"] tbody tr').count();
        return status.startsWith(`✓ REST JSON · ${NAME}`) && rows > 0 ? true : undefined;
      });
      // The example's rows are virginica (2) and versicolor (1), as the random forest says locally.
      const predictions = (await predict.locator('.result [data-output="v1-predictions"] tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
      if (predictions.join('|') !== '0 2|1 1') throw new Error(`predictions: ${predictions.join(' | ')}`);
      if (!pod?.logs.some((l) => /^predicting \d+ rows?$/.test(l.msg))) throw new Error('the script in the pod did not log its predict call');
      const logged = fake!.podsOf(NS, NAME).flatMap((p) => fake!.logOf(NS, p.metadata.name, 'queue-proxy'));
      if (!logged.some((l) => l.includes(`/models/${NAME}`))) throw new Error(`no request in queue-proxy's log:\n${logged.join('\n')}`);
      await predict.locator('.result').scrollIntoViewIfNeeded();
    }],
  ];

  let outcomes: StepOutcome[] = [];
  try {
    outcomes = await runSteps(page, screenshots, steps);
  } finally {
    await fake.close().catch(() => undefined);
    await shim.close().catch(() => undefined);
    await pod?.stop().catch(() => undefined);
    await s3.close().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
  return outcomes.map((o) => ({ ...o, name: `kserveScripts: ${o.name}` }));
}
