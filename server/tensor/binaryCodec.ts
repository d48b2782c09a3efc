import { InferenceError, invalidArgument } from '../errors';
import type { Datatype, Tensor, TensorData } from './types';
import { DATATYPE_INFO, HOST_IS_LITTLE_ENDIAN, elementCount, formatShape } from './datatypes';
import { decodeJsonInput, describeValue, encodeJsonOutput, parseTensorHeader } from './jsonCodec';

/** Name of the HTTP header that carries the JSON header's byte length in the binary extension. */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'Inference-Header-Content-Length';

/** An output entry of an inference response, JSON or binary (binary ones carry `parameters.binary_data_size` and no `data`). */
export interface ResponseOutput {
  /** Output name. */
  name: string;
  /** OIP datatype. */
  datatype: Datatype;
  /** Concrete shape. */
  shape: number[];
  /** Flat values; absent for binary outputs. */
  data?: (number | boolean | string)[];
  /** `{ binary_data_size }` for binary outputs. */
  parameters?: Record<string, unknown>;
}

/** Encoded outputs of one response, ready to be placed in the response header. */
export interface EncodedOutputs {
  /** Output entries in the order given. */
  outputs: ResponseOutput[];
  /** Raw bytes of the binary outputs, in order; append after the JSON header. */
  binaryParts: Buffer[];
  /** Whether any output is binary: the response must then use encodeBinaryResponse. */
  binary: boolean;
}

function requireLittleEndian(): void {
  // The extension is little-endian and tensors are viewed in native order; see HOST_IS_LITTLE_ENDIAN.
  if (!HOST_IS_LITTLE_ENDIAN) throw new InferenceError('internal', 'binary tensor data needs a little-endian host');
}

/**
 * Splits a binary-extension request body into its JSON header and the binary data after it.
 * `headerLength` is the parsed Inference-Header-Content-Length value.
 */
export function splitBinaryBody(body: Buffer, headerLength: number): { header: unknown; binary: Buffer } {
  if (typeof headerLength !== 'number' || !Number.isInteger(headerLength) || headerLength < 0) {
    throw invalidArgument(
      `${INFERENCE_HEADER_CONTENT_LENGTH}: expected a non-negative integer, got ${describeValue(headerLength)}`,
    );
  }
  if (headerLength > body.length) {
    throw invalidArgument(
      `${INFERENCE_HEADER_CONTENT_LENGTH}: expected at most the body length ${body.length}, got ${headerLength}`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(body.toString('utf8', 0, headerLength));
  } catch (e) {
    throw invalidArgument(
      `${INFERENCE_HEADER_CONTENT_LENGTH}: expected the first ${headerLength} bytes to be a JSON header, got invalid JSON (${(e as Error).message})`,
    );
  }
  return { header, binary: body.subarray(headerLength) };
}

/**
 * Tensor data from raw little-endian bytes (the binary extension, or gRPC raw contents).
 * Fixed-size types are a view on `bytes` when it is aligned for the element type and a copy
 * otherwise (Buffer pool slices often start at odd offsets, and typed arrays need alignment).
 * Views alias `bytes`: callers must not reuse the buffer while the tensor lives.
 * BYTES are a sequence of 4-byte little-endian lengths each followed by that many bytes;
 * elements are views too.
 */
export function dataFromBytes(bytes: Uint8Array, datatype: Datatype, shape: readonly number[], label: string): TensorData {
  requireLittleEndian();
  const count = elementCount(shape);
  const info = DATATYPE_INFO[datatype];
  if (info.arrayType === null) return bytesElements(bytes, count, label);
  checkFixedSize(bytes.byteLength, datatype, shape, label);
  const Ctor = info.arrayType;
  let data: TensorData;
  if ((bytes.byteOffset & (info.byteSize - 1)) === 0) {
    data = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  } else {
    const copy = new Ctor(count);
    new Uint8Array(copy.buffer).set(bytes);
    data = copy;
  }
  if (datatype === 'BOOL') checkBool(data as Uint8Array, label);
  return data;
}

/** Byte size check for fixed-size datatypes (no-op for BYTES, whose size depends on the contents). */
function checkFixedSize(size: number, datatype: Datatype, shape: readonly number[], label: string): void {
  const byteSize = DATATYPE_INFO[datatype].byteSize;
  if (byteSize === 0) return;
  const expected = elementCount(shape) * byteSize;
  if (size !== expected) {
    throw invalidArgument(`${label}: binary_data_size ${size} but ${datatype} ${formatShape(shape)} needs ${expected} bytes`);
  }
}

/** onnxruntime reads a bool byte as-is; anything but 0/1 would be a value no client meant. */
function checkBool(data: Uint8Array, label: string): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i]! > 1) throw invalidArgument(`${label} element ${i}: expected 0 or 1 for BOOL, got ${data[i]}`);
  }
}

function bytesElements(bytes: Uint8Array, count: number, label: string): Uint8Array[] {
  // A length prefix per element bounds the count by the byte size: reject before allocating.
  if (count > bytes.byteLength / 4) {
    throw invalidArgument(
      `${label}: expected ${count} BYTES elements (at least ${count * 4} bytes), got binary_data_size ${bytes.byteLength}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = new Array(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.byteLength) {
      throw invalidArgument(
        `${label} element ${i}: expected a 4-byte length at byte ${pos}, got ${bytes.byteLength - pos} bytes left of binary_data_size ${bytes.byteLength}`,
      );
    }
    const len = view.getUint32(pos, true);
    pos += 4;
    if (pos + len > bytes.byteLength) {
      throw invalidArgument(
        `${label} element ${i}: expected ${len} bytes, got ${bytes.byteLength - pos} left of binary_data_size ${bytes.byteLength}`,
      );
    }
    out[i] = bytes.subarray(pos, pos + len);
    pos += len;
  }
  if (pos !== bytes.byteLength) {
    throw invalidArgument(
      `${label}: binary_data_size ${bytes.byteLength} but ${count} BYTES elements use ${pos} bytes`,
    );
  }
  return out;
}

/**
 * Decodes the `inputs` of a binary-extension request header. Inputs whose
 * `parameters.binary_data_size` is set take the next that many bytes of `binary`, in order;
 * the others are JSON. Every byte of `binary` must be used.
 */
export function decodeBinaryInputs(inputs: unknown, binary: Buffer): Tensor[] {
  if (!Array.isArray(inputs)) throw invalidArgument(`inputs: expected an array, got ${describeValue(inputs)}`);
  const tensors: Tensor[] = new Array(inputs.length);
  let offset = 0;
  for (let i = 0; i < inputs.length; i++) {
    const raw = inputs[i];
    const size = (raw as { parameters?: { binary_data_size?: unknown } } | null)?.parameters?.binary_data_size;
    if (size === undefined) {
      tensors[i] = decodeJsonInput(raw, i);
      continue;
    }
    const { name, datatype, shape, parameters, data, label } = parseTensorHeader(raw, i);
    if (data !== undefined) throw invalidArgument(`${label}: expected either data or parameters.binary_data_size, got both`);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw invalidArgument(`${label}: expected binary_data_size to be a non-negative integer, got ${describeValue(size)}`);
    }
    // Size against shape first: it names the real mistake when a wrong size also overruns the body.
    checkFixedSize(size, datatype, shape, label);
    if (offset + size > binary.length) {
      throw invalidArgument(
        `${label}: binary_data_size ${size} but only ${binary.length - offset} bytes of binary data remain`,
      );
    }
    const tensor: Tensor = {
      name,
      datatype,
      shape,
      data: dataFromBytes(binary.subarray(offset, offset + size), datatype, shape, label),
    };
    if (parameters !== undefined) tensor.parameters = parameters;
    tensors[i] = tensor;
    offset += size;
  }
  if (offset !== binary.length) {
    throw invalidArgument(
      `binary data: inputs' binary_data_size add up to ${offset} bytes, got ${binary.length} bytes after the JSON header`,
    );
  }
  return tensors;
}

/**
 * Raw little-endian bytes of a tensor for the binary extension. Fixed-size types are a view on
 * the tensor's memory (no copy); BYTES are length-prefixed into one new buffer.
 */
export function bytesOfTensor(t: Tensor): Buffer {
  requireLittleEndian();
  const data = t.data;
  if (!Array.isArray(data)) {
    const typed = data as Exclude<TensorData, Uint8Array[]>;
    return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
  }
  let total = 0;
  for (let i = 0; i < data.length; i++) total += 4 + data[i]!.byteLength;
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < data.length; i++) {
    const el = data[i]!;
    out.writeUInt32LE(el.byteLength, pos);
    out.set(el, pos + 4);
    pos += 4 + el.byteLength;
  }
  return out;
}

/**
 * A binary-extension response body: the JSON header followed by the binary parts.
 * Send `headerLength` as Inference-Header-Content-Length, with content-type application/octet-stream.
 */
export function encodeBinaryResponse(jsonHeader: object, binaryParts: Buffer[]): { body: Buffer; headerLength: number } {
  const header = Buffer.from(JSON.stringify(jsonHeader), 'utf8');
  let total = header.length;
  for (const p of binaryParts) total += p.length;
  return { body: Buffer.concat([header, ...binaryParts], total), headerLength: header.length };
}

/**
 * Whether an output goes back binary: a requested output's `parameters.binary_data` (true or false)
 * overrides the request's `parameters.binary_data_output`.
 */
export function wantsBinaryOutput(request: unknown, outputName: string): boolean {
  const r = request as { parameters?: { binary_data_output?: unknown }; outputs?: unknown } | null | undefined;
  const requested = r?.outputs;
  if (Array.isArray(requested)) {
    for (const o of requested) {
      const entry = o as { name?: unknown; parameters?: { binary_data?: unknown } } | null;
      if (entry?.name === outputName) {
        const b = entry.parameters?.binary_data;
        if (typeof b === 'boolean') return b;
        break;
      }
    }
  }
  return r?.parameters?.binary_data_output === true;
}

/**
 * Encodes output tensors for an inference response, choosing JSON or binary per output from the
 * request (see wantsBinaryOutput). Binary outputs carry `parameters.binary_data_size` and no `data`.
 */
export function encodeResponseOutputs(outputs: Tensor[], request: unknown): EncodedOutputs {
  const entries: ResponseOutput[] = new Array(outputs.length);
  const binaryParts: Buffer[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    if (wantsBinaryOutput(request, t.name)) {
      const bytes = bytesOfTensor(t);
      binaryParts.push(bytes);
      entries[i] = { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: bytes.length } };
    } else {
      entries[i] = encodeJsonOutput(t);
    }
  }
  return { outputs: entries, binaryParts, binary: binaryParts.length > 0 };
}
