import { invalidArgument } from '../../errors';
import { bytesOfTensor, dataFromBytes } from '../../tensor/binaryCodec';
import { DATATYPE_INFO, elementCount, formatShape, isDatatype } from '../../tensor/datatypes';
import { describeValue, jsonValuesToData } from '../../tensor/jsonCodec';
import { DATATYPES } from '../../tensor/types';
import type { Datatype, Tensor, TensorData } from '../../tensor/types';
import type {
  ContentsField,
  InferInputTensorMessage,
  InferOutputTensorMessage,
  InferParameterMessage,
  InferTensorContentsMessage,
} from './grpcMessages';

/** The InferTensorContents field carrying each datatype; FP16 has none and only travels raw. */
export const CONTENTS_FIELD: Readonly<Record<Datatype, ContentsField | undefined>> = {
  BOOL: 'bool_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

const CONTENTS_FIELDS: readonly ContentsField[] = [
  'bool_contents',
  'int_contents',
  'int64_contents',
  'uint_contents',
  'uint64_contents',
  'fp32_contents',
  'fp64_contents',
  'bytes_contents',
];

/** Fields of `contents` that hold values (proto3 cannot tell an empty repeated field from an absent one). */
function filledFields(contents: InferTensorContentsMessage | null): ContentsField[] {
  if (!contents) return [];
  return CONTENTS_FIELDS.filter((f) => (contents[f]?.length ?? 0) > 0);
}

/** Plain value of an InferParameter (64-bit integers as numbers when exact, else as decimal strings). */
export function parameterValue(p: InferParameterMessage | undefined): unknown {
  const choice = p?.parameter_choice;
  if (!choice) return undefined;
  const v = p[choice];
  if (choice === 'int64_param' || choice === 'uint64_param') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : String(v);
  }
  return v;
}

/** A parameters map as a plain object, the way a REST request carries it. */
export function parameterValues(params: Record<string, InferParameterMessage> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(params ?? {})) out[k] = parameterValue(p);
  return out;
}

/** Name, datatype and shape of one input, checked; `label` (`input "x"`) prefixes every message. */
function inputHeader(input: InferInputTensorMessage, index: number): { name: string; datatype: Datatype; shape: number[]; label: string } {
  const { name, datatype } = input;
  if (name === '') throw invalidArgument(`inputs[${index}]: expected a non-empty string name, got ""`);
  const label = `input "${name}"`;
  if (!isDatatype(datatype)) {
    throw invalidArgument(`${label}: expected datatype one of ${DATATYPES.join(', ')}; got ${describeValue(datatype)}`);
  }
  const shape = input.shape.map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalidArgument(`${label}: expected shape to be non-negative integers, got [${input.shape.join(',')}]`);
  }
  return { name, datatype, shape, label };
}

/** Tensor data from an input's typed contents, which must use the field of its datatype. */
function dataFromContents(contents: InferTensorContentsMessage | null, datatype: Datatype, shape: number[], label: string): TensorData {
  const field = CONTENTS_FIELD[datatype];
  const filled = filledFields(contents);
  if (field === undefined) {
    // An empty tensor has no values to carry in any form, so it needs no field either.
    if (elementCount(shape) === 0 && filled.length === 0) return new Uint16Array(0);
    throw invalidArgument(`${label}: ${datatype} has no typed contents field; expected its bytes in raw_input_contents`);
  }
  const others = filled.filter((f) => f !== field);
  if (others.length > 0) throw invalidArgument(`${label}: expected ${field} for ${datatype}, got ${others.join(', ')}`);
  const values = contents?.[field] ?? [];
  const count = elementCount(shape);
  if (values.length !== count) {
    if (values.length === 0) {
      throw invalidArgument(
        `${label}: expected ${count} values in contents.${field} for ${datatype} ${formatShape(shape)} (or its bytes in raw_input_contents), got none`,
      );
    }
    throw invalidArgument(`${label}: shape ${formatShape(shape)} needs ${count} elements, got ${values.length} in ${field}`);
  }
  switch (DATATYPE_INFO[datatype].kind) {
    case 'int64': {
      // Decimal strings (longs: String) are exact over the whole 64-bit range; the wire type
      // (int64 vs uint64) already bounds them.
      const strings = values as string[];
      const out = datatype === 'INT64' ? new BigInt64Array(count) : new BigUint64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt(strings[i]!);
      return out;
    }
    case 'bytes':
      return values as Buffer[];
    default:
      // Numbers and booleans: the JSON decoder's conversion, with its range checks and messages
      // (int_contents is int32 on the wire, so INT8 values still need checking).
      return jsonValuesToData(values as ArrayLike<unknown>, datatype, label);
  }
}

/** Tensor data from an input's raw little-endian bytes. */
function dataFromRaw(bytes: Buffer, datatype: Datatype, shape: number[], label: string): TensorData {
  const byteSize = DATATYPE_INFO[datatype].byteSize;
  if (byteSize > 0 && bytes.byteLength !== elementCount(shape) * byteSize) {
    throw invalidArgument(
      `${label}: raw_input_contents has ${bytes.byteLength} bytes but ${datatype} ${formatShape(shape)} needs ${elementCount(shape) * byteSize}`,
    );
  }
  try {
    return dataFromBytes(bytes, datatype, shape, label);
  } catch (err) {
    // The shared decoder words BYTES framing errors for the REST binary extension.
    if (err instanceof Error) err.message = err.message.replaceAll('binary_data_size', 'raw_input_contents size');
    throw err;
  }
}

/** Decoded inputs of a ModelInfer request, and whether they came raw (the response then goes raw too). */
export interface DecodedInputs {
  tensors: Tensor[];
  raw: boolean;
}

/**
 * Decodes a ModelInfer request's inputs: all typed (`contents`) or all raw (`raw_input_contents`,
 * one entry per input, in order), never mixed. Throws invalid-argument naming the input and
 * saying expected vs got.
 */
export function decodeGrpcInputs(inputs: InferInputTensorMessage[], rawContents: Buffer[]): DecodedInputs {
  const raw = rawContents.length > 0;
  if (raw) {
    for (const input of inputs) {
      const filled = filledFields(input.contents);
      if (filled.length > 0) {
        throw invalidArgument(`input "${input.name}": expected either contents or raw_input_contents, got both (${filled.join(', ')} and raw_input_contents)`);
      }
    }
    if (rawContents.length !== inputs.length) {
      throw invalidArgument(`raw_input_contents: expected one entry per input (${inputs.length}), got ${rawContents.length}`);
    }
  }
  const tensors = inputs.map((input, i): Tensor => {
    const { name, datatype, shape, label } = inputHeader(input, i);
    const data = raw ? dataFromRaw(rawContents[i]!, datatype, shape, label) : dataFromContents(input.contents, datatype, shape, label);
    return { name, datatype, shape, data };
  });
  return { tensors, raw };
}

/** Typed contents for one output tensor (its datatype must have a contents field). */
function contentsOf(t: Tensor, field: ContentsField): Partial<InferTensorContentsMessage> {
  const data = t.data;
  switch (DATATYPE_INFO[t.datatype].kind) {
    case 'bool':
      return { bool_contents: Array.from(data as Uint8Array, (v) => v !== 0) };
    case 'int64':
      // Strings keep 64-bit values exact through proto-loader (numbers would round above 2^53).
      return { [field]: Array.from(data as BigInt64Array, (v) => v.toString()) };
    case 'bytes':
      return { bytes_contents: (data as Uint8Array[]).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)) };
    default:
      return { [field]: Array.from(data as Float64Array) };
  }
}

/** Outputs of a ModelInfer response: entries plus, when raw, one raw_output_contents entry each. */
export interface EncodedGrpcOutputs {
  outputs: InferOutputTensorMessage[];
  raw_output_contents: Buffer[];
}

/**
 * Encodes result tensors. Raw when `raw` (the request came raw) or when any output is FP16,
 * which has no typed field: the protocol does not allow mixing, so then every output goes raw.
 */
export function encodeGrpcOutputs(outputs: Tensor[], raw: boolean): EncodedGrpcOutputs {
  const allRaw = raw || outputs.some((t) => CONTENTS_FIELD[t.datatype] === undefined);
  if (allRaw) {
    return {
      outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      raw_output_contents: outputs.map((t) => bytesOfTensor(t)),
    };
  }
  return {
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, contents: contentsOf(t, CONTENTS_FIELD[t.datatype]!) })),
    raw_output_contents: [],
  };
}
