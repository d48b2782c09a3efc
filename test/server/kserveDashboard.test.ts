/**
 * The dashboard and the load test against a remote (KServe) deployment, through the fake cluster's
 * ingress gateway: the statistics are scraped with the service's host in the Host header, the load
 * process goes through the gateway over REST JSON and gRPC (:authority), with the bearer token a
 * gateway demands; without the token the load test reports the gateway's refusals.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { dashboardPoint } from '../../src/core/dashboard/dashboardAggregation';
import { remoteEndpoint } from '../../src/core/kserve/remoteEndpoint';
import { startLoadProcess } from '../../src/core/loadtest/loadProcess';
import type { LoadProtocol, LoadTestResult } from '../../src/core/loadtest/loadTestTypes';
import { wirePayload } from '../../src/core/loadtest/wirePayload';
import type { PredictEndpoint } from '../../src/core/predict/inferenceClient';
import { parseRequestText } from '../../src/core/predict/requestModel';
import { StatsScraper } from '../../src/panels/dashboard/statsScraper';
import type { FakeKubeApi } from '../support/fakeKubeApi';
import { startReadyKServeIris, type ReadyKServeIris } from '../support/readyKServeIris';
import { REPO_ROOT } from '../support/serverProcess';

const NS = 'ml-team';
const NAME = 'iris-dash';
const TOKEN = 'inference-s3cret';
const PROTO = path.join(REPO_ROOT, 'dist', 'proto', 'open_inference_grpc.proto');

let service: ReadyKServeIris;
let fake: FakeKubeApi;
let url: string;
let example: string;

before(async () => {
  service = await startReadyKServeIris(NAME, NS);
  ({ fake, url } = service);
  example = JSON.stringify(service.example);
});

after(async () => {
  await service?.close();
});

/** The endpoint the editor builds for the service: through the ingress, with the token when given. */
function endpointFor(token?: string): PredictEndpoint {
  const e = remoteEndpoint(url, { ingressUrl: fake.ingressUrl, grpc: true, ...(token ? { token } : {}) });
  return { httpUrl: e.httpUrl, model: NAME, headers: e.headers, ...(e.grpcAddress ? { grpcAddress: e.grpcAddress } : {}), ...(e.grpcAuthority ? { grpcAuthority: e.grpcAuthority } : {}) };
}

function load(endpoint: PredictEndpoint, protocol: LoadProtocol): Promise<LoadTestResult> {
  const req = parseRequestText(example);
  assert.ok(req.ok);
  const payload = wirePayload(endpoint, req.request, protocol, { protoFile: PROTO });
  return startLoadProcess(path.join(REPO_ROOT, 'dist', 'loadtest.js'), { payload, protocol, concurrency: 2, durationS: 0.6, warmupS: 0 }, () => {}).done;
}

describe('dashboard and load test of a KServe deployment through the ingress', () => {
  it('scrapes the statistics with the Host header and sees the load test REST JSON and gRPC requests', async () => {
    const scraper = new StatsScraper();
    const a = await scraper.scrape(endpointFor());
    const rest = await load(endpointFor(), 'rest-json');
    const grpc = await load(endpointFor(), 'grpc');
    const b = await scraper.scrape(endpointFor());
    for (const r of [rest, grpc]) assert.ok(r.ok > 0 && r.errors === 0, JSON.stringify(r.errorKinds));
    const p = dashboardPoint(a, b);
    assert.ok(p.rps > 0);
    assert.ok((b.byProtocol.grpc ?? 0) - (a.byProtocol.grpc ?? 0) >= grpc.ok);
    assert.ok((b.byProtocol['v2-rest'] ?? 0) - (a.byProtocol['v2-rest'] ?? 0) >= rest.ok);
  });

  it('a gateway that demands a token: refusals without it (by message), success with it', async () => {
    fake.controller.inferenceToken = TOKEN;
    try {
      const refused = await load(endpointFor(), 'rest-json');
      assert.equal(refused.ok, 0);
      assert.match(refused.errorKinds[0]!.message, /^HTTP 401/);
      const refusedGrpc = await load(endpointFor(), 'grpc');
      assert.match(refusedGrpc.errorKinds[0]!.message, /^gRPC UNAUTHENTICATED/);
      for (const t of ['rest-json', 'grpc'] as const) {
        const r = await load(endpointFor(TOKEN), t);
        assert.ok(r.ok > 0 && r.errors === 0, `${t}: ${JSON.stringify(r.errorKinds)}`);
      }
    } finally {
      fake.controller.inferenceToken = undefined;
    }
  });
});
