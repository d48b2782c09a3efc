import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { assertOip } from '../support/openApi';
import { getJson, postJson, postRaw } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';

const GOOD = { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] };

function withInput(patch: Record<string, unknown>): unknown {
  return { inputs: [{ ...GOOD.inputs[0], ...patch }] };
}

/** Raw request with a chosen Host header (fetch won't let us set it). */
function requestWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v2/health/live', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** POST /v2/models/iris/infer with exactly these headers and body chunks. */
function rawInfer(port: number, headers: Record<string, string>, chunks: Buffer[], path = '/v2/models/iris/infer'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

/**
 * A request over a raw socket, its body written in chunks `delayMs` apart (Content-Length declared
 * up front); resolves with everything the server sent back until it closed the connection.
 */
function slowRawRequest(port: number, path: string, chunks: Buffer[], delayMs: number): Promise<string> {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', async () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
      for (const c of chunks) {
        await new Promise((r) => setTimeout(r, delayMs));
        if (socket.destroyed) return;
        socket.write(c);
      }
    });
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error('no answer within 20 s')));
  });
}

describe('REST errors: precise 4xx, the server stays up, other models unaffected', () => {
  let server: ServerProcess;
  before(async () => {
    const registry = await tempRegistry([
      { from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] },
      { from: FIXTURE_MODELS, name: 'broken' },
    ]);
    server = await startServerProcess(['--registry', registry, '--max-body-bytes', '4096']);
  });
  after(async () => {
    await server?.stop();
  });

  const cases: [string, unknown, number, RegExp[]][] = [
    ['malformed JSON', '{"inputs": [', 400, [/malformed JSON/]],
    ['no inputs', { inputs: [] }, 400, [/inputs/]],
    ['unknown input name', withInput({ name: 'features' }), 400, [/features/, /float_input/]],
    ['wrong datatype', withInput({ datatype: 'FP64' }), 400, [/FP32/, /FP64/]],
    ['unknown datatype', withInput({ datatype: 'FLOAT' }), 400, [/FLOAT/, /FP32/]],
    ['wrong rank', withInput({ shape: [4], data: [1, 2, 3, 4] }), 400, [/\[-1,\s?4\]/, /\[4\]/]],
    ['wrong dimension', withInput({ shape: [2, 2], data: [1, 2, 3, 4] }), 400, [/\[-1,\s?4\]/, /\[2,\s?2\]/]],
    ['element count vs shape', withInput({ shape: [2, 4] }), 400, [/8/, /4/]],
    ['non-numeric element', withInput({ data: [1, 2, 'x', 4] }), 400, [/FP32/, /"x"/]],
    ['unknown requested output', { ...GOOD, outputs: [{ name: 'logits' }] }, 400, [/logits/, /probabilities/]],
  ];
  for (const [name, body, status, patterns] of cases) {
    it(`rejects ${name} with ${status} and a message that says expected vs got`, async () => {
      const res = await postJson(`${server.url}/v2/models/iris/infer`, body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assertOip('inference_error_response', res.body);
      for (const p of patterns) assert.match(res.body.error, p);
    });
  }

  it('rejects a binary body whose sizes do not add up', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 12 } }] }));
    const res = await postRaw(`${server.url}/v2/models/iris/infer`, Buffer.concat([header, Buffer.alloc(12)]), {
      'inference-header-content-length': String(header.length),
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /12/);
    assert.match(res.body.error, /16/);
    const liar = await postRaw(`${server.url}/v2/models/iris/infer`, header, { 'inference-header-content-length': String(header.length + 100) });
    assert.equal(liar.status, 400);
  });

  it('answers 404 for unknown models, versions and routes', async () => {
    const model = await postJson(`${server.url}/v2/models/resnet/infer`, GOOD);
    assert.equal(model.status, 404);
    assert.match(model.body.error, /resnet/);
    assert.match(model.body.error, /iris/);
    const version = await postJson(`${server.url}/v2/models/iris/versions/7/infer`, GOOD);
    assert.equal(version.status, 404);
    assert.match(version.body.error, /7/);
    assert.equal((await getJson(`${server.url}/v2/models/resnet`)).status, 404);
    assert.equal((await getJson(`${server.url}/v3/anything`)).status, 404);
    assert.equal((await getJson(`${server.url}/v2/models/iris/versions/abc`)).status, 400);
    assert.equal((await postJson(`${server.url}/v1/models/resnet:predict`, { instances: [[1, 2, 3, 4]] })).status, 404);
  });

  it('answers 404 before looking at the body: an unknown model or version with an empty, malformed or binary body', async () => {
    const bodies: [string, Record<string, string>][] = [
      ['{"inputs": []}', { 'content-type': 'application/json' }],
      ['{not json', { 'content-type': 'application/json' }],
      ['', { 'content-type': 'application/json' }],
      ['{"inputs":[]}\u0000\u0001', { 'content-type': 'application/octet-stream', 'inference-header-content-length': '999' }],
    ];
    for (const [body, headers] of bodies) {
      for (const path of ['/v2/models/does-not-exist/infer', '/v2/models/iris/versions/7/infer']) {
        const res = await rawInfer(server.httpPort, headers, [Buffer.from(body)], path);
        assert.equal(res.status, 404, `${path} with ${JSON.stringify(body)}: ${res.body}`);
        const error = JSON.parse(res.body).error as string;
        if (path.includes('does-not-exist')) assert.equal(error, 'model "does-not-exist" not found (models: broken, iris)');
        else assert.equal(error, 'version 7 of model "iris" is not served (serving version 2)');
      }
    }
    const v1 = await postRaw(`${server.url}/v1/models/does-not-exist:predict`, Buffer.from('{nope'), { 'content-type': 'application/json' });
    assert.equal(v1.status, 404);
    assert.match(v1.body.error, /does-not-exist.*iris/);
    const v1Verb = await postRaw(`${server.url}/v1/models/does-not-exist:explain`, Buffer.from('{}'), { 'content-type': 'application/json' });
    assert.equal(v1Verb.status, 404);
    const ready = await getJson(`${server.url}/v2/models/iris/versions/7/ready`);
    assert.equal(ready.status, 404);
    // The same bodies to a served model are the 400s they deserve.
    const empty = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [] });
    assert.equal(empty.status, 400);
    assert.match(empty.body.error, /non-empty array/);
  });

  it('reports a model that fails to load as not ready, with the reason, and keeps the others serving', async () => {
    const ready = await getJson(`${server.url}/v2/models/broken/ready`);
    assert.equal(ready.status, 503);
    assert.match(ready.body.reason, /failed to load/);
    const infer = await postJson(`${server.url}/v2/models/broken/infer`, GOOD);
    assert.equal(infer.status, 503);
    assert.match(infer.body.error, /not ready/);
    const index = await getJson(`${server.url}/v2/repository/index`);
    const broken = index.body.find((e: any) => e.name === 'broken');
    assert.equal(broken.state, 'FAILED');
    assert.match(broken.reason, /model\.onnx/);
    assert.equal((await postJson(`${server.url}/v2/models/iris/infer`, GOOD)).status, 200);
    assert.equal((await getJson(`${server.url}/v2/health/ready`)).status, 200);
  });

  it('answers 413 for a body over the limit', async () => {
    const big = { inputs: [{ name: 'float_input', shape: [1000, 4], datatype: 'FP32', data: new Array(4000).fill(1.5) }] };
    const res = await postJson(`${server.url}/v2/models/iris/infer`, big);
    assert.equal(res.status, 413);
    assert.match(res.body.error, /4096/);
  });

  it('lets Node fetch (undici) read the 413 and its message: the rest of a large body is drained, not reset', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20); // 8 MiB against a 4 KiB limit
    for (const path of ['/v2/models/iris/infer', '/v1/models/iris:predict']) {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
        assert.equal(res.status, 413, path);
        const body = (await res.json()) as { error: string };
        assert.equal(body.error, `request body of ${big.length} bytes is over the limit of 4096 bytes (raise it with --max-body-bytes)`);
      }
    }
    // Chunked (no Content-Length), through fetch's streaming body.
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 0x20));
    const stream = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.match(((await chunked.json()) as { error: string }).error, /of 4194304 bytes is over the limit of 4096 bytes/);
    assert.equal((await postJson(`${server.url}/v2/models/iris/infer`, GOOD)).status, 200);
  });

  it('answers a client that sends an oversized body slowly once it has finished, with the 413 and its message', async () => {
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1024, 0x20));
    const res = await slowRawRequest(server.httpPort, '/v2/models/iris/infer', chunks, 30);
    assert.match(res, /^HTTP\/1\.1 413 /);
    assert.match(res, /request body of 10240 bytes is over the limit of 4096 bytes/);
    assert.match(res, /connection: close/i);
  });

  it('keeps its memory flat while it discards oversized bodies', async () => {
    const rss = async (): Promise<number> => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^modeldeck_process_resident_memory_bytes (\d+)/m.exec(text)![1]);
    };
    const body = Buffer.alloc(32 * 1024 * 1024, 0x20);
    await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body }); // warm-up
    const before = await rss();
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body });
      assert.equal(res.status, 413);
      await res.arrayBuffer();
    }
    const grown = (await rss()) - before;
    // 192 MiB went through; had any of it been kept, the process would have grown by far more.
    assert.ok(grown < 48 * 1024 * 1024, `resident memory grew by ${(grown / 1048576).toFixed(1)} MiB`);
  });

  it('answers 413 for a chunked body (no Content-Length) once it passes the limit, and keeps serving', async () => {
    const res = await rawInfer(server.httpPort, { 'transfer-encoding': 'chunked', 'content-type': 'application/json' }, [Buffer.alloc(3000, 0x20), Buffer.alloc(3000, 0x20)]);
    assert.equal(res.status, 413);
    assert.match(JSON.parse(res.body).error, /over the limit of 4096 bytes/);
    assert.equal((await postJson(`${server.url}/v2/models/iris/infer`, GOOD)).status, 200);
  });

  it('infer answers carry the request id (the client\'s when sane), also on errors and gzip-compressed bodies', async () => {
    const ok = await rawInfer(server.httpPort, { 'content-type': 'application/json', 'x-request-id': 'abc-123' }, [Buffer.from(JSON.stringify(GOOD))]);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers['x-request-id'], 'abc-123');
    assert.equal(JSON.parse(ok.body).id, 'abc-123');
    const bad = await rawInfer(server.httpPort, { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' }, [Buffer.from('{')]);
    assert.equal(bad.status, 400);
    assert.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    // A compressed body is inflated (by the express app the fast path hands it to).
    const gz = await rawInfer(server.httpPort, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, [zlib.gzipSync(JSON.stringify(GOOD))]);
    assert.equal(gz.status, 200, gz.body);
    assert.deepEqual(JSON.parse(gz.body).outputs.find((o: { name: string }) => o.name === 'label').data, [0]);
  });

  it('rejects a bad version in the path and an unknown model with the models that exist', async () => {
    const v = await postJson(`${server.url}/v2/models/iris/versions/0/infer`, GOOD);
    assert.equal(v.status, 400);
    assert.match(v.body.error, /positive integer/);
    const m = await postJson(`${server.url}/v2/models/no%20such/infer`, GOOD);
    assert.equal(m.status, 404);
    assert.match(m.body.error, /no such/);
    assert.match(m.body.error, /iris/);
  });

  it('refuses foreign Host headers (DNS rebinding) and accepts loopback names', async () => {
    const evil = await requestWithHost(server.httpPort, 'attacker.example:80');
    assert.equal(evil.status, 403);
    assert.match(evil.body, /attacker\.example/);
    assert.equal((await requestWithHost(server.httpPort, `localhost:${server.httpPort}`)).status, 200);
    assert.equal((await requestWithHost(server.httpPort, `127.0.0.1:${server.httpPort}`)).status, 200);
  });

  it('rejects bad V1 bodies with 400', async () => {
    const ragged = await postJson(`${server.url}/v1/models/iris:predict`, { instances: [[1, 2, 3, 4], [1, 2, 3]] });
    assert.equal(ragged.status, 400);
    assert.match(ragged.body.error, /row|instance/i);
    const none = await postJson(`${server.url}/v1/models/iris:predict`, { foo: 1 });
    assert.equal(none.status, 400);
    assert.match(none.body.error, /instances/);
    const verb = await postJson(`${server.url}/v1/models/iris:explain`, { instances: [[1, 2, 3, 4]] });
    assert.equal(verb.status, 400);
  });

  it('is still alive and correct after all of the above', async () => {
    assert.equal((await getJson(`${server.url}/v2/health/live`)).status, 200);
    const res = await postJson(`${server.url}/v2/models/iris/infer`, GOOD);
    assert.equal(res.status, 200);
    assert.equal(server.child.exitCode, null);
  });
});
