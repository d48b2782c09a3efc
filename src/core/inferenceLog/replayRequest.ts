/**
 * A logged request as the JSON body the predict panel sends: a V2 or V1 JSON payload as it was
 * received; a REST binary-extension payload (`{"base64"}` + `binaryHeaderLength`) and a gRPC
 * ModelInferRequest (protobuf's JSON form, snake_case as proto-loader keeps it, bytes in base64)
 * turned into the equivalent V2 JSON request. Pure (atob and TextDecoder, no Node imports).
 */
import type { InferenceLogRecord } from './inferenceLogRecord';
import { decodeTensorBytes, elementCount } from '../predict/tensorData';

export type ReplayText = { ok: true; text: string; note?: string } | { ok: false; reason: string };

/** The request body to put in the predict panel for a logged request record. */
export function replayText(record: InferenceLogRecord): ReplayText {
  if (record.messageType !== 'request') return { ok: false, reason: 'only a request can be replayed' };
  if (record.truncatedFrom !== undefined) {
    return { ok: false, reason: `the logged payload was cut (it had ${record.truncatedFrom} bytes): it cannot be sent again` };
  }
  try {
    switch (record.protocol) {
      case 'v2-rest-binary':
        return { ok: true, text: pretty(binaryToJson(record)), note: 'the binary request, as its V2 JSON form' };
      case 'grpc':
        return { ok: true, text: pretty(grpcToJson(record.payload)), note: 'the gRPC request, as its V2 JSON form' };
      case 'openai':
        // The predict panel's request editor speaks V2/V1; an OpenAI request belongs to the Chat tab.
        return { ok: false, reason: 'an OpenAI request (/openai/v1): ask it again in the predict panel\'s Chat tab, or send it with curl' };
      default:
        if (record.payload === null || typeof record.payload !== 'object' || Array.isArray(record.payload)) {
          return { ok: false, reason: 'the logged payload is not a JSON object' };
        }
        return { ok: true, text: pretty(record.payload) };
    }
  } catch (err) {
    return { ok: false, reason: `the logged request cannot be turned into JSON: ${(err as Error).message}` };
  }
}

/**
 * JSON indented by two, with short lists of plain values on one line (`"shape": [1, 4]`), as
 * request files and the predict panel's examples are written.
 */
export function pretty(v: unknown, indent = ''): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => x === null || typeof x !== 'object')) {
      const flat = `[${v.map((x) => JSON.stringify(x) ?? 'null').join(', ')}]`;
      if (flat.length + indent.length <= 100) return flat;
    }
    const inner = `${indent}  `;
    return `[\n${v.map((x) => `${inner}${pretty(x, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The bytes of a `{"base64": "..."}` payload. */
export function payloadBytes(payload: unknown): Uint8Array | undefined {
  const b64 = (payload as { base64?: unknown } | null)?.base64;
  return typeof b64 === 'string' ? fromBase64(b64) : undefined;
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

type Json = Record<string, unknown>;

function binaryToJson(record: InferenceLogRecord): Json {
  const bytes = payloadBytes(record.payload);
  if (!bytes) throw new Error('no base64 payload');
  const headerLength = record.binaryHeaderLength ?? bytes.length;
  if (headerLength > bytes.length) throw new Error(`the JSON header (${headerLength} bytes) is longer than the payload (${bytes.length})`);
  const header = JSON.parse(utf8(bytes.subarray(0, headerLength))) as Json;
  let at = headerLength;
  const inputs = ((header.inputs as Json[] | undefined) ?? []).map((input, i) => {
    const params = { ...((input.parameters as Json | undefined) ?? {}) };
    const size = params.binary_data_size;
    if (size === undefined) return input; // this input was JSON already
    delete params.binary_data_size;
    const n = Number(size);
    if (!Number.isInteger(n) || n < 0 || at + n > bytes.length) throw new Error(`input ${String(input.name ?? i)}: binary_data_size ${String(size)} runs past the payload`);
    const shape = (input.shape as number[] | undefined) ?? [];
    const data = decodeTensorBytes(String(input.datatype), bytes.subarray(at, at + n), elementCount(shape), `input ${String(input.name ?? i)}`);
    at += n;
    const { parameters: _drop, ...rest } = input;
    return { ...rest, ...(Object.keys(params).length ? { parameters: params } : {}), data };
  });
  // Outputs asked for as binary come back as JSON in the replay (the panel's REST JSON transport).
  const outputs = (header.outputs as Json[] | undefined)?.map((o) => {
    const params = { ...((o.parameters as Json | undefined) ?? {}) };
    delete params.binary_data;
    const { parameters: _drop, ...rest } = o;
    return Object.keys(params).length ? { ...rest, parameters: params } : rest;
  });
  const params = { ...((header.parameters as Json | undefined) ?? {}) };
  delete params.binary_data_output;
  const { parameters: _p, inputs: _i, outputs: _o, ...top } = header;
  return { ...top, ...(Object.keys(params).length ? { parameters: params } : {}), inputs, ...(outputs ? { outputs } : {}) };
}

/** proto3 JSON keeps snake_case with proto-loader's keepCase; the canonical mapping is lowerCamelCase: read both. */
function field(o: Json, snake: string): unknown {
  if (snake in o) return o[snake];
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return o[camel];
}

/** InferParameter `{ "int64_param": "3" }` → 3 (the one member of its oneof). */
function paramValue(p: unknown): unknown {
  if (p === null || typeof p !== 'object') return p;
  const [k, v] = Object.entries(p as Json)[0] ?? [];
  if (k === undefined) return undefined;
  return /int64|uint64/i.test(k) && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

function paramsOf(raw: unknown): Json | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(raw as Json)) out[k] = paramValue(v);
  return Object.keys(out).length ? out : undefined;
}

function grpcToJson(payload: unknown): Json {
  if (!payload || typeof payload !== 'object') throw new Error('not a ModelInferRequest');
  const req = payload as Json;
  const raw = ((field(req, 'raw_input_contents') as string[] | undefined) ?? []).map((b) => fromBase64(b));
  const inputs = ((field(req, 'inputs') as Json[] | undefined) ?? []).map((input, i) => {
    const name = String(input.name ?? `input_${i}`);
    const datatype = String(input.datatype);
    const shape = ((input.shape as unknown[] | undefined) ?? []).map(Number);
    const count = elementCount(shape);
    let data: unknown[];
    if (raw.length > 0) {
      const bytes = raw[i];
      if (!bytes) throw new Error(`input ${name}: no raw_input_contents[${i}]`);
      data = decodeTensorBytes(datatype, bytes, count, `input ${name}`);
    } else {
      const contents = (field(input, 'contents') as Json | undefined) ?? {};
      const values = Object.values(contents).find(Array.isArray) as unknown[] | undefined;
      data = (values ?? []).map((v) => (datatype === 'BYTES' ? utf8(fromBase64(String(v))) : typeof v === 'string' && datatype !== 'BYTES' ? Number(v) : v));
    }
    const parameters = paramsOf(input.parameters);
    return { name, datatype, shape, ...(parameters ? { parameters } : {}), data };
  });
  const outputs = (field(req, 'outputs') as Json[] | undefined)?.map((o) => {
    const parameters = paramsOf(o.parameters);
    return { name: String(o.name), ...(parameters ? { parameters } : {}) };
  });
  const id = req.id;
  const parameters = paramsOf(req.parameters);
  return { ...(typeof id === 'string' && id ? { id } : {}), ...(parameters ? { parameters } : {}), inputs, ...(outputs?.length ? { outputs } : {}) };
}
