/**
 * Values between the JS script host and a user's script, inside the worker.
 *
 * In: tensors become nested arrays, batch dimension first (64-bit integers as numbers when every
 * value of the tensor is a safe integer, else BigInts for that whole tensor); JSON stays as it is.
 * Out: whatever the script returned becomes a {@link ScriptValue}: typed arrays and onnxruntime
 * tensors become {@link ScriptTensor}s (copied, compact, their buffers listed for transfer), BigInts
 * numbers (only when exact), undefined null; functions, symbols and cycles are refused.
 */
import { ortTypeToDatatype } from '../../tensor/datatypes';
import type { Datatype } from '../../tensor/types';
import type { ScriptTensor, ScriptValue } from '../scriptProtocol';
import { isScriptTensor, nestTensors } from '../scriptValues';

/** A call's arguments as the script receives them: tensors → nested arrays. */
export function argsForScript(args: readonly ScriptValue[]): unknown[] {
  return args.map((a) => nestTensors(a, 'auto'));
}

/** Why a returned value cannot cross back to the server; reported as the call's error. */
export class ScriptResultError extends TypeError {
  override name = 'TypeError';
}

type TypedArray = Exclude<ScriptTensor['data'], string[]> | Uint8ClampedArray;

const TYPED_ARRAY_DATATYPES: ReadonlyArray<[new (n: number) => TypedArray, Datatype]> = [
  [Float32Array, 'FP32'],
  [Float64Array, 'FP64'],
  [Int8Array, 'INT8'],
  [Int16Array, 'INT16'],
  [Int32Array, 'INT32'],
  [BigInt64Array, 'INT64'],
  [Uint8Array, 'UINT8'],
  [Uint8ClampedArray, 'UINT8'],
  [Uint16Array, 'UINT16'],
  [Uint32Array, 'UINT32'],
  [BigUint64Array, 'UINT64'],
];

function datatypeOfTypedArray(a: ArrayBufferView): Datatype | undefined {
  for (const [Ctor, datatype] of TYPED_ARRAY_DATATYPES) if (a instanceof Ctor) return datatype;
  return undefined;
}

/** A compact copy (a view into a larger buffer would otherwise clone the whole buffer; the script keeps its own). */
function copyOf(a: TypedArray): Exclude<ScriptTensor['data'], string[]> {
  if (a instanceof Uint8ClampedArray) return new Uint8Array(a);
  return a.slice() as Exclude<ScriptTensor['data'], string[]>;
}

/** onnxruntime-node's Tensor (or anything shaped like it): `type`, `dims`, `data`. */
function asOrtTensor(v: Record<string, unknown>): { type: string; dims: readonly number[]; data: unknown } | undefined {
  if (typeof v['type'] !== 'string' || !Array.isArray(v['dims'])) return undefined;
  let data: unknown;
  try {
    data = v['data'];
  } catch {
    return undefined; // a GPU-resident tensor: data is not readable on the CPU
  }
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) return undefined;
  return { type: v['type'] as string, dims: v['dims'] as number[], data };
}

/**
 * What a script returned, as a value that crosses back to the server, plus the buffers to transfer.
 * `method` names the call in messages.
 */
export function resultFromScript(value: unknown, method: string): { value: ScriptValue; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<object>();
  const fail = (path: string, what: string): never => {
    throw new ScriptResultError(
      `${method} returned ${what}${path ? ` at ${path}` : ''}; return JSON values (arrays, objects, numbers, strings, booleans), typed arrays or onnxruntime tensors`,
    );
  };
  const tensor = (datatype: Datatype, shape: readonly number[], data: TypedArray | string[]): ScriptTensor => {
    const copied = Array.isArray(data) ? data.map(String) : copyOf(data);
    if (!Array.isArray(copied)) transfer.push(copied.buffer as ArrayBuffer);
    return { __tensor__: true, datatype, shape: [...shape], data: copied };
  };
  const convert = (v: unknown, path: string): ScriptValue => {
    switch (typeof v) {
      case 'undefined':
        return null;
      case 'number':
      case 'string':
      case 'boolean':
        return v;
      case 'bigint':
        if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
        return fail(path, `the BigInt ${v}, beyond what a number holds exactly (2^53), (return 64-bit integers in a BigInt64Array)`);
      case 'function':
      case 'symbol':
        return fail(path, `a ${typeof v}`);
    }
    if (v === null) return null;
    const obj = v as object;
    if (ArrayBuffer.isView(obj)) {
      const datatype = datatypeOfTypedArray(obj);
      if (!datatype) return fail(path, `a ${obj.constructor.name}`);
      return tensor(datatype, [(obj as TypedArray).length], obj as TypedArray);
    }
    if (seen.has(obj)) return fail(path, 'a circular reference');
    seen.add(obj);
    try {
      if (Array.isArray(obj)) {
        const out: ScriptValue[] = new Array(obj.length);
        for (let i = 0; i < obj.length; i++) out[i] = convert(obj[i], `${path}[${i}]`);
        return out;
      }
      if (isScriptTensor(obj)) {
        const data = obj.data;
        return tensor(obj.datatype, obj.shape, Array.isArray(data) ? data : (data as TypedArray));
      }
      const ort = asOrtTensor(obj as Record<string, unknown>);
      if (ort) {
        const datatype = ortTypeToDatatype(ort.type);
        if (!datatype) return fail(path, `an onnxruntime tensor of type ${ort.type}, which the Open Inference Protocol cannot carry`);
        if (datatype === 'BOOL' && ort.data instanceof Uint8Array) return tensor('BOOL', ort.dims, ort.data);
        if (datatype === 'BYTES' || Array.isArray(ort.data)) return tensor(datatype, ort.dims, ort.data as string[]);
        return tensor(datatype, ort.dims, ort.data as TypedArray);
      }
      if (obj instanceof Map) return convert(Object.fromEntries(obj), path);
      if (obj instanceof Set) return convert([...obj], path);
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return convert(toJSON.call(obj), path);
      const out: { [key: string]: ScriptValue } = {};
      for (const [k, item] of Object.entries(obj)) {
        if (item === undefined) continue; // as JSON.stringify does
        out[k] = convert(item, `${path}.${k}`);
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  };
  return { value: convert(value, ''), transfer };
}
