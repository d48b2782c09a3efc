/**
 * User-facing URLs in remote development (src/core/net/externalUrl.ts): which URLs are forwarded, how
 * the resolved origin is joined with the path, gRPC addresses, and the cache the tree view renders from.
 * The resolvers below behave like the real ones: VS Code Remote (a forwarded port on localhost) and
 * code-server (a path-based proxy that drops the path it was given).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { curlForDeployment } from '../../src/core/deployment/curlCommand';
import { copyAs } from '../../src/core/predict/copyAs';
import { parseRequestText } from '../../src/core/predict/requestModel';
import { connectableUrl, ExternalUrls, grpcAddressFrom, grpcOrigin, joinExternal, splitLocalUrl } from '../../src/core/net/externalUrl';

/** Remote-SSH-like: port P on the remote is forwarded to localhost:P+10000 on the user's machine. */
const remoteSsh = async (origin: string): Promise<string> => {
  const u = new URL(origin);
  return `http://localhost:${Number(u.port) + 10000}/`;
};
/** code-server-like: any local origin becomes <code-server>/proxy/<port>/, whatever path was asked. */
const codeServer = async (origin: string): Promise<string> => `https://cs.example.com/proxy/${new URL(origin).port}/`;

describe('splitLocalUrl: which URLs are forwarded', () => {
  it('loopback and all-interfaces hosts, with and without a path', () => {
    assert.deepEqual(splitLocalUrl('http://127.0.0.1:8080'), { origin: 'http://127.0.0.1:8080/', rest: '' });
    assert.deepEqual(splitLocalUrl('http://127.0.0.1:8080/v2/models/iris'), { origin: 'http://127.0.0.1:8080/', rest: '/v2/models/iris' });
    assert.deepEqual(splitLocalUrl('http://localhost:3000/a?b=1#c'), { origin: 'http://localhost:3000/', rest: '/a?b=1#c' });
    assert.deepEqual(splitLocalUrl('HTTPS://LOCALHOST:9443/x'), { origin: 'https://LOCALHOST:9443/', rest: '/x' });
    assert.deepEqual(splitLocalUrl('http://0.0.0.0:8080/v2'), { origin: 'http://0.0.0.0:8080/', rest: '/v2' });
    assert.deepEqual(splitLocalUrl('http://[::1]:8080/v2'), { origin: 'http://[::1]:8080/', rest: '/v2' });
    assert.deepEqual(splitLocalUrl('http://127.1.2.3:80'), { origin: 'http://127.1.2.3:80/', rest: '' });
  });
  it('other hosts and other schemes are left alone', () => {
    assert.equal(splitLocalUrl('http://iris.default.example.com/v2/models/iris'), undefined);
    assert.equal(splitLocalUrl('http://10.0.0.5:8080'), undefined);
    assert.equal(splitLocalUrl('http://localhost.example.com:8080'), undefined);
    assert.equal(splitLocalUrl('grpc://127.0.0.1:8081'), undefined);
    assert.equal(splitLocalUrl('not a url'), undefined);
  });
});

describe('connectableUrl: the URL the extension itself connects to', () => {
  it('a server bound to every interface is reached on loopback (0.0.0.0 does not connect on Windows)', () => {
    assert.equal(connectableUrl('http://0.0.0.0:8080'), 'http://127.0.0.1:8080');
    assert.equal(connectableUrl('grpc://0.0.0.0:8081'), 'grpc://127.0.0.1:8081');
    assert.equal(connectableUrl('http://[::]:8080'), 'http://[::1]:8080');
    assert.equal(connectableUrl('http://[0:0:0:0:0:0:0:0]:8080/v2'), 'http://[::1]:8080/v2');
  });
  it('other hosts are kept', () => {
    for (const u of ['http://127.0.0.1:8080', 'http://192.168.1.5:8080', 'grpc://[::1]:8081', 'http://0.0.0.0.example.com:80']) assert.equal(connectableUrl(u), u);
  });
});

describe('joinExternal', () => {
  it('keeps the path after a proxy base and never doubles a slash', () => {
    assert.equal(joinExternal('https://cs.example.com/proxy/8080/', '/v2/models/iris'), 'https://cs.example.com/proxy/8080/v2/models/iris');
    assert.equal(joinExternal('http://localhost:18080/', '/v2/models/iris/infer'), 'http://localhost:18080/v2/models/iris/infer');
    assert.equal(joinExternal('http://localhost:18080/', ''), 'http://localhost:18080');
    assert.equal(joinExternal('http://localhost:18080', '?x=1'), 'http://localhost:18080/?x=1');
  });
});

describe('gRPC addresses', () => {
  it('take the forwarded host and port when the forward is a plain http origin', () => {
    assert.equal(grpcOrigin('grpc://127.0.0.1:8081'), 'http://127.0.0.1:8081/');
    assert.equal(grpcOrigin('127.0.0.1:8081'), 'http://127.0.0.1:8081/');
    assert.equal(grpcOrigin('iris.example.com:80'), undefined);
    assert.equal(grpcAddressFrom('grpc://127.0.0.1:8081', 'http://localhost:18081/'), 'grpc://localhost:18081');
    assert.equal(grpcAddressFrom('127.0.0.1:8081', 'http://localhost:18081/'), 'localhost:18081');
  });
  it('stay as they are when the forward is a path-based proxy or https (gRPC cannot go through it)', () => {
    assert.equal(grpcAddressFrom('grpc://127.0.0.1:8081', 'https://cs.example.com/proxy/8081/'), 'grpc://127.0.0.1:8081');
    assert.equal(grpcAddressFrom('grpc://127.0.0.1:8081', 'http://cs.example.com/proxy/8081/'), 'grpc://127.0.0.1:8081');
    assert.equal(grpcAddressFrom('grpc://127.0.0.1:8081', 'https://name-8081.app.github.dev/'), 'grpc://127.0.0.1:8081');
  });
});

describe('ExternalUrls', () => {
  it('resolves the origin only and appends the path (code-server drops the path it is given)', async () => {
    const asked: string[] = [];
    const urls = new ExternalUrls(async (o) => {
      asked.push(o);
      return codeServer(o);
    });
    assert.equal(await urls.url('http://127.0.0.1:8080/v2/models/iris'), 'https://cs.example.com/proxy/8080/v2/models/iris');
    assert.deepEqual(asked, ['http://127.0.0.1:8080/']);
    assert.equal(await urls.url('http://iris.default.example.com/v2/models/iris'), 'http://iris.default.example.com/v2/models/iris');
    assert.equal(asked.length, 1, 'a URL that is not local is not sent to the resolver');
    assert.equal(await urls.grpcAddress('grpc://127.0.0.1:8081'), 'grpc://127.0.0.1:8081');
  });

  it('Remote-SSH-like forwarding: HTTP and gRPC both move to the forwarded port', async () => {
    const urls = new ExternalUrls(remoteSsh);
    assert.equal(await urls.url('http://127.0.0.1:8080'), 'http://localhost:18080');
    assert.equal(await urls.grpcAddress('grpc://127.0.0.1:8081'), 'grpc://localhost:18081');
  });

  it('urlNow answers undefined until the origin is resolved, then the forwarded URL; onResolved says when', async () => {
    let resolved = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const urls = new ExternalUrls(
      async (o) => {
        await gate;
        return remoteSsh(o);
      },
      () => resolved++,
    );
    assert.equal(urls.urlNow('http://127.0.0.1:8080/v2/models/iris'), undefined);
    assert.equal(urls.grpcAddressNow('grpc://127.0.0.1:8081'), undefined);
    assert.equal(urls.urlNow('http://iris.example.com/v2'), 'http://iris.example.com/v2', 'not local: at once, unchanged');
    release();
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(resolved, 2);
    assert.equal(urls.urlNow('http://127.0.0.1:8080/v2/models/iris'), 'http://localhost:18080/v2/models/iris');
    assert.equal(urls.urlNow('http://127.0.0.1:8080/v2/models/digits'), 'http://localhost:18080/v2/models/digits');
    assert.equal(urls.grpcAddressNow('grpc://127.0.0.1:8081'), 'grpc://localhost:18081');
  });

  it('url asks again each time (a forward can be closed and reopened elsewhere); concurrent asks share one call', async () => {
    let port = 20000;
    let calls = 0;
    const urls = new ExternalUrls(async () => {
      calls++;
      return `http://localhost:${port++}/`;
    });
    const [a, b] = await Promise.all([urls.url('http://127.0.0.1:8080/x'), urls.url('http://127.0.0.1:8080/y')]);
    assert.equal(calls, 1);
    assert.equal(a, 'http://localhost:20000/x');
    assert.equal(b, 'http://localhost:20000/y');
    assert.equal(await urls.url('http://127.0.0.1:8080/x'), 'http://localhost:20001/x');
    assert.equal(urls.urlNow('http://127.0.0.1:8080/x'), 'http://localhost:20001/x', 'the tree renders the latest forward');
  });

  it('a resolver that fails leaves the URL as it is', async () => {
    const urls = new ExternalUrls(async () => {
      throw new Error('Failed to resolve external URI');
    });
    assert.equal(await urls.url('http://127.0.0.1:8080/v2'), 'http://127.0.0.1:8080/v2');
    assert.equal(urls.urlNow('http://127.0.0.1:8080/v2'), 'http://127.0.0.1:8080/v2');
  });
});

describe('curl and "Copy as" text built from the forwarded URL', () => {
  it('Copy curl of a deployment uses the forwarded base', async () => {
    const urls = new ExternalUrls(codeServer);
    const curl = curlForDeployment(await urls.url('http://127.0.0.1:8080'), 'iris', { inputs: [] });
    assert.match(curl, /^curl -s -X POST https:\/\/cs\.example\.com\/proxy\/8080\/v2\/models\/iris\/infer /);
  });

  it('Copy as curl / grpcurl use the forwarded REST URL and gRPC address', async () => {
    const urls = new ExternalUrls(remoteSsh);
    const parsed = parseRequestText(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [1] }] }));
    assert.ok(parsed.ok);
    const meta = { name: 'iris', versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }] };
    const target = { httpUrl: await urls.url('http://127.0.0.1:8080'), grpcAddress: await urls.grpcAddress('grpc://127.0.0.1:8081'), model: 'iris', protoDir: '/ext/dist/proto', meta };
    assert.match(copyAs('curl', parsed.request, 'rest-json', target), /curl -s -X POST 'http:\/\/localhost:18080\/v2\/models\/iris\/infer'/);
    assert.match(copyAs('grpcurl', parsed.request, 'grpc', target), /localhost:18081 inference\.GRPCInferenceService\/ModelInfer/);
  });
});
