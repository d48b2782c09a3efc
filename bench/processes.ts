/**
 * The orchestrator's child processes (floor, naive peer, servers, load generators): every one is
 * tracked and killed on exit, error, SIGINT and SIGTERM. Also the wait for a quiet machine before each
 * row and the run's bounded budget for that waiting and for repeating noisy rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { machineCpuPct, readCpuTimes, REPO_ROOT } from './common';
import { CORES, JS_DIR, log, QUIET_BUDGET_S, QUIET_BUSY_PCT, QUIET_WAIT_S, sleep, TMP } from './config';
import type { LogEvent } from './types';

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, stopping every child process\n`);
    killAll('SIGKILL');
    process.exit(130);
  });
}

let argFiles = 0;
/**
 * A child's JSON configuration as one argv string; when it is too big for one argument (Linux caps
 * one at 128 KiB: the large-input model's request bodies), as `@<file>` (read by argvJson).
 */
export function childArg(cfg: unknown): string {
  const json = JSON.stringify(cfg);
  if (json.length < 64 * 1024) return json;
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, `child-config-${process.pid}-${argFiles++}.json`);
  fs.writeFileSync(file, json);
  return `@${file}`;
}

/** Runs a bundled child script with a JSON configuration; resolves its last stdout JSON line. */
export function runJsonChild<T>(script: string, cfg: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [path.join(JS_DIR, script), childArg(cfg)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ran past ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') {
        reject(new Error(`${script} exited with ${code}; stderr: ${err.slice(-2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as T);
      } catch (e) {
        reject(new Error(`${script}: bad JSON output ${line.slice(0, 200)}: ${(e as Error).message}`));
      }
    });
  });
}

/** A server process (ModelDeck or the naive peer) with its JSON log lines collected. */
export interface ServerHandle {
  label: string;
  child: ChildProcess;
  httpPort: number;
  grpcPort?: number;
  events: LogEvent[];
  exitedEarly: () => boolean;
  stop(): Promise<number | null>;
}

/**
 * Starts a server and waits for its JSON `listening` line (protocol rest) and, when given, `readyMsg`.
 * `options.executable` runs something other than this Node (the Flask peer's Python), with `options.env`.
 */
export async function startServer(
  label: string,
  command: string[],
  readyMsg: string | undefined,
  options: { executable?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerHandle> {
  const child = track(spawn(options.executable ?? process.execPath, command, { cwd: REPO_ROOT, stdio: ['pipe', 'ignore', 'pipe'], ...(options.env ? { env: options.env } : {}) }));
  const lines: Record<string, unknown>[] = [];
  const events: LogEvent[] = [];
  let buf = '';
  let stopping = false;
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      if (!stopping) events.push({ time: new Date().toISOString(), level: 'fatal', msg: `process exited unexpectedly (code ${code}, signal ${signal})` });
      resolve(code);
    }),
  );
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { level: 'raw', msg: line };
      }
      lines.push(parsed);
      const level = String(parsed.level ?? '');
      if (level !== 'info' && level !== 'debug' && level !== 'trace' && !(level === '' && parsed.msg === 'listening')) {
        events.push({ time: String(parsed.time ?? new Date().toISOString()), level, msg: String(parsed.msg ?? line).slice(0, 500) });
      }
    }
  });
  const deadline = Date.now() + 60_000;
  const find = (pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined => lines.find(pred);
  while (!find((l) => l.msg === 'listening' && l.protocol === 'rest') || (readyMsg && !find((l) => l.msg === readyMsg))) {
    if (exitCode !== undefined) throw new Error(`${label} exited during start-up: ${JSON.stringify(lines.slice(-10))}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} not ready after 60 s: ${JSON.stringify(lines.slice(-10))}`);
    }
    await sleep(20);
  }
  const rest = find((l) => l.msg === 'listening' && l.protocol === 'rest')!;
  const grpcLine = find((l) => l.msg === 'listening' && l.protocol === 'grpc');
  return {
    label,
    child,
    httpPort: Number(rest.httpPort),
    ...(grpcLine ? { grpcPort: Number(grpcLine.grpcPort) } : {}),
    events,
    exitedEarly: () => exitCode !== undefined && !stopping,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

// ---------------------------------------------------------------- quiet machine, bounded

let quietSpentS = 0;
export const quietBudgetLeft = (): number => QUIET_BUDGET_S - quietSpentS;
let quietGaveUp = 0;
let rowsRepeated = 0;

/** A noisy row or floor measured again: its time counts against the quiet budget. */
export function noteRepeated(seconds: number): void {
  quietSpentS += seconds;
  rowsRepeated++;
}

/** For the report's notes. */
export function quietStats(): { spentS: number; gaveUp: number; rowsRepeated: number } {
  return { spentS: quietSpentS, gaveUp: quietGaveUp, rowsRepeated };
}

/**
 * Samples the whole machine's CPU for 300 ms until it is below QUIET_BUSY_PCT (% of one core), for at
 * most QUIET_WAIT_S. Other jobs on a shared box otherwise land in the rows. Returns seconds waited.
 */
export async function waitForQuiet(): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const a = readCpuTimes();
    await sleep(300);
    const m = machineCpuPct(a, readCpuTimes(), CORES);
    // Steal counts too: the hypervisor gave our vCPUs to another VM.
    if (!m || m.busyPct + m.stealPct <= QUIET_BUSY_PCT) break;
    const waited = (Date.now() - t0) / 1000;
    if (waited > Math.min(QUIET_WAIT_S, quietBudgetLeft())) {
      quietGaveUp++;
      log(`machine still busy (${m.busyPct.toFixed(0)}% of a core used by other processes, ${m.stealPct.toFixed(0)}% stolen by the hypervisor) after ${waited.toFixed(0)} s; measuring anyway`);
      break;
    }
    await sleep(700);
  }
  const waited = (Date.now() - t0) / 1000;
  if (waited > 0.5) quietSpentS += waited - 0.3;
  return waited;
}
