// The model view and the compliance report in a real VS Code, as a user meets them: opening
// models/digits-cnn/1/model.onnx from Quick Open shows ModelDeck's model view (not "binary file")
// with its producer, inputs with the named batch dimension, operator histogram, parameter count
// and model.json metrics; opening iris v2's file and pressing Serve starts the iris deployment;
// "ModelDeck: Check Endpoint Compliance…" on it streams a report in which every check passes,
// REST and gRPC, and a check opens to show what it sent and received; an endpoint typed in (a
// deliberately incomplete server from test/support/) gets each missing part as a failed check.
// One screenshot per step. Assertions read what the user sees (webview DOM).
import type { Frame, Page } from 'playwright-core';
import { dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { runSteps, type FlowStep, type StepOutcome } from './lib/steps';
import { startIncompleteOipServer, type IncompleteServer } from '../support/incompleteOipServer';
import { webviewFrame } from './lib/webview';

export interface ModelViewFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

/** Opens a workspace file through Quick Open (Go to File…), as a user types its path. */
async function openFile(page: Page, relative: string): Promise<void> {
  await runCommand(page, 'Go to File...');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(relative);
  // The row of that file (its folder shows beside the name): recently opened files are listed
  // first, so Enter alone could open the previous model.
  const folder = relative.split('/').slice(0, -1).join('/');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: folder }).first();
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  await row.click();
}

/** The text of one fact (dt/dd pair) of the model view. */
async function fact(frame: Frame, key: string): Promise<string> {
  return (await frame.locator(`dd[data-fact="${key}"]`).first().innerText()).trim();
}

export async function runModelViewFlow(ctx: ModelViewFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots } = ctx;
  let view: Frame | undefined;
  let report: Frame | undefined;

  let incomplete: IncompleteServer | undefined;
  const quickInput = page.locator('.quick-input-widget .quick-input-box input');
  /** Answers one input box of a multi-step prompt, once its title shows `step`. */
  const answer = async (step: string, value: string) => {
    await pollFor(`the input box "${step}"`, 15_000, async () => ((await page.locator('.quick-input-widget .quick-input-title').innerText().catch(() => '')).includes(step) ? true : undefined));
    await quickInput.fill(value);
    await page.keyboard.press('Enter');
  };

  const steps: FlowStep[] = [
    ['opening models/digits-cnn/1/model.onnx shows the model view: producer, opsets, inputs with the named batch dimension, operators, parameters, metrics', 'model-view', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await openFile(page, 'models/digits-cnn/1/model.onnx');
      view = await webviewFrame(page, 'modelView.js', 'digits-cnn v1', 45_000);
      await pollFor('the summary', 20_000, async () => ((await view!.locator('[data-key="inputs"] tbody tr').count()) > 0 ? true : undefined));
      const producer = await fact(view, 'producer');
      if (producer !== 'modeldeck-examples 1') throw new Error(`producer reads "${producer}"`);
      const opsets = await fact(view, 'opsets');
      if (opsets !== 'ai.onnx 13') throw new Error(`opsets read "${opsets}"`);
      const input = await view.locator('[data-key="inputs"] tbody tr').first().locator('td').allInnerTexts();
      if (input.join(' | ') !== 'image | FP32 | [batch, 1, 8, 8]') throw new Error(`input row reads ${JSON.stringify(input)}`);
      const firstOp = await view.locator('[data-key="operators"] tbody tr').first().locator('td').allInnerTexts();
      if (firstOp[0] !== 'Conv' || firstOp[1] !== '6') throw new Error(`first operator row reads ${JSON.stringify(firstOp)}`);
      const params = await fact(view, 'parameters');
      if (params !== '632,079') throw new Error(`parameters read "${params}"`);
      const metrics = await view.locator('[data-key="metrics"] tbody tr').allInnerTexts();
      if (!metrics.some((m) => m.startsWith('accuracy'))) throw new Error(`metrics read ${JSON.stringify(metrics)}`);
      for (const action of ['serve', 'deploy', 'predict', 'export']) await view.locator(`vscode-button[data-action="${action}"]`).waitFor({ state: 'visible', timeout: 5_000 });
    }],
    ['iris v2 in the model view: Serve starts the iris deployment on the local server', 'model-view-serve', async () => {
      await openFile(page, 'models/iris/2/model.onnx');
      view = await webviewFrame(page, 'modelView.js', 'iris v2', 45_000);
      await view.locator('vscode-button[data-action="serve"]').click();
      await pollFor('iris running in the model view\'s registry card', 90_000, async () => ((await fact(view!, 'deployments').catch(() => '')).includes('iris (running)') ? true : undefined));
      await dismissNotifications(page);
    }],
    ['"ModelDeck: Check Endpoint Compliance…" on iris: every check passes over REST and gRPC, each with its spec section', 'compliance-report', async () => {
      await runCommand(page, 'ModelDeck: Check Endpoint Compliance…');
      await pickQuickItem(page, 'iris');
      report = await webviewFrame(page, 'compliance.js', 'Endpoint compliance: iris', 30_000);
      const counts = await pollFor('the finished report', 60_000, async () => {
        const text = await report!.locator('[data-key="counts"]').innerText().catch(() => '');
        return /in [\d.]+ s/.test(text) ? text : undefined;
      });
      if (!/0 failed/.test(counts) || !/0 skipped/.test(counts)) throw new Error(`the report reads "${counts}"`);
      const rows = await report.locator('tr[data-check]').count();
      if (rows < 20) throw new Error(`only ${rows} checks listed`);
      for (const id of ['rest.infer.binary', 'rest.error.unknownModel.infer', 'grpc.infer.raw', 'rest.v1.predict']) {
        const status = await report.locator(`tr[data-check="${id}"]`).getAttribute('data-status');
        if (status !== 'pass') throw new Error(`${id} is ${status}`);
      }
      // What a check sent and received: open the binary extension's exchanges.
      await report.locator('tr[data-check="rest.error.shape"] details summary').click();
      const sent = await report.locator('tr[data-check="rest.error.shape"] details pre').first().innerText();
      if (!sent.includes('"float_input"')) throw new Error(`the exchange shows "${sent.slice(0, 100)}"`);
    }],
    ['"Another endpoint…": a deliberately incomplete server typed in gets each missing part as a failed check with its reason', 'compliance-report-incomplete', async () => {
      incomplete = await startIncompleteOipServer();
      await runCommand(page, 'ModelDeck: Check Endpoint Compliance…');
      await pickQuickItem(page, 'Another endpoint');
      await answer('1/3', incomplete.url);
      await answer('2/3', '');
      await answer('3/3', 'iris');
      report = await webviewFrame(page, 'compliance.js', `iris @ ${new URL(incomplete.url).host}`, 30_000);
      const counts = await pollFor('the finished report', 60_000, async () => {
        const text = await report!.locator('[data-key="counts"]').innerText().catch(() => '');
        return /in [\d.]+ s/.test(text) ? text : undefined;
      });
      if (!/9 failed/.test(counts) || !/3 skipped/.test(counts)) throw new Error(`the report reads "${counts}"`);
      for (const [id, status] of [['rest.health.ready', 'fail'], ['rest.infer.binary', 'fail'], ['rest.v1.metadata', 'skipped'], ['rest.infer.json', 'pass']]) {
        const got = await report.locator(`tr[data-check="${id}"]`).getAttribute('data-status');
        if (got !== status) throw new Error(`${id} is ${got}, expected ${status}`);
      }
      await report.locator('vscode-button[data-action="failures"]').click();
      await pollFor('failures only', 10_000, async () => ((await report!.locator('tr[data-check]').count()) === 9 ? true : undefined));
    }, false],
    ['cleanup: the iris deployment stops', 'model-view-stopped', async () => {
      await incomplete?.close();
      await runCommand(page, 'ModelDeck: Stop Deployment');
      await pickQuickItem(page, 'iris');
      const header = viewPane(page, 'Deployments').locator('.pane-header').first();
      if (!(await header.isVisible().catch(() => false))) await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
      const pane = await expandPane(page, 'Deployments');
      await pollFor('iris stopped', 30_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith('iris ') && /stopped/.test(r)) ? true : undefined));
      await runCommand(page, 'View: Close All Editor Groups');
    }],
  ];
  return runSteps(page, screenshots, steps);
}
