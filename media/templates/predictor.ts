/**
 * ModelDeck predictor module: serves the ONNX model in MODEL_FILES_PATH with onnxruntime-node.
 *
 * The serving host imports this module, creates one Predictor and awaits predict() for every
 * request. It needs onnxruntime-node: the ModelDeck server lends it its own copy; elsewhere npm install onnxruntime-node.
 *
 * Contract (as in Hopsworks; the ModelDeck script host calls these methods the same way):
 *   predict      receives the request's instances as an array of rows (KServe V1 "instances")
 *                and returns a list of predictions, one per row.
 *   preprocess   receives and returns the request payload dict {"instances": [...]}.
 *   postprocess  receives and returns the response dict {"predictions": [...]}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';

type Runtime = typeof ort;

export class Predictor {
  readonly modelFilesPath: string;
  readonly artifactFilesPath: string;
  readonly deploymentName: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly artifactVersion: string;
  private readonly loading: Promise<{ runtime: Runtime; session: ort.InferenceSession }>;

  constructor() {
    // Set by the serving host (ModelDeck or Hopsworks).
    const modelFilesPath = process.env.MODEL_FILES_PATH;
    if (!modelFilesPath) {
      throw new Error('MODEL_FILES_PATH is not set: it must name the model version folder or its .onnx file');
    }
    this.modelFilesPath = modelFilesPath;
    this.artifactFilesPath = process.env.ARTIFACT_FILES_PATH ?? modelFilesPath;
    this.deploymentName = process.env.DEPLOYMENT_NAME ?? '';
    this.modelName = process.env.MODEL_NAME ?? '';
    this.modelVersion = process.env.MODEL_VERSION ?? '';
    this.artifactVersion = process.env.ARTIFACT_VERSION ?? '';
    this.loading = loadSession(findOnnxFile(modelFilesPath));
    // predict() reports a failed load; until then it must not count as an unhandled rejection.
    this.loading.catch(() => undefined);
  }

  /** Runs the model on an array of rows and returns one prediction per row. */
  async predict(inputs: unknown[]): Promise<unknown[]> {
    console.log('predicting ' + inputs.length + (inputs.length === 1 ? ' row' : ' rows')); // one line per request in Show Logs
    const { runtime, session } = await this.loading;
    const feeds: Record<string, ort.Tensor> = {};
    const inputMetadata = session.inputMetadata;
    for (const meta of inputMetadata) {
      // One input: plain rows. Several inputs: each row is an object keyed by input name.
      const rows = inputMetadata.length === 1 ? inputs : inputs.map((row) => (row as Record<string, unknown>)[meta.name]);
      feeds[meta.name] = toTensor(runtime, meta, rows);
    }
    const results = await session.run(feeds);
    const columns = session.outputNames.map((name) => rowsOf(results[name]!));
    if (columns.length === 1) return columns[0]!;
    // Several outputs (e.g. label and probabilities): one object per row, keyed by output name.
    return inputs.map((_, i) => Object.fromEntries(session.outputNames.map((name, k) => [name, columns[k]![i]])));
  }
}

async function loadSession(modelFile: string): Promise<{ runtime: Runtime; session: ort.InferenceSession }> {
  let runtime: Runtime;
  try {
    const loaded: Runtime & { default?: Runtime } = await import('onnxruntime-node');
    runtime = loaded.default ?? loaded;
  } catch (err) {
    throw new Error(
      'This predictor needs onnxruntime-node, which could not be loaded (' + String(err) + '). ' +
        'Install it beside the predictor: npm install onnxruntime-node',
    );
  }
  // List 'cuda' before 'cpu' when onnxruntime-node's CUDA provider is installed.
  const session = await runtime.InferenceSession.create(modelFile, { executionProviders: ['cpu'] });
  return { runtime, session };
}

/** The path itself when it is an .onnx file; else model.onnx, or the only *.onnx file, in that folder. */
function findOnnxFile(where: string): string {
  if (where.endsWith('.onnx') && fs.statSync(where, { throwIfNoEntry: false })?.isFile()) return where;
  const preferred = path.join(where, 'model.onnx');
  if (fs.existsSync(preferred)) return preferred;
  const found = fs.readdirSync(where).filter((name) => name.endsWith('.onnx')).sort();
  if (found.length !== 1) {
    throw new Error('expected model.onnx or exactly one .onnx file in ' + where + ', found ' + found.length);
  }
  return path.join(where, found[0]!);
}

/** A tensor of shape [rows, ...row shape] from JSON rows. */
function toTensor(runtime: Runtime, meta: ort.InferenceSession.ValueMetadata, rows: unknown[]): ort.Tensor {
  if (!meta.isTensor) throw new Error('input ' + meta.name + ' is not a tensor');
  const shape = [rows.length, ...shapeOf(rows[0])];
  const values = (rows as unknown[]).flat(Infinity) as unknown[];
  if (values.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new Error('input ' + meta.name + ': rows must all have the shape [' + shape.slice(1).join(', ') + ']');
  }
  return new runtime.Tensor(meta.type, typedValues(meta.type, values), shape);
}

function shapeOf(row: unknown): number[] {
  return Array.isArray(row) ? [row.length, ...shapeOf(row[0])] : [];
}

function typedValues(type: ort.Tensor.Type, values: unknown[]): ort.Tensor.DataType {
  const numbers = values as number[];
  switch (type) {
    case 'float32': return Float32Array.from(numbers);
    case 'float64': return Float64Array.from(numbers);
    case 'int8': return Int8Array.from(numbers);
    case 'int16': return Int16Array.from(numbers);
    case 'int32': return Int32Array.from(numbers);
    case 'int64': return BigInt64Array.from(numbers, (v) => BigInt(v));
    case 'uint8': return Uint8Array.from(numbers);
    case 'uint16': return Uint16Array.from(numbers);
    case 'uint32': return Uint32Array.from(numbers);
    case 'uint64': return BigUint64Array.from(numbers, (v) => BigInt(v));
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'string': return values.map(String);
    default: throw new Error('inputs of type ' + type + ' are not supported by this predictor');
  }
}

/** One JSON value per row (the first dimension); int64 values become numbers. */
function rowsOf(tensor: ort.Tensor): unknown[] {
  const flat = Array.from(tensor.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  if (tensor.dims.length === 0) return flat;
  const rowShape = tensor.dims.slice(1);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const rows: unknown[] = [];
  for (let r = 0; r < tensor.dims[0]!; r++) rows.push(nest(flat.slice(r * rowSize, (r + 1) * rowSize), rowShape));
  return rows;
}

function nest(values: unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  if (shape.length === 1) return values;
  const size = values.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nest(values.slice(i * size, (i + 1) * size), shape.slice(1)));
}
