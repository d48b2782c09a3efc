// Reaching into VS Code webviews from Playwright. A webview is two nested iframes (the host frame
// and its `active-frame` holding our page); Playwright lists every frame, so the page is found by
// its own content: the bundle it loaded and, when several are open, its heading.
import type { Frame, Locator, Page } from 'playwright-core';
import { pollFor } from './browser';

/** The frame of a ModelDeck webview page: `script` is its bundle (predict.js), `heading` part of its h1. */
export async function webviewFrame(page: Page, script: string, heading?: string, timeoutMs = 30_000): Promise<Frame> {
  return pollFor(`the ${script} webview${heading ? ` "${heading}"` : ''}`, timeoutMs, async () => {
    for (const f of page.frames()) {
      const ok = await f
        .evaluate(
          ([s, hd]) => {
            const doc = (globalThis as unknown as { document: { querySelector(q: string): { textContent: string | null } | null } }).document;
            return doc.querySelector(`script[src*="${s}"]`) !== null && doc.querySelector('#root > *') !== null && (!hd || (doc.querySelector('h1')?.textContent ?? '').includes(hd));
          },
          [script, heading ?? ''] as const,
        )
        .catch(() => false);
      if (ok) return f;
    }
    return undefined;
  });
}

/** Picks an option of a vscode-single-select by its exact label (opens the dropdown, clicks it). */
export async function chooseOption(select: Locator, label: string): Promise<void> {
  await select.click();
  await select.getByRole('option', { name: label, exact: true }).click();
}

/** Types into a vscode-textfield (its inner input lives in the shadow DOM, which Playwright pierces). */
export async function fillField(frame: Frame, key: string, value: string): Promise<void> {
  await frame.locator(`vscode-textfield[data-key="${key}"] input`).fill(value);
}

/** The error text under a form field. */
export async function fieldError(frame: Frame, key: string): Promise<string> {
  return (await frame.locator(`.field[data-field="${key}"] .error`).first().innerText()).trim();
}

/** The frame of VS Code's built-in Markdown preview whose first heading contains `heading`. */
export async function markdownPreviewFrame(page: Page, heading: string, timeoutMs = 30_000): Promise<Frame> {
  return pollFor(`the Markdown preview "${heading}"`, timeoutMs, async () => {
    for (const f of page.frames()) {
      const ok = await f
        .evaluate((hd) => {
          const doc = (globalThis as unknown as { document: { body: { classList: { contains(c: string): boolean } } | null; querySelector(q: string): { textContent: string | null } | null } }).document;
          return !!doc.body?.classList.contains('vscode-body') && (doc.querySelector('h1')?.textContent ?? '').includes(hd);
        }, heading)
        .catch(() => false);
      if (ok) return f;
    }
    return undefined;
  });
}
