import { invalidArgument } from '../errors';
import { DATATYPES } from './types';
import type { Datatype, Tensor, TensorData } from './types';
import { DATATYPE_INFO, HOST_IS_LITTLE_ENDIAN, elementCount, formatShape, isDatatype } from './datatypes';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';

/** A tensor's descriptive fields, validated; shared by the JSON and binary decoders. */
export interface TensorHeader {
  /** Tensor name. */
  name: string;
  /** OIP datatype. */
  datatype: Datatype;
  /** Concrete shape (non-negative integers). */
  shape: number[];
  /** Per-tensor parameters, when the request had any. */
  parameters: Record<string, unknown> | undefined;
  /** The raw `data` member, unvalidated (undefined when absent). */
  data: unknown;
  /** `input "x"`: prefix of every message about this tensor. */
  label: string;
}

/** An output as it appears in a JSON inference response. */
export interface JsonOutput {
  /** Output name. */
  name: string;
  /** OIP datatype. */
  datatype: Datatype;
  /** Concrete shape. */
  shape: number[];
  /** Flat row-major values: numbers, booleans (BOOL) or strings (BYTES). */
  data: (number | boolean | string)[];
}

const MAX_DESCRIBED = 60;

/** Short, JSON-like rendering of a value the client sent, for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > MAX_DESCRIBED ? `${s.slice(0, MAX_DESCRIBED - 3)}...` : s;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates name, datatype, shape and parameters of a request input (JSON object).
 * `index` names the input in messages until its name is known.
 */
export function parseTensorHeader(raw: unknown, index: number): TensorHeader {
  if (!isPlainObject(raw)) throw invalidArgument(`inputs[${index}]: expected an object, got ${describeValue(raw)}`);
  const { name, datatype, shape, parameters, data } = raw;
  if (typeof name !== 'string' || name === '') {
    throw invalidArgument(`inputs[${index}]: expected a non-empty string name, got ${describeValue(name)}`);
  }
  const label = `input "${name}"`;
  if (!isDatatype(datatype)) {
    throw invalidArgument(`${label}: expected datatype one of ${DATATYPES.join(', ')}; got ${describeValue(datatype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw invalidArgument(`${label}: expected shape to be an array of non-negative integers, got ${describeValue(shape)}`);
  }
  if (parameters !== undefined && !isPlainObject(parameters)) {
    throw invalidArgument(`${label}: expected parameters to be an object, got ${describeValue(parameters)}`);
  }
  return { name, datatype, shape: shape as number[], parameters, data, label };
}

function elementError(label: string, i: number, expected: string, datatype: Datatype, got: unknown): Error {
  return invalidArgument(`${label} element ${i}: expected ${expected} for ${datatype}, got ${describeValue(got)}`);
}

/**
 * JSON values in consecutive runs that together are the tensor's flat row-major contents:
 * one run for flat data, one per innermost array for nested data (so nested data is converted
 * straight into the typed array, with no flattened copy).
 */
export type JsonRuns = readonly ArrayLike<unknown>[];

/**
 * Numbers checked by jsonRunsToData into a new typed array of class `Ctor`. Checking and storing
 * are split because one loop storing into eight array classes would make the element store
 * megamorphic (several times slower): a single run is copied by the native TypedArray#set; many
 * short runs (nested data) were staged by the checking loop into a Float64Array (a monomorphic
 * store) and are converted natively. Values are range-checked, so conversions are exact
 * (FP32 rounds as it must).
 */
function finishNumbers<T extends Int32ArrayConstructor | Float64ArrayConstructor>(
  runs: JsonRuns,
  staged: Float64Array | null,
  count: number,
  Ctor: T,
): InstanceType<T> {
  if (staged !== null && Ctor === Float64Array) return staged as InstanceType<T>;
  const out = new Ctor(count);
  out.set(staged ?? (runs[0] as ArrayLike<number>));
  return out as InstanceType<T>;
}

/**
 * Converts JSON values to in-memory tensor data, checking every element's type and range; errors
 * name the flat row-major element index. `count` must equal the total length of `runs`.
 * One typed array is allocated; no per-element allocation except BYTES (one buffer per string).
 * INT64/UINT64 accept any integer double in range; integers beyond 2^53 were already rounded by
 * JSON.parse, so clients that need exact 64-bit values must use the binary extension.
 */
export function jsonRunsToData(runs: JsonRuns, count: number, datatype: Datatype, label: string): TensorData {
  const info = DATATYPE_INFO[datatype];
  let k = 0; // flat index across runs
  switch (info.kind) {
    case 'bool': {
      const out = new Uint8Array(count);
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        for (let j = 0; j < run.length; j++, k++) {
          const v = run[j];
          if (v === true) out[k] = 1;
          else if (v !== false) throw elementError(label, k, 'true or false', datatype, v);
        }
      }
      return out;
    }
    case 'int': {
      const { min, maxExclusive, label: rangeLabel } = info.range!;
      const staged = runs.length === 1 ? null : new Float64Array(count);
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        for (let j = 0; j < run.length; j++, k++) {
          const v = run[j];
          if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v >= maxExclusive) {
            throw elementError(label, k, `an integer in ${rangeLabel}`, datatype, v);
          }
          if (staged !== null) staged[k] = v;
        }
      }
      return finishNumbers(runs, staged, count, info.arrayType as Int32ArrayConstructor);
    }
    case 'int64': {
      // Written as two 32-bit halves: BigInt(v) per element would allocate a bigint each time.
      const words = new Uint32Array(count * 2);
      const { min, maxExclusive, label: rangeLabel } = info.range!;
      const lo = HOST_IS_LITTLE_ENDIAN ? 0 : 1;
      const hi = 1 - lo;
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        for (let j = 0; j < run.length; j++, k++) {
          const v = run[j];
          if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v >= maxExclusive) {
            throw elementError(label, k, `an integer in ${rangeLabel}`, datatype, v);
          }
          if ((v | 0) === v) {
            // Common case, int32-sized: sign-extend with integer ops only.
            words[2 * k + lo] = v;
            words[2 * k + hi] = v >> 31;
          } else {
            // ToUint32 is exact modulo 2^32 for any integer double; v / 2^32 is exact (power of
            // two), and the Uint32Array store wraps a negative high word into two's complement.
            words[2 * k + lo] = v >>> 0;
            words[2 * k + hi] = Math.floor(v / 4294967296);
          }
        }
      }
      return datatype === 'INT64' ? new BigInt64Array(words.buffer) : new BigUint64Array(words.buffer);
    }
    case 'fp16': {
      const out = new Uint16Array(count);
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        for (let j = 0; j < run.length; j++, k++) {
          const v = run[j];
          if (typeof v !== 'number') throw elementError(label, k, 'a number', datatype, v);
          out[k] = float32ToFloat16Bits(v);
        }
      }
      return out;
    }
    case 'float': {
      const staged = runs.length === 1 ? null : new Float64Array(count);
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        for (let j = 0; j < run.length; j++, k++) {
          const v = run[j];
          if (typeof v !== 'number') throw elementError(label, k, 'a number', datatype, v);
          if (staged !== null) staged[k] = v;
        }
      }
      return finishNumbers(runs, staged, count, info.arrayType as Float64ArrayConstructor);
    }
    case 'bytes': {
      const out: Uint8Array[] = new Array(count);
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        for (let j = 0; j < run.length; j++, k++) {
          const v = run[j];
          if (typeof v !== 'string') throw elementError(label, k, 'a string', datatype, v);
          // Buffer.from packs short strings into the shared pool: cheaper than TextEncoder's own buffer each.
          out[k] = Buffer.from(v, 'utf8');
        }
      }
      return out;
    }
  }
}

/** jsonRunsToData for one flat array of values. */
export function jsonValuesToData(values: ArrayLike<unknown>, datatype: Datatype, label: string): TensorData {
  return jsonRunsToData([values], values.length, datatype, label);
}

function formatPath(root: string, path: number[], depth: number): string {
  let s = root;
  for (let d = 0; d < depth; d++) s += `[${path[d]}]`;
  return s;
}

/**
 * Innermost arrays of row-major nested data that must match `shape` exactly: every level's
 * length equals its dimension. Together they hold exactly product(shape) values, so callers may
 * allocate from `shape` afterwards (never before: a small body could claim a huge shape).
 * Values nested deeper than the shape are left to the element check.
 * `root` names the data in messages (`data[1] has 3 elements, expected 4`).
 */
export function nestedRuns(data: unknown, shape: readonly number[], label: string, root = 'data'): unknown[][] {
  const rank = shape.length;
  const path: number[] = new Array(rank).fill(0);
  const mismatch = (depth: number, what: string): Error =>
    invalidArgument(`${label}: nested data does not match shape ${formatShape(shape)}: ${formatPath(root, path, depth)} ${what}`);
  if (rank === 0) throw mismatch(0, `is ${describeValue(data)}, expected a single element`);
  const runs: unknown[][] = [];
  const walk = (value: unknown, depth: number): void => {
    const dim = shape[depth]!;
    if (!Array.isArray(value)) throw mismatch(depth, `is ${describeValue(value)}, expected an array of ${dim} elements`);
    if (value.length !== dim) throw mismatch(depth, `has ${value.length} elements, expected ${dim}`);
    if (depth === rank - 1) {
      runs.push(value);
      return;
    }
    if (depth === rank - 2) {
      // Rows of the innermost level checked inline: one call per row would dominate for short rows.
      const inner = shape[depth + 1]!;
      for (let i = 0; i < dim; i++) {
        const row = value[i];
        if (!Array.isArray(row) || row.length !== inner) {
          path[depth] = i;
          walk(row, depth + 1); // throws the precise message
        }
        runs.push(row);
      }
      return;
    }
    for (let i = 0; i < dim; i++) {
      path[depth] = i;
      walk(value[i], depth + 1);
    }
  };
  walk(data, 0);
  return runs;
}

/**
 * Runs of a JSON `data` member for `shape`: a flat array is one run, nested arrays must match the
 * shape exactly; a scalar (`[]`) also accepts a bare value. Checks the element count.
 */
export function jsonDataRuns(data: unknown, shape: readonly number[], label: string): JsonRuns {
  if (!Array.isArray(data)) {
    if (shape.length === 0 && data !== undefined) return [[data]];
    throw invalidArgument(`${label}: expected data to be an array for shape ${formatShape(shape)}, got ${describeValue(data)}`);
  }
  // Nested iff the first element is an array; a flat array with a stray array inside fails the element check.
  if (data.length > 0 && Array.isArray(data[0])) return nestedRuns(data, shape, label);
  const count = elementCount(shape);
  if (data.length !== count) {
    throw invalidArgument(`${label}: shape ${formatShape(shape)} needs ${count} elements, got ${data.length}`);
  }
  return [data];
}

/**
 * Decodes one entry of a JSON inference request's `inputs`. `index` is its position, used in
 * messages until the name is known. Throws invalid-argument naming the input and saying expected vs got.
 */
export function decodeJsonInput(raw: unknown, index: number): Tensor {
  const header = parseTensorHeader(raw, index);
  const { name, datatype, shape, parameters, data, label } = header;
  if (parameters?.['binary_data_size'] !== undefined) {
    if (data !== undefined) throw invalidArgument(`${label}: expected either data or parameters.binary_data_size, got both`);
    throw invalidArgument(
      `${label}: parameters.binary_data_size is set but the request has no binary data (expected an Inference-Header-Content-Length header)`,
    );
  }
  if (data === undefined) throw invalidArgument(`${label}: expected data, got nothing`);
  const runs = jsonDataRuns(data, shape, label);
  const tensor: Tensor = { name, datatype, shape, data: jsonRunsToData(runs, elementCount(shape), datatype, label) };
  if (parameters !== undefined) tensor.parameters = parameters;
  return tensor;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Flat JSON values of a tensor: numbers, booleans for BOOL, UTF-8 strings for BYTES.
 * INT64/UINT64 become Numbers: exact up to 2^53, rounded to the nearest double beyond (JSON
 * clients parse numbers as doubles anyway; exact values need the binary extension).
 * Non-finite floats stay NaN/±Infinity here; JSON.stringify writes them as null.
 * BYTES that are not valid UTF-8 cannot be a JSON string without corruption, so they are an
 * invalid-argument error that points the client to binary output.
 */
export function tensorDataToJson(t: Tensor): (number | boolean | string)[] {
  const { datatype, data } = t;
  const info = DATATYPE_INFO[datatype];
  const n = data.length;
  switch (info.kind) {
    case 'bool': {
      const src = data as Uint8Array;
      const out: boolean[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i] !== 0;
      return out;
    }
    case 'int':
    case 'float': {
      // Widen natively first so that the copy loop reads one array class (a load shared by
      // eight classes would be megamorphic and several times slower).
      const src = data instanceof Float64Array ? data : new Float64Array(data as Float32Array);
      const out: number[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]!;
      return out;
    }
    case 'int64': {
      // Read as 32-bit halves: hi * 2^32 + lo rounds once, like Number(bigint), without a bigint per element.
      const src = data as BigInt64Array;
      const words = new Uint32Array(src.buffer, src.byteOffset, n * 2);
      const lo = HOST_IS_LITTLE_ENDIAN ? 0 : 1;
      const hi = 1 - lo;
      const signed = datatype === 'INT64';
      const out: number[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const h = words[2 * i + hi]!;
        out[i] = (signed ? h | 0 : h) * 4294967296 + words[2 * i + lo]!;
      }
      return out;
    }
    case 'fp16': {
      const src = data as Uint16Array;
      const out: number[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(src[i]!);
      return out;
    }
    case 'bytes': {
      const src = data as Uint8Array[];
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        try {
          out[i] = utf8.decode(src[i]);
        } catch {
          throw invalidArgument(
            `output "${t.name}" element ${i}: expected UTF-8 bytes to send as a JSON string, got invalid UTF-8; request binary_data output`,
          );
        }
      }
      return out;
    }
  }
}

/** JSON form of an output tensor for an inference response (flat `data`). */
export function encodeJsonOutput(t: Tensor): JsonOutput {
  return { name: t.name, datatype: t.datatype, shape: t.shape, data: tensorDataToJson(t) };
}
