/**
 * Where the Inference Log reads from: a real JSON-lines file tailed across appends, partial lines,
 * rotation to <file>.1 and truncation; the server's live stream over a real HTTP socket (paging
 * with `since`, a server restart, 404).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InferenceLogRecord } from '../../src/core/inferenceLog/inferenceLogRecord';
import { fileSinkPath, JsonLinesTail, LiveStream, StreamNotFoundError } from '../../src/core/inferenceLog/logSources';

function rec(id: string, type: 'request' | 'response' = 'request'): InferenceLogRecord {
  return { inferenceId: id, messageType: type, modelName: 'iris', modelVersion: 1, requestTimestamp: 1, protocol: 'v2-rest', contentType: 'application/json', payload: { id } };
}
const line = (id: string, type: 'request' | 'response' = 'request') => `${JSON.stringify(rec(id, type))}\n`;
const ids = (rs: InferenceLogRecord[]) => rs.map((r) => `${r.inferenceId}/${r.messageType}`);

describe('fileSinkPath', () => {
  it('a plain path is relative to the workspace folder; file:/// is absolute', () => {
    assert.equal(fileSinkPath({ kind: 'file', path: 'logs/iris.jsonl', fileUrl: false }, '/ws'), '/ws/logs/iris.jsonl');
    assert.equal(fileSinkPath({ kind: 'file', path: '/var/log/x.jsonl', fileUrl: false }, '/ws'), '/var/log/x.jsonl');
    assert.equal(fileSinkPath({ kind: 'file', path: '/var/log/x.jsonl', fileUrl: true }, '/ws'), '/var/log/x.jsonl');
  });
});

describe('JsonLinesTail', () => {
  it('reads what is there, then only what is appended; a partial last line waits for its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeldeck-tail-'));
    try {
      const file = join(dir, 'log.jsonl');
      const tail = new JsonLinesTail(file);
      assert.deepEqual(await tail.poll(), []); // not there yet
      writeFileSync(file, line('a') + line('a', 'response'));
      assert.deepEqual(ids(await tail.poll()), ['a/request', 'a/response']);
      assert.deepEqual(await tail.poll(), []);
      const half = line('b');
      appendFileSync(file, half.slice(0, 20));
      assert.deepEqual(await tail.poll(), []);
      appendFileSync(file, half.slice(20) + 'not json\n' + line('c'));
      assert.deepEqual(ids(await tail.poll()), ['b/request', 'c/request']);
      assert.equal(tail.skipped, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows rotation: the rest of the old file from <file>.1, then the new file from its start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeldeck-tail-'));
    try {
      const file = join(dir, 'log.jsonl');
      writeFileSync(file, line('1'));
      const tail = new JsonLinesTail(file);
      assert.deepEqual(ids(await tail.poll()), ['1/request']);
      appendFileSync(file, line('2')); // written just before the rotation, not polled yet
      renameSync(file, `${file}.1`);
      assert.deepEqual(ids(await tail.poll()), ['2/request']); // the path is gone for a moment
      writeFileSync(file, line('3'));
      assert.deepEqual(ids(await tail.poll()), ['3/request']);
      // Again, with the new file already there when polled.
      appendFileSync(file, line('4'));
      renameSync(`${file}.1`, `${file}.2`);
      renameSync(file, `${file}.1`);
      writeFileSync(file, line('5'));
      assert.deepEqual(ids(await tail.poll()), ['4/request', '5/request']);
      // Truncated in place (shorter than what was read): read from the start again.
      appendFileSync(file, line('5b'));
      assert.deepEqual(ids(await tail.poll()), ['5b/request']);
      writeFileSync(file, line('6'));
      assert.deepEqual(ids(await tail.poll()), ['6/request']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the first poll of a big file reads only its last bytes, from a line start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeldeck-tail-'));
    try {
      const file = join(dir, 'log.jsonl');
      writeFileSync(file, Array.from({ length: 100 }, (_, i) => line(String(i))).join(''));
      const tail = new JsonLinesTail(file, { initialBytes: line('99').length * 3 + 5 });
      assert.deepEqual(ids(await tail.poll()), ['97/request', '98/request', '99/request']);
      assert.equal(tail.skipped, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LiveStream', () => {
  it('pages with since, starts again after a server restart, says 404 plainly', async () => {
    let records = [rec('a'), rec('a', 'response')];
    let base = 0; // the sequence number of records[0]
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url!);
      const m = /^\/v2\/logging\/([^/]+)\/records\?since=(\d+)$/.exec(req.url!);
      if (!m || m[1] !== 'iris') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"unknown"}');
        return;
      }
      const since = Number(m[2]);
      const from = Math.max(0, since - base);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ next: base + records.length, records: records.slice(from) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const stream = new LiveStream(() => url, 'iris');
      assert.deepEqual(ids(await stream.poll()), ['a/request', 'a/response']);
      assert.deepEqual(await stream.poll(), []);
      records.push(rec('b'));
      assert.deepEqual(ids(await stream.poll()), ['b/request']);
      assert.deepEqual(asked, ['/v2/logging/iris/records?since=0', '/v2/logging/iris/records?since=2', '/v2/logging/iris/records?since=2']);
      // A restarted server numbers from 0 again: next (1) < since (3) → read from 0.
      records = [rec('c')];
      base = 0;
      assert.deepEqual(ids(await stream.poll()), ['c/request']);
      assert.equal(asked.at(-1), '/v2/logging/iris/records?since=0');
      await assert.rejects(new LiveStream(() => url, 'other').poll(), StreamNotFoundError);
      assert.deepEqual(await new LiveStream(() => undefined, 'iris').poll(), []); // server not running
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
