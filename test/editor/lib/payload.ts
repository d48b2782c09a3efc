// Runs the mocha suite inside code-server's real Node extension host.
// code-server serves VS Code's workbench; with `--vscode-option enable-smoke-test-driver` the
// workbench honours the `payload` URL parameter (extensionDevelopmentPath, extensionTestsPath),
// and when the tests end VS Code calls `window.codeAutomationExit(code, logs)`, which we expose.
// Without that option the payload is silently ignored and nothing would ever end: hence the bound.
import { existsSync, readFileSync } from 'node:fs';
import { format } from 'node:util';
import type { Browser } from 'playwright-core';
import type { SuiteTestResult } from '../suite/index';
import { newPage, pageText, Screenshots } from './browser';
import type { RunningCodeServer } from './codeServer';

export interface PayloadRunOptions {
  server: RunningCodeServer;
  browser: Browser;
  workspace: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  /** The file the suite writes its results to ($MODELDECK_EDITOR_RESULTS in code-server's env). */
  resultsFile: string;
  screenshots: Screenshots;
  timeoutMs: number;
}

export interface PayloadRunResult {
  exitCode: number | undefined;
  results: SuiteTestResult[];
  consoleLines: string[];
  timedOut: boolean;
}

export function payloadUrl(serverUrl: string, port: number, workspace: string, devPath: string, testsPath: string): string {
  const host = `127.0.0.1:${port}`;
  const remote = (p: string) => `vscode-remote://${host}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(devPath)],
    ['extensionTestsPath', remote(testsPath)],
  ]);
  return `${serverUrl}/?folder=${encodeURIComponent(remote(workspace))}&payload=${encodeURIComponent(payload)}`;
}

export async function runPayloadSuite(o: PayloadRunOptions): Promise<PayloadRunResult> {
  const { page, consoleLines } = await newPage(o.browser);
  let exitCode: number | undefined;
  let resolveExit!: () => void;
  const exited = new Promise<void>((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationExit', (code: number) => {
    exitCode = code;
    resolveExit();
  });
  // Extension-host console output (mocha's spec reporter) is forwarded to the page console as
  // VS Code log calls ('%c INFO', 'color: …', format, ...args): print the test lines, in order.
  let printing = Promise.resolve();
  page.on('console', (m) => {
    if (!/modeldeck-suite|\d+ (passing|failing|pending)|✔|✓|^(%c[^%]*%s\s*)?\s+\d+\) /.test(m.text())) return;
    printing = printing.then(async () => {
      let parts = await Promise.all(m.args().map((a) => a.jsonValue().catch(() => '')));
      if (typeof parts[0] === 'string' && parts[0].startsWith('%c')) parts = parts.slice(2);
      const line = format(...parts).trimEnd();
      if (line.trim()) process.stdout.write(`  [ext host] ${line}\n`);
    });
  });
  const url = payloadUrl(o.server.url, o.server.port, o.workspace, o.extensionDevelopmentPath, o.extensionTestsPath);
  await page.goto(url, { timeout: 60_000 });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), o.timeoutMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    await o.screenshots.failure(page, 'payload-timeout');
    console.error(`payload run did not finish within ${o.timeoutMs / 1000} s. Page text:\n${(await pageText(page)).slice(0, 4000)}`);
    console.error(`browser console (last 60):\n${consoleLines.slice(-60).join('\n')}`);
    console.error(`code-server log (tail):\n${o.server.logTail(60)}`);
  } else {
    await o.screenshots.take(page, 'payload-suite-finished');
  }
  await printing;
  await page.context().close().catch(() => undefined);
  const results: SuiteTestResult[] = existsSync(o.resultsFile) ? JSON.parse(readFileSync(o.resultsFile, 'utf8')) : [];
  return { exitCode, results, consoleLines, timedOut };
}
