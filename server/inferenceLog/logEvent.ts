import type { InferenceLogRecord } from '../../src/core/inferenceLog/inferenceLogRecord';

/** Content types a record carries (and an HTTP sink sends as the CloudEvent's datacontenttype). */
export const JSON_CONTENT_TYPE = 'application/json';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';
export const GRPC_JSON_CONTENT_TYPE = 'application/grpc+json';

/** Everything of a record but its payload (which is kept as JSON text, spliced into `line`). */
export type RecordMeta = Omit<InferenceLogRecord, 'payload'>;

/**
 * One logged event, serialised once when it is logged: every sink and the live stream share it.
 * `line` is the InferenceLogRecord as one JSON line (no newline): the file sink's line, the Kafka
 * value, an entry of the live stream.
 */
export interface LoggedEvent {
  meta: RecordMeta;
  /** The record as JSON text. */
  line: string;
  /** CloudEvents body: the payload as received / answered (cut when truncated). */
  body: string | Buffer;
  /** Bytes this event holds in memory, roughly (queue and ring budgets). */
  bytes: number;
}

/** The payload as the front end has it: a raw REST body, or a decoded object (V1 answer, gRPC message). */
export type PayloadSource = { kind: 'json-text'; text: Buffer } | { kind: 'binary'; bytes: Buffer } | { kind: 'object'; value: unknown; grpc: boolean };

/**
 * Builds the event for a record. `maxBytes` caps the payload: a longer JSON payload becomes the
 * first `maxBytes` bytes of its text (a JSON string), a binary one its first `maxBytes` bytes in
 * base64; `truncatedFrom` says the original size.
 */
export function buildEvent(meta: RecordMeta, source: PayloadSource, maxBytes: number): LoggedEvent {
  let payloadJson: string;
  let body: string | Buffer;
  if (source.kind === 'binary') {
    let bytes = source.bytes;
    if (bytes.length > maxBytes) {
      meta.truncatedFrom = bytes.length;
      bytes = Buffer.from(bytes.subarray(0, maxBytes)); // a copy: the request's whole body is not kept alive
    }
    payloadJson = `{"base64":"${bytes.toString('base64')}"}`;
    body = bytes;
  } else {
    let text: string;
    let size: number;
    if (source.kind === 'json-text') {
      size = source.text.length;
      if (size > maxBytes) text = source.text.toString('utf8'); // cut below
      // A parsed body is valid JSON, so a raw CR or LF in it is whitespace between tokens: safe to
      // blank out, and the record stays one line.
      else text = noNewlines(source.text.toString('utf8'));
    } else {
      text = JSON.stringify(source.grpc ? protoJson(source.value) : source.value) ?? 'null';
      size = Buffer.byteLength(text);
    }
    if (size > maxBytes) {
      meta.truncatedFrom = size;
      const cut = cutUtf8(text, maxBytes);
      payloadJson = JSON.stringify(cut);
      body = cut;
    } else {
      payloadJson = text;
      body = text;
    }
  }
  const head = JSON.stringify(meta);
  const line = `${head.slice(0, -1)},"payload":${payloadJson}}`;
  return { meta, line, body, bytes: line.length + (typeof body === 'string' ? 0 : body.length) + 200 };
}

function noNewlines(text: string): string {
  return text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, ' ') : text;
}

/** The first `maxBytes` bytes of `text`, never ending inside a UTF-8 sequence. */
function cutUtf8(text: string, maxBytes: number): string {
  const cut = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8');
  return cut.endsWith('\uFFFD') ? cut.replace(/\uFFFD+$/, '') : cut;
}

/**
 * A decoded gRPC message in the JSON form of protobuf's mapping, near enough for a log: bytes in
 * base64, the one member of a oneof (proto-loader's `parameter_choice` names it), and default
 * values (empty strings, lists and maps, which proto-loader fills in) left out.
 */
export function protoJson(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(protoJson);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.parameter_choice === 'string') return { [o.parameter_choice]: protoJson(o[o.parameter_choice]) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    const j = protoJson(v);
    if (j !== null && typeof j === 'object' && !Array.isArray(j) && Object.keys(j).length === 0) continue;
    out[k] = j;
  }
  return out;
}
