/**
 * The compliance check against a KServe deployment, reached as the command reaches one from the
 * Deployments view: through the fake cluster's ingress gateway with the service's Host header,
 * a bearer token the gateway demands, and gRPC (h2c on the same port) routed by :authority. A real
 * ModelDeck server answers behind it, so every check passes; without the token the gateway's 401s
 * are reported check by check.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runComplianceCheck } from '../../src/core/compliance/runCompliance';
import { remoteEndpoint } from '../../src/core/kserve/remoteEndpoint';
import type { FakeKubeApi } from '../support/fakeKubeApi';
import { startReadyKServeIris, type ReadyKServeIris } from '../support/readyKServeIris';

const NS = 'ml-team';
const NAME = 'iris-check';
const TOKEN = 'inference-s3cret';
const PROTO = path.join(__dirname, '../../server/protocols/grpc/proto/open_inference_grpc.proto');

let service: ReadyKServeIris;
let fake: FakeKubeApi;
let url: string;
let example: unknown;

before(async () => {
  service = await startReadyKServeIris(NAME, NS);
  ({ fake, url, example } = service);
  fake.controller.inferenceToken = TOKEN; // the gateway demands a bearer token
});

after(async () => {
  await service?.close();
});

describe('compliance check of a KServe deployment through the ingress', () => {
  it('with the Host header, the token and the gRPC :authority: every check passes', async () => {
    const e = remoteEndpoint(url, { ingressUrl: fake.ingressUrl, grpc: true, token: TOKEN });
    const r = await runComplianceCheck(
      { url: e.httpUrl, model: NAME, headers: e.headers, example, ...(e.grpcAddress ? { grpc: e.grpcAddress } : {}), ...(e.grpcAuthority ? { grpcAuthority: e.grpcAuthority } : {}) },
      { protoFile: PROTO },
    );
    assert.deepEqual(r.results.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`), []);
    assert.ok(r.results.some((c) => c.id === 'grpc.infer.raw'));
    // The example sent is the version's own input_example (two rows).
    assert.match(r.results.find((c) => c.id === 'rest.infer.json')!.detail, /probabilities FP32 \[2,3\]/);
  });

  it('without the token: the gateway refuses, and each check says so', async () => {
    const e = remoteEndpoint(url, { ingressUrl: fake.ingressUrl, grpc: true });
    const r = await runComplianceCheck({ url: e.httpUrl, model: NAME, headers: e.headers, ...(e.grpcAddress ? { grpc: e.grpcAddress } : {}), ...(e.grpcAuthority ? { grpcAuthority: e.grpcAuthority } : {}) }, { protoFile: PROTO });
    const live = r.results.find((c) => c.id === 'rest.health.live')!;
    assert.equal(live.status, 'fail');
    assert.match(live.detail, /answered 401/);
    const grpcLive = r.results.find((c) => c.id === 'grpc.health.live')!;
    assert.equal(grpcLive.status, 'fail');
    assert.match(grpcLive.detail, /UNAUTHENTICATED/);
  });
});
