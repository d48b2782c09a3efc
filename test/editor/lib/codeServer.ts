// Starts and stops code-server (VS Code 1.139 in the browser) for the editor tests.
// Every wait is bounded; a failed start prints the tail of code-server's own log.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Paths printed by scripts/setup-editor-test.sh. */
export interface EditorToolPaths {
  /** Node 24 binary that runs code-server. */
  node: string;
  /** code-server's out/node/entry.js. */
  codeServer: string;
  /** Chromium binary for playwright-core. */
  chromium: string;
}

/** Runs the setup script (installs once, then only prints paths) and parses its KEY=VALUE lines. */
export function setupEditorTools(repoRoot: string): EditorToolPaths {
  const r = spawnSync('bash', [join(repoRoot, 'scripts/setup-editor-test.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) throw new Error(`scripts/setup-editor-test.sh failed (status ${r.status ?? r.signal})`);
  const kv = Object.fromEntries(
    r.stdout
      .split('\n')
      .map((l) => /^(MODELDECK_EDITOR_\w+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  const node = kv.MODELDECK_EDITOR_NODE;
  const codeServer = kv.MODELDECK_EDITOR_CODE_SERVER;
  const chromium = kv.MODELDECK_EDITOR_CHROMIUM;
  if (!node || !codeServer || !chromium) throw new Error(`setup script printed no paths:\n${r.stdout}`);
  return { node, codeServer, chromium };
}

/** A free TCP port on 127.0.0.1 (released before use; the window for a race is tiny). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** User settings that keep the workbench quiet and deterministic for screenshots. */
export const quietUserSettings: Record<string, unknown> = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'git.enabled': false,
  'window.commandCenter': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'editor.minimap.enabled': false,
  // no fade-outs caught half-way in screenshots
  'workbench.reduceMotion': 'on',
};

/** Layout of one code-server instance's private directories. */
export interface CodeServerDirs {
  userDataDir: string;
  extensionsDir: string;
  /** XDG_CONFIG_HOME/XDG_DATA_HOME for code-server, so it never writes under the real home. */
  xdgDir: string;
  logFile: string;
}

export function makeCodeServerDirs(root: string, userSettings: Record<string, unknown> = quietUserSettings): CodeServerDirs {
  const dirs: CodeServerDirs = {
    userDataDir: join(root, 'user-data'),
    extensionsDir: join(root, 'extensions'),
    xdgDir: join(root, 'xdg'),
    logFile: join(root, 'code-server.log'),
  };
  mkdirSync(join(dirs.userDataDir, 'User'), { recursive: true });
  mkdirSync(dirs.extensionsDir, { recursive: true });
  mkdirSync(dirs.xdgDir, { recursive: true });
  writeFileSync(join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  return dirs;
}

function codeServerEnv(dirs: CodeServerDirs, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(dirs.xdgDir, 'config'),
    XDG_DATA_HOME: join(dirs.xdgDir, 'data'),
    ...extra,
  };
  // Our own npm/tsx context must not leak into the extension host.
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k === 'NODE_OPTIONS') delete env[k];
  return env;
}

/** `code-server --install-extension X.vsix --extensions-dir D` (installs and exits). */
export function installVsix(tools: EditorToolPaths, dirs: CodeServerDirs, vsix: string): string {
  const r = spawnSync(
    tools.node,
    [tools.codeServer, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--install-extension', vsix, '--force'],
    { encoding: 'utf8', timeout: 120_000, env: codeServerEnv(dirs, {}) },
  );
  if (r.status !== 0) throw new Error(`--install-extension failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const installed = readdirSync(dirs.extensionsDir).filter((n) => n.startsWith('modeldeck.modeldeck-'));
  if (installed.length !== 1) throw new Error(`expected one installed modeldeck.modeldeck-* in ${dirs.extensionsDir}, found ${installed.join(', ') || 'none'}\n${r.stdout}`);
  return join(dirs.extensionsDir, installed[0]!);
}

export interface RunningCodeServer {
  port: number;
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

export interface StartOptions {
  tools: EditorToolPaths;
  dirs: CodeServerDirs;
  /** Folder to open by default (the test URL names it again). */
  folder: string;
  /** Adds `--vscode-option enable-smoke-test-driver` (needed for extension-test payloads). */
  smokeTestDriver?: boolean;
  /** Leave workspace trust on (Restricted Mode tests); the user settings must enable it too. */
  workspaceTrust?: boolean;
  /** Extra environment for code-server and so for its extension hosts. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export async function startCodeServer(o: StartOptions): Promise<RunningCodeServer> {
  const port = await freePort();
  const args = [
    o.tools.codeServer,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(o.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', o.dirs.userDataDir,
    '--extensions-dir', o.dirs.extensionsDir,
  ];
  if (o.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(o.folder);
  const log = createWriteStream(o.dirs.logFile);
  // detached: its own process group, so stop() takes the extension hosts (and what they spawn
  // without detaching) down with it.
  const proc = spawn(o.tools.node, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: codeServerEnv(o.dirs, o.env ?? {}) });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  let exited: number | null | undefined;
  proc.on('exit', (code) => { exited = code; });

  const url = `http://127.0.0.1:${port}`;
  const logTail = (lines = 40): string => {
    try { return readFileSync(o.dirs.logFile, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return ''; }
  };
  const stop = async (): Promise<void> => {
    if (exited === undefined && proc.pid) {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      const deadline = Date.now() + 10_000;
      while (exited === undefined && Date.now() < deadline) await sleep(100);
      if (exited === undefined) { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    log.end();
  };

  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`code-server exited (${exited}) before it listened:\n${logTail()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${(o.startTimeoutMs ?? 60_000) / 1000} s:\n${logTail()}`);
    }
    await sleep(250);
  }
  return { port, url, proc, stop, logTail };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Processes whose command line contains every needle (read from /proc; Linux only). */
export function findProcesses(...needles: string[]): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try { cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim(); } catch { continue; }
    if (cmd && needles.every((n) => cmd.includes(n))) out.push({ pid: Number(name), cmd });
  }
  return out.filter((p) => p.pid !== process.pid);
}
