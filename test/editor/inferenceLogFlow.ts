// The Inference Log in a real VS Code, driven like a user would: a deployment whose logger writes
// to a file sink (logs/iris.jsonl in the workspace) is started from the Deployments view, three
// predictions go through the predict panel, "Show Inference Log" lists the three requests with
// their responses (checked against the records the server wrote to the file), selecting one shows
// both payloads, the filter narrows, Replay puts the request in the predict panel without sending,
// and a fourth prediction appears in the open log as it happens.
// One screenshot per step. Assertions read what the user sees (webview and workbench DOM) and the file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { runSteps, type StepOutcome } from './lib/steps';
import { webviewFrame } from './lib/webview';

export interface InferenceLogFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

const NAME = 'iris-logged';
const SINK = 'logs/iris.jsonl';

interface FileRecord {
  inferenceId: string;
  messageType: 'request' | 'response';
  modelName: string;
  payload: unknown;
  responseHttpCode?: number;
}

export async function runInferenceLogFlow(ctx: InferenceLogFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots, workspace } = ctx;
  const sinkFile = join(workspace, SINK);
  let predict: Frame | undefined;
  let log: Frame | undefined;
  let requestIds: string[] = [];
  let selected: FileRecord | undefined;

  /** The records the server wrote for this deployment, in file order. */
  const fileRecords = (): FileRecord[] =>
    existsSync(sinkFile)
      ? readFileSync(sinkFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as FileRecord)
          .filter((r) => r.modelName === NAME)
      : [];
  const historyCount = async () => predict!.locator('.history-table tbody tr').count();
  const sendAndWait = async (expected: number) => {
    await predict!.locator('vscode-button[data-action="send"]').click();
    await pollFor(`history entry ${expected}`, 30_000, async () => {
      const status = await predict!.locator('.result-status').innerText().catch(() => '');
      if (status.startsWith('✗')) throw new Error(`the predict panel shows a failure: ${status}`);
      return (await historyCount()) >= expected && status.startsWith('✓') ? true : undefined;
    });
  };
  const logRows = () => log!.locator('table.entries tbody tr');
  const rowIds = async () => log!.locator('table.entries tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''));

  const steps: [string, string, () => Promise<void>][] = [
    ['a deployment with a file sink starts from the Deployments view, which offers "Show Inference Log" on it', 'inference-log-deployment', async () => {
      mkdirSync(join(workspace, '.modeldeck', 'deployments'), { recursive: true });
      writeFileSync(
        join(workspace, '.modeldeck', 'deployments', `${NAME}.json`),
        `${JSON.stringify({ name: NAME, model: { name: 'iris', version: 2 }, inferenceLogger: { mode: 'all', sink: SINK } }, null, 2)}\n`,
      );
      await runCommand(page, 'View: Close All Editor Groups');
      await showModelDeck(page);
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      await row.hover();
      await row.locator('.action-label[aria-label="Start Deployment"]').first().click();
      await pollFor(`${NAME} running in the Deployments view`, 90_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running · iris v2/.test(r)) ? true : undefined));
      await dismissNotifications(page);
      await row.hover();
      await row.locator('.action-label[aria-label="Show Inference Log"]').first().waitFor({ state: 'visible', timeout: 10_000 });
    }],
    ['three predictions from the predict panel; the server writes each request and response to the file sink', 'inference-log-predictions', async () => {
      await runCommand(page, 'ModelDeck: Open Predict Panel');
      await pickQuickItem(page, NAME);
      predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`);
      await pollFor('the request editor prefilled with the example', 30_000, async () => {
        const v = await predict!.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        return v.includes('"float_input"') ? true : undefined;
      });
      for (let i = 1; i <= 3; i++) await sendAndWait(i);
      const records = await pollFor('3 requests and 3 responses in logs/iris.jsonl', 20_000, async () => {
        const rs = fileRecords();
        return rs.filter((r) => r.messageType === 'request').length >= 3 && rs.filter((r) => r.messageType === 'response').length >= 3 ? rs : undefined;
      });
      requestIds = records.filter((r) => r.messageType === 'request').map((r) => r.inferenceId);
      for (const id of requestIds) {
        const res = records.find((r) => r.inferenceId === id && r.messageType === 'response');
        if (res?.responseHttpCode !== 200) throw new Error(`no 200 response record for request ${id}`);
      }
    }],
    ['"ModelDeck: Show Inference Log" lists the three requests newest first, each answered 200 with its latency', 'inference-log', async () => {
      await runCommand(page, 'ModelDeck: Show Inference Log');
      await pickQuickItem(page, NAME);
      log = await webviewFrame(page, 'inferenceLog.js', `Inference Log: ${NAME}`);
      await runCommand(page, 'View: Close Primary Side Bar'); // room for the two panels
      const source = await log.locator('[data-key="source"]').innerText();
      if (!source.includes(`tailing ${sinkFile}`)) throw new Error(`the log does not say it tails ${sinkFile}: "${source}"`);
      await pollFor('three rows, the newest first', 20_000, async () => {
        const ids = await rowIds();
        return ids.length === 3 && ids.join() === [...requestIds].reverse().join() ? true : undefined;
      });
      for (let i = 0; i < 3; i++) {
        const cells = await logRows().nth(i).locator('td').allInnerTexts();
        // time, request id, protocol, status, latency, version
        if (!/^\d{1,2}:\d{2}:\d{2}\.\d{3}$/.test(cells[0]!.trim()) || cells[2] !== 'v2-rest' || cells[3] !== '200' || !/^[\d.]+ ms$/.test(cells[4]!) || cells[5] !== 'v2') {
          throw new Error(`row ${i} reads ${JSON.stringify(cells)}`);
        }
      }
      const counts = await log.locator('[data-key="counts"]').innerText();
      if (counts !== '3 requests') throw new Error(`counts read "${counts}"`);
    }],
    ['selecting a request shows both payloads as pretty JSON, the same as the records in the file', 'inference-log-selected', async () => {
      const id = requestIds[1]!;
      await log!.locator(`table.entries tbody tr[data-id="${id}"]`).click();
      const records = fileRecords();
      selected = records.find((r) => r.inferenceId === id && r.messageType === 'request')!;
      const response = records.find((r) => r.inferenceId === id && r.messageType === 'response')!;
      await pollFor('both payloads', 15_000, async () => {
        const req = await log!.locator('pre[data-key="request-payload"]').innerText().catch(() => '');
        const res = await log!.locator('pre[data-key="response-payload"]').innerText().catch(() => '');
        if (!req || !res) return undefined;
        const same = JSON.stringify(JSON.parse(req)) === JSON.stringify(selected!.payload) && JSON.stringify(JSON.parse(res)) === JSON.stringify(response.payload);
        return same && req.includes('\n  "inputs"') ? true : undefined;
      });
      const meta = await log!.locator('[data-key="request-payload-meta"]').innerText();
      if (!meta.includes('application/json')) throw new Error(`request meta reads "${meta}"`);
    }],
    ['the filter narrows the list by request id and by status', 'inference-log-filter', async () => {
      const id = requestIds[0]!;
      await log!.locator('vscode-textfield[data-key="filter-text"] input').fill(id.slice(0, 12));
      await pollFor('one row for the id', 10_000, async () => ((await rowIds()).join() === id ? true : undefined));
      await log!.locator('vscode-textfield[data-key="filter-text"] input').fill('');
      await pollFor('all three rows again', 10_000, async () => ((await rowIds()).length === 3 ? true : undefined));
    }],
    ['Replay opens that request in the predict panel, not sent: the user presses Send there', 'inference-log-replay', async () => {
      const before = await historyCount();
      await log!.locator('vscode-button[data-action="replay"]').click();
      await pollFor('the replayed request in the predict panel', 15_000, async () => {
        const v = await predict!.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        try {
          return JSON.stringify(JSON.parse(v)) === JSON.stringify(selected!.payload) ? true : undefined;
        } catch {
          return undefined;
        }
      });
      const note = await log!.locator('[data-key="replay-note"]').innerText();
      if (!/press Send/.test(note)) throw new Error(`replay note reads "${note}"`);
      if ((await historyCount()) !== before) throw new Error('Replay sent the request (it must only fill the panel)');
    }],
    ['Send in the predict panel: the open Inference Log shows the fourth request as it happens', 'inference-log-live', async () => {
      await sendAndWait(4);
      await pollFor('a fourth row at the top, answered', 20_000, async () => {
        const ids = await rowIds();
        if (ids.length !== 4 || requestIds.includes(ids[0]!)) return undefined;
        const cells = await logRows().nth(0).locator('td').allInnerTexts();
        return cells[3] === '200' ? true : undefined;
      });
    }],
    ['cleanup: the deployment stops', 'inference-log-stopped', async () => {
      await runCommand(page, 'ModelDeck: Stop Deployment');
      await pickQuickItem(page, NAME);
      await showModelDeck(page);
      const pane = await expandPane(page, 'Deployments');
      await pollFor(`${NAME} stopped`, 30_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /stopped/.test(r)) ? true : undefined));
      await runCommand(page, 'View: Close All Editor Groups');
    }],
  ];

  return runSteps(page, screenshots, steps);
}

/** Opens the ModelDeck side bar unless it shows already (clicking its icon again would close it). */
async function showModelDeck(page: Page): Promise<void> {
  const header = viewPane(page, 'Deployments').locator('.pane-header').first();
  if (await header.isVisible().catch(() => false)) return;
  await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
  await header.waitFor({ state: 'visible', timeout: 20_000 });
}
