// Restricted Mode in a real VS Code: the workspace is opened untrusted (code-server started WITH
// workspace trust), the user declines trust; ModelDeck still shows the registry but refuses to serve,
// saying why, and starts no server process.
import type { Page } from 'playwright-core';
import { expandPane, pageText, paneRowsText, pickQuickItem, pollFor, runCommand, waitForWorkbench, type Screenshots } from './lib/browser';
import { findProcesses } from './lib/codeServer';
import { runSteps, type StepOutcome } from './lib/steps';

export interface RestrictedFlowContext {
  page: Page;
  serverUrl: string;
  workspace: string;
  extensionsDir: string;
  screenshots: Screenshots;
}

export async function runRestrictedFlow(ctx: RestrictedFlowContext): Promise<StepOutcome[]> {
  const { page, screenshots } = ctx;
  const steps: [string, string, () => Promise<void>][] = [
    ['an untrusted workspace opens in Restricted Mode and the Models view still lists the registry', 'restricted-models', async () => {
      await page.goto(`${ctx.serverUrl}/?folder=${encodeURIComponent(ctx.workspace)}`, { timeout: 60_000 });
      await waitForWorkbench(page);
      // The trust prompt: decline.
      const decline = page.locator('.monaco-dialog-box .monaco-button', { hasText: /don't trust|No, I don/i }).first();
      await decline.waitFor({ state: 'visible', timeout: 30_000 });
      await decline.click();
      await pollFor('the Restricted Mode indicator', 20_000, async () => ((await pageText(page)).includes('Restricted Mode') ? true : undefined));
      await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click();
      const pane = await expandPane(page, 'Models');
      await pollFor('iris in the Models view', 30_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith('iris')) ? true : undefined));
    }],
    ['"Serve This Model" explains that Restricted Mode serves nothing, and no server starts', 'restricted-refusal', async () => {
      await runCommand(page, 'ModelDeck: Serve This Model');
      await pollFor('the Restricted Mode message', 20_000, async () => {
        const toast = await page.locator('.notification-toast').allInnerTexts().catch(() => [] as string[]);
        return toast.some((t) => /Restricted Mode/.test(t) && /trust/i.test(t)) ? true : undefined;
      });
      const procs = findProcesses(ctx.extensionsDir, 'dist/server.js');
      if (procs.length > 0) throw new Error(`a ModelDeck server runs in Restricted Mode: ${JSON.stringify(procs)}`);
      await page.keyboard.press('Escape').catch(() => undefined);
    }],
    ['"Start Deployment" on a predictor-script deployment (iris-sklearn, Python) is refused the same way: no server, no script host', 'restricted-script', async () => {
      await runCommand(page, 'ModelDeck: Start Deployment');
      await pickQuickItem(page, 'iris-sklearn');
      await pollFor('the Restricted Mode message', 20_000, async () => {
        const toast = await page.locator('.notification-toast').allInnerTexts().catch(() => [] as string[]);
        return toast.some((t) => /Restricted Mode/.test(t) && /start a deployment/.test(t)) ? true : undefined;
      });
      const procs = [...findProcesses(ctx.extensionsDir, 'dist/server.js'), ...findProcesses('modeldeck_host.py')];
      if (procs.length > 0) throw new Error(`something serves in Restricted Mode: ${JSON.stringify(procs)}`);
      await page.keyboard.press('Escape').catch(() => undefined);
    }],
  ];
  return runSteps(page, screenshots, steps);
}
