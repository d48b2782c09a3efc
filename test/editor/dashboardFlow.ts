// The deployment dashboard and the load test in a real VS Code, driven like a user would: iris is
// started from the Deployments view and its dashboard opened from the row's context menu; the
// server's charts draw; a load test (REST JSON, 4 concurrent, 6 s) runs in its own process while
// the server's requests/s chart and the load test's charts move; its summary has percentiles and is
// saved as JSON + Markdown under .modeldeck/loadtests/iris; a second run is compared with the saved
// one; the table view shows the same numbers; the predict panel's "Load Test…" hands its request over.
// One screenshot per step. Assertions read what the user sees (webview and workbench DOM) and the files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { chooseFromContextMenu, dismissNotifications, expandPane, paneRowsText, pickQuickItem, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { runSteps, type FlowStep, type StepOutcome } from './lib/steps';
import { fillField, webviewFrame } from './lib/webview';

export interface DashboardFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

const NAME = 'iris';

export async function runDashboardFlow(ctx: DashboardFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots, workspace } = ctx;
  let dash: Frame | undefined;
  const runsDir = join(workspace, '.modeldeck', 'loadtests', NAME);
  const text = async (key: string) => (await dash!.locator(`[data-key="${key}"]`).first().innerText().catch(() => '')).trim();
  const chartLabel = async (key: string) => (await dash!.locator(`[data-chart="${key}"]`).getAttribute('aria-label').catch(() => null)) ?? '';
  /** Requests/s the server chart says now (its aria-label carries the latest value). */
  const serverRps = async () => Number(/now ([\d.]+)/.exec(await chartLabel('rps'))?.[1] ?? NaN);
  const runLoad = async (concurrency: string, seconds: string) => {
    await fillField(dash!, 'lt-concurrency', concurrency);
    await fillField(dash!, 'lt-duration', seconds);
    await dash!.locator('vscode-button[data-action="start-load"]').click();
  };
  const waitDone = () =>
    pollFor('the load test summary', 60_000, async () => {
      const status = await text('lt-status');
      if (status.startsWith('Load test failed')) throw new Error(status);
      return status.startsWith('Done') && (await dash!.locator('[data-key="lt-summary-table"]').count()) > 0 ? status : undefined;
    });

  const steps: FlowStep[] = [
    ['iris starts from the Deployments view; its context menu offers "Open Dashboard", which opens the dashboard', 'dashboard-open', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      await showModelDeck(page);
      const pane = await expandPane(page, 'Deployments');
      // The row labelled exactly "iris" (iris-js, iris-sklearn… also show "iris v…" in their description).
      const row = pane.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^\s*iris\s*$/ }) }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      if (!(await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running/.test(r))) {
        await row.hover();
        await row.locator('.action-label[aria-label="Start Deployment"]').first().click();
      }
      await pollFor(`${NAME} running in the Deployments view`, 90_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running · iris v/.test(r)) ? true : undefined));
      await dismissNotifications(page);
      await chooseFromContextMenu(page, row, 'Open Dashboard');
      dash = await webviewFrame(page, 'dashboard.js', `Dashboard: ${NAME}`);
      await runCommand(page, 'View: Close Primary Side Bar'); // room for the charts
      await pollFor('the target line says running', 20_000, async () => ((await text('target')).includes('running') ? true : undefined));
      await pollFor('the four server charts drawn', 20_000, async () => ((await dash!.locator('[data-chart] canvas').count()) >= 4 ? true : undefined));
    }],
    ['a load test (REST JSON, 4 concurrent, 6 s) runs in its own process: the progress bar advances and the charts move', 'dashboard-load-running', async () => {
      await runLoad('4', '6');
      // Mid-run: the load test's live chart has points and the server's requests/s chart shows the load.
      await pollFor('live load test progress', 30_000, async () => ((await text('lt-status')).match(/ of 6 s · \d+ ok/) ? true : undefined));
      const rps = await pollFor('the server chart showing the load', 30_000, async () => {
        const v = await serverRps();
        return v > 10 ? v : undefined;
      });
      const progress = Number(await dash!.locator('[data-key="lt-progress"]').getAttribute('value'));
      if (!(progress > 0 && progress < 1)) throw new Error(`progress bar at ${progress} mid-run`);
      const lt = await chartLabel('lt-rps');
      if (!/last [\d.]+ req\/s/.test(lt)) throw new Error(`load test chart label reads "${lt}"`);
      console.log(`    server chart at ${rps} req/s during the load test`);
    }],
    ['the summary shows throughput and percentiles; Save writes JSON + Markdown under .modeldeck/loadtests/iris', 'dashboard-load-summary', async () => {
      await waitDone();
      const summary = await dash!.locator('[data-key="lt-summary-table"]').innerText();
      for (const k of ['throughput', 'p50', 'p95', 'p99']) if (!summary.includes(k)) throw new Error(`summary lacks ${k}: ${summary}`);
      if (/\b0 ok\b/.test(summary)) throw new Error(`no successful request: ${summary}`);
      await dash!.locator('vscode-button[data-action="save-run"]').click();
      await pollFor('the saved note', 15_000, async () => ((await text('lt-saved')).includes('.md') ? true : undefined));
      const files = existsSync(runsDir) ? readdirSync(runsDir) : [];
      const json = files.find((f) => f.endsWith('.json'));
      if (!json || !files.some((f) => f.endsWith('.md'))) throw new Error(`saved files: ${files.join(', ')}`);
      const rec = JSON.parse(readFileSync(join(runsDir, json), 'utf8')) as { kind: string; concurrency: number; result: { throughputRps: number; latency?: { p99Ms: number } } };
      if (rec.kind !== 'modeldeck-loadtest' || rec.concurrency !== 4 || !(rec.result.throughputRps > 0) || !rec.result.latency) throw new Error(`saved record: ${JSON.stringify(rec).slice(0, 300)}`);
    }],
    ['a second run is compared with the saved one (throughput and latency before / now / change)', 'dashboard-load-compare', async () => {
      await runLoad('4', '2');
      await waitDone();
      const cmp = await dash!.locator('[data-key="lt-comparison"]').innerText();
      if (!/throughput \(req\/s\)/.test(cmp) || !/p99 latency/.test(cmp) || !/%/.test(cmp)) throw new Error(`comparison reads: ${cmp}`);
    }],
    ['the table view shows the same numbers as the charts (accessible)', 'dashboard-table', async () => {
      await dash!.locator('vscode-button[data-action="toggle-view"]').click();
      const table = dash!.locator('[data-key="numbers"]');
      await table.waitFor({ state: 'visible', timeout: 10_000 });
      const t = await table.innerText();
      for (const k of ['Requests/s', 'Latency p99', 'Queue time (mean)', 'Compute time (mean)', 'Workers lost / restarted']) if (!t.includes(k)) throw new Error(`table lacks ${k}: ${t}`);
      const requests = Number(/Requests since opened\s+(\d+)/.exec(t)?.[1] ?? 0);
      if (!(requests > 10)) throw new Error(`the table counts ${requests} requests since opened`);
      await dash!.locator('vscode-button[data-action="toggle-view"]').click();
    }],
    ['the predict panel\'s "Load Test…" hands its request to the dashboard', 'dashboard-from-predict', async () => {
      await runCommand(page, 'ModelDeck: Open Predict Panel');
      await pickQuickItem(page, NAME);
      const predict = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`);
      await pollFor('the request editor prefilled', 30_000, async () => {
        const v = await predict.locator('vscode-textarea[data-key="request"]').evaluate((e) => (e as unknown as { value: string }).value);
        return v.includes('"inputs"') ? true : undefined;
      });
      await predict.locator('vscode-button[data-action="load-test"]').click();
      // The dashboard is revealed (a page that was hidden reloads: find its frame again).
      dash = await webviewFrame(page, 'dashboard.js', `Dashboard: ${NAME}`);
      await pollFor('the dashboard names the predict panel request', 15_000, async () => ((await text('lt-request')).includes("predict panel's request") ? true : undefined));
    }, false],
    ['cleanup: the editors close', 'dashboard-closed', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
    }, false],
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
