import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SERVER_BUNDLE = path.join(REPO_ROOT, 'dist', 'server.js');

/** One parsed JSON log line of the server. */
export interface LogLine {
  time: string;
  level: string;
  msg: string;
  deployment?: string;
  requestId?: string;
  [key: string]: unknown;
}

/** A real server process on ephemeral ports, with its logs collected. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  httpPort: number;
  grpcPort?: number;
  logs: LogLine[];
  stdout: () => string;
  /** Resolves when a log line matching `pred` arrives (or already has), rejects after `timeoutMs`. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts dist/server.js with `args` (ports default to 0) and waits until it is ready. */
export async function startServerProcess(
  args: string[],
  opts: { waitReady?: boolean; env?: NodeJS.ProcessEnv; /** Another server bundle (a runtime image's copy). */ bundle?: string; cwd?: string } = {},
): Promise<ServerProcess> {
  const fullArgs = [opts.bundle ?? SERVER_BUNDLE, ...args];
  if (!args.includes('--http-port')) fullArgs.push('--http-port', '0');
  if (!args.includes('--grpc-port')) fullArgs.push('--grpc-port', '0');
  if (!args.includes('--poll-interval-ms')) fullArgs.push('--poll-interval-ms', '200');
  const child = spawn(process.execPath, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env }, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  const logs: LogLine[] = [];
  let out = '';
  let buf = '';
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { time: '', level: 'raw', msg: line };
      }
      logs.push(parsed);
      if (process.env.MODELDECK_TEST_SERVER_LOGS) process.stderr.write(line + '\n');
      for (const w of [...waiters]) {
        if (w.pred(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; got:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
      const w = {
        pred,
        resolve: (l: LogLine) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      waiters.push(w);
      void exited.then(() => {
        if (waiters.includes(w)) {
          clearTimeout(timer);
          reject(new Error(`server exited while waiting; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
        }
      });
    });
  };
  const listening = await waitForLog((l) => l.msg === 'listening' && l.protocol === 'rest');
  // The server logs its gRPC listener (when on) before the REST one.
  const grpc = logs.find((l) => l.msg === 'listening' && l.protocol === 'grpc');
  if (opts.waitReady !== false) await waitForLog((l) => l.msg === 'ready', 60_000);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    child,
    url: `http://127.0.0.1:${listening.httpPort as number}`,
    httpPort: listening.httpPort as number,
    ...(grpc ? { grpcPort: grpc.grpcPort as number } : {}),
    logs,
    stdout: () => out,
    waitForLog,
    stop,
    exited,
  };
}
