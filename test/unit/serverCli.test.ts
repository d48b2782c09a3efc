// The server's command line (server/cli.ts): the inference logger's and the runtime's switches reach the config, bad values are refused.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseCli, UsageError } from '../../server/cli';

const REGISTRY = path.resolve(__dirname, '../../examples/models');

function config(...args: string[]): Exclude<ReturnType<typeof parseCli>, 'help'> {
  const c = parseCli(['--registry', REGISTRY, ...args]);
  assert.notEqual(c, 'help');
  return c as Exclude<ReturnType<typeof parseCli>, 'help'>;
}

describe('server command line: inference logger', () => {
  it('HTTP sinks post from their own thread by default; --log-http-thread off keeps them on the main thread', () => {
    assert.equal(config().inferenceLog.httpThread, true);
    assert.equal(config('--log-http-thread', 'on').inferenceLog.httpThread, true);
    assert.equal(config('--log-http-thread', 'off').inferenceLog.httpThread, false);
  });

  it('refuses anything but on or off, naming the flag', () => {
    assert.throws(() => config('--log-http-thread', 'yes'), (e: unknown) => e instanceof UsageError && /--log-http-thread: expected on or off, got "yes"/.test(e.message));
  });

  it('passes payload and rotation limits through', () => {
    const c = config('--log-payload-max-bytes', '600', '--log-file-max-bytes', '3000', '--log-file-keep', '2');
    assert.deepEqual({ ...c.inferenceLog }, { maxPayloadBytes: 600, fileMaxBytes: 3000, fileKeep: 2, httpThread: true });
  });
});

describe('server command line: adaptive width', () => {
  it('is auto by default; --adaptive-threads off turns it off; anything else is refused, naming the flag', () => {
    assert.equal(config().adaptiveThreads, 'auto');
    assert.equal(config('--adaptive-threads', 'off').adaptiveThreads, 'off');
    assert.throws(() => config('--adaptive-threads', 'on'), (e: unknown) => e instanceof UsageError && /--adaptive-threads must be auto or off \(got "on"\)/.test(e.message));
  });
});
