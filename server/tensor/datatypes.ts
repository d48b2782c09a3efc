import { DATATYPES } from './types';
import type { Datatype } from './types';

/** onnxruntime tensor type strings for the datatypes the server supports. */
export type OrtTensorType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

/** Constructors of the typed arrays that carry fixed-size datatypes in memory. */
export type TypedArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** How JSON values map onto a datatype; codecs switch on this instead of on 13 datatypes. */
export type DatatypeKind = 'bool' | 'int' | 'int64' | 'fp16' | 'float' | 'bytes';

/**
 * Range of an integer datatype as exactly representable doubles.
 * `maxExclusive` (max + 1) is used so that 64-bit bounds stay exact: 2^63 and 2^64 are doubles,
 * 2^63 - 1 and 2^64 - 1 are not.
 */
export interface IntegerRange {
  /** Smallest allowed value. */
  readonly min: number;
  /** One past the largest allowed value. */
  readonly maxExclusive: number;
  /** Human-readable inclusive range for error messages, e.g. `[0, 255]`. */
  readonly label: string;
}

/** Static facts about one OIP datatype. */
export interface DatatypeInfo {
  /** The OIP datatype. */
  readonly datatype: Datatype;
  /** Bytes per element in memory and in the binary extension; 0 for BYTES (variable length). */
  readonly byteSize: number;
  /** Typed array carrying the data in memory; null for BYTES (an array of Uint8Array). */
  readonly arrayType: TypedArrayConstructor | null;
  /** onnxruntime tensor type. */
  readonly ortType: OrtTensorType;
  /** JSON mapping family. */
  readonly kind: DatatypeKind;
  /** Allowed values for integer datatypes; undefined otherwise. */
  readonly range: IntegerRange | undefined;
}

const range = (min: number, maxExclusive: number, label: string): IntegerRange => ({ min, maxExclusive, label });

/** Per-datatype table: element size, in-memory array type, onnxruntime type and integer range. */
export const DATATYPE_INFO: Readonly<Record<Datatype, DatatypeInfo>> = {
  BOOL: { datatype: 'BOOL', byteSize: 1, arrayType: Uint8Array, ortType: 'bool', kind: 'bool', range: undefined },
  UINT8: { datatype: 'UINT8', byteSize: 1, arrayType: Uint8Array, ortType: 'uint8', kind: 'int', range: range(0, 2 ** 8, '[0, 255]') },
  UINT16: {
    datatype: 'UINT16',
    byteSize: 2,
    arrayType: Uint16Array,
    ortType: 'uint16',
    kind: 'int',
    range: range(0, 2 ** 16, '[0, 65535]'),
  },
  UINT32: {
    datatype: 'UINT32',
    byteSize: 4,
    arrayType: Uint32Array,
    ortType: 'uint32',
    kind: 'int',
    range: range(0, 2 ** 32, '[0, 4294967295]'),
  },
  UINT64: {
    datatype: 'UINT64',
    byteSize: 8,
    arrayType: BigUint64Array,
    ortType: 'uint64',
    kind: 'int64',
    range: range(0, 2 ** 64, '[0, 18446744073709551615]'),
  },
  INT8: { datatype: 'INT8', byteSize: 1, arrayType: Int8Array, ortType: 'int8', kind: 'int', range: range(-(2 ** 7), 2 ** 7, '[-128, 127]') },
  INT16: {
    datatype: 'INT16',
    byteSize: 2,
    arrayType: Int16Array,
    ortType: 'int16',
    kind: 'int',
    range: range(-(2 ** 15), 2 ** 15, '[-32768, 32767]'),
  },
  INT32: {
    datatype: 'INT32',
    byteSize: 4,
    arrayType: Int32Array,
    ortType: 'int32',
    kind: 'int',
    range: range(-(2 ** 31), 2 ** 31, '[-2147483648, 2147483647]'),
  },
  INT64: {
    datatype: 'INT64',
    byteSize: 8,
    arrayType: BigInt64Array,
    ortType: 'int64',
    kind: 'int64',
    range: range(-(2 ** 63), 2 ** 63, '[-9223372036854775808, 9223372036854775807]'),
  },
  FP16: { datatype: 'FP16', byteSize: 2, arrayType: Uint16Array, ortType: 'float16', kind: 'fp16', range: undefined },
  FP32: { datatype: 'FP32', byteSize: 4, arrayType: Float32Array, ortType: 'float32', kind: 'float', range: undefined },
  FP64: { datatype: 'FP64', byteSize: 8, arrayType: Float64Array, ortType: 'float64', kind: 'float', range: undefined },
  BYTES: { datatype: 'BYTES', byteSize: 0, arrayType: null, ortType: 'string', kind: 'bytes', range: undefined },
};

const ORT_TO_DATATYPE: ReadonlyMap<string, Datatype> = new Map(DATATYPES.map((d) => [DATATYPE_INFO[d].ortType, d]));
const DATATYPE_SET: ReadonlySet<string> = new Set(DATATYPES);

/** Whether `value` names an OIP datatype (case-sensitive, as the protocol spells them). */
export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && DATATYPE_SET.has(value);
}

/** OIP datatype for an onnxruntime type string; undefined for types the server cannot carry (e.g. bfloat16, int4). */
export function ortTypeToDatatype(ortType: string): Datatype | undefined {
  return ORT_TO_DATATYPE.get(ortType);
}

/** onnxruntime type string for an OIP datatype. */
export function datatypeToOrtType(datatype: Datatype): OrtTensorType {
  return DATATYPE_INFO[datatype].ortType;
}

/**
 * Whether `value` is an integer that `datatype` can hold. Always false for non-integer datatypes.
 * For INT64/UINT64 the check is on the double itself: integers beyond 2^53 pass but may already
 * have lost precision in JSON parsing.
 */
export function isIntegerInRange(datatype: Datatype, value: number): boolean {
  const r = DATATYPE_INFO[datatype].range;
  return r !== undefined && Number.isInteger(value) && value >= r.min && value < r.maxExclusive;
}

/** Number of elements of a tensor with this shape; 1 for a scalar (`[]`). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Compact shape for messages: `[2,4]`, matching how clients write it in JSON. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * True on little-endian hosts. The binary extension is little-endian and the codecs view request
 * bytes as typed arrays (native order) to avoid copies, so they need a little-endian host
 * (x64 and arm64, every platform onnxruntime-node ships for).
 */
export const HOST_IS_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
