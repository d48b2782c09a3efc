/**
 * The predict panel's client against a remote (KServe) deployment, through the fake cluster's
 * ingress gateway: REST JSON, REST binary and gRPC (h2c on the same port, routed by :authority),
 * with the service's host in the Host header / :authority and a bearer token the gateway checks.
 * The InferenceService is applied with the real client library; a real ModelDeck server answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { remoteEndpoint } from '../../src/core/kserve/remoteEndpoint';
import { copyAs } from '../../src/core/predict/copyAs';
import { InferenceClient, type PredictEndpoint } from '../../src/core/predict/inferenceClient';
import type { InferOutcome, ModelMetadataView } from '../../src/core/predict/predictTypes';
import { parseRequestText } from '../../src/core/predict/requestModel';
import type { FakeKubeApi } from '../support/fakeKubeApi';
import { startReadyKServeIris, type ReadyKServeIris } from '../support/readyKServeIris';

const NS = 'ml-team';
const NAME = 'iris-grpc';
const TOKEN = 'inference-s3cret';
const PROTO = path.join(__dirname, '../../server/protocols/grpc/proto/open_inference_grpc.proto');

let service: ReadyKServeIris;
let fake: FakeKubeApi;
let client: InferenceClient;
let url: string;
let example: string;

before(async () => {
  service = await startReadyKServeIris(NAME, NS);
  ({ fake, url } = service);
  example = JSON.stringify(service.example);
  client = new InferenceClient(PROTO);
});

after(async () => {
  client?.dispose();
  await service?.close();
});

/** The panel's endpoint for the service: through the ingress, with the token when given. */
function endpointFor(token?: string): PredictEndpoint {
  const e = remoteEndpoint(url, { ingressUrl: fake.ingressUrl, grpc: true, ...(token ? { token } : {}) });
  return { httpUrl: e.httpUrl, model: NAME, headers: e.headers, ...(e.grpcAddress ? { grpcAddress: e.grpcAddress } : {}), ...(e.grpcAuthority ? { grpcAuthority: e.grpcAuthority } : {}) };
}

function okOutcome(o: InferOutcome): Extract<InferOutcome, { ok: true }> {
  assert.ok(o.ok, JSON.stringify(o));
  return o as Extract<InferOutcome, { ok: true }>;
}

describe('predict against a KServe deployment through the ingress', () => {
  let meta: ModelMetadataView;

  it('reads the metadata with the Host header (the ingress routes by it: without it, 404)', async () => {
    meta = await client.metadata(endpointFor());
    assert.equal(meta.name, NAME);
    assert.deepEqual(meta.inputs.map((i) => i.name), ['float_input']);
    await assert.rejects(client.metadata({ httpUrl: fake.ingressUrl, model: NAME }), /→ 404/);
  });

  it('answers the same over REST JSON, REST binary and gRPC (h2c routed by :authority)', async () => {
    const req = parseRequestText(example);
    assert.ok(req.ok);
    const json = okOutcome(await client.send(endpointFor(), req.request, 'rest-json', meta));
    const binary = okOutcome(await client.send(endpointFor(), req.request, 'rest-binary', meta));
    const grpc = okOutcome(await client.send(endpointFor(), req.request, 'grpc', meta));
    for (const o of [json, binary, grpc]) assert.equal(o.modelName, NAME);
    const labels = (o: typeof json) => o.outputs.find((t) => t.name === 'label')!.data;
    assert.deepEqual(labels(binary), labels(json));
    assert.deepEqual(labels(grpc), labels(json));
    const queueProxy = fake.podsOf(NS, NAME).flatMap((p) => fake.logOf(NS, p.metadata.name, 'queue-proxy'));
    assert.ok(queueProxy.some((l) => l.includes('"grpcRequest"') && l.includes('ModelInfer') && l.includes('"grpcStatus":"0"')), `the gateway logged the gRPC call:\n${queueProxy.join('\n')}`);
  });

  it('a gateway that demands a token refuses requests without it and answers with it, on every transport', async () => {
    fake.controller.inferenceToken = TOKEN;
    try {
      const req = parseRequestText(example);
      assert.ok(req.ok);
      const rest = await client.send(endpointFor(), req.request, 'rest-json', meta);
      assert.equal(rest.ok, false);
      assert.equal(!rest.ok && rest.status, 'HTTP 401');
      const grpc = await client.send(endpointFor(), req.request, 'grpc', meta);
      assert.equal(!grpc.ok && grpc.status, 'gRPC UNAUTHENTICATED');
      for (const t of ['rest-json', 'rest-binary', 'grpc'] as const) okOutcome(await client.send(endpointFor(TOKEN), req.request, t, meta));
      assert.equal((await client.metadata(endpointFor(TOKEN))).name, NAME);
    } finally {
      fake.controller.inferenceToken = undefined;
    }
  });

  it('"Copy as" carries the Host header, the :authority and a token variable, never the token itself', () => {
    const req = parseRequestText(example);
    assert.ok(req.ok);
    const e = endpointFor(TOKEN);
    const target = { httpUrl: e.httpUrl, model: NAME, protoDir: path.dirname(PROTO), meta, ...(e.headers ? { headers: e.headers } : {}), ...(e.grpcAddress ? { grpcAddress: e.grpcAddress } : {}), ...(e.grpcAuthority ? { grpcAuthority: e.grpcAuthority } : {}) };
    const host = new URL(url).host;
    const curl = copyAs('curl', req.request, 'rest-json', target);
    assert.match(curl, new RegExp(`-H 'Host: ${host.replace(/\./g, '\\.')}'`));
    assert.match(curl, /-H "Authorization: Bearer \$MODELDECK_TOKEN"/);
    const py = copyAs('python', req.request, 'rest-binary', target);
    assert.match(py, /"Host": "iris-grpc\.ml-team\.example\.com"/);
    assert.match(py, /os\.environ\["MODELDECK_TOKEN"\]/);
    const grpcurl = copyAs('grpcurl', req.request, 'grpc', target);
    assert.match(grpcurl, new RegExp(`-authority '${host.replace(/\./g, '\\.')}'`));
    assert.match(grpcurl, /-H "authorization: Bearer \$MODELDECK_TOKEN"/);
    for (const text of [curl, py, grpcurl]) assert.ok(!text.includes(TOKEN), `the token leaked into:\n${text}`);
  });
});
