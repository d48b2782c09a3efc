/**
 * Streaming calls through the script hosts themselves (ScriptPool.stream: 'call' with stream, 'chunk',
 * 'end', 'cancel'), for the real Python host (Debian's /usr/bin/python3) and the real JS worker:
 * chunks in order, a plain value as a result, a cancel that arrives while the call still waits in
 * the queue (the host gets the call and its cancel back to back), a cancel mid-stream, and plain
 * calls on the same host afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptPool } from '../../server/scripts/scriptPool';
import type { ScriptValue } from '../../server/scripts/scriptProtocol';
import { REPO_ROOT } from '../support/serverProcess';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'scripts', 'llm');

const texts = (chunks: ScriptValue[]): string => chunks.map((c) => (c as { choices: { text: string }[] }).choices[0]!.text).join('');

for (const [label, file, method] of [
  ['Python host', 'llm_predictor.py', 'create_completion'],
  ['JS host', 'llmPredictor.ts', 'createCompletion'],
] as const) {
  describe(`streaming calls: ${label}`, () => {
    let pool: ScriptPool;
    let dir: string;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-stream-'));
      ({ pool } = await ScriptPool.start({
        scriptPath: path.join(FIXTURES, file),
        role: 'predictor',
        env: { DEPLOYMENT_NAME: 'stream-test', MODEL_FILES_PATH: dir },
        ...(file.endsWith('.py') ? { interpreter: '/usr/bin/python3' } : { jsWorkerScript: path.join(REPO_ROOT, 'dist', 'scriptWorker.js') }),
        instances: 1,
        callTimeoutMs: 30_000,
        onLog: () => undefined,
      }));
    });
    after(async () => {
      await pool?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('an async generator arrives chunk by chunk, in order, then ends', async () => {
      const chunks: ScriptValue[] = [];
      const r = await pool.stream(method, [{ model: 'm', prompt: 'a b c', stream: true }], (c) => chunks.push(c));
      assert.equal(r.streamed, true);
      assert.equal(r.cancelled, false);
      assert.equal(r.result, null);
      assert.equal(texts(chunks), 'echo: a b c');
    });

    it('a plain value (no stream asked) is a result, not chunks', async () => {
      const chunks: ScriptValue[] = [];
      const r = await pool.stream(method, [{ model: 'm', prompt: 'x y' }], (c) => chunks.push(c));
      assert.equal(r.streamed, false);
      assert.equal(chunks.length, 0);
      assert.equal((r.result as { choices: { text: string }[] }).choices[0]!.text, 'echo: x y');
    });

    it('a cancel while queued and a cancel mid-stream both end their calls; the host serves on', async () => {
      const gate = path.join(dir, `gate-${file}`);
      const marker = path.join(dir, `cancelled-${file}`);
      const first: ScriptValue[] = [];
      const running = new AbortController();
      let sawFirst!: () => void;
      const firstChunk = new Promise<void>((resolve) => (sawFirst = resolve));
      // Holds the only host: waits on a gate that never opens until it is cancelled.
      const a = pool.stream(method, [{ model: 'm', prompt: 'p q r', stream: true, gate, marker }], (c) => {
        first.push(c);
        sawFirst();
      }, running.signal);
      await firstChunk;
      // Queued behind it, and given up before it ever reaches a host.
      const queued = new AbortController();
      const second: ScriptValue[] = [];
      const b = pool.stream(method, [{ model: 'm', prompt: 'never sent', stream: true }], (c) => second.push(c), queued.signal);
      queued.abort();
      running.abort();
      const [ra, rb] = await Promise.all([a, b]);
      assert.equal(ra.cancelled, true);
      assert.equal(texts(first), 'echo:');
      // The JS host ends the call at once and closes the generator once its pending item settles.
      for (let i = 0; i < 250 && !fs.existsSync(marker); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(fs.readFileSync(marker, 'utf8').length > 0, 'the generator saw its cancellation');
      assert.equal(rb.cancelled, true);
      assert.equal(second.length, 0, 'no chunk is delivered after a cancel');
      // Plain calls and streams still work on the same host.
      const plain = await pool.call(method, [{ model: 'm', prompt: 'after' }]);
      assert.equal((plain.result as { choices: { text: string }[] }).choices[0]!.text, 'echo: after');
      const chunks: ScriptValue[] = [];
      await pool.stream(method, [{ model: 'm', prompt: 'again', stream: true }], (c) => chunks.push(c));
      assert.equal(texts(chunks), 'echo: again');
    });
  });
}
