// The user's path through ModelDeck in a real VS Code (code-server + Chromium), one screenshot per
// step: open the workbench, open the ModelDeck container, read the Models view, serve a model from
// the Explorer's context menu, call its REST endpoint, read the output channel, stop and start it
// from the command palette, kill the server process and watch the deployment come back.
// Assertions read only what a user sees (DOM text), plus the real HTTP call and the process table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { inferUrlOf } from './suite/api';
import {
  contextMenuItem,
  expandPane,
  paneRowsText,
  pickQuickItem,
  pollFor,
  runCommand,
  Screenshots,
  viewPane,
  waitForWorkbench,
} from './lib/browser';
import { findProcesses } from './lib/codeServer';

export interface UiFlowContext {
  page: Page;
  serverUrl: string;
  workspace: string;
  /** The extensions dir the VSIX is installed in: the ModelDeck server's command line contains it. */
  extensionsDir: string;
  screenshots: Screenshots;
}

import { runSteps, type StepOutcome } from './lib/steps';
export type { StepOutcome } from './lib/steps';

const SERVER_SCRIPT = 'dist/server.js';

/** Runs the steps in order; the first failure stops the flow (later steps depend on it). */
export async function runUiFlow(ctx: UiFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots } = ctx;
  const outcomes: StepOutcome[] = [];
  const state: { deploymentUrl?: string; deploymentName?: string; serverPid?: number } = {};
  const irisExample = JSON.parse(readFileSync(join(ctx.workspace, 'models/iris/2/model.json'), 'utf8')).input_example;

  // [name, screenshot, body, blocking]: a failed blocking step ends the flow (later steps need it).
  const steps: [string, string, () => Promise<void>, boolean?][] = [
    ['the workbench loads with the example workspace', 'workbench', async () => {
      await page.goto(`${ctx.serverUrl}/?folder=${encodeURIComponent(ctx.workspace)}`, { timeout: 60_000 });
      await waitForWorkbench(page);
      await page.locator('.explorer-folders-view .monaco-list-row[aria-label="models"]').first().waitFor({ timeout: 30_000 });
    }],
    ['the ModelDeck activity bar icon appears and opens the ModelDeck views', 'modeldeck-container', async () => {
      const icon = activityItem(page, 'ModelDeck');
      await icon.waitFor({ state: 'visible', timeout: 60_000 });
      await icon.click();
      await viewPane(page, 'Models').waitFor({ state: 'visible', timeout: 20_000 });
      await viewPane(page, 'Deployments').waitFor({ state: 'visible', timeout: 20_000 });
    }],
    ['the Models view lists iris, digits, digits-cnn with versions and metrics', 'models-view', async () => {
      const pane = await expandPane(page, 'Models');
      await pollFor('the three example models in the Models view', 30_000, async () => {
        const t = (await paneRowsText(pane)).join('\n');
        return /\biris\b/.test(t) && /\bdigits\b/.test(t) && /digits-cnn/.test(t) ? true : undefined;
      });
      await expandAllRows(pane, 12);
      const text = (await paneRowsText(pane)).join('\n');
      for (const needle of ['accuracy 0.9111', 'accuracy 0.8222', 'accuracy 0.9844']) {
        if (!text.includes(needle)) throw new Error(`Models view has no "${needle}":\n${text}`);
      }
    }],
    ['right-click models/iris/2/model.onnx in the Explorer shows "Serve this model"', 'explorer-context-menu', async () => {
      await activityItem(page, 'Explorer').click();
      const tree = page.locator('.explorer-folders-view');
      await tree.waitFor({ state: 'visible', timeout: 20_000 });
      for (const name of ['models', 'iris', '2']) {
        const row = tree.locator(`.monaco-list-row[aria-label="${name}"]`).first();
        await row.waitFor({ state: 'visible', timeout: 15_000 });
        if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
        await pollFor(`${name} expanded in the Explorer`, 10_000, async () => ((await row.getAttribute('aria-expanded')) === 'true' ? true : undefined), 200);
      }
      const onnx = tree.locator('.monaco-list-row[aria-label="model.onnx"]').first();
      await onnx.waitFor({ state: 'visible', timeout: 15_000 });
      await onnx.click({ button: 'right' });
      await contextMenuItem(page, 'Serve this model').waitFor({ state: 'visible', timeout: 15_000 });
    }],
    ['"Serve this model" brings a running iris deployment with a URL to the Deployments view', 'deployment-running', async () => {
      await contextMenuItem(page, 'Serve this model').click();
      await activityItem(page, 'ModelDeck').click();
      const pane = await expandPane(page, 'Deployments');
      const found = await pollFor('an iris deployment "running" with a URL in the Deployments view', 90_000, async () => {
        return runningDeployment(await paneRowsText(pane), 'iris');
      });
      state.deploymentName = found.name;
      state.deploymentUrl = found.url;
    }],
    ['a real inference on the URL shown answers (POST input_example)', 'after-inference', async () => {
      const url = inferUrlOf(state.deploymentUrl!, state.deploymentName!);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'editor-ui-flow-1' },
        body: JSON.stringify(irisExample),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`POST ${url} → ${res.status}: ${body}`);
      const label = JSON.parse(body).outputs?.find((o: { name: string }) => o.name === 'label');
      if (!label || label.data.length !== 2) throw new Error(`no 2-row "label" output: ${body}`);
    }],
    ['"ModelDeck: Show Logs" shows the server log; at channel level Debug it shows each inference', 'output-channel', async () => {
      await runCommand(page, 'ModelDeck: Show Logs');
      const panel = page.locator('.part.panel');
      await panel.waitFor({ state: 'visible', timeout: 15_000 });
      // Monaco renders spaces as no-break spaces.
      const outputText = async () => (await panel.locator('.monaco-editor .view-lines').first().innerText().catch(() => '')).replace(/\u00a0/g, ' ');
      // At the channel's default level (Info) the server's info lines show: the deployment loaded.
      await pollFor('"serving version 2" in the output channel', 20_000, async () => ((await outputText()).includes('serving version 2') ? true : undefined));
      // Inference lines are debug lines: a user shows them with "Developer: Set Log Level…". The quick
      // pick sometimes loses the second choice on a busy machine (seen once in CI): a user would pick
      // again, and so does this step (at most three times) before it fails.
      let lastError: unknown;
      for (let attempt = 1; attempt <= 3; attempt++) {
        await runCommand(page, 'Developer: Set Log Level...');
        await pickQuickItem(page, 'ModelDeck');
        await pickQuickItem(page, 'Debug');
        const res = await fetch(inferUrlOf(state.deploymentUrl!, state.deploymentName!), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': 'editor-ui-flow-2' },
          body: JSON.stringify(irisExample),
          signal: AbortSignal.timeout(30_000),
        });
        if (res.status !== 200) throw new Error(`second inference → ${res.status}`);
        await runCommand(page, 'ModelDeck: Show Logs');
        try {
          await pollFor('the inference request id at channel level Debug', 10_000, async () => ((await outputText()).includes('editor-ui-flow-2') ? true : undefined));
          return;
        } catch (err) {
          lastError = err;
        }
      }
      throw lastError;
    }],
    ['"Show Logs" on the deployment follows only its lines, inferences included', 'deployment-log', async () => {
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: state.deploymentName! }).first();
      const showLogs = async (): Promise<void> => {
        await row.hover();
        await row.locator('.action-label[aria-label="Show Logs"]').first().click({ timeout: 5_000 });
      };
      await showLogs();
      const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
      const tab = page.locator('.tabs-container .tab', { hasText: `${state.deploymentName!}.log` }).first();
      let clicked = Date.now();
      await pollFor('the deployment log with both inference request ids', 30_000, async () => {
        const t = (await editor.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
        if (t.includes('editor-ui-flow-1') && t.includes('editor-ui-flow-2')) return true;
        // The inline action shows on hover and the row re-renders as the view refreshes: a click can
        // land on nothing (seen in CI). With no log tab after 5 s, a user hovers and clicks again.
        if (Date.now() - clicked > 5_000 && !(await tab.isVisible().catch(() => false))) {
          clicked = Date.now();
          await showLogs().catch(() => undefined);
        }
        return undefined;
      });
      const text = await editor.innerText();
      if (/\[digits/.test(text)) throw new Error(`the iris log shows another deployment's lines:\n${text}`);
    }],
    ['"ModelDeck: Stop Deployment" → iris turns stopped', 'deployment-stopped', async () => {
      await runCommand(page, 'ModelDeck: Stop Deployment');
      await pickQuickItem(page, state.deploymentName!);
      const pane = await expandPane(page, 'Deployments');
      await pollFor(`${state.deploymentName} stopped`, 30_000, async () => {
        const row = (await paneRowsText(pane)).find((r) => rowName(r) === state.deploymentName);
        return row && /\bstopped\b/.test(row) ? true : undefined;
      });
    }],
    ['"ModelDeck: Start Deployment" → iris running again', 'deployment-started', async () => {
      await runCommand(page, 'ModelDeck: Start Deployment');
      await pickQuickItem(page, state.deploymentName!);
      const pane = await expandPane(page, 'Deployments');
      const found = await pollFor(`${state.deploymentName} running`, 60_000, async () => runningDeployment(await paneRowsText(pane), state.deploymentName!));
      state.deploymentUrl = found.url;
      const procs = findProcesses(ctx.extensionsDir, SERVER_SCRIPT);
      if (procs.length !== 1) throw new Error(`expected one ModelDeck server process, found ${procs.length}: ${JSON.stringify(procs)}`);
      state.serverPid = procs[0]!.pid;
    }],
    ['killing the server process: it is restarted and the deployment comes back running', 'after-server-restart', async () => {
      process.kill(state.serverPid!, 'SIGKILL');
      const pane = await expandPane(page, 'Deployments');
      const newPid = await pollFor('a new ModelDeck server process', 60_000, async () => {
        const procs = findProcesses(ctx.extensionsDir, SERVER_SCRIPT).filter((p) => p.pid !== state.serverPid);
        return procs[0]?.pid;
      });
      const found = await pollFor(`${state.deploymentName} running after the restart`, 60_000, async () => {
        if (!isAlive(newPid)) return undefined;
        return runningDeployment(await paneRowsText(pane), state.deploymentName!);
      });
      const res = await fetch(inferUrlOf(found.url, state.deploymentName!), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(irisExample),
        signal: AbortSignal.timeout(30_000),
      });
      if (res.status !== 200) throw new Error(`after the restart infer answered ${res.status}: ${await res.text()}`);
    }],
  ];

  outcomes.push(...(await runSteps(page, screenshots, steps)));
  return outcomes;
}

function activityItem(page: Page, title: string): Locator {
  return page.locator(`.part.activitybar .action-item a[aria-label^="${title}"], .part.activitybar .action-item[aria-label^="${title}"]`).first();
}

/** Clicks collapsed rows open until none is left (bounded). */
async function expandAllRows(pane: Locator, max: number): Promise<void> {
  for (let i = 0; i < max; i++) {
    const collapsed = pane.locator('.monaco-list-row[aria-expanded="false"]');
    if ((await collapsed.count()) === 0) return;
    await collapsed.first().locator('.monaco-tl-twistie').click();
    await pane.page().waitForTimeout(150);
  }
}

/** The row's label (first word of "label description | aria-label"). */
function rowName(row: string): string {
  return row.split(/\s+/)[0] ?? '';
}

/**
 * A deployment row whose name is (or starts with) `name` reading "running", and the REST URL shown
 * in the row or in the endpoint rows under it.
 */
function runningDeployment(rows: string[], name: string): { name: string; url: string } | undefined {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const n = rowName(row);
    if (!(n === name || n.startsWith(`${name}-`))) continue;
    if (!/\brunning\b/.test(row)) continue;
    const candidates = [row, ...rows.slice(i + 1, i + 4)];
    const rest = candidates.find((r) => /\bREST\b/.test(r)) ?? row;
    const url = /https?:\/\/127\.0\.0\.1:\d+[^\s|·]*/.exec(rest)?.[0] ?? /https?:\/\/127\.0\.0\.1:\d+[^\s|·]*/.exec(row)?.[0];
    if (url) return { name: n, url };
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
