/**
 * Pure checks on tensors the endpoint returned: names and datatypes against its own metadata,
 * element counts against shapes, values against datatypes, and two answers of the same request
 * (JSON vs binary vs gRPC) against each other.
 */
import { metadataView } from '../predict/inferenceClient';
import type { ModelMetadataView, ResultTensor, TensorSpec } from '../predict/predictTypes';
import { DATATYPES, elementCount } from '../predict/tensorData';

/** The OIP tensor datatypes (REST spec "Tensor Data Types"). */
export const OIP_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

/** What is wrong with a model metadata object, per the spec's `$metadata_model_response`. */
export function modelMetadataProblems(json: unknown, model: string): { problems: string[]; meta?: ModelMetadataView } {
  const problems: string[] = [];
  if (json === null || typeof json !== 'object') return { problems: ['the answer is not a JSON object'] };
  const m = json as Record<string, unknown>;
  if (typeof m.name !== 'string') problems.push('"name" is missing or not a string');
  else if (m.name !== model) problems.push(`"name" is "${m.name}", not "${model}"`);
  if (typeof m.platform !== 'string') problems.push('"platform" is missing or not a string');
  if (m.versions !== undefined && !(Array.isArray(m.versions) && m.versions.every((v) => typeof v === 'string'))) problems.push('"versions" is not a list of strings');
  for (const key of ['inputs', 'outputs'] as const) {
    const list = m[key];
    if (list === undefined) continue; // optional in the spec
    if (!Array.isArray(list)) {
      problems.push(`"${key}" is not a list`);
      continue;
    }
    list.forEach((t: unknown, i) => problems.push(...tensorMetadataProblems(t, `${key}[${i}]`)));
  }
  return problems.length > 0 ? { problems } : { problems, meta: metadataView(json) };
}

function tensorMetadataProblems(t: unknown, where: string): string[] {
  if (t === null || typeof t !== 'object') return [`${where} is not an object`];
  const o = t as Record<string, unknown>;
  const out: string[] = [];
  if (typeof o.name !== 'string') out.push(`${where}.name is missing`);
  if (typeof o.datatype !== 'string' || !OIP_DATATYPES.includes(o.datatype)) out.push(`${where}.datatype ${JSON.stringify(o.datatype)} is not an OIP datatype`);
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && (d as number) >= -1)) out.push(`${where}.shape ${JSON.stringify(o.shape)} is not a list of sizes (-1 for dynamic)`);
  return out;
}

/** Whether a value is a valid element of `datatype` as JSON carries it. */
export function fitsDatatype(datatype: string, v: unknown): boolean {
  const kind = DATATYPES[datatype]?.kind;
  if (datatype === 'BOOL') return typeof v === 'boolean';
  if (datatype === 'BYTES') return typeof v === 'string';
  if (kind === 'int') {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return false;
    return !datatype.startsWith('UINT') || n >= 0;
  }
  return typeof v === 'number';
}

/** Problems of output tensors: unknown names, datatypes other than declared, counts, element values. */
export function outputProblems(outputs: ResultTensor[], declared: TensorSpec[]): string[] {
  const problems: string[] = [];
  if (outputs.length === 0) problems.push('the answer has no outputs');
  for (const o of outputs) {
    const spec = declared.find((d) => d.name === o.name);
    if (declared.length > 0 && !spec) problems.push(`output "${o.name}" is not in the model metadata`);
    if (spec && spec.datatype !== o.datatype) problems.push(`output "${o.name}" is ${o.datatype}, metadata says ${spec.datatype}`);
    if (!o.shape.every((d) => Number.isInteger(d) && d >= 0)) problems.push(`output "${o.name}" has shape ${JSON.stringify(o.shape)}`);
    else if (elementCount(o.shape) !== o.data.length) problems.push(`output "${o.name}": shape ${JSON.stringify(o.shape)} holds ${elementCount(o.shape)} elements, data has ${o.data.length}`);
    const bad = o.data.findIndex((v) => !fitsDatatype(o.datatype, v));
    if (bad >= 0) problems.push(`output "${o.name}": data[${bad}] ${JSON.stringify(o.data[bad])} is not a ${o.datatype} value`);
  }
  return problems;
}

/** Differences between two answers to the same request (float values within a relative 1e-6). */
export function sameOutputs(a: ResultTensor[], b: ResultTensor[]): string[] {
  const problems: string[] = [];
  for (const x of a) {
    const y = b.find((t) => t.name === x.name);
    if (!y) {
      problems.push(`output "${x.name}" is missing`);
      continue;
    }
    if (x.datatype !== y.datatype) problems.push(`output "${x.name}" is ${y.datatype}, the JSON answer said ${x.datatype}`);
    if (JSON.stringify(x.shape) !== JSON.stringify(y.shape)) problems.push(`output "${x.name}" has shape ${JSON.stringify(y.shape)}, the JSON answer ${JSON.stringify(x.shape)}`);
    const at = x.data.findIndex((v, i) => !closeEnough(v, y.data[i]));
    if (at >= 0) problems.push(`output "${x.name}": element ${at} is ${JSON.stringify(y.data[at])}, the JSON answer ${JSON.stringify(x.data[at])}`);
  }
  return problems;
}

function closeEnough(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b)) || (Number.isNaN(a) && Number.isNaN(b));
  return String(a) === String(b);
}
