/**
 * OIP gRPC `ModelInfer` messages as plain objects for @grpc/proto-loader (options keepCase, longs
 * String, defaults, oneofs): the request from a V2 body, the response back to tensors. Typed
 * `contents` are used where the proto has a field for the datatype; FP16 has none, so a request
 * with an FP16 input travels entirely in `raw_input_contents` (the protocol forbids mixing).
 */
import type { ResultTensor, TensorValue } from './predictTypes';
import type { V2Request } from './requestModel';
import { decodeTensorBytes, elementCount, encodeTensorBytes } from './tensorData';

/** The typed-contents field of each datatype (FP16 has none). */
export const CONTENTS_FIELD: Readonly<Record<string, string>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

/** One `InferParameter` (a oneof): booleans, integers, doubles and strings each have their field. */
export type GrpcParameter = { bool_param: boolean } | { int64_param: string } | { double_param: number } | { string_param: string };

export interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, GrpcParameter>;
  inputs: { name: string; datatype: string; shape: number[]; parameters: Record<string, GrpcParameter>; contents?: Record<string, unknown[]> }[];
  outputs: { name: string; parameters: Record<string, GrpcParameter> }[];
  raw_input_contents: Uint8Array[];
}

/**
 * The ModelInfer request for a V2 body: typed contents, or with `raw` (or any input without a typed
 * field) every input in `raw_input_contents`. BYTES elements are Uint8Arrays (grpcurl text turns
 * them into base64).
 */
export function grpcInferRequest(model: string, body: V2Request, opts: { raw?: boolean } = {}): GrpcInferRequest {
  const raw = opts.raw === true || body.inputs.some((t) => CONTENTS_FIELD[t.datatype] === undefined);
  return {
    model_name: model,
    model_version: '',
    id: body.id ?? '',
    parameters: grpcParameters(body.parameters),
    inputs: body.inputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      parameters: grpcParameters(t.parameters),
      ...(raw ? {} : { contents: { [CONTENTS_FIELD[t.datatype]!]: typedContents(t.datatype, t.data) } }),
    })),
    outputs: (body.outputs ?? []).map((o) => ({ name: o.name, parameters: grpcParameters(o.parameters) })),
    raw_input_contents: raw ? body.inputs.map((t) => encodeTensorBytes(t.datatype, t.data)) : [],
  };
}

function typedContents(datatype: string, data: readonly unknown[]): unknown[] {
  switch (datatype) {
    case 'BOOL':
      return data.map((v) => v === true);
    case 'INT64':
    case 'UINT64':
      // Decimal strings: exact over the whole 64-bit range (JSON numbers are not).
      return data.map((v) => String(v));
    case 'BYTES':
      return data.map((v) => new TextEncoder().encode(String(v)));
    default:
      return data.map((v) => (typeof v === 'string' ? Number(v) : v));
  }
}

/** Request parameters as InferParameters; the binary-extension keys mean nothing over gRPC and are dropped. */
export function grpcParameters(params: Record<string, unknown> | undefined): Record<string, GrpcParameter> {
  const out: Record<string, GrpcParameter> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (k === 'binary_data_output' || k === 'binary_data' || k === 'binary_data_size') continue;
    if (typeof v === 'boolean') out[k] = { bool_param: v };
    else if (typeof v === 'number' && Number.isInteger(v)) out[k] = { int64_param: String(v) };
    else if (typeof v === 'number') out[k] = { double_param: v };
    else if (typeof v === 'string') out[k] = { string_param: v };
  }
  return out;
}

/** A ModelInferResponse as proto-loader decodes it (longs as strings, bytes as Uint8Array). */
export interface GrpcInferResponse {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, Record<string, unknown>>;
  outputs?: { name: string; datatype: string; shape: (string | number)[]; contents?: Record<string, unknown[]> | null }[];
  raw_output_contents?: Uint8Array[];
}

/** Output tensors and server timing of a ModelInfer response; raw and typed contents both handled. */
export function decodeGrpcResponse(res: GrpcInferResponse): {
  outputs: ResultTensor[];
  modelName?: string;
  modelVersion?: string;
  id?: string;
  queueMs?: number;
  computeMs?: number;
  raw: string;
} {
  const rawParts = res.raw_output_contents ?? [];
  const outputs = (res.outputs ?? []).map((o, i): ResultTensor => {
    const shape = o.shape.map(Number);
    const count = elementCount(shape);
    if (rawParts.length > 0) {
      const bytes = rawParts[i];
      if (!bytes) throw new Error(`output "${o.name}": no raw_output_contents entry ${i}`);
      return { name: o.name, datatype: o.datatype, shape, data: decodeTensorBytes(o.datatype, bytes, count, `output "${o.name}"`) };
    }
    const field = CONTENTS_FIELD[o.datatype];
    const values = (field ? o.contents?.[field] : undefined) ?? [];
    return { name: o.name, datatype: o.datatype, shape, data: values.map((v) => fromTyped(o.datatype, v)) };
  });
  const param = (k: string): number | undefined => {
    const p = res.parameters?.[k];
    const v = p?.double_param ?? p?.int64_param;
    return v === undefined ? undefined : Number(v);
  };
  const queueMs = param('queue_ms');
  const computeMs = param('compute_ms');
  return {
    outputs,
    ...(res.model_name ? { modelName: res.model_name } : {}),
    ...(res.model_version ? { modelVersion: res.model_version } : {}),
    ...(res.id ? { id: res.id } : {}),
    ...(queueMs !== undefined ? { queueMs } : {}),
    ...(computeMs !== undefined ? { computeMs } : {}),
    raw: JSON.stringify(res, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v), 2),
  };
}

function fromTyped(datatype: string, v: unknown): TensorValue {
  if (datatype === 'BYTES') return v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
  if (typeof v === 'string') {
    // 64-bit integers arrive as decimal strings: numbers when exact, strings otherwise.
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v as TensorValue;
}
