import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { remoteEndpoint } from '../../src/core/kserve/remoteEndpoint';
import { httpRequest } from '../../src/core/net/httpRequest';

describe('remoteEndpoint', () => {
  it('uses status.url directly when there is no ingress address', () => {
    assert.deepEqual(remoteEndpoint('http://iris.ml-team.example.com'), { httpUrl: 'http://iris.ml-team.example.com', headers: {} });
  });
  it('sends to the ingress with the service host in Host, and a bearer token when given', () => {
    const e = remoteEndpoint('http://iris.ml-team.example.com', { ingressUrl: 'http://10.0.0.5:8080/', token: 't0k', grpc: true });
    assert.deepEqual(e, {
      httpUrl: 'http://10.0.0.5:8080',
      headers: { authorization: 'Bearer t0k', host: 'iris.ml-team.example.com' },
      grpcAddress: '10.0.0.5:8080',
      grpcAuthority: 'iris.ml-team.example.com',
    });
  });
  it('says why when the service has no URL yet', () => {
    assert.throws(() => remoteEndpoint(undefined), /no URL yet/);
  });
});

describe('httpRequest', () => {
  it('sends the Host header fetch() would drop, and the body', async () => {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ host: req.headers.host, auth: req.headers.authorization, body: Buffer.concat(chunks).toString() })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const a = await httpRequest(`http://127.0.0.1:${port}/v2/models/iris/infer`, { headers: { host: 'iris.ml-team.example.com', authorization: 'Bearer x' }, body: '{"a":1}' });
      assert.equal(a.status, 200);
      assert.deepEqual(JSON.parse(Buffer.from(a.body).toString()), { host: 'iris.ml-team.example.com', auth: 'Bearer x', body: '{"a":1}' });
    } finally {
      server.close();
    }
  });
});
