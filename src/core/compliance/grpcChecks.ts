/**
 * The gRPC half of the compliance check (when a gRPC address is given): the GRPCInferenceService
 * health and metadata RPCs, ModelInfer with typed contents and with raw_input_contents (compared
 * with the REST JSON answer), and the status codes for an unknown model and a malformed request.
 * The client is built from the shipped open_inference_grpc.proto.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { decodeGrpcResponse, grpcInferRequest, type GrpcInferResponse } from '../predict/grpcCodec';
import type { V2Request } from '../predict/requestModel';
import type { CheckContext } from './checkContext';
import { fail, pass, type Verdict } from './complianceTypes';
import { REQUEST_ID, type CheckState } from './restChecks';
import { outputProblems, sameOutputs } from './tensorChecks';

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

const SERVICE = 'inference.GRPCInferenceService';

export async function grpcChecks(ctx: CheckContext, address: string, protoFile: string, state: CheckState, headers: Record<string, string> = {}, authority?: string): Promise<void> {
  const def = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const Service = (grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } }).inference.GRPCInferenceService;
  const client = new Service(address.replace(/^grpc:\/\//, ''), grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 << 20,
    ...(authority ? { 'grpc.default_authority': authority } : {}),
  });
  const metadata = new grpc.Metadata();
  const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization');
  if (auth) metadata.set('authorization', auth[1]);

  /** One RPC, recorded; resolves to the answer or the error (never rejects). */
  const call = (method: string, req: unknown, shown?: unknown): Promise<{ res?: Record<string, unknown>; err?: grpc.ServiceError }> => {
    const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
    return new Promise((resolve) => {
      fn(req, metadata, { deadline: Date.now() + 15_000 }, (err, res) => {
        ctx.record({
          method: 'gRPC',
          target: `${SERVICE}/${method} @ ${address}`,
          requestBody: JSON.stringify(shown ?? req, bytesAsLength),
          status: err ? (grpc.status[err.code] ?? String(err.code)) : 'OK',
          responseBody: err ? err.details : JSON.stringify(res, bytesAsLength, 1),
        });
        resolve(err ? { err } : { res: res as Record<string, unknown> });
      });
    });
  };
  const ok = async (method: string, req: unknown, judge: (res: Record<string, unknown>) => Verdict): Promise<Verdict> => {
    const { res, err } = await call(method, req);
    if (err) return fail(`${grpc.status[err.code] ?? err.code}: ${err.details}`);
    return judge(res!);
  };
  try {
    await ctx.check('grpc.health.live', 'ServerLive → live: true', 'grpcHealth', () => ok('ServerLive', {}, (r) => (r.live === true ? pass('live') : fail(`live is ${JSON.stringify(r.live)}`))));
    const reachable = ctx.results.at(-1)!.exchanges.some((e) => e.status === 'OK');
    if (!reachable && ctx.results.at(-1)!.detail.startsWith('UNAVAILABLE')) {
      for (const id of ['grpc.health.ready', 'grpc.server.metadata', 'grpc.model.ready', 'grpc.model.metadata', 'grpc.infer.contents', 'grpc.infer.raw', 'grpc.error.unknownModel', 'grpc.error.shape']) {
        await ctx.skipped(id, id, 'grpcHealth', `skipped: nothing answers gRPC at ${address}`);
      }
      return;
    }
    await ctx.check('grpc.health.ready', 'ServerReady → ready: true', 'grpcHealth', () => ok('ServerReady', {}, (r) => (r.ready === true ? pass('ready') : fail(`ready is ${JSON.stringify(r.ready)}`))));
    await ctx.check('grpc.server.metadata', 'ServerMetadata → name, version, extensions', 'grpcMetadata', () =>
      ok('ServerMetadata', {}, (r) => (typeof r.name === 'string' && r.name && typeof r.version === 'string' && Array.isArray(r.extensions) ? pass(`${r.name} ${r.version}`) : fail('name, version or extensions missing'))),
    );
    const m = state.model;
    if (!m) {
      await ctx.skipped('grpc.model', 'Model RPCs', 'grpcMetadata', 'no model to check');
      return;
    }
    await ctx.check('grpc.model.ready', `ModelReady(${m}) → ready: true`, 'grpcHealth', () => ok('ModelReady', { name: m, version: '' }, (r) => (r.ready === true ? pass('ready') : fail(`ready is ${JSON.stringify(r.ready)}`))));
    await ctx.check('grpc.model.metadata', `ModelMetadata(${m})`, 'grpcMetadata', () =>
      ok('ModelMetadata', { name: m, version: '' }, (r) => {
        const ins = (r.inputs as { name: string; datatype: string }[]) ?? [];
        const problems: string[] = [];
        if (r.name !== m) problems.push(`name is ${JSON.stringify(r.name)}`);
        if (!r.platform) problems.push('platform is empty');
        if (state.meta && JSON.stringify(ins.map((i) => [i.name, i.datatype])) !== JSON.stringify(state.meta.inputs.map((i) => [i.name, i.datatype]))) problems.push('inputs differ from the REST metadata');
        return problems.length ? fail(problems.join('; ')) : pass(`${ins.length} input(s), platform ${r.platform}`);
      }),
    );
    if (!state.example) {
      await ctx.skipped('grpc.infer', 'ModelInfer', 'grpcInfer', 'no example request (the REST metadata check failed or the model declares no inputs)');
      return;
    }
    const body: V2Request = { ...state.example, id: REQUEST_ID };
    for (const raw of [false, true]) {
      await ctx.check(raw ? 'grpc.infer.raw' : 'grpc.infer.contents', `ModelInfer with ${raw ? 'raw_input_contents' : 'typed contents'}`, 'grpcInfer', async () => {
        const req = grpcInferRequest(m, body, { raw });
        const { res, err } = await call('ModelInfer', req);
        if (err) return fail(`${grpc.status[err.code]}: ${err.details}`);
        const decoded = decodeGrpcResponse(res as GrpcInferResponse);
        const problems = [...outputProblems(decoded.outputs, state.meta?.outputs ?? []), ...(state.jsonOutputs ? sameOutputs(state.jsonOutputs, decoded.outputs) : [])];
        if ((res as GrpcInferResponse).id !== REQUEST_ID) problems.push(`id is ${JSON.stringify((res as GrpcInferResponse).id)}, the request's was "${REQUEST_ID}"`);
        return problems.length ? fail(problems.join('; ')) : pass(`outputs ${decoded.outputs.map((o) => o.name).join(', ')}${state.jsonOutputs ? ', equal to the REST answer' : ''}`);
      });
    }
    const expectCode = async (req: unknown, want: grpc.status): Promise<Verdict> => {
      const { err } = await call('ModelInfer', req);
      if (!err) return fail(`succeeded; the spec requires ${grpc.status[want]}`);
      return err.code === want ? pass(`${grpc.status[want]}: ${err.details}`) : fail(`${grpc.status[err.code]} (${err.details}); the spec requires ${grpc.status[want]}`);
    };
    await ctx.check('grpc.error.unknownModel', 'ModelInfer on an unknown model → NOT_FOUND', 'grpcErrors', () => expectCode(grpcInferRequest(`${m}-does-not-exist`, body), grpc.status.NOT_FOUND));
    const first = body.inputs[0]!;
    const bad: V2Request = { inputs: [{ ...first, shape: [...first.shape, 1] }, ...body.inputs.slice(1)] };
    await ctx.check('grpc.error.shape', 'ModelInfer with a shape of the wrong rank → INVALID_ARGUMENT', 'grpcErrors', () => expectCode(grpcInferRequest(m, bad), grpc.status.INVALID_ARGUMENT));
  } finally {
    client.close();
  }
}

function bytesAsLength(_k: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') return `<${((v as { data: unknown[] }).data ?? []).length} bytes>`;
  return v;
}
