// The same mocha suite (dist/test/index.js) in desktop VS Code through @vscode/test-electron.
// It cannot download VS Code here (no network beyond npm/Debian), so it runs only against an
// installed VS Code named by VSCODE_EXECUTABLE, e.g.
//   VSCODE_EXECUTABLE=/usr/share/code/code node --import tsx test/editor/electron/runTest.ts
// Without it, it says it is skipped and exits 0. The extension under test is the repository
// (extensionDevelopmentPath = repo root, after `npm run build`); the workspace is a temp copy of
// examples/ with free ports and debug logs, as in the code-server run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    console.log('test-electron: skipped (set VSCODE_EXECUTABLE to a desktop VS Code binary; none can be downloaded here)');
    return 0;
  }
  const repoRoot = resolve(__dirname, '../../..');
  for (const args of [['run', '--silent', 'build']]) {
    const r = spawnSync('npm', args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
    if (r.status !== 0) return 1;
  }
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/build-editor-tests.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) return 1;

  const tmp = mkdtempSync(join(tmpdir(), 'modeldeck-electron-'));
  const workspace = join(tmp, 'workspace');
  cpSync(join(repoRoot, 'examples'), workspace, { recursive: true });
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(
    join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'modeldeck.server.httpPort': 0, 'modeldeck.server.grpcPort': 0, 'modeldeck.server.logLevel': 'debug' }, null, 2),
  );
  try {
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'dist/test/index.js'),
      extensionTestsEnv: { MODELDECK_EDITOR_RESULTS: join(tmp, 'results.json') },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', join(tmp, 'user-data'),
        '--extensions-dir', join(tmp, 'extensions'),
      ],
    });
  } catch (e) {
    console.error('test-electron: failed', e);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
