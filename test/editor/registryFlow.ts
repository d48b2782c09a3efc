// Registry work a user does in the real VS Code: register a new model version from the Explorer's
// context menu (never overwriting), then "Deploy Best Version…" picks it by its metric and serves it.
// Runs after the main UI flow on the same page. One screenshot per step.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chooseFromContextMenu, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, type Screenshots } from './lib/browser';
import { runSteps, type StepOutcome } from './lib/steps';
import { webviewFrame } from './lib/webview';

export interface RegistryFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

/** Type into the open input box of a quick input and accept. */
async function answerInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(text);
  await page.keyboard.press('Enter');
}

export async function runRegistryFlow(ctx: RegistryFlowContext): Promise<StepOutcome[]> {
  const { page, workspace, screenshots } = ctx;
  const v1File = join(workspace, 'models', 'digits', '1', 'model.onnx');
  const v1Before = statSync(v1File).mtimeMs;
  const steps: [string, string, () => Promise<void>][] = [
    ['"Register Model Version…" on an .onnx file adds the next version with its metrics, leaving v1 untouched', 'register-version', async () => {
      await page.locator('.part.activitybar .action-item a[aria-label^="Explorer"]').first().click();
      const tree = page.locator('.explorer-folders-view');
      // The Explorer shows several model.onnx rows (and compacts "digits/1"): open the file, reveal it,
      // and right-click the row the Explorer selects.
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill('models/digits/1/model.onnx');
      const match = page.locator('.quick-input-list .monaco-list-row', { hasText: 'model.onnx' }).filter({ hasText: 'digits' }).first();
      await match.waitFor({ state: 'visible', timeout: 15_000 });
      await match.click();
      // model.onnx opens in the model view (a webview that takes focus as it loads): let it open first.
      await webviewFrame(page, 'modelView.js', 'digits v1', 45_000);
      await runCommand(page, 'File: Reveal Active File in Explorer View');
      const onnx = tree.locator('.monaco-list-row.selected[aria-label="model.onnx"]').first();
      await onnx.waitFor({ state: 'visible', timeout: 15_000 });
      await chooseFromContextMenu(page, onnx, 'Register Model Version…');
      await pickQuickItem(page, 'digits'); // an existing model: the next version
      await answerInput(page, 'accuracy=0.9911, f1_macro=0.99');
      const v2 = join(workspace, 'models', 'digits', '2');
      await pollFor('models/digits/2/model.onnx on disk', 20_000, async () => (existsSync(join(v2, 'model.onnx')) ? true : undefined));
      const meta = JSON.parse(readFileSync(join(v2, 'model.json'), 'utf8'));
      if (meta.metrics?.accuracy !== 0.9911) throw new Error(`model.json metrics: ${JSON.stringify(meta.metrics)}`);
      if (statSync(v1File).mtimeMs !== v1Before) throw new Error('version 1 was modified');
      await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
      const pane = await expandPane(page, 'Models');
      await pollFor('digits v2 marked best in the Models view', 20_000, async () => {
        const rows = await paneRowsText(pane);
        return rows.some((r) => /^v2\b/.test(r) && r.includes('accuracy 0.9911') && r.includes('best')) ? true : undefined;
      });
    }],
    ['"Deploy Best Version…" serves the version with the best metric', 'deploy-best', async () => {
      await runCommand(page, 'ModelDeck: Deploy Best Version…');
      await pickQuickItem(page, 'digits');
      await pickQuickItem(page, 'accuracy');
      await pickQuickItem(page, 'max');
      const pane = await expandPane(page, 'Deployments');
      await pollFor('digits-best running on v2', 60_000, async () => {
        const rows = await paneRowsText(pane);
        return rows.some((r) => r.startsWith('digits-best') && /running/.test(r) && /digits v2/.test(r)) ? true : undefined;
      });
    }],
  ];
  return runSteps(page, screenshots, steps);
}
