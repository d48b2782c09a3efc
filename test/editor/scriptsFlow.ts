// A predictor script from the deployment form to an answer, in a real VS Code, as a user does it:
// "ModelDeck: Deploy…", model iris v2, model server "Predictor script", "New from template…" →
// TypeScript, saved under scripts/ (VS Code's save dialog) and opened beside; Deploy → the
// Deployments view shows it running with its "Predictor:" row (file and runtime); the predict panel
// starts from the version's input_example as V1 instances, says the script defines what it accepts,
// and Send answers one prediction per row; "Show Logs" on the deployment shows the script's own
// console line for that call. The template runs as written: onnxruntime-node comes from the
// server's copy, TypeScript is compiled by the host.
// Runs on the UI phase's workbench (after the panels flow when both run). One screenshot per step.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { chooseOption, fieldError, fillField, webviewFrame } from './lib/webview';
import { runSteps, type FlowStep, type StepOutcome } from './lib/steps';

export interface ScriptsFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

const NAME = 'iris-ts';
/** Where "New from template…" proposes to save it: scripts/ of the folder holding .modeldeck/. */
const SCRIPT = `scripts/${NAME}_predictor.ts`;
/** Rows of iris v2's input_example (model.json), the request the panel starts with. */
const EXAMPLE_ROWS = 2;

export async function runScriptsFlow(ctx: ScriptsFlowContext): Promise<StepOutcome[]> {
  const { page, workspace } = ctx;
  const deploymentFile = join(workspace, '.modeldeck', 'deployments', `${NAME}.json`);
  let form: Frame | undefined;
  let predict: Frame | undefined;

  const steps: FlowStep[] = [
    ['"Deploy…" form: iris v2, model server "Predictor script", "New from template…" → TypeScript saved under scripts/ fills the script field and opens it beside', 'script-form', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      // Only offered while the panel shows (the flows before this one may have hidden it).
      await runCommand(page, 'View: Hide Panel', 3_000).catch(() => page.keyboard.press('Escape'));
      await runCommand(page, 'ModelDeck: Deploy…');
      form = await webviewFrame(page, 'deploymentForm.js', 'Deploy a model');
      await fillField(form, 'name', NAME);
      await chooseOption(form.locator('vscode-single-select[data-key="model.name"]'), 'iris');
      await form.locator('vscode-radio[value="number"]').click();
      await chooseOption(form.locator('vscode-single-select[data-key="model.version.number"]'), 'v2');
      await form.locator('[data-field="modelServer"] vscode-radio[value="script"]').click();
      await form.locator('[data-field="predictor.script"] vscode-button', { hasText: 'New from template…' }).click();
      await pickQuickItem(page, 'TypeScript');
      // VS Code's save dialog (in the browser: a path box with the dialog's own button), proposing
      // scripts/<name>_predictor.ts in the workspace folder that holds .modeldeck/.
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await pollFor('the save dialog proposing scripts/', 15_000, async () => ((await input.inputValue().catch(() => '')).endsWith(SCRIPT) ? true : undefined));
      await page.waitForTimeout(500); // the dialog reads the folder as the path settles
      // The browser's dialog labels its button OK (a desktop one would say "Create predictor").
      await page.locator('.quick-input-widget .monaco-button', { hasText: /^(OK|Create predictor)$/ }).first().click();
      await pollFor(`the script field set to ${SCRIPT}`, 20_000, async () => {
        const v = await form!.locator('vscode-textfield[data-key="predictor.script"]').evaluate((e) => (e as unknown as { value: string }).value);
        return v === SCRIPT ? true : undefined;
      });
      if (!existsSync(join(workspace, SCRIPT))) throw new Error(`${SCRIPT} was not written`);
      if (readFileSync(join(workspace, SCRIPT), 'utf8') !== readFileSync(join(__dirname, '../../media/templates/predictor.ts'), 'utf8')) throw new Error(`${SCRIPT} is not the TypeScript template`);
      // The template opened beside the form.
      await page.locator('.tab', { hasText: `${NAME}_predictor.ts` }).first().waitFor({ state: 'visible', timeout: 15_000 });
      // Model server "Predictor script" with a script: nothing to flag.
      if (await fieldError(form, 'predictor.script').catch(() => '')) throw new Error(`the script field shows an error: ${await fieldError(form, 'predictor.script')}`);
    }],
    ['Deploy writes the workspace-relative script path and starts it: the Deployments view shows it running with its "Predictor:" row', 'script-deployed', async () => {
      await form!.locator('vscode-button[data-action="deploy"]').click();
      await pollFor('"is running" in the form\'s status line', 120_000, async () => {
        const t = await form!.locator('.actions .status').innerText();
        if (/failed|Fix the/i.test(t)) throw new Error(`Deploy failed: ${t}`);
        return t.includes(`"${NAME}" is running: version 2`) ? true : undefined;
      });
      const spec = JSON.parse(readFileSync(deploymentFile, 'utf8')) as { modelServer?: string; predictor?: { script?: string } };
      if (spec.modelServer !== 'script' || spec.predictor?.script !== SCRIPT) throw new Error(`${deploymentFile} has modelServer ${spec.modelServer}, predictor ${JSON.stringify(spec.predictor)}`);
      await dismissNotifications(page);
      await showModelDeckViews(page);
      const pane = await expandPane(page, 'Deployments');
      await pollFor(`${NAME} running with "Predictor: ${NAME}_predictor.ts · Node … (worker thread)"`, 30_000, async () => {
        // VS Code keeps a row collapsed that it first showed without children (while starting): open it as a user would.
        const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
        if ((await row.getAttribute('aria-expanded').catch(() => null)) === 'false') await row.locator('.monaco-tl-twistie').click().catch(() => undefined);
        const rows = await paneRowsText(pane);
        const at = rows.findIndex((r) => r.startsWith(`${NAME} `) && /running · iris v2/.test(r));
        return at >= 0 && rows.slice(at + 1).some((r) => new RegExp(`^Predictor: ${NAME}_predictor\\.ts Node [\\d.]+ \\(worker thread\\)$`).test(r)) ? true : undefined;
      });
    }],
    ['the predict panel starts from input_example as V1 instances, says the script defines what it accepts; Send answers one prediction per row', 'script-predict', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.hover();
      await row.locator('.action-label[aria-label="Open Predict Panel"]').first().click();
      predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`);
      await runCommand(page, 'View: Close Primary Side Bar');
      await pollFor('the request editor prefilled with V1 instances of the example', 20_000, async () => {
        const v = await predict!.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        return v.includes('"instances"') && v.includes('[7.3, 2.9, 6.3, 1.8]') ? true : undefined;
      });
      const note = await predict.locator('[data-key="signature"]').innerText();
      if (!note.includes(`predictor script ${NAME}_predictor.ts (class Predictor on Node`) || !note.includes('the script defines what it accepts')) throw new Error(`the panel does not say the script decides: ${note}`);
      await predict.locator('vscode-button[data-action="send"]').click();
      await pollFor('a V1 answer with one prediction per row', 30_000, async () => {
        const status = await predict!.locator('.result-status').innerText();
        if (status.startsWith('✗')) throw new Error(`the panel shows a failure: ${status}`);
        const rows = await predict!.locator('.result [data-output="v1-predictions"] tbody tr').count();
        return status.startsWith(`✓ REST JSON · ${NAME}`) && rows === EXAMPLE_ROWS ? true : undefined;
      });
      // The template answers one object per row ({label, probabilities}); the label of the example's first row is virginica (2).
      const first = await predict.locator('.result [data-output="v1-predictions"] tbody tr').first().innerText();
      if (!/"label":2/.test(first)) throw new Error(`first prediction: ${first}`);
      await predict.locator('.result').scrollIntoViewIfNeeded();
    }],
    ['"Show Logs" on the deployment shows the script\'s console line for that call', 'script-logs', async () => {
      await runCommand(page, 'View: Close All Editor Groups'); // the log gets the whole editor area
      await showModelDeckViews(page);
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.hover();
      await row.locator('.action-label[aria-label="Show Logs"]').first().click();
      const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
      await pollFor(`"predicting ${EXAMPLE_ROWS} rows" in the deployment log`, 20_000, async () => {
        const t = (await editor.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
        return t.includes(`predicting ${EXAMPLE_ROWS} rows`) ? true : undefined;
      });
      // The log opens beside the (closed) panel's group: one column, so its lines show whole.
      await runCommand(page, 'View: Single Column Editor Layout');
    }],
  ];
  return runSteps(page, ctx.screenshots, steps);
}

/** Shows the ModelDeck views; clicking the activity bar icon of the container already shown would hide it. */
async function showModelDeckViews(page: Page): Promise<void> {
  if (await viewPane(page, 'Deployments').locator('.pane-header').first().isVisible().catch(() => false)) return;
  await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
}
