import { InferenceError, invalidArgument } from '../errors';
import type { Tensor, TensorMetadata } from './types';
import { elementCount, formatShape } from './datatypes';
import { describeValue, jsonRunsToData, nestedRuns, tensorDataToJson } from './jsonCodec';

/** A KServe V1 `:predict` response body. */
export interface V1Response {
  /** One entry per row: the row's value (single output) or `{ outputName: rowValue }` (several outputs). */
  predictions: unknown[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const quoteNames = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

/** Shape implied by nesting, following first elements; raggedness is caught later by nestedRuns. */
function inferShape(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Checks that keyed objects name exactly the model's inputs. */
function checkKeys(obj: Record<string, unknown>, inputs: readonly TensorMetadata[], where: string): void {
  const expected = inputs.map((i) => i.name);
  for (const key of Object.keys(obj)) {
    if (!expected.includes(key)) {
      throw invalidArgument(`${where}: expected input names ${quoteNames(expected)}, got unknown input "${key}"`);
    }
  }
  for (const name of expected) {
    if (obj[name] === undefined) {
      throw invalidArgument(`${where}: expected input names ${quoteNames(expected)}, got no "${name}"`);
    }
  }
}

/** One input's tensor from its rows: shape [rows, ...row shape], datatype from the model. */
function tensorFromRows(meta: TensorMetadata, rows: readonly unknown[], key: string): Tensor {
  const label = `input "${meta.name}"`;
  const rowShape = inferShape(rows[0]);
  for (let i = 1; i < rows.length; i++) {
    const s = inferShape(rows[i]);
    if (!sameShape(s, rowShape)) {
      throw invalidArgument(
        `${label}: ${key}[${i}] has shape ${formatShape(s)}, expected ${formatShape(rowShape)} like ${key}[0]`,
      );
    }
  }
  const shape = [rows.length, ...rowShape];
  const runs = nestedRuns(rows, shape, label, key);
  return { name: meta.name, datatype: meta.datatype, shape, data: jsonRunsToData(runs, elementCount(shape), meta.datatype, label) };
}

/** One input's tensor from a columnar value: the whole tensor, shape from its nesting. */
function tensorFromColumn(meta: TensorMetadata, value: unknown): Tensor {
  const label = `input "${meta.name}"`;
  const shape = inferShape(value);
  const runs = shape.length === 0 ? [[value]] : nestedRuns(value, shape, label, `inputs["${meta.name}"]`);
  return { name: meta.name, datatype: meta.datatype, shape, data: jsonRunsToData(runs, elementCount(shape), meta.datatype, label) };
}

function decodeRows(rows: unknown[], inputs: readonly TensorMetadata[], key: string): Tensor[] {
  if (rows.length === 0) throw invalidArgument(`"${key}": expected at least one row, got []`);
  if (!isPlainObject(rows[0])) {
    if (inputs.length !== 1) {
      throw invalidArgument(
        `"${key}": the model has inputs ${quoteNames(inputs.map((i) => i.name))}, so expected each row to be an object keyed by input name, got ${describeValue(rows[0])}`,
      );
    }
    return [tensorFromRows(inputs[0]!, rows, key)];
  }
  // Rows keyed by input name (TF Serving "row" format): regroup them into one column per input.
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isPlainObject(row)) {
      throw invalidArgument(`${key}[${i}]: expected an object keyed by input name like ${key}[0], got ${describeValue(row)}`);
    }
    checkKeys(row, inputs, `${key}[${i}]`);
  }
  return inputs.map((meta) => {
    const column: unknown[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) column[i] = (rows[i] as Record<string, unknown>)[meta.name];
    return tensorFromRows(meta, column, key);
  });
}

/**
 * Decodes a KServe V1 `:predict` body into one tensor per model input (in `inputs` order).
 * Accepted forms:
 * - `{"instances": [row, ...]}`: one row per instance for a single-input model, shape [rows, ...row shape];
 * - `{"instances": [{"a": row, "b": row}, ...]}`: rows keyed by input name (required with several inputs);
 * - `{"inputs": ...}`: the same two row forms, or columnar `{"inputs": {"a": tensor, "b": tensor}}`
 *   where each value is the whole tensor and its shape comes from its nesting.
 * Datatypes come from the model's metadata; values are checked against them as in OIP JSON.
 * Rows must all have the same shape. Shapes are not checked against the metadata here
 * (validateAgainstMetadata does that).
 */
export function decodeV1Request(body: unknown, inputs: TensorMetadata[]): Tensor[] {
  if (!isPlainObject(body)) {
    throw invalidArgument(`V1 request: expected an object with "instances" or "inputs", got ${describeValue(body)}`);
  }
  const { instances, inputs: columns } = body;
  if (instances !== undefined && columns !== undefined) {
    throw invalidArgument('V1 request: expected one of "instances" or "inputs", got both');
  }
  if (inputs.length === 0) throw invalidArgument('V1 request: the model declares no inputs');
  if (instances !== undefined) {
    if (!Array.isArray(instances)) {
      throw invalidArgument(`"instances": expected an array of rows, got ${describeValue(instances)}`);
    }
    return decodeRows(instances, inputs, 'instances');
  }
  if (columns === undefined) {
    throw invalidArgument(`V1 request: expected "instances" or "inputs", got keys ${quoteNames(Object.keys(body))}`);
  }
  if (Array.isArray(columns)) return decodeRows(columns, inputs, 'inputs');
  if (isPlainObject(columns)) {
    checkKeys(columns, inputs, '"inputs"');
    return inputs.map((meta) => tensorFromColumn(meta, columns[meta.name]));
  }
  // A bare value for a single-input model, e.g. {"inputs": "some text"}.
  if (inputs.length === 1) return [tensorFromColumn(inputs[0]!, columns)];
  throw invalidArgument(
    `"inputs": expected an array of rows or an object keyed by input name, got ${describeValue(columns)}`,
  );
}

/** Row `row` of flat row-major `values` as nested arrays of `rowShape` (a bare value for scalar rows). */
function nestRow(values: readonly unknown[], rowShape: readonly number[], strides: readonly number[], offset: number, depth = 0): unknown {
  if (depth === rowShape.length) return values[offset];
  const dim = rowShape[depth]!;
  if (depth === rowShape.length - 1) return values.slice(offset, offset + dim);
  const out: unknown[] = new Array(dim);
  const stride = strides[depth]!;
  for (let i = 0; i < dim; i++) out[i] = nestRow(values, rowShape, strides, offset + i * stride, depth + 1);
  return out;
}

/** Per-row values of an output: first dimension is the batch; a scalar output is one row. */
function rowsOf(t: Tensor): unknown[] {
  const values = tensorDataToJson(t);
  if (t.shape.length === 0) return [values[0]];
  const rowShape = t.shape.slice(1);
  const strides = rowShape.map((_, d) => elementCount(rowShape.slice(d + 1)));
  const rowSize = elementCount(rowShape);
  const n = t.shape[0]!;
  const rows: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = nestRow(values, rowShape, strides, i * rowSize);
  return rows;
}

/**
 * Encodes outputs as a KServe V1 `:predict` response. A single output gives one value per row
 * (nested arrays for rank > 1 outputs); several outputs give `{ name: rowValue }` per row and must
 * agree on the batch size.
 */
export function encodeV1Response(outputs: Tensor[]): V1Response {
  if (outputs.length === 0) return { predictions: [] };
  if (outputs.length === 1) return { predictions: rowsOf(outputs[0]!) };
  const columns = outputs.map(rowsOf);
  const n = columns[0]!.length;
  for (let j = 1; j < outputs.length; j++) {
    if (columns[j]!.length !== n) {
      throw new InferenceError(
        'internal',
        `V1 response: outputs must share the batch size; output "${outputs[0]!.name}" has ${n} rows, output "${outputs[j]!.name}" has ${columns[j]!.length}`,
      );
    }
  }
  const predictions: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {};
    for (let j = 0; j < outputs.length; j++) row[outputs[j]!.name] = columns[j]![i];
    predictions[i] = row;
  }
  return { predictions };
}
