import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { prettyLine } from '../../server/observability/logger';
import { EXAMPLE_REGISTRY, tempRegistry } from '../support/registryCopy';
import { SERVER_BUNDLE, startServerProcess, type ServerProcess } from '../support/serverProcess';

/**
 * Runs the server inside a real pseudo-terminal (util-linux `script`), as `npm start` in a terminal
 * does, until its REST port answers a request, then stops it; resolves with everything the terminal showed.
 */
function runInTerminal(args: string[]): Promise<string> {
  const command = [process.execPath, SERVER_BUNDLE, ...args, '--http-port', '0', '--grpc-port', 'off'].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm', NO_COLOR: '' } });
    let screen = '';
    let stopping = false;
    child.stdout.on('data', async (d: Buffer) => {
      screen += d.toString();
      if (!stopping && screen.includes('Press Ctrl+C to stop.')) {
        stopping = true;
        const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(screen)?.[1];
        const body = JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] });
        if (port) await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, { method: 'POST', body, headers: { 'x-request-id': 'req-42' } }).catch(() => undefined);
        setTimeout(() => child.stdin.write('\u0003'), 300); // Ctrl+C, as a person would
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(screen);
    });
    child.on('error', reject);
  });
}

describe('server log format: readable lines for people, JSON lines for programs', () => {
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop();
  });

  it('writes one JSON object per line when stderr is not a terminal (what the extension reads)', async () => {
    const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] }]);
    server = await startServerProcess(['--registry', registry]);
    await server.waitForLog((l) => l.msg === 'ready');
    assert.ok(server.logs.length >= 3);
    for (const line of server.logs) {
      assert.notEqual(line.level, 'raw', `not JSON: ${line.msg}`);
      assert.match(line.time, /^\d{4}-\d\d-\d\dT/);
    }
    await server.stop();
    server = undefined;
  });

  it('writes readable lines with --log-format pretty (no colour when not a terminal)', async () => {
    const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] }]);
    const child = spawn(process.execPath, [SERVER_BUNDLE, '--registry', registry, '--log-format', 'pretty', '--http-port', '0', '--grpc-port', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line in 30 s:\n${stderr}`)), 30_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/ INFO  ready /.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const lines = stderr.trim().split('\n');
    assert.match(lines.find((l) => l.includes('listening'))!, /^\d\d:\d\d:\d\d\.\d{3} INFO  listening protocol=rest host=127\.0\.0\.1 httpPort=\d+ url=http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(lines.every((l) => !l.startsWith('{') && !l.includes('\u001b[')), 'plain lines, no JSON, no escape codes');
  });

  it('in a terminal: coloured readable lines by default, JSON with --log-format json', async () => {
    const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] }]);
    const screen = await runInTerminal(['--registry', registry, '--log-level', 'debug']);
    assert.match(screen, /\u001b\[32mINFO \u001b\[0m listening/);
    assert.match(screen, /ModelDeck inference server listening on/);
    // The request's debug line: its fields as key=value, deployment and request id first.
    assert.match(screen, /DEBUG\u001b\[0m inference \u001b\[2mdeployment=\u001b\[0miris \u001b\[2mrequestId=\u001b\[0mreq-42 \u001b\[2mversion=\u001b\[0m2 \u001b\[2mprotocol=\u001b\[0mv2-rest/);
    assert.doesNotMatch(screen, /\{"time":/);
    const json = await runInTerminal(['--registry', registry, '--log-format', 'json']);
    assert.match(json, /\{"time":"[^"]+","level":"info","msg":"listening"/);
    assert.doesNotMatch(json, /\u001b\[32mINFO/);
  });

  it('formats fields: deployment and request id first, strings with spaces quoted, objects as JSON', () => {
    const time = new Date(2026, 11, 4, 9, 5, 7, 42);
    const line = prettyLine(time, 'warn', 'slow request', { latencyMs: 12.5, requestId: 'r-1', deployment: 'iris', reason: 'queue full', detail: { a: 1 } }, false);
    assert.equal(line, '09:05:07.042 WARN  slow request deployment=iris requestId=r-1 latencyMs=12.5 reason="queue full" detail={"a":1}\n');
    assert.equal(prettyLine(time, 'error', 'x', undefined, true), '\u001b[2m09:05:07.042\u001b[0m \u001b[31mERROR\u001b[0m x\n');
  });
});
