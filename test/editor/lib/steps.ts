// Runs a UI flow's steps in order: a screenshot after each, and on failure a "FAILED" screenshot,
// the error and the page's text. A blocking step's failure ends the flow (later steps build on it).
import type { Page } from 'playwright-core';
import { dismissNotifications, pageText, type Screenshots } from './browser';

export interface StepOutcome {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** [what it checks, screenshot name, body, blocking (default true)]. */
export type FlowStep = [string, string, () => Promise<void>, boolean?];

export async function runSteps(page: Page, screenshots: Screenshots, steps: FlowStep[]): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const [name, shot, body, blocking = true] of steps) {
    const started = Date.now();
    try {
      await body();
      await page.waitForTimeout(300); // let the last render settle for the screenshot
      await screenshots.take(page, shot);
      outcomes.push({ name, ok: true, ms: Date.now() - started });
      console.log(`  ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      await screenshots.failure(page, shot);
      outcomes.push({ name, ok: false, ms: Date.now() - started, error });
      console.log(`  FAIL ${name}: ${error}`);
      console.log(`  --- page text ---\n${(await pageText(page)).slice(0, 3000)}\n  -----------------`);
      if (blocking) break;
      await page.keyboard.press('Escape').catch(() => undefined);
    }
  }
  await dismissNotifications(page).catch(() => undefined);
  return outcomes;
}
