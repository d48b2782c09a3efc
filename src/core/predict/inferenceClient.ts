/**
 * Sends predict-panel requests to a served model over REST JSON, REST binary or gRPC and turns
 * every answer, including failures, into an {@link InferOutcome} the panel can show. Requests are
 * checked against the model's metadata first and never sent when they cannot fit.
 * The same client reaches a local server and a remote (KServe) deployment: an endpoint may carry
 * headers (Host through an ingress, a bearer token) and a gRPC :authority.
 * Node only (node:http, @grpc/grpc-js); no VS Code.
 */
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { httpRequest } from '../net/httpRequest';
import { decodeGrpcResponse, grpcInferRequest, type GrpcInferResponse } from './grpcCodec';
import type { InferFailure, InferOutcome, InferTiming, ModelMetadataView, RequestFormat, ScriptInfo, TensorSpec, Transport } from './predictTypes';
import { checkRequest, raisedByScript, scriptDefined, v1AsV2, type ParsedRequest } from './requestModel';
import { decodeV1Response, decodeV2Response, HEADER_LENGTH, jsonTransportProblems, restBinaryRequest, restErrorText, restJsonRequest, v1Request, type DecodedResponse, type HttpRequestPlan } from './restCodec';
import { topKTables, withClassLabels } from './topK';

/** Where a deployment answers. */
export interface PredictEndpoint {
  /** Server base URL (http://host:port). */
  httpUrl: string;
  /** gRPC host:port (a grpc:// prefix is dropped). */
  grpcAddress?: string;
  /** Served (deployment) name. */
  model: string;
  /** Sent with every REST request (Host, Authorization); Authorization also goes into gRPC metadata. */
  headers?: Record<string, string>;
  /** gRPC :authority (the service's host when going through an ingress). */
  grpcAuthority?: string;
}

const TIMEOUT_MS = 30_000;
// The server bounds messages at 64 MiB by default; the client must accept as much back.
const MAX_MESSAGE = 64 * 1024 * 1024;

type InferMethod = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: GrpcInferResponse) => void) => void;

export class InferenceClient {
  private service: grpc.ServiceClientConstructor | undefined;
  private readonly clients = new Map<string, grpc.Client>();

  /** @param protoFile the shipped open_inference_grpc.proto (loaded on first gRPC use) */
  constructor(private readonly protoFile: string) {}

  /** `GET /v2/models/{m}`: inputs, outputs, labels and execution provider. */
  async metadata(endpoint: PredictEndpoint): Promise<ModelMetadataView> {
    const url = `${endpoint.httpUrl.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(endpoint.model)}`;
    const res = await httpRequest(url, { method: 'GET', headers: { ...endpoint.headers }, timeoutMs: 10_000 });
    const text = new TextDecoder().decode(res.body);
    if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}: ${restErrorText(res.status, text)}`);
    try {
      return metadataView(JSON.parse(text));
    } catch {
      throw new Error(`GET ${url} answered something other than model metadata: ${text.slice(0, 200)}`);
    }
  }

  /**
   * Checks, sends and decodes one request; never throws (a failure is an outcome too). A failure
   * with `problems` was refused before sending; one with `status` was answered by the server.
   */
  async send(endpoint: PredictEndpoint, request: ParsedRequest, transport: Transport, meta: ModelMetadataView): Promise<InferOutcome> {
    const format: RequestFormat = request.format;
    const fail = (error: string, extra: Partial<InferFailure> = {}): InferFailure => ({ ok: false, transport, format, error, ...extra });
    if (format === 'v1' && transport !== 'rest-json') {
      return fail('not sent', { problems: ['V1 "instances" travel over REST JSON only: pick REST JSON, or write V2 tensors for REST binary and gRPC'] });
    }
    const problems = [...checkRequest(request, meta), ...(transport === 'rest-json' && request.format === 'v2' ? jsonTransportProblems(request.body) : [])];
    if (problems.length > 0) return fail(`the request does not fit ${endpoint.model} (not sent)`, { problems });
    // A script decides its own answer's shape: the model's output names and datatypes say nothing about it.
    const decodeMeta: ModelMetadataView = scriptDefined(meta) ? { ...meta, outputs: [] } : meta;
    const started = performance.now();
    const timing = (d?: { queueMs?: number; computeMs?: number }): InferTiming => ({
      clientMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(d?.queueMs !== undefined ? { queueMs: d.queueMs } : {}),
      ...(d?.computeMs !== undefined ? { computeMs: d.computeMs } : {}),
    });
    try {
      let decoded: DecodedResponse;
      if (transport === 'grpc') {
        const body = request.format === 'v2' ? request.body : v1AsV2(request.instances, meta.inputs[0] as TensorSpec);
        decoded = decodeGrpcResponse(await this.grpcInfer(endpoint, grpcInferRequest(endpoint.model, body)));
      } else {
        const plan: HttpRequestPlan =
          request.format === 'v1'
            ? v1Request(endpoint.httpUrl, endpoint.model, request.instances)
            : transport === 'rest-binary'
              ? restBinaryRequest(endpoint.httpUrl, endpoint.model, request.body)
              : restJsonRequest(endpoint.httpUrl, endpoint.model, request.body);
        const res = await httpRequest(plan.url, { method: 'POST', headers: { ...endpoint.headers, ...plan.headers }, body: plan.body, timeoutMs: TIMEOUT_MS });
        const bytes = res.body;
        if (res.status < 200 || res.status > 299) {
          const text = new TextDecoder().decode(bytes);
          const error = restErrorText(res.status, text);
          return fail(error, { status: `HTTP ${res.status}`, raw: text, timing: timing(), ...(raisedByScript(error, meta) ? { scriptError: true } : {}) });
        }
        if (request.format === 'v1') decoded = decodeV1Response(JSON.parse(new TextDecoder().decode(bytes)), decodeMeta);
        else {
          const headerLength = res.headers[HEADER_LENGTH.toLowerCase()] ?? null;
          decoded = decodeV2Response(bytes, headerLength === null ? undefined : Number(headerLength));
        }
      }
      const outputs = withClassLabels(decoded.outputs, meta.labels);
      return {
        ok: true,
        transport,
        format,
        // A V1 answer names no model: it is the one the request was posted to.
        ...(decoded.modelName !== undefined ? { modelName: decoded.modelName } : request.format === 'v1' ? { modelName: endpoint.model } : {}),
        ...(decoded.modelVersion !== undefined ? { modelVersion: decoded.modelVersion } : {}),
        ...(decoded.id !== undefined ? { id: decoded.id } : {}),
        outputs,
        ...(decoded.predictions ? { predictions: decoded.predictions } : {}),
        topK: topKTables(outputs, meta.labels),
        raw: decoded.raw,
        timing: timing(decoded),
      };
    } catch (err) {
      const e = err as grpc.ServiceError & { cause?: { code?: string; message?: string } };
      if (typeof e.code === 'number' && 'details' in e) {
        const error = e.details || e.message;
        return fail(error, { status: `gRPC ${grpc.status[e.code] ?? e.code}`, timing: timing(), ...(raisedByScript(error, meta) ? { scriptError: true } : {}) });
      }
      const cause = e.cause?.code ?? e.cause?.message;
      const where = transport === 'grpc' ? endpoint.grpcAddress : endpoint.httpUrl;
      return fail(`could not reach ${where}: ${e.message}${cause ? ` (${cause})` : ''}`, { timing: timing() });
    }
  }

  private grpcInfer(endpoint: PredictEndpoint, req: unknown): Promise<GrpcInferResponse> {
    if (!endpoint.grpcAddress) return Promise.reject(new Error('the server has no gRPC port'));
    const client = this.clientFor(endpoint.grpcAddress.replace(/^grpc:\/\//, ''), endpoint.grpcAuthority);
    const infer = (client as unknown as Record<string, InferMethod>).ModelInfer!.bind(client);
    const metadata = new grpc.Metadata();
    const auth = Object.entries(endpoint.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization');
    if (auth) metadata.set('authorization', auth[1]);
    return new Promise((resolve, reject) =>
      infer(req, metadata, { deadline: Date.now() + TIMEOUT_MS }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /** One channel per address and :authority (a remote service behind an ingress shares its address). */
  private clientFor(address: string, authority?: string): grpc.Client {
    const key = `${address} ${authority ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      this.service ??= loadService(this.protoFile);
      client = new this.service(address, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': MAX_MESSAGE,
        'grpc.max_send_message_length': MAX_MESSAGE,
        ...(authority ? { 'grpc.default_authority': authority } : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  dispose(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

function loadService(protoFile: string): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  return pkg.inference.GRPCInferenceService;
}

/** The panel's view of a `GET /v2/models/{m}` answer. */
export function metadataView(json: unknown): ModelMetadataView {
  const m = json as {
    name?: string;
    versions?: string[];
    inputs?: TensorSpec[];
    outputs?: TensorSpec[];
    platform?: unknown;
    parameters?: { labels?: unknown; execution_provider?: unknown; predictor_script?: unknown; transformer_script?: unknown };
  };
  const labels = Array.isArray(m.parameters?.labels) ? m.parameters!.labels.map(String) : undefined;
  const provider = typeof m.parameters?.execution_provider === 'string' ? m.parameters.execution_provider : undefined;
  const predictor = scriptInfoOf(m.parameters?.predictor_script);
  const transformer = scriptInfoOf(m.parameters?.transformer_script);
  return {
    name: m.name ?? '',
    versions: m.versions ?? [],
    ...(typeof m.platform === 'string' ? { platform: m.platform } : {}),
    inputs: m.inputs ?? [],
    outputs: m.outputs ?? [],
    ...(predictor ? { predictorScript: predictor } : {}),
    ...(transformer ? { transformerScript: transformer } : {}),
    ...(labels ? { labels } : {}),
    ...(provider ? { executionProvider: provider } : {}),
  };
}

/** `parameters.predictor_script` / `transformer_script` ({path, class_name, runtime, methods: "a,b"}). */
function scriptInfoOf(v: unknown): ScriptInfo | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const s = v as Record<string, unknown>;
  if (typeof s.path !== 'string') return undefined;
  const methods = Array.isArray(s.methods) ? s.methods.map(String) : typeof s.methods === 'string' ? s.methods.split(',').filter(Boolean) : [];
  return { path: s.path, className: typeof s.class_name === 'string' ? s.class_name : '', runtime: typeof s.runtime === 'string' ? s.runtime : '', methods };
}
