/**
 * Writes valid ONNX files for tests with protobufjs's Writer: a chain of MatMul + Relu layers over
 * square FP32 weights. The weights can be written inline (`raw_data`, streamed to disk in chunks so
 * a 500 MB model never sits in memory) or to an external-data file. onnxruntime loads what it writes
 * (test/unit/onnxSummary.test.ts checks a small one), so the large one is a real model too.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Writer } from 'protobufjs/minimal';

export interface ChainModelSpec {
  /** MatMul layers, each with one [width, width] FP32 weight. */
  layers: number;
  width: number;
  /** Weights in this file beside the model (relative name) instead of inline. */
  externalData?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

const FP32 = 1;

function lenField(w: Writer, field: number, bytes: Uint8Array): void {
  w.uint32((field << 3) | 2).bytes(bytes);
}

function valueInfo(name: string, dims: (number | string)[]): Uint8Array {
  const shape = Writer.create();
  for (const d of dims) {
    const dim = Writer.create();
    if (typeof d === 'number') dim.uint32(1 << 3).int64(d);
    else dim.uint32((2 << 3) | 2).string(d);
    lenField(shape, 1, dim.finish());
  }
  const tensorType = Writer.create().uint32(1 << 3).int32(FP32);
  lenField(tensorType, 2, shape.finish());
  const type = Writer.create();
  lenField(type, 1, tensorType.finish());
  const vi = Writer.create().uint32((1 << 3) | 2).string(name);
  lenField(vi, 2, type.finish());
  return vi.finish();
}

function node(op: string, inputs: string[], outputs: string[]): Uint8Array {
  const w = Writer.create();
  for (const i of inputs) w.uint32((1 << 3) | 2).string(i);
  for (const o of outputs) w.uint32((2 << 3) | 2).string(o);
  w.uint32((4 << 3) | 2).string(op);
  return w.finish();
}

/** A weight's TensorProto up to (not including) its raw_data bytes; `rawLength` bytes follow. */
function tensorHead(name: string, width: number, external?: { location: string; offset: number }): { head: Uint8Array; rawLength: number } {
  const w = Writer.create();
  w.uint32(1 << 3).int64(width).uint32(1 << 3).int64(width);
  w.uint32(2 << 3).int32(FP32);
  w.uint32((8 << 3) | 2).string(name);
  const bytes = width * width * 4;
  if (external) {
    for (const [k, v] of [['location', external.location], ['offset', String(external.offset)], ['length', String(bytes)]] as const) {
      const e = Writer.create().uint32((1 << 3) | 2).string(k).uint32((2 << 3) | 2).string(v);
      lenField(w, 13, e.finish());
    }
    w.uint32(14 << 3).int32(1);
    return { head: w.finish(), rawLength: 0 };
  }
  // raw_data's tag and length go in the head; its bytes are streamed after it.
  w.uint32((9 << 3) | 2).uint32(bytes);
  return { head: w.finish(), rawLength: bytes };
}

function varintBytes(n: number): Uint8Array {
  return Writer.create().uint32(n).finish();
}

/**
 * Writes the model to `file` (and, with `externalData`, the weights to `externalFile`). Every weight
 * is the identity, so the model computes relu(input) and a run's output is checkable.
 */
export function writeChainModel(file: string, spec: ChainModelSpec, externalFile?: string): { bytes: number } {
  const { layers, width } = spec;
  const nodes: Uint8Array[] = [];
  const tensors: { head: Uint8Array; rawLength: number }[] = [];
  let prev = 'input';
  for (let i = 0; i < layers; i++) {
    nodes.push(node('MatMul', [prev, `w${i}`], [`mm${i}`]));
    const out = i === layers - 1 ? 'output' : `relu${i}`;
    nodes.push(node('Relu', [`mm${i}`], [out]));
    prev = out;
    tensors.push(tensorHead(`w${i}`, width, spec.externalData ? { location: spec.externalData, offset: i * width * width * 4 } : undefined));
  }
  // Graph = nodes, name, initializers (head + raw bytes), input, output: lengths known up front.
  const graphHead = Writer.create();
  for (const n of nodes) lenField(graphHead, 1, n);
  graphHead.uint32((2 << 3) | 2).string('chain');
  const graphTail = Writer.create();
  lenField(graphTail, 11, valueInfo('input', ['batch', width]));
  lenField(graphTail, 12, valueInfo('output', ['batch', width]));
  const headBytes = graphHead.finish();
  const tailBytes = graphTail.finish();
  let graphLength = headBytes.length + tailBytes.length;
  for (const t of tensors) {
    const len = t.head.length + t.rawLength;
    graphLength += 1 + varintBytes(len).length + len;
  }
  const model = Writer.create();
  model.uint32(1 << 3).int64(8); // ir_version 8
  model.uint32((2 << 3) | 2).string('modeldeck-tests');
  model.uint32((3 << 3) | 2).string('1.0');
  if (spec.docString) model.uint32((6 << 3) | 2).string(spec.docString);
  lenField(model, 8, Writer.create().uint32(2 << 3).int64(13).finish());
  for (const [k, v] of Object.entries(spec.metadata ?? {})) lenField(model, 14, Writer.create().uint32((1 << 3) | 2).string(k).uint32((2 << 3) | 2).string(v).finish());
  model.uint32((7 << 3) | 2).uint32(graphLength);

  const fd = openSync(file, 'w');
  let written = 0;
  const put = (b: Uint8Array) => {
    writeSync(fd, b);
    written += b.length;
  };
  const weight = identityWeight(width);
  try {
    put(model.finish());
    put(headBytes);
    for (const t of tensors) {
      const len = t.head.length + t.rawLength;
      put(Writer.create().uint32((5 << 3) | 2).uint32(len).finish());
      put(t.head);
      if (t.rawLength > 0) putWeight(put, weight);
    }
    put(tailBytes);
  } finally {
    closeSync(fd);
  }
  if (spec.externalData && externalFile) {
    const ext = openSync(externalFile, 'w');
    try {
      for (let i = 0; i < layers; i++) putWeight((b) => writeSync(ext, b), weight);
    } finally {
      closeSync(ext);
    }
  }
  return { bytes: written };
}

/** An identity matrix's bytes, built once; so the model computes relu(x) and outputs are checkable. */
function identityWeight(width: number): Float32Array {
  const m = new Float32Array(width * width);
  for (let i = 0; i < width; i++) m[i * width + i] = 1;
  return m;
}

function putWeight(put: (b: Uint8Array) => void, weight: Float32Array): void {
  // Little-endian floats, as ONNX raw_data is; written in 4 MiB slices at most.
  const bytes = new Uint8Array(weight.buffer, weight.byteOffset, weight.byteLength);
  for (let off = 0; off < bytes.length; off += 4 << 20) put(bytes.subarray(off, Math.min(bytes.length, off + (4 << 20))));
}
