/**
 * Large V2 JSON bodies are decoded on decode threads (server/protocols/rest/decodePool.ts): the
 * answers are the same as when the main thread decodes, bad bodies get the same 400 and message
 * from a thread as from the main thread, and `--decode-threads 0` keeps every body on the main
 * thread. Real server, real sockets.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { getJson, postJson } from '../support/http';
import { startServerProcess, type LogLine, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';

const ROWS = 400; // 400 × 64 floats ≈ 120 KB of JSON: over the default 64 KiB threshold
const image = (r: number): number[] => Array.from({ length: 64 }, (_, i) => ((r * 7 + i * 3) % 17) / 17);
const largeBody = { inputs: [{ name: 'image', shape: [ROWS, 1, 8, 8], datatype: 'FP32', data: Array.from({ length: ROWS }, (_, r) => image(r)).flat() }] };
const started = (l: LogLine): boolean => /decode thread\(s\) started/.test(l.msg);

function postText(url: string, text: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/**
 * A request whose body never finishes: while it is open the server has another request in flight, so
 * large bodies go to the decode threads (a lone request is decoded in place, where nothing waits).
 */
function holdRequestOpen(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`POST /v2/models/digits-cnn/infer HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"inputs":`);
      setTimeout(() => resolve(socket), 100);
    });
    socket.on('error', reject);
  });
}

/** modeldeck_json_decodes_total{where} from the server's /metrics. */
async function decodes(server: ServerProcess, where: 'thread' | 'main'): Promise<number> {
  const text = (await getJson(`${server.url}/metrics`)).raw.toString('utf8');
  const m = new RegExp(`^modeldeck_json_decodes_total\\{where="${where}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Sends the large body until the server says its decode threads run (the first ones decode on the main thread). */
async function untilThreadsRun(server: ServerProcess): Promise<void> {
  for (let i = 0; i < 50 && !server.logs.some(started); i++) {
    assert.equal((await postJson(`${server.url}/v2/models/digits-cnn/infer`, largeBody)).status, 200);
    await new Promise((r) => setTimeout(r, 50));
  }
  await server.waitForLog(started, 10_000);
}

describe('decode threads for large JSON bodies', () => {
  let threaded: ServerProcess;
  let mainOnly: ServerProcess;
  before(async () => {
    [threaded, mainOnly] = await Promise.all([
      startServerProcess(['--registry', EXAMPLE_REGISTRY, '--log-level', 'debug', '--decode-threads', '2']),
      startServerProcess(['--registry', EXAMPLE_REGISTRY, '--log-level', 'debug', '--decode-threads', '0']),
    ]);
  });
  after(async () => {
    await Promise.all([threaded?.stop(), mainOnly?.stop()]);
  });

  it('answers a 120 KB body from a decode thread exactly as the main thread does, concurrent requests included', async () => {
    await untilThreadsRun(threaded);
    const expected = await postJson(`${mainOnly.url}/v2/models/digits-cnn/infer`, largeBody);
    assert.equal(expected.status, 200);
    const answers = await Promise.all(Array.from({ length: 8 }, () => postJson(`${threaded.url}/v2/models/digits-cnn/infer`, largeBody)));
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body).slice(0, 300));
      assert.deepEqual(a.body.outputs, expected.body.outputs);
    }
    assert.equal(expected.body.outputs[0].shape[0], ROWS);
    assert.equal(mainOnly.logs.filter(started).length, 0, '--decode-threads 0 starts none');
  });

  it('gives a bad large body the same 400 and message from a thread as from the main thread', async (t) => {
    await untilThreadsRun(threaded);
    const held = await holdRequestOpen(threaded.url);
    t.after(() => held.destroy());
    const threadBefore = await decodes(threaded, 'thread');
    const cases: [string, string, RegExp][] = [
      ['malformed JSON', JSON.stringify(largeBody).slice(0, -10), /malformed JSON in request body/],
      ['a string among the floats', JSON.stringify(largeBody).replace('[0,', '["zero",'), /input "image" element 0: expected a number/],
      ['no inputs', JSON.stringify({ inputs: [], padding: 'x'.repeat(100_000) }), /request must have "inputs"/],
      ['shape and data disagree', JSON.stringify({ inputs: [{ ...largeBody.inputs[0], shape: [ROWS + 1, 1, 8, 8] }] }), /image/],
    ];
    for (const [what, text, message] of cases) {
      assert.ok(Buffer.byteLength(text) >= 64 * 1024, `${what}: the body must be large enough for a thread`);
      const fromThread = await postText(`${threaded.url}/v2/models/digits-cnn/infer`, text);
      const fromMain = await postText(`${mainOnly.url}/v2/models/digits-cnn/infer`, text);
      assert.equal(fromThread.status, 400, `${what}: ${JSON.stringify(fromThread.body)}`);
      assert.match(fromThread.body.error, message, what);
      assert.deepEqual(fromThread.body, fromMain.body, `${what}: same answer from both`);
    }
    // Each bad body was decoded on a thread (another request was in flight), and the server is still up.
    assert.equal((await postJson(`${threaded.url}/v2/models/digits-cnn/infer`, largeBody)).status, 200);
    assert.equal((await decodes(threaded, 'thread')) - threadBefore, cases.length + 1);
  });

  it('decodes a lone large request in place (nothing else waits for the event loop), concurrent ones on threads', async () => {
    await untilThreadsRun(threaded);
    const [main0, thread0] = [await decodes(threaded, 'main'), await decodes(threaded, 'thread')];
    assert.equal((await postJson(`${threaded.url}/v2/models/digits-cnn/infer`, largeBody)).status, 200);
    assert.equal((await decodes(threaded, 'main')) - main0, 1);
    const held = await holdRequestOpen(threaded.url);
    try {
      assert.equal((await postJson(`${threaded.url}/v2/models/digits-cnn/infer`, largeBody)).status, 200);
    } finally {
      held.destroy();
    }
    assert.equal((await decodes(threaded, 'thread')) - thread0, 1);
  });

  it('decodes small bodies on the main thread (no decode thread for iris requests)', async () => {
    const server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--log-level', 'debug']);
    try {
      for (let i = 0; i < 5; i++) {
        const res = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] });
        assert.equal(res.status, 200);
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(server.logs.filter(started).length, 0);
    } finally {
      await server.stop();
    }
  });
});
