// playwright-core + Debian's chromium against code-server; helpers for the workbench DOM.
// Every wait is bounded. Selectors are VS Code's stable class names and ARIA labels (1.139).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Locator, type Page } from 'playwright-core';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: chromiumArgs, timeout: 60_000 });
}

/** A page with console capture; the viewport is what every screenshot shows. */
export async function newPage(browser: Browser): Promise<{ page: Page; consoleLines: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const consoleLines: string[] = [];
  page.on('console', (m: ConsoleMessage) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  return { page, consoleLines };
}

/** Saves numbered screenshots of each step into one folder. */
export class Screenshots {
  private n = 0;
  readonly saved: string[] = [];
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  async take(page: Page, name: string): Promise<string> {
    this.n += 1;
    const file = join(this.dir, `${String(this.n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, timeout: 15_000 }).catch((e) => console.error(`screenshot ${file} failed: ${e}`));
    this.saved.push(file);
    return file;
  }
  /** On failure: a screenshot plus the page's visible text next to it. */
  async failure(page: Page, name: string): Promise<void> {
    const file = await this.take(page, `FAILED-${name}`);
    const text = await pageText(page);
    writeFileSync(file.replace(/\.png$/, '.txt'), text);
  }
}

export async function pageText(page: Page): Promise<string> {
  return page
    .evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText)
    .catch((e: unknown) => `<page text unavailable: ${String(e)}>`);
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function pollFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits for the workbench shell and for the extension host to finish starting. */
export async function waitForWorkbench(page: Page, timeoutMs = 90_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  // The activity bar is rendered once the view containers (including contributed ones) are known.
  await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Runs a command through the palette: F1, type the title, pick the exact entry. */
export async function runCommand(page: Page, title: string, timeoutMs = 20_000): Promise<void> {
  await dismissNotifications(page);
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // The palette closes when it loses focus, and an editor that is still opening (a webview, e.g. the
  // model view) takes focus a moment later: typing can then find the box gone. Open it again then.
  for (let attempt = 1; ; attempt++) {
    const last = attempt === 3;
    try {
      await openPalette(page, input, last ? timeoutMs : 5_000);
      await input.fill(`>${title}`, { timeout: last ? timeoutMs : 5_000 });
      // The row whose label is exactly the title (VS Code renders "Category: Title").
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: last ? timeoutMs : 5_000 });
      const label = (await row.getAttribute('aria-label')) ?? (await row.innerText());
      if (!label.includes(title)) throw new Error(`palette row for "${title}" reads "${label}"`);
      await row.click({ timeout: last ? timeoutMs : 5_000 });
      return;
    } catch (e) {
      if (last) throw e;
      await page.keyboard.press('Escape').catch(() => undefined);
    }
  }
}

/** Opens the command palette (F1) and waits for its input box. */
async function openPalette(page: Page, input: Locator, timeoutMs: number): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    // The title bar, not a fixed point of the page: Restricted Mode puts a banner with a link above it.
    await page.locator('.part.titlebar').first().click({ position: { x: 700, y: 5 }, timeout: 5_000 }).catch(() => undefined);
    await page.keyboard.press('F1');
    if (await input.isVisible().catch(() => false)) return;
    await input.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
    if (await input.isVisible().catch(() => false)) return;
  }
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Picks an entry of an open quick pick (e.g. a deployment name after a command asked for one). */
export async function pickQuickItem(page: Page, text: string, timeoutMs = 20_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout: timeoutMs });
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

/** An entry of the open context menu, by its label. */
export function contextMenuItem(page: Page, label: string): Locator {
  return page.locator('.context-view .monaco-menu .action-item', { hasText: label }).first();
}

/**
 * Right-clicks `target` and chooses `label` from its context menu. A menu can close under the pointer
 * (a tree row re-rendered, a webview that is loading takes focus): a user right-clicks again, and so do
 * we, at most three times.
 */
export async function chooseFromContextMenu(page: Page, target: Locator, label: string): Promise<void> {
  const item = contextMenuItem(page, label);
  for (let attempt = 1; ; attempt++) {
    try {
      await target.click({ button: 'right', timeout: 10_000 });
      await item.waitFor({ state: 'visible', timeout: 5_000 });
      // Monaco menus ignore a click that comes right after they open (the right-click's own release).
      await page.waitForTimeout(500);
      await item.hover({ timeout: 5_000 });
      await item.click({ timeout: 5_000 });
      await page.waitForTimeout(1000);
      if (await item.isVisible().catch(() => false)) await page.keyboard.press('Enter'); // the hovered entry
      return;
    } catch (e) {
      if (attempt === 3) throw new Error(`"${label}" could not be chosen from the context menu after three right-clicks: ${String(e)}`);
      await page.keyboard.press('Escape').catch(() => undefined);
      await page.waitForTimeout(500);
    }
  }
}

/** Closes toasts that could cover what the next click needs. */
export async function dismissNotifications(page: Page): Promise<void> {
  const toasts = page.locator('.notification-toast');
  if ((await toasts.count()) === 0) return;
  for (const btn of await page.locator('.notification-toast .codicon-notifications-clear').all()) {
    await btn.click({ timeout: 2_000 }).catch(() => undefined);
  }
}

/** The tree rows of a view pane (by the pane header's title, e.g. "Models"). */
export function viewPane(page: Page, title: string): Locator {
  return page.locator('.pane', { has: page.locator(`.pane-header[aria-label^="${title}"]`) });
}

/** Expands a collapsed pane (the view container may show it collapsed). */
export async function expandPane(page: Page, title: string): Promise<Locator> {
  const pane = viewPane(page, title);
  const header = pane.locator('.pane-header').first();
  await header.waitFor({ state: 'visible', timeout: 20_000 });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return pane;
}

/** One rendered row of a tree view: its label, description and ARIA label. */
export interface TreeRow {
  label: string;
  description: string;
  aria: string;
}

/** The rows of a view pane as rendered (label and description are separate elements). */
export async function paneRows(pane: Locator): Promise<TreeRow[]> {
  // No named helpers inside: tsx/esbuild would wrap them in __name(), which the page lacks.
  type El = { innerText?: string; querySelector(s: string): El | null; getAttribute(n: string): string | null };
  return pane.locator('.monaco-list-row').evaluateAll((rows) =>
    (rows as unknown as El[]).map((r) => ({
      label: (r.querySelector('.label-name')?.innerText ?? '').replace(/\s+/g, ' ').trim(),
      description: (r.querySelector('.label-description')?.innerText ?? '').replace(/\s+/g, ' ').trim(),
      aria: r.getAttribute('aria-label') ?? '',
    })),
  );
}

/** Rows as "label description" lines (for assertions and failure messages). */
export async function paneRowsText(pane: Locator): Promise<string[]> {
  return (await paneRows(pane)).map((r) => `${r.label} ${r.description}`.trim());
}
