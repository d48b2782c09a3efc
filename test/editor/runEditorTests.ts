// `npm run test:editor`: ModelDeck in a real VS Code (code-server 4.139 / VS Code 1.139, Chromium).
//   0. scripts/setup-editor-test.sh: code-server + Node 24 + chromium, installed once into a cache;
//   1. `npm run package -- --target <host>` → modeldeck-<version>-<host>.vsix (e.g. linux-x64), checked
//      for what it must and must not contain;
//   2. UI flow: the VSIX installed into a fresh extensions dir, driven with Playwright, one
//      screenshot per step into test/editor/screenshots/;
//   3. the mocha suite (test/editor/suite/) inside the real extension host, with the unpacked VSIX
//      as the extension under development (code-server's smoke-test-driver payload).
// Ends with "N passed, N failed" and a non-zero exit on any failure.
//
// Env: MODELDECK_EDITOR_VSIX=<file> use that VSIX (no build/package); MODELDECK_EDITOR_ONLY=ui|suite;
//      MODELDECK_EDITOR_KEEP=1 keep the temp dirs; MODELDECK_EDITOR_GREP=<mocha grep>;
//      MODELDECK_EDITOR_CACHE=<dir> where the one-time install lives;
//      MODELDECK_EDITOR_FLOWS=kserve,walkthrough run only these UI flows (ui, panels, scripts, kserve, kserveScripts,
//      registry, inferenceLog, chat, dashboard, modelView, walkthrough, restricted; default all).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, Screenshots, waitForWorkbench } from './lib/browser';
import {
  findProcesses,
  installVsix,
  makeCodeServerDirs,
  quietUserSettings,
  setupEditorTools,
  startCodeServer,
  type EditorToolPaths,
  type RunningCodeServer,
} from './lib/codeServer';
import { runPayloadSuite } from './lib/payload';
import type { StepOutcome } from './lib/steps';
import { runChatFlow } from './chatFlow';
import { runDashboardFlow } from './dashboardFlow';
import { runInferenceLogFlow } from './inferenceLogFlow';
import { runKServeFlow } from './kserveFlow';
import { runKServeScriptsFlow } from './kserveScriptsFlow';
import { runModelViewFlow } from './modelViewFlow';
import { runPanelsFlow } from './panelsFlow';
import { runRegistryFlow } from './registryFlow';
import { runRestrictedFlow } from './restrictedFlow';
import { runScriptsFlow } from './scriptsFlow';
import { runUiFlow } from './uiFlow';
import { runWalkthroughFlow } from './walkthroughFlow';

const repoRoot = resolve(__dirname, '../..');
const screenshotsDir = join(__dirname, 'screenshots');
const only = process.env.MODELDECK_EDITOR_ONLY;
const keep = process.env.MODELDECK_EDITOR_KEEP === '1';
/** The UI flows to run (MODELDECK_EDITOR_FLOWS, comma-separated); all when unset. */
const FLOWS = ['ui', 'panels', 'scripts', 'kserve', 'kserveScripts', 'registry', 'inferenceLog', 'chat', 'dashboard', 'modelView', 'walkthrough', 'restricted'] as const;
const chosenFlows = (process.env.MODELDECK_EDITOR_FLOWS ?? '').split(',').map((f) => f.trim()).filter(Boolean);
for (const f of chosenFlows) if (!(FLOWS as readonly string[]).includes(f)) throw new Error(`MODELDECK_EDITOR_FLOWS: unknown flow "${f}" (known: ${FLOWS.join(', ')})`);
const wants = (flow: (typeof FLOWS)[number]): boolean => chosenFlows.length === 0 || chosenFlows.includes(flow);
/** Hard ceiling for the run after setup: a hung workbench must never hang CI. */
const OVERALL_TIMEOUT_MS = 12 * 60_000;

interface Outcome {
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  detail?: string;
}
const outcomes: Outcome[] = [];
const record = (name: string, state: Outcome['state'], detail?: string) => outcomes.push({ name, state, ...(detail ? { detail } : {}) });

const timings: [string, number][] = [];
async function timed<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([label, Date.now() - t]);
    console.log(`[editor] ${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/** The VSIX target code-server here can install: this machine's platform (npm run package writes one per target). */
const HOST_TARGET = `${process.platform}-${process.arch}`;
/** onnxruntime-node's binary folder for that target. */
const HOST_BIN_DIR = `${process.platform}/${process.arch}`;

/** Builds and packages, or takes MODELDECK_EDITOR_VSIX. */
function packageVsix(): string {
  const given = process.env.MODELDECK_EDITOR_VSIX;
  if (given) {
    if (!existsSync(given)) throw new Error(`MODELDECK_EDITOR_VSIX=${given} does not exist`);
    return resolve(given);
  }
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  sh('npm', ['run', '--silent', 'package', '--', '--target', HOST_TARGET], { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' });
  const vsix = join(repoRoot, `${pkg.name}-${pkg.version}-${HOST_TARGET}.vsix`);
  if (!existsSync(vsix)) throw new Error(`npm run package did not write ${vsix}`);
  return vsix;
}

/** The VSIX carries the packaged bits and nothing the bundles already contain. */
function checkVsixContents(vsix: string): void {
  const r = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip -Z1 ${vsix} failed: ${r.stderr}`);
  const files = r.stdout.split('\n').filter(Boolean);
  const must = [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/server.js',
    'extension/node_modules/onnxruntime-node/package.json',
    `extension/node_modules/onnxruntime-node/bin/napi-v6/${HOST_BIN_DIR}/onnxruntime_binding.node`,
    'extension/node_modules/onnxruntime-common/package.json',
    // The example workspace "Open Example Workspace" copies.
    'extension/examples/models/iris/2/model.onnx',
    'extension/examples/models/digits-cnn/1/model.onnx',
    'extension/examples/.modeldeck/deployments/iris.json',
    'extension/examples/requests/iris.request.json',
    'extension/examples/scripts/irisPredictor.js',
    'extension/media/walkthrough/example-workspace.png',
  ];
  // Whatever the build wrote to dist/ (bundles, .proto files, webview scripts) must ship, except the
  // test bundle and source maps.
  for (const f of listFiles(join(repoRoot, 'dist'))) {
    if (!/^test\//.test(f) && !/\.map$/.test(f)) must.push(`extension/dist/${f}`);
  }
  const missing = [...new Set(must)].filter((f) => !files.includes(f));
  const forbidden = files.filter((f) =>
    /^extension\/(src|server|test|webview|bench|scripts)\//.test(f) ||
    // examples/: only the example workspace (models, deployments, requests, scripts), not make_models.py
    (/^extension\/examples\//.test(f) && !/^extension\/examples\/(models|\.modeldeck|requests|scripts)\//.test(f)) ||
    /^extension\/dist\/test\//.test(f) ||
    (/\.ts$/.test(f) && !/\.d\.ts$/.test(f) && !/^extension\/media\//.test(f)) || // media/templates/*.ts are user scaffolds
    /^extension\/node_modules\/(?!onnxruntime-node\/|onnxruntime-common\/)/.test(f) ||
    (/^extension\/node_modules\/onnxruntime-node\/bin\/napi-v\d+\//.test(f) && !f.includes(`/napi-v6/${HOST_BIN_DIR}/`)),
  );
  const size = statSync(vsix).size;
  console.log(`[editor] VSIX ${vsix}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${files.length} entries`);
  const problems = [
    ...missing.map((f) => `missing ${f}`),
    ...forbidden.slice(0, 20).map((f) => `should not ship ${f}`),
    ...(forbidden.length > 20 ? [`… and ${forbidden.length - 20} more files that should not ship`] : []),
    ...(size > 40 * 1024 * 1024 ? [`VSIX is ${(size / 1024 / 1024).toFixed(1)} MiB (> 40 MiB)`] : []),
  ];
  if (problems.length) throw new Error(problems.join('\n'));
}

/** Files under dir, relative, with forward slashes. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

function prepareWorkspace(dir: string): string {
  cpSync(join(repoRoot, 'examples'), dir, { recursive: true, filter: (src) => !/__pycache__/.test(src) });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  writeFileSync(
    join(dir, '.vscode', 'settings.json'),
    JSON.stringify({ 'modeldeck.server.httpPort': 0, 'modeldeck.server.grpcPort': 0, 'modeldeck.server.logLevel': 'debug' }, null, 2),
  );
  return dir;
}

/** ModelDeck servers started under our temp dir that outlived their extension host. */
function killLeftovers(tmp: string): void {
  for (const p of findProcesses(tmp, 'dist/server.js')) {
    console.log(`[editor] killing leftover server process ${p.pid}`);
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

async function uiPhase(tools: EditorToolPaths, browser: Browser, vsix: string, tmp: string, shots: Screenshots): Promise<void> {
  const root = join(tmp, 'ui');
  const dirs = makeCodeServerDirs(root);
  const workspace = prepareWorkspace(join(root, 'workspace'));
  await timed('install the VSIX into code-server', () => installVsix(tools, dirs, vsix));
  let server: RunningCodeServer | undefined;
  try {
    // s3rver's fixed key (the KServe scripts flow uploads through the AWS SDK's default credential chain).
    server = await timed('start code-server (UI)', () => startCodeServer({ tools, dirs, folder: workspace, env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } }));
    const { page } = await newPage(browser);
    const steps = wants('ui')
      ? await timed('UI flow', () => runUiFlow({ page, serverUrl: server!.url, workspace, extensionsDir: dirs.extensionsDir, screenshots: shots }))
      : await timed('open the workbench', () => openWorkbench(page, server!.url, workspace));
    for (const s of steps) record(`ui: ${s.name}`, s.ok ? 'passed' : 'failed', s.error);
    // The deployment form and predict panel, on the same workbench (the main flow left iris running).
    if (steps.every((s) => s.ok)) {
      const flows: [(typeof FLOWS)[number], string, () => Promise<StepOutcome[]>][] = [
        ['panels', 'panels flow', () => runPanelsFlow({ page, workspace, screenshots: shots })],
        // A TypeScript predictor script from the form's template to a V1 answer and its log line.
        ['scripts', 'scripts flow', () => runScriptsFlow({ page, workspace, screenshots: shots })],
        // KServe against the fake cluster, on the same workbench.
        ['kserve', 'KServe flow', () => runKServeFlow({ page, workspace, screenshots: shots })],
        // A Python predictor script to KServe: artifact, upload to s3rver, image commands, Ready, predictions.
        ['kserveScripts', 'KServe scripts flow', () => runKServeScriptsFlow({ page, workspace, screenshots: shots })],
        // Registering a version from the Explorer and deploying the best one (changes digits only).
        ['registry', 'registry flow', () => runRegistryFlow({ page, workspace, screenshots: shots })],
        // A deployment with a file sink, three predictions, the Inference Log and its Replay.
        ['inferenceLog', 'inference log flow', () => runInferenceLogFlow({ page, workspace, screenshots: shots })],
        // The Chat tab on the example's stand-in LLM (tiny-chat): a streamed answer, its numbers, Stop.
        ['chat', 'chat flow', () => runChatFlow({ page, workspace, screenshots: shots })],
        // iris's dashboard, a load test with moving charts, its saved summary and a comparison.
        ['dashboard', 'dashboard flow', () => runDashboardFlow({ page, workspace, screenshots: shots })],
        // An .onnx file in the model view, Serve from it, the compliance report of that deployment.
        ['modelView', 'model view flow', () => runModelViewFlow({ page, workspace, screenshots: shots })],
        // Last: the walkthrough's first step opens another folder in this window.
        ['walkthrough', 'walkthrough flow', () => runWalkthroughFlow({ page, root, examples: join(repoRoot, 'examples'), screenshots: shots })],
      ];
      for (const [flow, label, run] of flows) {
        if (!wants(flow)) continue;
        const flowSteps = await timed(label, run);
        for (const s of flowSteps) record(`ui: ${s.name}`, s.ok ? 'passed' : 'failed', s.error);
        steps.push(...flowSteps);
      }
    } else {
      record('ui: deployment form and predict panel flow', 'skipped', 'not run: the main UI flow failed');
    }
    if (steps.some((s) => !s.ok)) console.log(`[editor] code-server log (tail):\n${server.logTail(30)}`);
    await page.context().close().catch(() => undefined);
  } finally {
    await server?.stop();
    killLeftovers(root);
  }
}

/** Without the main UI flow (MODELDECK_EDITOR_FLOWS): open the workbench on the workspace, as its first step does. */
async function openWorkbench(page: Page, serverUrl: string, workspace: string): Promise<StepOutcome[]> {
  const started = Date.now();
  try {
    await page.goto(`${serverUrl}/?folder=${encodeURIComponent(workspace)}`, { timeout: 60_000 });
    await waitForWorkbench(page);
    await page.locator('.explorer-folders-view .monaco-list-row[aria-label="models"]').first().waitFor({ timeout: 30_000 });
    return [{ name: 'the workbench loads with the example workspace', ok: true, ms: Date.now() - started }];
  } catch (e) {
    return [{ name: 'the workbench loads with the example workspace', ok: false, ms: Date.now() - started, error: String(e) }];
  }
}

/** A second code-server with workspace trust on: the workspace opens in Restricted Mode. */
async function restrictedPhase(tools: EditorToolPaths, browser: Browser, vsix: string, tmp: string, shots: Screenshots): Promise<void> {
  const root = join(tmp, 'restricted');
  const dirs = makeCodeServerDirs(root, { ...quietUserSettings, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'always' });
  const workspace = prepareWorkspace(join(root, 'workspace'));
  installVsix(tools, dirs, vsix);
  let server: RunningCodeServer | undefined;
  try {
    server = await timed('start code-server (restricted)', () => startCodeServer({ tools, dirs, folder: workspace, workspaceTrust: true }));
    const { page } = await newPage(browser);
    const steps = await timed('restricted flow', () => runRestrictedFlow({ page, serverUrl: server!.url, workspace, extensionsDir: dirs.extensionsDir, screenshots: shots }));
    for (const s of steps) record(`restricted: ${s.name}`, s.ok ? 'passed' : 'failed', s.error);
    if (steps.some((s) => !s.ok)) console.log(`[editor] code-server log (tail):\n${server.logTail(30)}`);
    await page.context().close().catch(() => undefined);
  } finally {
    await server?.stop();
    killLeftovers(root);
  }
}

async function suitePhase(tools: EditorToolPaths, browser: Browser, vsix: string, tmp: string, shots: Screenshots): Promise<void> {
  const root = join(tmp, 'suite');
  const dirs = makeCodeServerDirs(root);
  const workspace = prepareWorkspace(join(root, 'workspace'));
  // The extension under test is the unpacked VSIX (the packaged bits), not the source tree.
  const unpacked = join(root, 'vsix');
  const r = spawnSync('unzip', ['-q', vsix, 'extension/*', '-d', unpacked], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip ${vsix} failed: ${r.stderr}`);
  const devPath = join(unpacked, 'extension');
  const testsPath = join(repoRoot, 'dist/test/index.js');
  const resultsFile = join(root, 'results.json');
  let server: RunningCodeServer | undefined;
  try {
    server = await timed('start code-server (suite)', () =>
      startCodeServer({
        tools,
        dirs,
        folder: workspace,
        smokeTestDriver: true,
        env: {
          MODELDECK_EDITOR_RESULTS: resultsFile,
          MODELDECK_EDITOR_PACKAGED: '1',
          ...(process.env.MODELDECK_EDITOR_GREP ? { MODELDECK_EDITOR_GREP: process.env.MODELDECK_EDITOR_GREP } : {}),
        },
      }),
    );
    const run = await timed('mocha suite in the extension host', () =>
      runPayloadSuite({ server: server!, browser, workspace, extensionDevelopmentPath: devPath, extensionTestsPath: testsPath, resultsFile, screenshots: shots, timeoutMs: 4 * 60_000 }),
    );
    for (const t of run.results) {
      record(`suite: ${t.title}`, t.state === 'pending' ? 'skipped' : t.state, t.error);
    }
    if (run.timedOut) record('suite: finished within 4 minutes', 'failed', 'the extension-host run never called codeAutomationExit');
    else if (run.results.length === 0) record('suite: reported results', 'failed', `exit code ${run.exitCode}, no results file (did the suite load?)`);
    else if (run.exitCode !== 0 && !run.results.some((t) => t.state === 'failed')) record('suite: exit code', 'failed', `exit code ${run.exitCode}`);
  } finally {
    await server?.stop();
    killLeftovers(root);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const tools = await timed('setup (cached after the first run)', () => setupEditorTools(repoRoot));
  armWatchdog();

  let vsix: string;
  try {
    vsix = await timed('build + package the VSIX', packageVsix);
  } catch (e) {
    record('package: npm run package writes the VSIX', 'failed', String(e));
    return summary(started);
  }
  try {
    checkVsixContents(vsix);
    record('package: the VSIX has the bundles and onnxruntime-node (linux-x64) and nothing else', 'passed');
  } catch (e) {
    record('package: the VSIX has the bundles and onnxruntime-node (linux-x64) and nothing else', 'failed', (e as Error).message);
  }
  await timed('bundle the mocha suite', () => sh(process.execPath, [join(repoRoot, 'scripts/build-editor-tests.mjs')]));

  rmSync(screenshotsDir, { recursive: true, force: true });
  const shots = new Screenshots(screenshotsDir);
  const tmp = mkdtempSync(join(tmpdir(), 'modeldeck-editor-'));
  const browser = await timed('launch chromium', () => launchBrowser(tools.chromium));
  try {
    if (only !== 'suite' && FLOWS.some((f) => f !== 'restricted' && wants(f))) {
      try { await uiPhase(tools, browser, vsix, tmp, shots); } catch (e) { record('ui: phase', 'failed', String(e)); }
    }
    if (only !== 'suite' && wants('restricted')) {
      try { await restrictedPhase(tools, browser, vsix, tmp, shots); } catch (e) { record('restricted: phase', 'failed', String(e)); }
    }
    if (only !== 'ui') {
      try { await suitePhase(tools, browser, vsix, tmp, shots); } catch (e) { record('suite: phase', 'failed', String(e)); }
    }
  } finally {
    await browser.close().catch(() => undefined);
    killLeftovers(tmp);
    if (keep) console.log(`[editor] kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`[editor] screenshots: ${readdirSync(screenshotsDir).length} in ${screenshotsDir}`);
  return summary(started);
}

function summary(started: number): number {
  console.log('');
  for (const o of outcomes) {
    const mark = o.state === 'passed' ? 'ok  ' : o.state === 'skipped' ? 'skip' : 'FAIL';
    console.log(`${mark} ${o.name}`);
    if (o.state === 'failed' && o.detail) console.log(o.detail.split('\n').slice(0, 12).map((l) => `       ${l}`).join('\n'));
  }
  const passed = outcomes.filter((o) => o.state === 'passed').length;
  const failed = outcomes.filter((o) => o.state === 'failed').length;
  const skipped = outcomes.filter((o) => o.state === 'skipped').length;
  console.log(`\neditor tests: ${((Date.now() - started) / 1000).toFixed(0)} s (${timings.map(([l, ms]) => `${l} ${(ms / 1000).toFixed(1)}s`).join(', ')})`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

/** Armed after the one-time setup (which has its own 15-minute bound). */
function armWatchdog(): void {
  setTimeout(() => {
    console.error(`[editor] the run exceeded ${OVERALL_TIMEOUT_MS / 60_000} minutes after setup; giving up`);
    console.log(`${outcomes.filter((o) => o.state === 'passed').length} passed, ${outcomes.filter((o) => o.state === 'failed').length + 1} failed`);
    process.exit(2);
  }, OVERALL_TIMEOUT_MS).unref();
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
