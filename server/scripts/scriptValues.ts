/**
 * Conversions around a script call, shared by the Python and the JS host (pure: no I/O).
 *
 * Into a script: the request's tensors become {@link ScriptTensor}s (one input: the tensor itself;
 * several: an object by input name). Out of a script: whatever `predict` returned (a tensor, nested
 * arrays, an object of arrays, rows of objects) becomes output tensors with inferred datatypes for V2,
 * or a JSON-ready list with one prediction per row for V1.
 *
 * Errors about what a script returned are `internal` (the client's request was fine); errors about
 * what a request holds that a script cannot receive are `invalid-argument`.
 */
import { InferenceError, invalidArgument } from '../errors';
import { DATATYPE_INFO, elementCount, formatShape, isDatatype } from '../tensor/datatypes';
import { float16BitsToFloat32 } from '../tensor/float16';
import { jsonValuesToData } from '../tensor/jsonCodec';
import type { Datatype, Tensor, TensorData } from '../tensor/types';
import type { ScriptTensor, ScriptValue } from './scriptProtocol';

/** Name of the output made from a bare tensor or array (KServe's name for custom-model V2 outputs). */
export const SCRIPT_OUTPUT_NAME = 'output-0';

/** How 64-bit integers (INT64/UINT64) become JS values when a tensor is turned into nested arrays. */
export type Int64Mode =
  /** Numbers when every value of the tensor is a safe integer (|v| ≤ 2^53 − 1), else BigInts for the whole tensor. */
  | 'auto'
  /** Always numbers (nearest double beyond 2^53), for JSON. */
  | 'number';

/** A JS value made of nested arrays (or a scalar for shape []); leaves are number, bigint, boolean or string. */
export type NestedValue = number | bigint | boolean | string | NestedValue[];

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a value is a {@link ScriptTensor} (checked by its marker: prototypes do not survive the crossing). */
export function isScriptTensor(value: unknown): value is ScriptTensor {
  return isObject(value) && value['__tensor__'] === true;
}

// ---------------------------------------------------------------- into a script

/**
 * A request tensor as a script receives it. Numeric data is shared, not copied (structured clone
 * copies it unless the caller transfers the buffer); BYTES elements are decoded as UTF-8 strings.
 */
export function tensorToScriptTensor(t: Tensor): ScriptTensor {
  if (t.datatype !== 'BYTES') {
    return { __tensor__: true, datatype: t.datatype, shape: [...t.shape], data: t.data as Exclude<TensorData, Uint8Array[]> };
  }
  const src = t.data as Uint8Array[];
  const strings: string[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) {
    try {
      strings[i] = utf8Strict.decode(src[i]);
    } catch {
      throw invalidArgument(`input "${t.name}" element ${i}: expected UTF-8 text (scripts receive BYTES elements as strings), got invalid UTF-8`);
    }
  }
  return { __tensor__: true, datatype: 'BYTES', shape: [...t.shape], data: strings };
}

/** The argument a script's `predict` gets for V2 inputs: one input → its tensor; several → `{ [input name]: tensor }`. */
export function tensorsToScriptArg(inputs: Tensor[]): ScriptValue {
  if (inputs.length === 1) return tensorToScriptTensor(inputs[0]!);
  const byName: { [name: string]: ScriptValue } = {};
  for (const t of inputs) byName[t.name] = tensorToScriptTensor(t);
  return byName;
}

// ---------------------------------------------------------------- tensors ↔ nested arrays

/** Flat JS values of a script tensor (FP16 as numbers, BOOL as booleans, 64-bit per `int64`). */
function flatValues(t: ScriptTensor, int64: Int64Mode): (number | bigint | boolean | string)[] {
  const { datatype, data } = t;
  if (datatype === 'BYTES') return Array.from(data as ArrayLike<string>, String);
  if (datatype === 'BOOL') return Array.from(data as ArrayLike<number>, (v) => Boolean(v));
  if (datatype === 'FP16') return Array.from(data as Uint16Array, float16BitsToFloat32);
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const big = data as ArrayLike<bigint | number>;
    const asNumbers = Array.from(big, Number);
    if (int64 === 'number' || asNumbers.every(Number.isSafeInteger)) return asNumbers;
    return Array.from(big, (v) => BigInt(v));
  }
  return Array.from(data as ArrayLike<number>);
}

function nest(flat: readonly unknown[], shape: readonly number[], strides: readonly number[], dim: number, offset: number): unknown {
  if (dim === shape.length) return flat[offset];
  if (dim === shape.length - 1) return flat.slice(offset, offset + shape[dim]!);
  const out: unknown[] = new Array(shape[dim]!);
  for (let i = 0; i < out.length; i++) out[i] = nest(flat, shape, strides, dim + 1, offset + i * strides[dim]!);
  return out;
}

/**
 * A script tensor as nested arrays, batch dimension first (a scalar for shape []). 64-bit integers
 * follow `int64` ('auto': numbers when all are safe integers, else BigInts for the whole tensor, so a
 * tensor never mixes the two).
 */
export function scriptTensorToNested(t: ScriptTensor, int64: Int64Mode = 'auto'): NestedValue {
  const flat = flatValues(t, int64);
  const strides: number[] = new Array(t.shape.length);
  let stride = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= t.shape[d]!;
  }
  return nest(flat, t.shape, strides, 0, 0) as NestedValue;
}

/** A value with every tensor inside it replaced by nested arrays (see {@link scriptTensorToNested}). */
export function nestTensors(value: ScriptValue, int64: Int64Mode = 'auto'): unknown {
  if (isScriptTensor(value)) return scriptTensorToNested(value, int64);
  if (Array.isArray(value)) return value.map((v) => nestTensors(v, int64));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = nestTensors(v as ScriptValue, int64);
    return out;
  }
  return value;
}

/** JSON-ready form of a script value: tensors become nested arrays of numbers (64-bit integers as numbers). */
export function scriptValueToJson(value: ScriptValue): unknown {
  return nestTensors(value, 'number');
}

/** Short rendering of a returned value for messages: "a FP32 tensor of shape [2,3]", "an object with keys a, b". */
export function describeScriptValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (isScriptTensor(value)) return `a ${value.datatype} tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `a number (${String(value)})`;
  if (typeof value === 'boolean') return `a boolean (${value})`;
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    return `an object with key${keys.length > 1 ? 's' : ''} ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}`;
  }
  return `a ${typeof value}`;
}

const returnedError = (message: string): InferenceError => new InferenceError('internal', message);

type Leaf = number | bigint | boolean | string;
type LeafKind = 'number' | 'boolean' | 'string';

function formatIndex(path: readonly number[]): string {
  return path.map((i) => `[${i}]`).join('');
}

function kindOf(v: unknown): LeafKind | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return undefined;
}

const INT64_LIMIT = 2 ** 63;

/**
 * A script tensor from nested arrays of numbers (FP64 when any is not an integer or lies outside
 * the INT64 range, else INT64), booleans (BOOL) or strings (BYTES). The arrays must be rectangular;
 * tensors inside are turned into nested arrays first. `what` names the value in messages
 * ("predict returned"). Throws `internal` naming the ragged or odd position.
 */
export function nestedToScriptTensor(value: unknown, what = 'the value'): ScriptTensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
    if (isScriptTensor(probe)) probe = scriptTensorToNested(probe);
  }
  const leaves: Leaf[] = [];
  let firstKind: { kind: LeafKind; at: string } | undefined;
  let allIntegers = true;
  const path: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (isScriptTensor(v)) v = scriptTensorToNested(v);
    if (depth < shape.length) {
      if (!Array.isArray(v) || v.length !== shape[depth]) {
        const got = Array.isArray(v) ? `has ${v.length} element${v.length === 1 ? '' : 's'}` : `is ${describeScriptValue(v)}`;
        throw returnedError(
          `${what} ragged nested arrays: ${formatIndex(path)} ${got} where ${formatIndex(path.map(() => 0))} has ${shape[depth]} ` +
            `(every row must have the same shape)`,
        );
      }
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i], depth + 1);
        path.pop();
      }
      return;
    }
    const kind = kindOf(v);
    if (Array.isArray(v)) {
      throw returnedError(
        `${what} ragged nested arrays: ${formatIndex(path)} is an array of ${v.length} where ${formatIndex(path.map(() => 0))} is a single value ` +
          `(every row must have the same shape)`,
      );
    }
    if (kind === undefined) {
      throw returnedError(`${what} ${describeScriptValue(v)} at ${formatIndex(path)}; expected numbers, booleans or strings in the nested arrays`);
    }
    const at = formatIndex(path);
    if (!firstKind) firstKind = { kind, at };
    else if (firstKind.kind !== kind) {
      throw returnedError(`${what} mixed values: a ${firstKind.kind} at ${firstKind.at} and a ${kind} at ${at}; expected all numbers, all booleans or all strings`);
    }
    if (kind === 'number') {
      const n = v as number | bigint;
      if (typeof n === 'number' && !(Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT)) allIntegers = false;
    }
    leaves.push(v as Leaf);
  };
  if (shape.length === 0) throw returnedError(`${what} ${describeScriptValue(value)}, expected an array`);
  walk(value, 0);
  const kind = firstKind?.kind ?? 'number';
  if (kind === 'boolean') return { __tensor__: true, datatype: 'BOOL', shape, data: Uint8Array.from(leaves, (b) => (b ? 1 : 0)) };
  if (kind === 'string') return { __tensor__: true, datatype: 'BYTES', shape, data: leaves as string[] };
  if (allIntegers && leaves.length > 0) {
    const data = new BigInt64Array(leaves.length);
    for (let i = 0; i < leaves.length; i++) {
      const n = leaves[i]!;
      data[i] = typeof n === 'bigint' ? BigInt.asIntN(64, n) : BigInt(n as number);
    }
    return { __tensor__: true, datatype: 'INT64', shape, data };
  }
  return { __tensor__: true, datatype: 'FP64', shape, data: Float64Array.from(leaves, (n) => Number(n)) };
}

// ---------------------------------------------------------------- out of a script (V2)

/** A script tensor as a server tensor named `name`; checks datatype, shape and element count. */
export function scriptTensorToTensor(t: ScriptTensor, name: string, what = 'the script returned'): Tensor {
  const label = `${what} tensor "${name}"`;
  if (!isDatatype(t.datatype)) throw returnedError(`${label}: unknown datatype ${JSON.stringify(t.datatype)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw returnedError(`${label}: shape must be a list of non-negative integers, got ${JSON.stringify(t.shape)}`);
  }
  const count = elementCount(t.shape);
  const length = (t.data as ArrayLike<unknown> | undefined)?.length;
  if (length !== count) throw returnedError(`${label}: shape ${formatShape(t.shape)} needs ${count} elements, got ${length ?? 'no data'}`);
  const shape = [...t.shape];
  const info = DATATYPE_INFO[t.datatype];
  if (t.datatype === 'BYTES') {
    const data = Array.from(t.data as ArrayLike<unknown>, (s) => utf8Encoder.encode(typeof s === 'string' ? s : String(s)));
    return { name, datatype: 'BYTES', shape, data };
  }
  const ArrayType = info.arrayType!;
  if (t.data instanceof ArrayType) return { name, datatype: t.datatype, shape, data: t.data as TensorData };
  if (ArrayBuffer.isView(t.data)) {
    // Another typed array class (e.g. Float64Array for FP32): convert when both sides agree on bigint-ness.
    const bigSrc = t.data instanceof BigInt64Array || t.data instanceof BigUint64Array;
    const bigDst = info.kind === 'int64';
    if (bigSrc === bigDst) return { name, datatype: t.datatype, shape, data: new (ArrayType as Float64ArrayConstructor)(t.data as unknown as ArrayLike<number>) };
    const values = Array.from(t.data as unknown as ArrayLike<number | bigint>, Number);
    return { name, datatype: t.datatype, shape, data: convertValues(values, t.datatype, label) };
  }
  return { name, datatype: t.datatype, shape, data: convertValues(t.data as ArrayLike<unknown>, t.datatype, label) };
}

function convertValues(values: ArrayLike<unknown>, datatype: Datatype, label: string): TensorData {
  try {
    return jsonValuesToData(values, datatype, label);
  } catch (err) {
    throw returnedError(err instanceof Error ? err.message : String(err));
  }
}

/** One output tensor from a tensor or nested arrays. */
function outputOf(value: unknown, name: string, what: string): Tensor {
  if (isScriptTensor(value)) return scriptTensorToTensor(value, name, what);
  if (Array.isArray(value)) {
    // A list of same-typed, same-shaped tensors (one per row) is stacked without losing its datatype.
    const stacked = stackTensors(value);
    if (stacked) return scriptTensorToTensor(stacked, name, what);
    return scriptTensorToTensor(nestedToScriptTensor(value, what), name, what);
  }
  throw returnedError(`${what} ${describeScriptValue(value)}${name === SCRIPT_OUTPUT_NAME ? '' : ` for "${name}"`}, expected ${EXPECTED}`);
}

const EXPECTED =
  'one prediction per row: an array (nested arrays of numbers, booleans or strings), a tensor, ' +
  'an object of such arrays (one output per key) or an array of objects with the same keys';

/** Tensors of the same datatype and shape, one per row, as one tensor; undefined when the list is not such a list. */
function stackTensors(list: unknown[]): ScriptTensor | undefined {
  if (list.length === 0 || !list.every(isScriptTensor)) return undefined;
  const first = list[0] as ScriptTensor;
  const same = (list as ScriptTensor[]).every((t) => t.datatype === first.datatype && formatShape(t.shape) === formatShape(first.shape));
  if (!same) return undefined;
  const size = elementCount(first.shape);
  const shape = [list.length, ...first.shape];
  if (first.datatype === 'BYTES') {
    return { __tensor__: true, datatype: 'BYTES', shape, data: (list as ScriptTensor[]).flatMap((t) => Array.from(t.data as string[])) };
  }
  const ArrayType = DATATYPE_INFO[first.datatype].arrayType as unknown as Float64ArrayConstructor;
  const data = new ArrayType(size * list.length);
  (list as ScriptTensor[]).forEach((t, i) => {
    if (!(t.data instanceof ArrayType) || t.data.length !== size) throw returnedError(`row ${i}: tensor data does not match its datatype ${t.datatype} and shape`);
    data.set(t.data as Float64Array, i * size);
  });
  return { __tensor__: true, datatype: first.datatype, shape, data } as ScriptTensor;
}

/** Rows of objects with the same keys ([{a, b}, {a, b}]) as columns ({a: [...], b: [...]}); undefined otherwise. */
function rowsToColumns(list: unknown[]): Record<string, unknown[]> | undefined {
  if (list.length === 0 || !list.every((r) => isObject(r) && !isScriptTensor(r))) return undefined;
  const keys = Object.keys(list[0] as object);
  if (keys.length === 0) return undefined;
  const columns: Record<string, unknown[]> = {};
  for (const k of keys) columns[k] = new Array(list.length);
  list.forEach((row, i) => {
    const rowKeys = Object.keys(row as object);
    if (rowKeys.length !== keys.length || !rowKeys.every((k) => k in columns)) {
      throw returnedError(`rows are objects with different keys: row 0 has ${keys.join(', ')}, row ${i} has ${rowKeys.join(', ') || 'none'}`);
    }
    for (const k of keys) columns[k]![i] = (row as Record<string, unknown>)[k];
  });
  return columns;
}

export interface ScriptResultOptions {
  /** The method whose value this is, for messages ("predict returned 3 predictions for 2 rows"). Default predict. */
  method?: string;
}

/**
 * Output tensors from what a script returned, for a V2 response:
 * - a tensor → one output named "output-0" with its datatype;
 * - nested arrays of numbers (FP64 if any is not an integer, else INT64), booleans (BOOL) or strings
 *   (BYTES); a list of scalars, one per row, has shape [n] → one output "output-0";
 * - an object of arrays or tensors → one output per key, named by the key;
 * - an array of objects with the same keys (one per row) → one output per key.
 * With `rowsExpected`, every output's first dimension must equal it.
 * Throws InferenceError('internal') saying what was returned and what is expected.
 */
export function scriptResultToTensors(value: ScriptValue, rowsExpected?: number, options: ScriptResultOptions = {}): Tensor[] {
  const method = options.method ?? 'predict';
  const what = `${method} returned`;
  let outputs: Tensor[];
  if (isScriptTensor(value)) {
    outputs = [outputOf(value, SCRIPT_OUTPUT_NAME, what)];
  } else if (Array.isArray(value)) {
    const columns = rowsToColumns(value);
    outputs = columns
      ? Object.entries(columns).map(([name, column]) => outputOf(column, name, `${what} (rows' key "${name}")`))
      : [outputOf(value, SCRIPT_OUTPUT_NAME, what)];
  } else if (isObject(value) && Object.keys(value).length > 0) {
    outputs = Object.entries(value).map(([name, v]) => {
      if (!isScriptTensor(v) && !Array.isArray(v)) {
        throw returnedError(`${what} an object whose key "${name}" holds ${describeScriptValue(v)}; expected ${EXPECTED}`);
      }
      return outputOf(v, name, `${what} (key "${name}")`);
    });
  } else {
    throw returnedError(`${what} ${describeScriptValue(value)}; expected ${EXPECTED}`);
  }
  if (rowsExpected !== undefined) {
    for (const t of outputs) {
      const rows = t.shape[0];
      if (rows !== rowsExpected) {
        const named = outputs.length > 1 || t.name !== SCRIPT_OUTPUT_NAME ? ` (output "${t.name}")` : '';
        throw returnedError(`${method} returned ${rows === undefined ? 'a scalar' : `${rows} prediction${rows === 1 ? '' : 's'}`} for ${rowsExpected} row${rowsExpected === 1 ? '' : 's'}${named}`);
      }
    }
  }
  return outputs;
}

// ---------------------------------------------------------------- out of a script (V1)

/**
 * The `predictions` of a V1 response: the script's list with exactly one prediction per row,
 * JSON-ready (tensors anywhere inside become nested arrays, 64-bit integers numbers). A tensor
 * result counts as its rows (first dimension). Throws InferenceError('internal') otherwise.
 */
export function predictionsOf(value: ScriptValue, rows: number, options: ScriptResultOptions = {}): unknown[] {
  const method = options.method ?? 'predict';
  let list: unknown[];
  if (isScriptTensor(value)) {
    if (value.shape.length === 0) throw returnedError(`${method} returned a scalar tensor; expected a list with one prediction per row (${rows})`);
    list = scriptTensorToNested(value, 'number') as unknown[];
  } else if (Array.isArray(value)) {
    list = value.map((v) => scriptValueToJson(v));
  } else {
    const hint = isObject(value) && Array.isArray(value['predictions']) ? ' (return the list itself, not {"predictions": [...]}: the server wraps it)' : '';
    throw returnedError(`${method} returned ${describeScriptValue(value)}; expected a list with one prediction per row${hint}`);
  }
  if (list.length !== rows) throw returnedError(`${method} returned ${list.length} prediction${list.length === 1 ? '' : 's'} for ${rows} row${rows === 1 ? '' : 's'}`);
  return list;
}
