// Mocha runner loaded by VS Code as `extensionTestsPath` (bundled to dist/test/index.js by
// scripts/build-editor-tests.mjs). It runs inside the real extension host: code-server's remote
// host in payload mode (test/editor/runEditorTests.ts) or desktop VS Code (test/editor/electron/).
// Results also go to $MODELDECK_EDITOR_RESULTS as JSON when set, so the outer runner can count them
// without scraping the browser console.
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';

/** One finished test, as written to $MODELDECK_EDITOR_RESULTS. */
export interface SuiteTestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 90_000, reporter: 'spec' });
  const grep = process.env.MODELDECK_EDITOR_GREP;
  if (grep) mocha.grep(grep);
  // Bundled test modules register through the TDD globals that pre-require installs; require them
  // only after it (esbuild keeps each required module lazy until this call).
  mocha.suite.emit('pre-require', globalThis, 'modeldeck-editor-suite', mocha);
  require('./smoke.test');
  require('./extension.test');
  require('./panels.test');
  require('./kserve.test');

  const results: SuiteTestResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const file = process.env.MODELDECK_EDITOR_RESULTS;
      if (file) writeFileSync(file, JSON.stringify(results, null, 2));
      const passed = results.filter((r) => r.state === 'passed').length;
      console.log(`[modeldeck-suite] ${passed} passed, ${failures} failed, ${results.length - passed - failures} skipped`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
    runner.on('fail', (t, err: Error) =>
      results.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: err?.stack ?? String(err) }),
    );
    runner.on('pending', (t) => results.push({ title: t.fullTitle(), state: 'pending', durationMs: 0 }));
  });
}
