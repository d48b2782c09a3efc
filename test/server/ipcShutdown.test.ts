/**
 * Graceful stop without signals. On Windows `child.kill('SIGTERM')` ends a process at once (its
 * handlers never run), so the extension starts the server with an IPC channel and asks for the same
 * graceful shutdown with a `{ type: 'shutdown' }` message; a server whose parent goes away (the
 * channel closes) stops as well. Runs dist/server.js (npm run build first), as the extension does.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { getJson, postJson } from '../support/http';
import { SERVER_BUNDLE, type LogLine } from '../support/serverProcess';
import { FIXTURE_MODELS } from '../support/registryCopy';

const SLOW = { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: new Array(256).fill(0.01) }] };

interface IpcServer {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  exited: Promise<number | null>;
  waitFor(pred: (l: LogLine) => boolean): Promise<LogLine>;
}

/** dist/server.js with stdio [ignore, pipe, pipe, ipc], as src/services/localServer.ts starts it. */
async function startWithIpc(): Promise<IpcServer> {
  const child = spawn(process.execPath, [SERVER_BUNDLE, '--registry', FIXTURE_MODELS, '--model-control', 'explicit', '--http-port', '0', '--grpc-port', '0', '--log-level', 'debug'], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs: LogLine[] = [];
  const listeners = new Set<() => void>();
  let buf = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ time: '', level: 'raw', msg: line });
      }
      for (const l of [...listeners]) l();
    }
  });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Bounded so that a server that never logs it fails the test instead of hanging it.
  const waitFor = (pred: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const give = (why: string): void => {
        if (!listeners.has(check)) return;
        listeners.delete(check);
        clearTimeout(timer);
        reject(new Error(`${why}; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
      };
      const timer = setTimeout(() => give(`no such log line in ${timeoutMs / 1000} s`), timeoutMs);
      const check = (): void => {
        const found = logs.find(pred);
        if (found) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      listeners.add(check);
      check();
      void exited.then(() => give('the server exited first'));
    });
  const listening = await waitFor((l) => l.msg === 'listening' && l.protocol === 'rest');
  await waitFor((l) => l.msg === 'ready');
  return { child, url: `http://127.0.0.1:${listening.httpPort as number}`, logs, exited, waitFor };
}

describe('server: graceful stop over the IPC channel (Windows has no SIGTERM)', () => {
  it('a { type: "shutdown" } message drains like SIGTERM: readiness off, requests in flight answered, exit 0', async () => {
    const server = await startWithIpc();
    try {
      const load = await postJson(`${server.url}/v2/repository/models/slow/load`, {});
      assert.equal(load.status, 200, JSON.stringify(load.body));
      const url = `${server.url}/v2/models/slow/infer`;
      // Thirty slow requests queue on one worker: they take well over a second in total.
      const inflight = Array.from({ length: 30 }, () => postJson(url, SLOW));
      // The first answer is logged once the others wait in the queue behind it.
      await server.waitFor((l) => l.msg === 'inference' && l.deployment === 'slow');
      server.child.send({ type: 'shutdown' });
      const shutting = await server.waitFor((l) => /shutting down/.test(l.msg));
      assert.match(shutting.msg, /shutting down: shutdown message/);
      const ready = await getJson(`${server.url}/v2/health/ready`).catch(() => undefined);
      if (ready) assert.equal(ready.status, 503, 'readiness is off while draining');
      const results = await Promise.all(inflight);
      assert.deepEqual(results.map((r) => r.status), new Array(30).fill(200));
      assert.equal(await server.exited, 0);
      assert.ok(server.logs.some((l) => l.msg === 'stopped'));
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });

  it('other messages are ignored; the server keeps serving', async () => {
    const server = await startWithIpc();
    try {
      server.child.send({ type: 'hello' });
      server.child.send('shutdown');
      // A round trip after the messages: had they stopped the server, this would fail or say 503.
      const live = await getJson(`${server.url}/v2/health/ready`);
      assert.equal(live.status, 200);
      assert.ok(!server.logs.some((l) => /shutting down/.test(l.msg)));
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  });

  it('when the parent goes away (the channel closes) the server stops gracefully instead of running on', async () => {
    const server = await startWithIpc();
    try {
      server.child.disconnect();
      const shutting = await server.waitFor((l) => /shutting down/.test(l.msg));
      assert.match(shutting.msg, /shutting down: parent disconnected/);
      assert.equal(await server.exited, 0);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});
