// The inference logger's sink thread (server/inferenceLog/sinkThread.ts + the built dist/sinkWorker.js):
// events handed over on the main thread reach a real HTTP receiver as CloudEvents with their bodies
// intact (JSON text and binary bytes cross the thread boundary), the thread's counts reach the
// main thread's counters, close() flushes, and a thread that dies costs counted drops, one warning
// and no hang.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEvent, type RecordMeta } from '../../server/inferenceLog/logEvent';
import { DEFAULT_QUEUE_LIMITS, type EventCounter, type SinkCounters } from '../../server/inferenceLog/sinkQueue';
import { SinkThread } from '../../server/inferenceLog/sinkThread';
import { createLogger } from '../../server/observability/logger';

const WORKER = path.resolve(__dirname, '../../dist/sinkWorker.js');
const FROM = { source: 'http://localhost/modeldeck/t', deployment: 't', namespace: 'local', component: 'predictor', endpoint: 'default' };

interface Got {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function tally(): SinkCounters & { counts: Record<'sent' | 'retried' | 'dropped', number> } {
  const counts = { sent: 0, retried: 0, dropped: 0 };
  const c = (k: keyof typeof counts): EventCounter => ({ inc: (n = 1) => void (counts[k] += n) });
  return { sent: c('sent'), retried: c('retried'), dropped: c('dropped'), counts };
}

function meta(i: number): RecordMeta {
  return { inferenceId: `req-${i}`, messageType: 'request', modelName: 't', modelVersion: 1, requestTimestamp: Date.now(), protocol: 'v2-rest', contentType: 'application/json' };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('inference log sink thread', () => {
  const got: Got[] = [];
  let receiver: http.Server;
  let url: string;
  const warnings: string[] = [];
  const logger = createLogger('warn', { write: (l) => void warnings.push(JSON.parse(l).msg as string) });

  before(async () => {
    await fs.access(WORKER).catch(() => assert.fail(`${WORKER} is missing: run npm run build`));
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  });

  after(() => {
    receiver.closeAllConnections();
    receiver.close();
  });

  it('posts every event handed over as a CloudEvent with its body intact, counts them and flushes on close', async () => {
    const thread = new SinkThread(WORKER, logger);
    const counters = tally();
    const q = thread.open({ url, label: url, from: FROM, deployment: 't', limits: DEFAULT_QUEUE_LIMITS }, counters);
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    for (let i = 0; i < 300; i++) {
      const ev = i % 3 === 0
        ? buildEvent({ ...meta(i), contentType: 'application/octet-stream', binaryHeaderLength: 0 }, { kind: 'binary', bytes }, 1 << 20)
        : buildEvent(meta(i), { kind: 'json-text', text: Buffer.from(`{"i":${i}}`) }, 1 << 20);
      q.push(ev);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r)); // several ticks, several hand-overs
    }
    await q.close(5000);
    assert.equal(got.length, 300, 'every event posted before close() returned');
    assert.deepEqual(counters.counts, { sent: 300, retried: 0, dropped: 0 });
    for (const g of got) {
      const i = Number(String(g.headers['ce-id']).slice('req-'.length));
      assert.equal(g.headers['ce-type'], 'org.kubeflow.serving.inference.request');
      assert.equal(g.headers['ce-inferenceservicename'], 't');
      if (i % 3 === 0) {
        assert.equal(g.headers['content-type'], 'application/octet-stream');
        assert.deepEqual(g.body, bytes, `binary body of ${i}`);
      } else {
        assert.equal(g.body.toString(), `{"i":${i}}`);
      }
    }
    // Pushes after close are ignored.
    q.push(buildEvent(meta(999), { kind: 'json-text', text: Buffer.from('{}') }, 1 << 20));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 300);
  });

  it('a thread that dies: what it held is counted as dropped, one warning, close() does not hang, the next events go to a new thread', async () => {
    // A worker that takes one message and exits: the first hand-over is lost with it.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-sinkthread-'));
    const dying = path.join(dir, 'dying.js');
    await fs.writeFile(dying, "require('node:worker_threads').parentPort.once('message', () => process.exit(3));\n");
    try {
      warnings.length = 0;
      const thread = new SinkThread(dying, logger);
      const counters = tally();
      const q = thread.open({ url, label: url, from: FROM, deployment: 't', limits: DEFAULT_QUEUE_LIMITS }, counters);
      for (let i = 0; i < 5; i++) q.push(buildEvent(meta(i), { kind: 'json-text', text: Buffer.from('{}') }, 1 << 20));
      await until('the lost events counted as dropped', () => counters.counts.dropped === 5);
      assert.equal(warnings.filter((w) => /sink thread stopped \(exit code 3\); 5 events/.test(w)).length, 1, warnings.join('\n'));
      // The next events start a new thread (which dies again: counted again), and close() returns.
      q.push(buildEvent(meta(9), { kind: 'json-text', text: Buffer.from('{}') }, 1 << 20));
      await until('the second loss counted', () => counters.counts.dropped === 6);
      const t0 = Date.now();
      await q.close(500);
      assert.ok(Date.now() - t0 < 5000, 'close() returned');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
