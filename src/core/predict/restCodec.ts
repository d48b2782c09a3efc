/**
 * REST requests and responses of the predict panel, as data: OIP V2 with JSON tensors, V2 with the
 * binary tensor extension (header `Inference-Header-Content-Length`, each input's
 * `parameters.binary_data_size`, raw little-endian bytes after the JSON header) and KServe V1
 * `instances`. Sending them is inferenceClient.ts's job; building and decoding is here, testable.
 */
import type { ModelMetadataView, ResultTensor, TensorValue } from './predictTypes';
import { nestedShape, type V2Request } from './requestModel';
import { DATATYPES, decodeTensorBytes, elementCount, encodeTensorBytes, flattenData } from './tensorData';

/** The binary extension's header naming the JSON header's byte length. */
export const HEADER_LENGTH = 'Inference-Header-Content-Length';

/** One HTTP request, ready for fetch. */
export interface HttpRequestPlan {
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** What a REST response carried, decoded. */
export interface DecodedResponse {
  modelName?: string;
  modelVersion?: string;
  id?: string;
  /** `parameters.queue_ms` / `compute_ms`. */
  queueMs?: number;
  computeMs?: number;
  outputs: ResultTensor[];
  /** A V1 answer's `predictions`, as received. */
  predictions?: unknown[];
  /** The response as text for the "Raw" view. */
  raw: string;
}

export function inferUrl(baseUrl: string, model: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(model)}/infer`;
}

export function v1PredictUrl(baseUrl: string, model: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/models/${encodeURIComponent(model)}:predict`;
}

/**
 * The V2 body as sent over REST JSON (data flat; shape says the rest). JSON tensors carry integers
 * as numbers, so 64-bit values written as decimal strings become numbers here; the request check
 * refuses the ones a number cannot hold exactly ({@link jsonTransportProblems}).
 */
export function v2JsonBody(body: V2Request): Record<string, unknown> {
  return {
    ...(body.id !== undefined ? { id: body.id } : {}),
    ...(body.parameters ? { parameters: body.parameters } : {}),
    inputs: body.inputs.map((t) => ({
      name: t.name,
      shape: t.shape,
      datatype: t.datatype,
      data: DATATYPES[t.datatype]?.kind === 'int' ? t.data.map((v) => (typeof v === 'string' ? Number(v) : v)) : t.data,
      ...(t.parameters ? { parameters: t.parameters } : {}),
    })),
    ...(body.outputs ? { outputs: body.outputs } : {}),
  };
}

/** 64-bit integers beyond ±2^53 cannot travel as JSON numbers: REST binary and gRPC carry them exactly. */
export function jsonTransportProblems(body: V2Request): string[] {
  const problems: string[] = [];
  body.inputs.forEach((t, i) => {
    if (DATATYPES[t.datatype]?.kind !== 'int') return;
    const at = t.data.findIndex((v) => typeof v === 'string' && !Number.isSafeInteger(Number(v)));
    if (at >= 0) {
      problems.push(`inputs[${i}] "${t.name}": data[${at}] ${t.data[at]} is beyond what a JSON number holds exactly (±2^53); send it over REST binary or gRPC`);
    }
  });
  return problems;
}

export function restJsonRequest(baseUrl: string, model: string, body: V2Request): HttpRequestPlan {
  return { url: inferUrl(baseUrl, model), headers: { 'content-type': 'application/json' }, body: JSON.stringify(v2JsonBody(body)) };
}

/**
 * The binary-extension header and the bytes after it. By default outputs are asked for in binary
 * too (`binary_data_output`), so the panel exercises both directions of the extension; copied
 * commands ask for JSON outputs, which stay readable in a terminal.
 */
export function binaryParts(body: V2Request, opts: { binaryOutputs?: boolean } = {}): { header: Record<string, unknown>; parts: Uint8Array[] } {
  const parts = body.inputs.map((t) => encodeTensorBytes(t.datatype, t.data));
  const parameters = { ...body.parameters, ...(opts.binaryOutputs === false ? {} : { binary_data_output: true }) };
  const header = {
    ...(body.id !== undefined ? { id: body.id } : {}),
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    inputs: body.inputs.map((t, i) => ({ name: t.name, shape: t.shape, datatype: t.datatype, parameters: { ...t.parameters, binary_data_size: parts[i]!.length } })),
    ...(body.outputs ? { outputs: body.outputs } : {}),
  };
  return { header, parts };
}

export function restBinaryRequest(baseUrl: string, model: string, body: V2Request): HttpRequestPlan {
  const { header, parts } = binaryParts(body);
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(headerBytes.length + parts.reduce((n, p) => n + p.length, 0));
  out.set(headerBytes, 0);
  let at = headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { url: inferUrl(baseUrl, model), headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(headerBytes.length) }, body: out };
}

export function v1Request(baseUrl: string, model: string, instances: unknown[]): HttpRequestPlan {
  return { url: v1PredictUrl(baseUrl, model), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances }) };
}

/** The error text of a failed REST call: the server's `{"error"}` when it sent one. */
export function restErrorText(status: number, bodyText: string): string {
  try {
    const json = JSON.parse(bodyText) as { error?: unknown };
    if (typeof json.error === 'string') return json.error;
  } catch {
    // not JSON: fall through to the raw text
  }
  return bodyText.trim().slice(0, 500) || `HTTP ${status}`;
}

/**
 * Decodes a V2 infer response. With `headerLength` (the response's Inference-Header-Content-Length)
 * the body is a JSON header followed by the binary outputs in order, each `binary_data_size` long.
 */
export function decodeV2Response(body: Uint8Array, headerLength?: number): DecodedResponse {
  const split = headerLength === undefined ? body.length : headerLength;
  if (!Number.isInteger(split) || split < 0 || split > body.length) {
    throw new Error(`${HEADER_LENGTH} is ${headerLength} but the body has ${body.length} bytes`);
  }
  const headerText = new TextDecoder().decode(body.subarray(0, split));
  const header = JSON.parse(headerText) as {
    model_name?: string;
    model_version?: string;
    id?: string;
    parameters?: Record<string, unknown>;
    outputs?: { name: string; datatype: string; shape: number[]; data?: unknown; parameters?: Record<string, unknown> }[];
  };
  let at = split;
  const binaryNotes: string[] = [];
  const outputs = (header.outputs ?? []).map((o): ResultTensor => {
    const size = o.parameters?.binary_data_size;
    if (typeof size === 'number') {
      const bytes = body.subarray(at, at + size);
      at += size;
      binaryNotes.push(`${o.name}: ${size} bytes`);
      return { name: o.name, datatype: o.datatype, shape: o.shape, data: decodeTensorBytes(o.datatype, bytes, elementCount(o.shape), `output "${o.name}"`) };
    }
    return { name: o.name, datatype: o.datatype, shape: o.shape, data: flattenData(o.data ?? []) as TensorValue[] };
  });
  const raw = JSON.stringify(header, null, 2) + (binaryNotes.length ? `\n\n+ binary tensor data after the ${split}-byte JSON header (${binaryNotes.join(', ')})` : '');
  return {
    ...(header.model_name !== undefined ? { modelName: header.model_name } : {}),
    ...(header.model_version !== undefined ? { modelVersion: header.model_version } : {}),
    ...(header.id !== undefined ? { id: header.id } : {}),
    ...timingOf(header.parameters),
    outputs,
    raw,
  };
}

/**
 * A V1 `{"predictions": [...]}` answer as tensors: with several outputs each prediction is an
 * object keyed by output name (one tensor per name), otherwise the predictions are the one output.
 */
export function decodeV1Response(json: unknown, meta: ModelMetadataView): DecodedResponse {
  const predictions = (json as { predictions?: unknown }).predictions;
  if (!Array.isArray(predictions)) throw new Error('the V1 response has no "predictions" list');
  const raw = JSON.stringify(json, null, 2);
  const keyed = predictions.length > 0 && predictions.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p));
  const tensorOf = (name: string, rows: unknown[]): ResultTensor => {
    const spec = meta.outputs.find((o) => o.name === name);
    const rowShape = rows.length > 0 && Array.isArray(rows[0]) ? nestedShape(rows[0]) : [];
    return { name, datatype: spec?.datatype ?? guessDatatype(rows), shape: [rows.length, ...rowShape], data: flattenData(rows) as TensorValue[] };
  };
  if (keyed) {
    const names = Object.keys(predictions[0] as object);
    return { outputs: names.map((n) => tensorOf(n, predictions.map((p) => (p as Record<string, unknown>)[n]))), predictions, raw };
  }
  const name = meta.outputs.length === 1 ? meta.outputs[0]!.name : 'predictions';
  return { outputs: [tensorOf(name, predictions)], predictions, raw };
}

export function timingOf(parameters: Record<string, unknown> | undefined): { queueMs?: number; computeMs?: number } {
  const q = parameters?.queue_ms;
  const c = parameters?.compute_ms;
  return { ...(typeof q === 'number' ? { queueMs: q } : {}), ...(typeof c === 'number' ? { computeMs: c } : {}) };
}

function guessDatatype(rows: unknown[]): string {
  const first = flattenData(rows)[0];
  if (typeof first === 'boolean') return 'BOOL';
  if (typeof first === 'string') return 'BYTES';
  return flattenData(rows).every((v) => Number.isInteger(v)) ? 'INT64' : 'FP32';
}
