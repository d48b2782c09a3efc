// The deployment form and the predict panel in a real VS Code, driven like a user would: the form
// from the palette with every section, errors next to their fields, Preview as KServe YAML, Deploy
// until the Deployments view says running; the predict panel sending the prefilled example over
// REST and gRPC, comparing and replaying; the "Predict with" CodeLens on a request file; Edit + Save
// of a running deployment hot-swapping its version; the panel restored after a window reload.
// Runs after the main UI flow on the same page.
// One screenshot per step. Assertions read what the user sees (webview and workbench DOM).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, waitForWorkbench, type Screenshots } from './lib/browser';
import { chooseOption, fieldError, fillField, webviewFrame } from './lib/webview';
import { runSteps, type StepOutcome } from './lib/steps';

export interface PanelsFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

const NAME = 'iris-form';
/** Every section of the form, as headed on the page. */
const SECTIONS = ['Model', 'Predictor', 'Transformer', 'Inference logger', 'Inference batcher', 'Resources', 'API protocol', 'KServe'];
/** Every key of the deployment spec the form must offer a field for. */
const FIELDS = [
  'name', 'model.name', 'model.version', 'modelServer', 'servingTool', 'predictor.script', 'predictor.environment',
  'transformer.script', 'inferenceLogger.mode', 'inferenceLogger.sink', 'batcher.enabled', 'batcher.maxBatchSize',
  'batcher.maxLatencyMs', 'batcher.maxQueueSize', 'resources.instances', 'resources.minReplicas', 'resources.maxReplicas',
  'resources.cpu', 'resources.memory', 'resources.gpu', 'resources.executionProviders', 'protocol', 'kserve.context',
  'kserve.namespace', 'kserve.storageUri',
];

export async function runPanelsFlow(ctx: PanelsFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots } = ctx;
  let form: Frame | undefined;
  let predict: Frame | undefined;

  const steps: [string, string, () => Promise<void>][] = [
    ['"ModelDeck: Deploy…" opens the deployment form with every section and a field for every spec key', 'deploy-form', async () => {
      // A tidy workbench for the screenshots: the main flow left logs and the output panel open.
      await runCommand(page, 'View: Close All Editor Groups');
      await runCommand(page, 'View: Hide Panel');
      await runCommand(page, 'View: Close Primary Side Bar');
      await runCommand(page, 'ModelDeck: Deploy…');
      form = await webviewFrame(page, 'deploymentForm.js', 'Deploy a model');
      const headings = await form.locator('section.card h2').allInnerTexts();
      for (const s of SECTIONS) if (!headings.includes(s)) throw new Error(`no "${s}" section (sections: ${headings.join(', ')})`);
      const missing: string[] = [];
      for (const key of FIELDS) if ((await form.locator(`[data-field="${key}"]`).count()) === 0) missing.push(key);
      if (missing.length) throw new Error(`no field for ${missing.join(', ')}`);
      // Defaults are filled in.
      const instances = await form.locator('vscode-textfield[data-key="resources.instances"]').evaluate((e) => (e as unknown as { value: string }).value);
      if (instances !== '1') throw new Error(`resources.instances starts at "${instances}", not the default 1`);
    }],
    ['invalid input shows the validator\'s error right under its field', 'deploy-form-invalid', async () => {
      await fillField(form!, 'name', 'Iris_Form');
      await fillField(form!, 'resources.instances', '0');
      await fillField(form!, 'resources.memory', '2GB');
      await pollFor('errors under name, instances and memory', 10_000, async () => {
        const [name, inst, mem] = await Promise.all([fieldError(form!, 'name'), fieldError(form!, 'resources.instances'), fieldError(form!, 'resources.memory')]);
        return /DNS-1123 label/.test(name) && /integer from 1 to 64 \(got 0\)/.test(inst) && /memory quantity/.test(mem) ? true : undefined;
      });
      // Fields the user has not touched show nothing yet.
      if (await fieldError(form!, 'model.name')) throw new Error('an untouched field already shows an error');
    }],
    ['Save under the name of an existing deployment asks before overwriting; Cancel leaves the file alone', 'save-overwrite-prompt', async () => {
      const file = join(ctx.workspace, '.modeldeck', 'deployments', 'iris.json');
      const before = readFileSync(file, 'utf8');
      await fillField(form!, 'name', 'iris');
      await fillField(form!, 'resources.instances', '1');
      await fillField(form!, 'resources.memory', '');
      await chooseOption(form!.locator('vscode-single-select[data-key="model.name"]'), 'iris');
      await form!.locator('vscode-button[data-action="save"]').click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ state: 'visible', timeout: 15_000 });
      const text = await dialog.innerText();
      if (!/The deployment "iris" already exists[\s\S]*Overwrite it\?/.test(text)) throw new Error(`unexpected dialog: ${text}`);
      await screenshots.take(page, 'save-overwrite-dialog');
      await dialog.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      await pollFor('"Not saved." in the status line', 10_000, async () => ((await form!.locator('.actions .status').innerText()).includes('Not saved.') ? true : undefined));
      if (readFileSync(file, 'utf8') !== before) throw new Error('iris.json changed although the overwrite was cancelled');
    }],
    ['"Preview as KServe YAML" says what is missing under the field, then opens the InferenceService beside', 'kserve-preview', async () => {
      await fillField(form!, 'name', NAME);
      await form!.locator('vscode-radio[value="best"]').click();
      await chooseOption(form!.locator('vscode-single-select[data-key="model.version.metric"]'), 'accuracy');
      await pollFor('"Serves version 2 today"', 10_000, async () => ((await form!.locator('.resolved').innerText()).includes('Serves version 2 today') ? true : undefined));
      await form!.locator('vscode-button[data-action="preview"]').click();
      await pollFor('the storageUri error under its field', 15_000, async () => (/required to deploy to KServe/.test(await fieldError(form!, 'kserve.storageUri')) ? true : undefined));
      await fillField(form!, 'kserve.storageUri', 's3://models/{model}/{version}');
      await form!.locator('vscode-button[data-action="preview"]').click();
      await pollFor('an untitled YAML editor with the InferenceService', 20_000, async () => {
        for (const lines of await page.locator('.monaco-editor .view-lines').all()) {
          const t = (await lines.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
          if (t.includes('kind: InferenceService') && t.includes('storageUri: s3://models/iris/2') && t.includes(`name: ${NAME}`)) return true;
        }
        return undefined;
      });
      await screenshots.take(page, 'kserve-preview-yaml');
      // The preview is an untitled document: close it without a save prompt.
      await runCommand(page, 'View: Revert and Close Editor');
    }],
    ['Deploy saves the file and starts it: the Deployments view shows it running', 'deploy-form-deployed', async () => {
      form = await webviewFrame(page, 'deploymentForm.js', 'Deploy a model');
      await form.locator('vscode-button[data-action="deploy"]').click();
      await pollFor('"is running" in the form\'s status line', 90_000, async () => {
        const t = await form!.locator('.actions .status').innerText();
        if (/failed|Fix the/i.test(t)) throw new Error(`Deploy failed: ${t}`);
        return t.includes(`"${NAME}" is running: version 2`) ? true : undefined;
      });
      await dismissNotifications(page);
      await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
      const pane = await expandPane(page, 'Deployments');
      await pollFor(`${NAME} running in the Deployments view`, 30_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running · iris v2/.test(r)) ? true : undefined));
    }],
    ['the predict panel (from the Deployments view) sends the prefilled example over REST and shows top-k with labels', 'predict-rest', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.hover();
      await row.locator('.action-label[aria-label="Open Predict Panel"]').first().click();
      predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`);
      await runCommand(page, 'View: Close Primary Side Bar');
      await pollFor('the request editor prefilled with the example', 20_000, async () => {
        const v = await predict!.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        return v.includes('"float_input"') && v.includes('7.3') ? true : undefined;
      });
      await predict.locator('vscode-button[data-action="send"]').click();
      await expectAnswer(predict, 'REST JSON');
    }],
    ['the same request over gRPC answers the same; the two history entries compare as identical; Replay resends', 'predict-grpc', async () => {
      await chooseOption(predict!.locator('vscode-single-select[data-key="transport"]'), 'gRPC');
      await predict!.locator('vscode-button[data-action="send"]').click();
      await expectAnswer(predict!, 'gRPC');
      await screenshots.take(page, 'predict-grpc-answer');
      const rows = predict!.locator('.history-table tbody tr');
      await pollFor('two history entries', 10_000, async () => ((await rows.count()) >= 2 ? true : undefined));
      await rows.nth(0).locator('vscode-checkbox').click();
      await rows.nth(1).locator('vscode-checkbox').click();
      await predict!.locator('vscode-button[data-action="compare"]').click();
      await pollFor('the comparison', 10_000, async () => {
        const t = await predict!.locator('.comparison').innerText();
        return /label[\s\S]*identical/.test(t) && /probabilities/.test(t) ? true : undefined;
      });
      // Replay the REST request (the older entry): a third entry, answered over REST again.
      await rows.nth(1).locator('vscode-button[data-action="replay"]').click();
      await pollFor('a third history entry from the replay', 15_000, async () => ((await rows.count()) >= 3 && (await rows.nth(0).innerText()).includes('REST JSON') ? true : undefined));
      await expectAnswer(predict!, 'REST JSON');
      await predict!.locator('.comparison').scrollIntoViewIfNeeded();
    }],
    ['the "Predict with iris-form" CodeLens on a V2 request file sends it and shows the answer beside', 'codelens-result', async () => {
      await runCommand(page, 'Go to File...');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.fill('iris.request.json');
      await pickQuickItem(page, 'iris.request.json');
      const lens = page.locator('.codelens-decoration a', { hasText: `Predict with ${NAME}` }).first();
      await lens.waitFor({ state: 'visible', timeout: 30_000 });
      await lens.click();
      predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`);
      await pollFor('the three-row answer to the request file', 30_000, async () => {
        const status = await predict!.locator('.result-status').innerText();
        const top = await predict!.locator('[data-output="top-probabilities"]').innerText().catch(() => '');
        const source = await predict!.locator('.history-table tbody tr').first().innerText();
        return status.startsWith('✓') && /setosa[\s\S]*versicolor[\s\S]*virginica/.test(top) && source.includes('requests/iris.request.json') ? true : undefined;
      });
      // The request file stays visible: the panel moved beside it rather than covering it.
      await page.locator('.codelens-decoration a', { hasText: `Predict with ${NAME}` }).first().waitFor({ state: 'visible', timeout: 10_000 });
      await predict.locator('.result').scrollIntoViewIfNeeded();
    }],
    ['Edit on the running deployment, another version, Save: it is hot-swapped and the view shows v1', 'form-hot-swap', async () => {
      await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.hover();
      await row.locator('.action-label[aria-label="Edit Deployment"]').first().click();
      form = await webviewFrame(page, 'deploymentForm.js', `Deployment ${NAME}`);
      await form.locator('vscode-radio[value="number"]').click();
      await chooseOption(form.locator('vscode-single-select[data-key="model.version.number"]'), 'v1');
      await form.locator('vscode-button[data-action="save"]').click();
      await pollFor('"now serves version 1 (hot-swapped)"', 60_000, async () => {
        const t = await form!.locator('.actions .status').innerText();
        if (/failed/i.test(t)) throw new Error(t);
        return t.includes('now serves version 1 (hot-swapped)') ? true : undefined;
      });
      await pollFor(`${NAME} running v1 in the Deployments view`, 30_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running · iris v1/.test(r)) ? true : undefined));
    }],
    ['after "Developer: Reload Window" the predict panel comes back with its request, answer and history', 'panels-restored', async () => {
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForTimeout(1_000);
      await waitForWorkbench(page);
      predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`, 60_000);
      await pollFor('the restored request, answer and history', 60_000, async () => {
        const request = await predict!.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        const status = await predict!.locator('.result-status').innerText();
        const rows = await predict!.locator('.history-table tbody tr').count();
        return request.includes('[6.9, 3.1, 5.4, 2.1]') && status.startsWith('✓') && rows >= 4 ? true : undefined;
      });
    }],
  ];

  return runSteps(page, screenshots, steps);
}

/** Waits for a successful answer over `via` and checks it shows the iris outputs with labels. */
async function expectAnswer(frame: Frame, via: string): Promise<void> {
  await pollFor(`a successful answer over ${via}`, 30_000, async () => {
    const status = await frame.locator('.result-status').innerText();
    if (status.startsWith('✗')) throw new Error(`the panel shows a failure: ${status}`);
    return status.startsWith(`✓ ${via} · ${NAME} v2`) && /client [\d.]+ ms · server queue [\d.]+ ms, compute [\d.]+ ms/.test(status) ? true : undefined;
  });
  const top = await frame.locator('.result [data-output="top-probabilities"]').innerText();
  if (!/virginica[\s\S]*versicolor/.test(top)) throw new Error(`top-k table without the labels of the example's rows:\n${top}`);
  const label = await frame.locator('.result [data-output="label"]').innerText();
  if (!/2\s*virginica[\s\S]*1\s*versicolor/.test(label)) throw new Error(`label output without class names:\n${label}`);
}
