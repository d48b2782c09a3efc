/**
 * The request the predict panel starts with: the version's `input_example` when model.json has one
 * (real rows, so the answer means something), else a generated one from the metadata (zeros, with
 * each dynamic dimension set to 1). Either as V2 tensors or, for single-input models, V1 instances.
 */
import type { ModelMetadataView, RequestFormat } from './predictTypes';
import { DATATYPES, elementCount, flattenData } from './tensorData';
import { nestedShape, parseRequest, scriptDefined, type V2Request } from './requestModel';

/**
 * Pretty request text in `format` (V1 falls back to V2 for models with several inputs). A script
 * deployment gets {@link scriptExample}: the model's signature does not say what its script takes.
 */
export function exampleRequestText(meta: ModelMetadataView, inputExample: unknown, format: RequestFormat): string {
  if (scriptDefined(meta)) return pretty(scriptExample(inputExample, format).body);
  const v2 = exampleV2(meta, inputExample);
  if (format === 'v1' && meta.inputs.length === 1) return pretty(v2AsV1(v2));
  return pretty(v2);
}

/** The example as a V2 body: `input_example` when it parses, else zeros shaped like the metadata. */
export function exampleV2(meta: ModelMetadataView, inputExample: unknown): V2Request {
  if (inputExample !== undefined) {
    const parsed = parseRequest(inputExample);
    if (parsed.ok && parsed.request.format === 'v2') return parsed.request.body;
  }
  return {
    inputs: meta.inputs.map((s) => {
      const shape = s.shape.map((d) => (d < 0 ? 1 : d));
      const zero = DATATYPES[s.datatype]?.kind === 'bool' ? false : DATATYPES[s.datatype]?.kind === 'bytes' ? '' : 0;
      return { name: s.name, datatype: s.datatype, shape, data: new Array(elementCount(shape)).fill(zero) };
    }),
  };
}

/** The name KServe gives a script's unnamed input/output tensor. */
export const SCRIPT_TENSOR_NAME = 'input-0';

/**
 * The example for a script deployment (a predictor script, or a transformer in front of the model):
 * the version's `input_example` in the format asked (V2 tensors become V1 instances, one per row;
 * several inputs give one object per row keyed by input name, as the TypeScript template reads
 * them), else a placeholder (`placeholder: true`) the panel says to adapt: the script defines what
 * it accepts.
 */
export function scriptExample(inputExample: unknown, format: RequestFormat): { body: V2Request | { instances: unknown[] }; placeholder: boolean } {
  const parsed = inputExample === undefined ? undefined : parseRequest(inputExample);
  if (parsed?.ok) {
    const r = parsed.request;
    if (format === 'v1') return { body: r.format === 'v1' ? { instances: r.instances } : v2AsV1Rows(r.body), placeholder: false };
    if (r.format === 'v2') return { body: r.body, placeholder: false };
    return { body: instancesAsV2(r.instances), placeholder: false };
  }
  if (format === 'v1') return { body: { instances: [[0]] }, placeholder: true };
  return { body: { inputs: [{ name: SCRIPT_TENSOR_NAME, datatype: 'FP32', shape: [1, 1], data: [0] }] }, placeholder: true };
}

/** A V2 body as V1 instances of any number of inputs: rows of the one input, or one object per row keyed by input name. */
export function v2AsV1Rows(body: V2Request): { instances: unknown[] } {
  if (body.inputs.length <= 1) return v2AsV1(body);
  const columns = body.inputs.map((t) => ({ name: t.name, rows: v2AsV1({ inputs: [t] }).instances }));
  const n = Math.max(...columns.map((c) => c.rows.length));
  return { instances: Array.from({ length: n }, (_, r) => Object.fromEntries(columns.map((c) => [c.name, c.rows[r]]))) };
}

/**
 * V1 instances as one V2 tensor (`input-0`), its datatype read from the values: booleans BOOL,
 * strings BYTES, integers only INT64, else FP64 (what the server infers for a script's output too).
 */
export function instancesAsV2(instances: unknown[]): V2Request {
  const records = instances.length > 0 && instances.every((i) => i !== null && typeof i === 'object' && !Array.isArray(i));
  if (records) {
    // Named columns ({"x": …, "y": …} per row): one tensor per name.
    const names = [...new Set(instances.flatMap((i) => Object.keys(i as object)))];
    return { inputs: names.map((name) => ({ ...instancesAsV2(instances.map((i) => (i as Record<string, unknown>)[name] ?? null)).inputs[0]!, name })) };
  }
  const data = flattenData(instances);
  const datatype = data.every((v) => typeof v === 'boolean')
    ? 'BOOL'
    : data.some((v) => typeof v === 'string')
      ? 'BYTES'
      : data.every((v) => Number.isInteger(v))
        ? 'INT64'
        : 'FP64';
  return { inputs: [{ name: SCRIPT_TENSOR_NAME, datatype, shape: nestedShape(instances), data }] };
}

/** A single-input V2 body as V1 instances: one instance per row of dimension 0, nested like the row shape. */
export function v2AsV1(body: V2Request): { instances: unknown[] } {
  const t = body.inputs[0];
  if (!t) return { instances: [] };
  const data = flattenData(t.data);
  if (t.shape.length === 0) return { instances: data };
  const rows = t.shape[0]!;
  const rowShape = t.shape.slice(1);
  const per = elementCount(rowShape);
  const instances: unknown[] = [];
  for (let r = 0; r < rows; r++) instances.push(nest(data.slice(r * per, (r + 1) * per), rowShape));
  return { instances };
}

function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat;
  const per = elementCount(shape.slice(1));
  return Array.from({ length: shape[0]! }, (_, i) => nest(flat.slice(i * per, (i + 1) * per), shape.slice(1)));
}

/**
 * JSON with number arrays kept on one line per innermost row, so a 2×64 digits image is 2 lines,
 * not 128: readable in the panel's editor and in request files.
 */
export function pretty(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  return text.replace(/\[\s*\n\s*((?:[-\d.eE+]+|true|false|null|"[^"\n]*")(?:,\s*\n\s*(?:[-\d.eE+]+|true|false|null|"[^"\n]*"))*)\s*\n\s*\]/g, (_m, items: string) =>
    `[${items.split(/,\s*\n\s*/).join(', ')}]`,
  );
}
