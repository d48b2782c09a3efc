/**
 * Turns a predict request (the panel's current request, a request file, or a model's example) into
 * the bytes the load process sends, once, with the predict panel's own codecs: the load test sends
 * exactly what the panel would.
 */
import * as protoLoader from '@grpc/proto-loader';
import type { PredictEndpoint } from '../predict/inferenceClient';
import { grpcInferRequest } from '../predict/grpcCodec';
import type { ModelMetadataView, TensorSpec } from '../predict/predictTypes';
import { checkRequest, v1AsV2, type ParsedRequest } from '../predict/requestModel';
import { jsonTransportProblems, restBinaryRequest, restJsonRequest, v1Request } from '../predict/restCodec';
import type { LoadProtocol, WirePayload } from './loadTestTypes';

/** Why a request cannot become a load test payload (the message says what to change). */
export class LoadTestError extends Error {
  constructor(
    readonly reason: 'bad-request' | 'bad-plan' | 'unreachable' | 'process',
    message: string,
  ) {
    super(message);
    this.name = 'LoadTestError';
  }
}

type Serialize = (msg: object) => Buffer;
const serializers = new Map<string, Serialize>();

/** proto-loader's own serializer for ModelInferRequest (the message the gRPC client would send). */
function inferSerializer(protoFile: string): Serialize {
  let s = serializers.get(protoFile);
  if (!s) {
    const def = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const service = def['inference.GRPCInferenceService'] as unknown as { ModelInfer: { requestSerialize: Serialize } };
    s = service.ModelInfer.requestSerialize;
    serializers.set(protoFile, s);
  }
  return s;
}

/**
 * The payload for `protocol`. With `meta` the request is first checked against the model's
 * signature (a request that cannot fit would only measure error answers).
 */
export function wirePayload(endpoint: PredictEndpoint, request: ParsedRequest, protocol: LoadProtocol, opts: { protoFile: string; meta?: ModelMetadataView }): WirePayload {
  const problems = opts.meta ? checkRequest(request, opts.meta) : [];
  if (protocol === 'rest-json' && request.format === 'v2') problems.push(...jsonTransportProblems(request.body));
  if (request.format === 'v1' && protocol === 'rest-binary') problems.push('V1 "instances" travel over REST JSON or gRPC (as V2 tensors), not REST binary');
  if (problems.length > 0) throw new LoadTestError('bad-request', `the request does not fit ${endpoint.model}: ${problems.join('; ')}`);
  if (protocol === 'grpc') {
    if (!endpoint.grpcAddress) throw new LoadTestError('bad-request', `${endpoint.model} has no gRPC address: pick REST JSON or REST binary`);
    let body;
    if (request.format === 'v2') body = request.body;
    else {
      const input = opts.meta?.inputs[0];
      if (!input) throw new LoadTestError('bad-request', 'V1 "instances" over gRPC need the model\'s first input (metadata)');
      body = v1AsV2(request.instances, input as TensorSpec);
    }
    // raw_input_contents: what high-throughput clients (and bench/) send.
    const msg = grpcInferRequest(endpoint.model, body, { raw: true });
    const auth = Object.entries(endpoint.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization');
    return {
      kind: 'grpc',
      address: endpoint.grpcAddress.replace(/^grpc:\/\//, ''),
      ...(endpoint.grpcAuthority ? { authority: endpoint.grpcAuthority } : {}),
      ...(auth ? { metadata: { authorization: auth[1] } } : {}),
      bodyB64: inferSerializer(opts.protoFile)(msg).toString('base64'),
    };
  }
  const plan =
    request.format === 'v1'
      ? v1Request(endpoint.httpUrl, endpoint.model, request.instances)
      : protocol === 'rest-binary'
        ? restBinaryRequest(endpoint.httpUrl, endpoint.model, request.body)
        : restJsonRequest(endpoint.httpUrl, endpoint.model, request.body);
  const bytes = typeof plan.body === 'string' ? Buffer.from(plan.body) : Buffer.from(plan.body);
  return { kind: 'http', url: plan.url, headers: { ...endpoint.headers, ...plan.headers }, bodyB64: bytes.toString('base64') };
}
