/** Open Inference Protocol tensor datatypes. */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

/**
 * In-memory tensor contents, always flat and row-major.
 * FP16 is carried as its raw IEEE-754 half bits in a Uint16Array (Node 20 has no Float16Array);
 * BOOL as a Uint8Array of 0/1; BYTES as one Uint8Array per element.
 */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | Uint8Array[];

/** A decoded tensor, ready for the runtime or an encoder. */
export interface Tensor {
  /** Input or output name. */
  name: string;
  /** OIP datatype. */
  datatype: Datatype;
  /** Concrete shape; `[]` for a scalar. */
  shape: number[];
  /** Flat row-major contents; length equals the product of `shape`. */
  data: TensorData;
  /** Per-tensor parameters as received (e.g. binary_data_size). */
  parameters?: Record<string, unknown>;
}

/** Input or output signature from model metadata; `-1` marks a dynamic dimension. */
export interface TensorMetadata {
  /** Tensor name in the model graph. */
  name: string;
  /** OIP datatype. */
  datatype: Datatype;
  /** Shape with -1 for dynamic dimensions; `[]` for scalars. */
  shape: number[];
}
