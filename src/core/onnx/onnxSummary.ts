/**
 * What the model view shows about an .onnx file, read without onnxruntime and without loading the
 * weights: the protobuf is walked field by field through {@link ProtoStream}, and every tensor's
 * `raw_data` (and the typed data arrays) is stepped over by its length. Memory stays at one read
 * window plus the structure (names, shapes, node types), whatever the file's size.
 *
 * Field numbers are onnx.proto's (onnx/onnx, onnx/onnx.proto3):
 * ModelProto ir_version=1 producer_name=2 producer_version=3 domain=4 model_version=5 doc_string=6
 * graph=7 opset_import=8 metadata_props=14; OperatorSetIdProto domain=1 version=2;
 * StringStringEntryProto key=1 value=2; GraphProto node=1 name=2 initializer=5 doc_string=10
 * input=11 output=12 sparse_initializer=15; NodeProto op_type=4 domain=7 attribute=5;
 * AttributeProto t=5 g=6 tensors=10 graphs=11; TensorProto dims=1 data_type=2 name=8 raw_data=9
 * external_data=13 data_location=14; SparseTensorProto values=1 dims=3.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { BufferByteSource, FileByteSource, type ByteSource } from './byteSource';
import { ProtoFormatError, ProtoStream, WIRE_LEN, WIRE_VARINT } from './protoStream';
import type { ExternalDataFile, OnnxSummary, OnnxTensorInfo } from './onnxSummaryTypes';

export type { ExternalDataFile, OnnxSummary, OnnxTensorInfo } from './onnxSummaryTypes';

// TensorProto.DataType → [OIP name, bytes per element] (0: variable, e.g. strings).
const ELEM_TYPES: Record<number, [string, number]> = {
  1: ['FP32', 4], 2: ['UINT8', 1], 3: ['INT8', 1], 4: ['UINT16', 2], 5: ['INT16', 2], 6: ['INT32', 4], 7: ['INT64', 8],
  8: ['BYTES', 0], 9: ['BOOL', 1], 10: ['FP16', 2], 11: ['FP64', 8], 12: ['UINT32', 4], 13: ['UINT64', 8],
  14: ['ONNX:COMPLEX64', 8], 15: ['ONNX:COMPLEX128', 16], 16: ['BF16', 2],
  17: ['ONNX:FLOAT8E4M3FN', 1], 18: ['ONNX:FLOAT8E4M3FNUZ', 1], 19: ['ONNX:FLOAT8E5M2', 1], 20: ['ONNX:FLOAT8E5M2FNUZ', 1],
  21: ['ONNX:UINT4', 0.5], 22: ['ONNX:INT4', 0.5],
};

/** Not an ONNX model (or a damaged one): says what was wrong where. */
export class OnnxSummaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxSummaryError';
  }
}

/** Summarises an .onnx file, reading only its structure. */
export function readOnnxSummary(file: string): OnnxSummary {
  const source = new FileByteSource(file);
  try {
    const summary = summarise(source);
    const dir = path.dirname(file);
    for (const ext of summary.externalData) ext.exists = existsSync(path.join(dir, ext.location)) && statSync(path.join(dir, ext.location)).isFile();
    return summary;
  } finally {
    source.close();
  }
}

/** Summarises a model already in memory. */
export function summariseOnnxBytes(bytes: Uint8Array): OnnxSummary {
  return summarise(new BufferByteSource(bytes));
}

interface Acc {
  summary: OnnxSummary;
  ops: Map<string, number>;
  external: Map<string, ExternalDataFile>;
}

function summarise(source: ByteSource): OnnxSummary {
  const s = new ProtoStream(source);
  const summary: OnnxSummary = {
    fileBytes: source.size, opsets: [], metadata: [], inputs: [], outputs: [], operators: [], nodeCount: 0,
    initializerCount: 0, parameterCount: 0, weightBytes: 0, externalData: [], bytesRead: 0,
  };
  const acc: Acc = { summary, ops: new Map(), external: new Map() };
  let sawGraph = false;
  try {
    const end = source.size;
    for (let t = s.tag(end); t; t = s.tag(end)) {
      if (t.wire === WIRE_VARINT && t.field === 1) summary.irVersion = s.varint();
      else if (t.wire === WIRE_VARINT && t.field === 5) summary.modelVersion = s.int64();
      else if (t.wire === WIRE_LEN && t.field === 2) summary.producerName = s.string(end);
      else if (t.wire === WIRE_LEN && t.field === 3) summary.producerVersion = s.string(end);
      else if (t.wire === WIRE_LEN && t.field === 4) summary.domain = s.string(end);
      else if (t.wire === WIRE_LEN && t.field === 6) summary.docString = s.string(end, 64 * 1024);
      else if (t.wire === WIRE_LEN && t.field === 8) summary.opsets.push(opset(s, s.lengthEnd(end)));
      else if (t.wire === WIRE_LEN && t.field === 14) summary.metadata.push(entry(s, s.lengthEnd(end)));
      else if (t.wire === WIRE_LEN && t.field === 7) {
        sawGraph = true;
        graph(s, s.lengthEnd(end), acc, true);
      } else s.skip(t.wire, end);
    }
  } catch (e) {
    if (e instanceof ProtoFormatError) throw new OnnxSummaryError(`not a valid ONNX model: ${e.message}`);
    throw e;
  }
  if (!sawGraph) throw new OnnxSummaryError('not an ONNX model: it has no graph');
  summary.operators = [...acc.ops].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
  summary.externalData = [...acc.external.values()];
  summary.bytesRead = source.bytesFetched;
  return summary;
}

function opset(s: ProtoStream, end: number): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_LEN) domain = s.string(end);
    else if (t.field === 2 && t.wire === WIRE_VARINT) version = s.varint();
    else s.skip(t.wire, end);
  }
  return { domain: domain || 'ai.onnx', version };
}

function entry(s: ProtoStream, end: number): { key: string; value: string } {
  let key = '';
  let value = '';
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_LEN) key = s.string(end);
    else if (t.field === 2 && t.wire === WIRE_LEN) value = s.string(end, 64 * 1024);
    else s.skip(t.wire, end);
  }
  return { key, value };
}

/** A graph: the main one fills inputs/outputs; subgraphs (If, Loop, Scan bodies) add nodes and weights only. */
function graph(s: ProtoStream, end: number, acc: Acc, main: boolean): void {
  const inputs: OnnxTensorInfo[] = [];
  const initializers = new Set<string>();
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.wire !== WIRE_LEN) s.skip(t.wire, end);
    else if (t.field === 1) node(s, s.lengthEnd(end), acc);
    else if (t.field === 5) initializers.add(tensor(s, s.lengthEnd(end), acc, true));
    else if (t.field === 15) initializers.add(sparseTensor(s, s.lengthEnd(end), acc));
    else if (main && t.field === 2) acc.summary.graphName = s.string(end);
    else if (main && t.field === 10 && !acc.summary.docString) acc.summary.docString = s.string(end, 64 * 1024);
    else if (main && t.field === 11) inputs.push(valueInfo(s, s.lengthEnd(end)));
    else if (main && t.field === 12) acc.summary.outputs.push(valueInfo(s, s.lengthEnd(end)));
    else s.skip(t.wire, end);
  }
  // Older exporters list initializers among the inputs; they are weights, not inputs.
  if (main) acc.summary.inputs = inputs.filter((i) => !initializers.has(i.name));
}

function node(s: ProtoStream, end: number, acc: Acc): void {
  let op = '';
  let domain = '';
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 4 && t.wire === WIRE_LEN) op = s.string(end);
    else if (t.field === 7 && t.wire === WIRE_LEN) domain = s.string(end);
    else if (t.field === 5 && t.wire === WIRE_LEN) attribute(s, s.lengthEnd(end), acc);
    else s.skip(t.wire, end);
  }
  const key = domain && domain !== 'ai.onnx' ? `${domain}::${op}` : op;
  acc.ops.set(key, (acc.ops.get(key) ?? 0) + 1);
  acc.summary.nodeCount++;
}

/** Attributes matter only for the graphs they carry (control flow bodies); their tensors are constants, skipped. */
function attribute(s: ProtoStream, end: number, acc: Acc): void {
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if ((t.field === 6 || t.field === 11) && t.wire === WIRE_LEN) graph(s, s.lengthEnd(end), acc, false);
    else s.skip(t.wire, end);
  }
}

/** An initializer: counted, its data skipped. Returns its name. */
function tensor(s: ProtoStream, end: number, acc: Acc, count: boolean): string {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let external = false;
  let rawBytes: number | undefined;
  let stringBytes = 0;
  let location: string | undefined;
  let externalLength: number | undefined;
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1) s.repeatedVarint(t.wire, end, (v) => dims.push(v));
    else if (t.field === 2 && t.wire === WIRE_VARINT) dataType = s.varint();
    else if (t.field === 8 && t.wire === WIRE_LEN) name = s.string(end);
    else if (t.field === 14 && t.wire === WIRE_VARINT) external = s.varint() === 1;
    else if (t.field === 9 && t.wire === WIRE_LEN) {
      const to = s.lengthEnd(end);
      rawBytes = to - s.pos;
      s.pos = to; // the weights: stepped over, never read
    } else if (t.field === 6 && t.wire === WIRE_LEN) {
      const to = s.lengthEnd(end);
      stringBytes += to - s.pos;
      s.pos = to;
    } else if (t.field === 13 && t.wire === WIRE_LEN) {
      const e = entry(s, s.lengthEnd(end));
      if (e.key === 'location') location = e.value;
      else if (e.key === 'length') externalLength = Number(e.value);
    } else s.skip(t.wire, end);
  }
  if (!count) return name;
  const elements = dims.reduce((a, b) => a * b, 1);
  const size = ELEM_TYPES[dataType]?.[1] ?? 0;
  const bytes = external && externalLength !== undefined && Number.isFinite(externalLength) ? externalLength : size > 0 ? Math.ceil(elements * size) : (rawBytes ?? stringBytes);
  acc.summary.initializerCount++;
  acc.summary.parameterCount += elements;
  acc.summary.weightBytes += bytes;
  if (external && location !== undefined) {
    const f = acc.external.get(location) ?? { location, tensors: 0, bytes: 0 };
    f.tensors++;
    f.bytes += bytes;
    acc.external.set(location, f);
  }
  return name;
}

/** A sparse initializer: its stored values count as parameters; its name is the values' name. */
function sparseTensor(s: ProtoStream, end: number, acc: Acc): string {
  let name = '';
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_LEN) name = tensor(s, s.lengthEnd(end), acc, true);
    else s.skip(t.wire, end);
  }
  return name;
}

function valueInfo(s: ProtoStream, end: number): OnnxTensorInfo {
  const info: OnnxTensorInfo = { name: '', datatype: 'UNKNOWN', shape: [] };
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_LEN) info.name = s.string(end);
    else if (t.field === 2 && t.wire === WIRE_LEN) Object.assign(info, typeProto(s, s.lengthEnd(end)));
    else s.skip(t.wire, end);
  }
  return info;
}

// TypeProto: tensor_type=1, sequence_type=4, map_type=5, optional_type=9, sparse_tensor_type=8.
const NON_TENSOR: Record<number, string> = { 4: 'sequence', 5: 'map', 8: 'sparse tensor', 9: 'optional' };

function typeProto(s: ProtoStream, end: number): { datatype: string; shape: (number | string)[] } {
  let out = { datatype: 'UNKNOWN', shape: [] as (number | string)[] };
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_LEN) out = tensorType(s, s.lengthEnd(end));
    else if (NON_TENSOR[t.field] && t.wire === WIRE_LEN) {
      s.skip(t.wire, end);
      out = { datatype: NON_TENSOR[t.field]!, shape: [] };
    } else s.skip(t.wire, end);
  }
  return out;
}

function tensorType(s: ProtoStream, end: number): { datatype: string; shape: (number | string)[] } {
  let datatype = 'UNKNOWN';
  const shape: (number | string)[] = [];
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_VARINT) {
      const e = s.varint();
      datatype = ELEM_TYPES[e]?.[0] ?? `ONNX:${e}`;
    } else if (t.field === 2 && t.wire === WIRE_LEN) {
      const shapeEnd = s.lengthEnd(end);
      for (let d = s.tag(shapeEnd); d; d = s.tag(shapeEnd)) {
        if (d.field === 1 && d.wire === WIRE_LEN) shape.push(dimension(s, s.lengthEnd(shapeEnd)));
        else s.skip(d.wire, shapeEnd);
      }
    } else s.skip(t.wire, end);
  }
  return { datatype, shape };
}

/** A dimension: its size, its symbolic name (`batch`), or `?` when neither is given. */
function dimension(s: ProtoStream, end: number): number | string {
  let dim: number | string = '?';
  for (let t = s.tag(end); t; t = s.tag(end)) {
    if (t.field === 1 && t.wire === WIRE_VARINT) dim = s.int64();
    else if (t.field === 2 && t.wire === WIRE_LEN) dim = s.string(end) || '?';
    else s.skip(t.wire, end);
  }
  return dim;
}

export { formatBytes } from './onnxSummaryTypes';
