import { promises as fs } from 'node:fs';
import { Reader } from 'protobufjs/minimal';

/** One graph input or output as declared in the ONNX file; -1 marks a dynamic dimension. */
export interface OnnxTensorSignature {
  name: string;
  /** OIP datatype name (FP32, INT64, …), or `ONNX:<n>` for element types OIP cannot carry. */
  datatype: string;
  shape: number[];
}

/** Graph inputs (initializers excluded) and outputs of an ONNX model. */
export interface OnnxSignature {
  inputs: OnnxTensorSignature[];
  outputs: OnnxTensorSignature[];
}

// TensorProto.DataType numbers from onnx.proto.
const ELEM_TYPES: Record<number, string> = {
  1: 'FP32', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'BYTES',
  9: 'BOOL', 10: 'FP16', 11: 'FP64', 12: 'UINT32', 13: 'UINT64',
};

/**
 * Reads the signature straight from the protobuf wire format, without onnxruntime: the tree view
 * shows signatures in any workspace, trusted or not, and never runs a model to do it. Only the
 * fields needed are decoded (ModelProto.graph=7; GraphProto.initializer=5, input=11, output=12;
 * ValueInfoProto name=1, type=2; TypeProto.tensor_type=1; Tensor elem_type=1, shape=2;
 * TensorShapeProto.dim=1; Dimension dim_value=1, dim_param=2); everything else is skipped.
 */
export function parseOnnxSignature(bytes: Uint8Array): OnnxSignature {
  const model = Reader.create(bytes);
  let graph: Uint8Array | undefined;
  while (model.pos < model.len) {
    const tag = model.uint32();
    if (tag >>> 3 === 7 && (tag & 7) === 2) graph = model.bytes();
    else model.skipType(tag & 7);
  }
  if (!graph) throw new Error('not an ONNX model: no graph');
  const g = Reader.create(graph);
  const inputs: OnnxTensorSignature[] = [];
  const outputs: OnnxTensorSignature[] = [];
  const initializers = new Set<string>();
  while (g.pos < g.len) {
    const tag = g.uint32();
    const field = tag >>> 3;
    if ((tag & 7) === 2 && (field === 11 || field === 12)) (field === 11 ? inputs : outputs).push(valueInfo(g.bytes()));
    else if ((tag & 7) === 2 && field === 5) initializers.add(tensorName(g.bytes()));
    else g.skipType(tag & 7);
  }
  // Older exporters list initializers among the inputs; they are weights, not inputs.
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

/** Reads and parses an .onnx file. */
export async function readOnnxSignature(file: string): Promise<OnnxSignature> {
  return parseOnnxSignature(await fs.readFile(file));
}

/** "float_input FP32 [-1,4] → label INT64 [-1], probabilities FP32 [-1,3]" */
export function describeSignature(sig: OnnxSignature): string {
  const one = (t: OnnxTensorSignature) => `${t.name} ${t.datatype} [${t.shape.join(',')}]`;
  return `${sig.inputs.map(one).join(', ')} → ${sig.outputs.map(one).join(', ')}`;
}

function tensorName(bytes: Uint8Array): string {
  const r = Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 8 && (tag & 7) === 2) return r.string(); // TensorProto.name = 8
    r.skipType(tag & 7);
  }
  return '';
}

function valueInfo(bytes: Uint8Array): OnnxTensorSignature {
  const r = Reader.create(bytes);
  let name = '';
  let datatype = 'UNKNOWN';
  let shape: number[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) name = r.string();
    else if (field === 2 && (tag & 7) === 2) ({ datatype, shape } = typeProto(r.bytes()));
    else r.skipType(tag & 7);
  }
  return { name, datatype, shape };
}

function typeProto(bytes: Uint8Array): { datatype: string; shape: number[] } {
  const r = Reader.create(bytes);
  let datatype = 'UNKNOWN';
  let shape: number[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const t = Reader.create(r.bytes());
      while (t.pos < t.len) {
        const tt = t.uint32();
        if (tt >>> 3 === 1 && (tt & 7) === 0) {
          const e = t.int32();
          datatype = ELEM_TYPES[e] ?? `ONNX:${e}`;
        } else if (tt >>> 3 === 2 && (tt & 7) === 2) shape = shapeProto(t.bytes());
        else t.skipType(tt & 7);
      }
    } else r.skipType(tag & 7);
  }
  return { datatype, shape };
}

function shapeProto(bytes: Uint8Array): number[] {
  const r = Reader.create(bytes);
  const dims: number[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const d = Reader.create(r.bytes());
      let value = -1;
      while (d.pos < d.len) {
        const dt = d.uint32();
        if (dt >>> 3 === 1 && (dt & 7) === 0) value = Number(d.int64());
        else d.skipType(dt & 7);
      }
      dims.push(value);
    } else r.skipType(tag & 7);
  }
  return dims;
}
