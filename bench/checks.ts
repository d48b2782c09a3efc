/**
 * Untimed correctness checks: before its rows, every server answers one request per protocol and the
 * outputs must match the floor's; and one check that a metrics scrape resets the event-loop histogram.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { grpcInferMessage, OIP_PROTO, parsePrometheus, PROTO_LOADER_OPTIONS, type BenchModel, type EncodedRequests } from './common';
import { sleep } from './config';
import { metric } from './rows';
import type { Check } from './types';

export interface Expected {
  label: number[];
  probabilities: number[];
}

function closeTo(a: number[], b: number[], tol = 1e-4): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

function compare(what: string, expected: Expected, got: Record<string, number[]>): Check {
  const ok = closeTo(got.label ?? [], expected.label, 0) && closeTo(got.probabilities ?? [], expected.probabilities);
  return { what, ok, detail: ok ? 'outputs match the floor' : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(got).slice(0, 300)}` };
}

async function postOnce(port: number, urlPath: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; headers: Headers; raw: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, raw: Buffer.from(await res.arrayBuffer()) };
}

function decodeRaw(datatype: string, bytes: Buffer): number[] {
  const copy = new Uint8Array(bytes).buffer; // aligned copy
  if (datatype === 'INT64') return Array.from(new BigInt64Array(copy), Number);
  if (datatype === 'FP32') return Array.from(new Float32Array(copy));
  throw new Error(`unexpected datatype ${datatype}`);
}

export async function checkRestJson(port: number, model: BenchModel, req: EncodedRequests, expected: Expected, what: string): Promise<Check> {
  try {
    const r = await postOnce(port, `/v2/models/${model.name}/infer`, req.json, { 'Content-Type': 'application/json' });
    if (r.status !== 200) return { what, ok: false, detail: `HTTP ${r.status}: ${r.raw.toString().slice(0, 300)}` };
    const body = JSON.parse(r.raw.toString()) as { outputs: { name: string; data: number[] }[] };
    return compare(what, expected, Object.fromEntries(body.outputs.map((o) => [o.name, o.data.flat(Infinity) as number[]])));
  } catch (e) {
    return { what, ok: false, detail: (e as Error).message };
  }
}

export async function checkRestBinary(port: number, model: BenchModel, req: EncodedRequests, expected: Expected, what: string): Promise<Check> {
  try {
    const r = await postOnce(port, `/v2/models/${model.name}/infer`, req.binary, {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(req.binaryHeaderLength),
    });
    if (r.status !== 200) return { what, ok: false, detail: `HTTP ${r.status}: ${r.raw.toString().slice(0, 300)}` };
    const hl = Number(r.headers.get('inference-header-content-length'));
    if (!Number.isInteger(hl)) return { what, ok: false, detail: 'response has no Inference-Header-Content-Length (outputs not binary)' };
    const header = JSON.parse(r.raw.subarray(0, hl).toString()) as { outputs: { name: string; datatype: string; parameters?: { binary_data_size?: number } }[] };
    let off = hl;
    const got: Record<string, number[]> = {};
    for (const o of header.outputs) {
      const size = o.parameters?.binary_data_size;
      if (size === undefined) return { what, ok: false, detail: `output ${o.name} is not binary` };
      got[o.name] = decodeRaw(o.datatype, r.raw.subarray(off, off + size));
      off += size;
    }
    return compare(what, expected, got);
  } catch (e) {
    return { what, ok: false, detail: (e as Error).message };
  }
}

export interface GrpcDef {
  serialize: (msg: object) => Buffer;
  serializeResponse: (msg: object) => Buffer;
  Client: grpc.ServiceClientConstructor;
}

export function loadGrpcDef(): GrpcDef {
  const def = protoLoader.loadSync(OIP_PROTO, { ...PROTO_LOADER_OPTIONS });
  const svc = def['inference.GRPCInferenceService'] as unknown as Record<string, { requestSerialize: (m: object) => Buffer; responseSerialize: (m: object) => Buffer }>;
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  return { serialize: (m) => svc.ModelInfer!.requestSerialize(m), serializeResponse: (m) => svc.ModelInfer!.responseSerialize(m), Client: pkg.inference.GRPCInferenceService };
}

export async function checkGrpc(def: GrpcDef, port: number, model: BenchModel, expected: Expected, what: string): Promise<Check> {
  const client = new def.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
  try {
    const res = await new Promise<{ outputs: { name: string; datatype: string }[]; raw_output_contents: Buffer[] }>((resolve, reject) =>
      client.ModelInfer!(grpcInferMessage(model), { deadline: Date.now() + 10_000 }, (err: Error | null, r: never) => (err ? reject(err) : resolve(r))),
    );
    if (res.raw_output_contents.length !== res.outputs.length) return { what, ok: false, detail: 'outputs not in raw_output_contents' };
    return compare(what, expected, Object.fromEntries(res.outputs.map((o, i) => [o.name, decodeRaw(o.datatype, res.raw_output_contents[i]!)])));
  } catch (e) {
    return { what, ok: false, detail: (e as Error).message };
  } finally {
    client.close();
  }
}

export async function verifyEventLoopReset(port: number): Promise<string> {
  // Two scrapes back to back: if collect() resets the histogram, the second holds at most a sample
  // or two (min ≈ max, or prom-client's empty-histogram values).
  const get = async (): Promise<Record<string, number>> => parsePrometheus(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  await get();
  await sleep(300);
  const a = await get();
  const b = await get();
  const f = (m: Record<string, number>, k: string): number => (metric(m, `nodejs_eventloop_lag_${k}_seconds`) ?? NaN) * 1000;
  const describe = (m: Record<string, number>): string =>
    f(m, 'min') > 1e6 ? 'an empty histogram (prom-client reports min = 2^63 ns and p99 = max = 0)' : `min ${f(m, 'min').toFixed(2)} / p99 ${f(m, 'p99').toFixed(2)} / max ${f(m, 'max').toFixed(2)} ms`;
  const reset = f(b, 'min') > 1e6 || (f(b, 'min') === f(b, 'max') && f(b, 'max') <= f(a, 'max'));
  return (
    `Reset check (idle ModelDeck server): a scrape after 300 ms idle showed ${describe(a)}; a scrape right after it showed ${describe(b)}` +
    (reset
      ? ', so every scrape resets the histogram and the after-scrape covers only the window.'
      : ' — the reset was NOT confirmed; the after-scrape may include samples from before the window.')
  );
}
