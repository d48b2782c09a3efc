/**
 * Reading a request the user typed (or a request file) and checking it against the model's
 * metadata before anything is sent, so a typo in an input name or a wrong shape is reported as a
 * sentence naming the input, what the model expects and what the request has.
 */
import type { ModelMetadataView, RequestFormat, ScriptInfo, TensorSpec } from './predictTypes';
import { DATATYPES, elementCount, flattenData } from './tensorData';

/** One input tensor of an OIP V2 request, with `data` flattened row-major. */
export interface V2InputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
  parameters?: Record<string, unknown>;
}

/** An OIP V2 infer request body. */
export interface V2Request {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: V2InputTensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

/** A parsed request: V2 tensors, or V1 `instances`. */
export type ParsedRequest = { format: 'v2'; body: V2Request } | { format: 'v1'; instances: unknown[] };

export type ParseResult = { ok: true; request: ParsedRequest } | { ok: false; problems: string[] };

/**
 * Parses request text. `{"inputs": [...]}` is V2, `{"instances": [...]}` is V1. Structural problems
 * (not JSON, missing keys, wrong types) are all listed, each naming where it is.
 */
export function parseRequestText(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { ok: false, problems: [`the request is not valid JSON: ${jsonErrorAt(err, text)}`] };
  }
  return parseRequest(json);
}

/** {@link parseRequestText} for an already parsed value. */
export function parseRequest(json: unknown): ParseResult {
  if (!isRecord(json)) return { ok: false, problems: ['the request must be a JSON object with "inputs" (V2) or "instances" (V1)'] };
  if (Array.isArray(json.instances)) {
    if (json.instances.length === 0) return { ok: false, problems: ['"instances" is empty: give at least one instance'] };
    return { ok: true, request: { format: 'v1', instances: json.instances } };
  }
  if (!Array.isArray(json.inputs)) {
    return { ok: false, problems: ['the request has neither "inputs" (an OIP V2 tensor list) nor "instances" (KServe V1)'] };
  }
  const problems: string[] = [];
  if (json.inputs.length === 0) problems.push('"inputs" is empty: give at least one tensor {name, shape, datatype, data}');
  if (json.id !== undefined && typeof json.id !== 'string') problems.push(`"id" must be a string (got ${show(json.id)})`);
  if (json.parameters !== undefined && !isRecord(json.parameters)) problems.push('"parameters" must be an object');
  if (json.outputs !== undefined && (!Array.isArray(json.outputs) || !json.outputs.every((o) => isRecord(o) && typeof o.name === 'string'))) {
    problems.push('"outputs" must be a list of {"name": …}');
  }
  const inputs: V2InputTensor[] = [];
  json.inputs.forEach((raw, i) => {
    const where = `inputs[${i}]`;
    if (!isRecord(raw)) {
      problems.push(`${where} must be an object {name, shape, datatype, data}`);
      return;
    }
    const label = typeof raw.name === 'string' ? `${where} "${raw.name}"` : where;
    const before = problems.length;
    if (typeof raw.name !== 'string' || raw.name === '') problems.push(`${where} needs a "name"`);
    if (typeof raw.datatype !== 'string') problems.push(`${label} needs a "datatype" such as "FP32"`);
    else if (!DATATYPES[raw.datatype]) problems.push(`${label}: datatype "${raw.datatype}" is not an OIP datatype (${Object.keys(DATATYPES).join(', ')})`);
    if (!Array.isArray(raw.shape) || !raw.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      problems.push(`${label}: "shape" must be a list of non-negative integers (got ${show(raw.shape)})`);
    }
    if (raw.data === undefined) problems.push(`${label} has no "data"`);
    if (raw.parameters !== undefined && !isRecord(raw.parameters)) problems.push(`${label}: "parameters" must be an object`);
    if (problems.length > before) return;
    inputs.push({
      name: raw.name as string,
      datatype: raw.datatype as string,
      shape: raw.shape as number[],
      data: flattenData(raw.data),
      ...(isRecord(raw.parameters) ? { parameters: raw.parameters } : {}),
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  const body: V2Request = { inputs };
  if (typeof json.id === 'string') body.id = json.id;
  if (isRecord(json.parameters)) body.parameters = json.parameters;
  if (Array.isArray(json.outputs)) body.outputs = json.outputs as V2Request['outputs'];
  return { ok: true, request: { format: 'v2', body } };
}

/**
 * Every way the request does not fit the model: unknown, missing or repeated inputs, datatypes,
 * ranks, fixed dimensions, element counts and element types; for V1, the single input and the
 * size of each instance. Empty when it fits.
 */
export function checkRequest(request: ParsedRequest, meta: ModelMetadataView): string[] {
  if (scriptDefined(meta)) return jsonShapeProblems(request);
  if (request.format === 'v1') return checkV1(request.instances, meta);
  const problems: string[] = [];
  const seen = new Set<string>();
  request.body.inputs.forEach((t, i) => {
    const label = `inputs[${i}] "${t.name}"`;
    if (seen.has(t.name)) problems.push(`${label} is given twice`);
    seen.add(t.name);
    const spec = meta.inputs.find((s) => s.name === t.name);
    if (!spec) {
      const guess = closestName(t.name, meta.inputs.map((s) => s.name));
      problems.push(`${label}: the model has no input named "${t.name}"${guess ? ` (did you mean "${guess}"?)` : ''}; its inputs: ${describeSpecs(meta.inputs)}`);
      return;
    }
    if (t.datatype !== spec.datatype) problems.push(`${label}: datatype ${t.datatype} does not match the model's ${spec.datatype}`);
    const shapeProblem = shapeMismatch(t.shape, spec.shape);
    if (shapeProblem) problems.push(`${label}: shape [${t.shape.join(',')}] does not fit the model's [${spec.shape.join(',')}]: ${shapeProblem}`);
    const expected = elementCount(t.shape);
    if (t.data.length !== expected) {
      problems.push(`${label}: shape [${t.shape.join(',')}] holds ${expected} value${expected === 1 ? '' : 's'} but "data" has ${t.data.length}`);
    }
    const bad = t.data.findIndex((v) => !valueFits(v, t.datatype));
    if (bad >= 0) problems.push(`${label}: data[${bad}] is ${show(t.data[bad])}, not ${kindPhrase(t.datatype)}`);
  });
  for (const spec of meta.inputs) {
    if (!seen.has(spec.name)) problems.push(`missing input "${spec.name}" (${spec.datatype} [${spec.shape.join(',')}])`);
  }
  for (const o of request.body.outputs ?? []) {
    if (!meta.outputs.some((s) => s.name === o.name)) {
      problems.push(`outputs: the model has no output named "${o.name}"; its outputs: ${meta.outputs.map((s) => s.name).join(', ')}`);
    }
  }
  return problems;
}

/**
 * Whether the deployment's script decides what a request may hold, so the model's signature cannot
 * judge it: a predictor script (its metadata declares no inputs or outputs), or a transformer in
 * front of the model (its `preprocess` turns whatever it accepts into the predictor's input).
 */
export function scriptDefined(meta: ModelMetadataView): boolean {
  return meta.predictorScript !== undefined || meta.transformerScript !== undefined || /_script$/.test(meta.platform ?? '') || meta.inputs.length === 0;
}

/**
 * One line for the panel saying who decides what a request holds, for a script deployment;
 * undefined for a model judged by its signature.
 */
export function scriptNote(meta: ModelMetadataView): string | undefined {
  if (!scriptDefined(meta)) return undefined;
  const describe = (role: string, s: ScriptInfo) =>
    `${role} script ${s.path.split(/[\\/]/).pop()}${s.className ? ` (class ${s.className}${s.runtime ? ` on ${s.runtime}` : ''})` : ''}`;
  const parts = [meta.transformerScript ? describe('transformer', meta.transformerScript) : '', meta.predictorScript ? describe('predictor', meta.predictorScript) : ''].filter(Boolean);
  const who = parts.length ? `Served through the ${parts.join(' and the ')}` : 'Served by a script';
  const what = meta.transformerScript ? 'its transformer defines what a request may hold' : 'the script defines what it accepts (no declared signature)';
  return `${who}: ${what}. Requests are sent as written, checked only as JSON.`;
}

/**
 * Whether an error message is an exception the deployment's script raised (the server answers
 * `"<script file> raised <Exception>: <message>"`, 500 / gRPC INTERNAL), not a check of the server.
 */
export function raisedByScript(message: string, meta: ModelMetadataView): boolean {
  const files = [meta.predictorScript?.path, meta.transformerScript?.path].filter((p): p is string => !!p).map((p) => p.split(/[\\/]/).pop()!);
  return files.some((f) => message.startsWith(`${f} raised `)) || (files.length === 0 && scriptDefined(meta) && /^\S+\.(py|[cm]?[jt]s) raised \w/.test(message));
}

/**
 * The checks that need no signature: a V2 tensor's `data` must hold as many values as its shape
 * says, of its datatype's kind, and no input may be named twice (the server refuses those before
 * any script runs). V1 instances are any JSON the script takes.
 */
function jsonShapeProblems(request: ParsedRequest): string[] {
  if (request.format === 'v1') return [];
  const problems: string[] = [];
  const seen = new Set<string>();
  request.body.inputs.forEach((t, i) => {
    const label = `inputs[${i}] "${t.name}"`;
    if (seen.has(t.name)) problems.push(`${label} is given twice`);
    seen.add(t.name);
    const expected = elementCount(t.shape);
    if (t.data.length !== expected) {
      problems.push(`${label}: shape [${t.shape.join(',')}] holds ${expected} value${expected === 1 ? '' : 's'} but "data" has ${t.data.length}`);
    }
    const bad = t.data.findIndex((v) => !valueFits(v, t.datatype));
    if (bad >= 0) problems.push(`${label}: data[${bad}] is ${show(t.data[bad])}, not ${kindPhrase(t.datatype)}`);
  });
  return problems;
}

function checkV1(instances: unknown[], meta: ModelMetadataView): string[] {
  if (meta.inputs.length !== 1) {
    return [`V1 "instances" need a model with one input; this one has ${meta.inputs.length} (${describeSpecs(meta.inputs)}): send V2 tensors instead`];
  }
  const spec = meta.inputs[0]!;
  const rowShape = spec.shape.slice(1);
  const perRow = rowShape.every((d) => d >= 0) ? elementCount(rowShape) : undefined;
  const problems: string[] = [];
  instances.forEach((inst, i) => {
    const flat = flattenData(inst);
    if (perRow !== undefined && flat.length !== perRow) {
      problems.push(`instances[${i}] has ${flat.length} value${flat.length === 1 ? '' : 's'}; "${spec.name}" takes ${perRow} per instance (shape [${spec.shape.join(',')}])`);
    }
    const bad = flat.findIndex((v) => !valueFits(v, spec.datatype));
    if (bad >= 0) problems.push(`instances[${i}]: value ${bad} is ${show(flat[bad])}, not ${kindPhrase(spec.datatype)}`);
  });
  return problems;
}

/** V1 instances as the equivalent V2 tensor of the model's single input (gRPC and grpcurl need tensors). */
export function v1AsV2(instances: unknown[], input: TensorSpec): V2Request {
  const rows = instances.map((r) => flattenData(r));
  const nested = Array.isArray(instances[0]) ? nestedShape(instances[0]) : [];
  const rowShape = input.shape.slice(1).map((d, i) => (d >= 0 ? d : (nested[i] ?? rows[0]!.length)));
  return { inputs: [{ name: input.name, datatype: input.datatype, shape: [rows.length, ...rowShape], data: rows.flat() }] };
}

/**
 * The input names of a V2 request file (for "Predict with" lenses), or undefined when the text is
 * not one. Text that does not parse (mid-edit) still counts when it plainly starts as a request
 * object with "inputs", so lenses do not flicker while typing.
 */
export function requestFileInputs(text: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    if (!/^\s*\{\s*(?:"(?:id|parameters)"\s*:[^\[]*?,\s*)?"inputs"\s*:\s*\[/.test(text)) return undefined;
    return [...text.matchAll(/"name"\s*:\s*"([^"]+)"/g)].map((m) => m[1]!);
  }
  // A request with a wrong datatype or shape still gets its lenses: sending it says what is wrong.
  if (!isRecord(json) || !Array.isArray(json.inputs)) return undefined;
  return json.inputs.flatMap((i) => (isRecord(i) && typeof i.name === 'string' ? [i.name] : []));
}

/**
 * Which formats a model can take, the one to start with first: V1 only with a single input; a
 * script deployment speaks V1 first (Hopsworks' and KServe's main protocol for scripts), V2 too.
 */
export function formatsFor(meta: ModelMetadataView): RequestFormat[] {
  if (scriptDefined(meta)) return ['v1', 'v2'];
  return meta.inputs.length === 1 ? ['v2', 'v1'] : ['v2'];
}

/** Dimensions of nested arrays, following the first element at each level. */
export function nestedShape(v: unknown): number[] {
  const dims: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    dims.push(cur.length);
    cur = cur[0];
  }
  return dims;
}

function shapeMismatch(given: number[], model: number[]): string | undefined {
  if (given.length !== model.length) return `rank ${given.length}, the model takes rank ${model.length}`;
  const dim = model.findIndex((d, i) => d >= 0 && given[i] !== d);
  return dim >= 0 ? `dimension ${dim} must be ${model[dim]} (got ${given[dim]})` : undefined;
}

function valueFits(v: unknown, datatype: string): boolean {
  switch (DATATYPES[datatype]?.kind) {
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      // 64-bit integers may be written as strings to stay exact.
      return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
    case 'float':
      return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
    case 'bytes':
      return typeof v === 'string';
    default:
      return true;
  }
}

function kindPhrase(datatype: string): string {
  switch (DATATYPES[datatype]?.kind) {
    case 'bool':
      return `true/false (${datatype})`;
    case 'int':
      return `an integer (${datatype})`;
    case 'float':
      return `a number (${datatype})`;
    default:
      return `a string (${datatype})`;
  }
}

export function describeSpecs(specs: readonly TensorSpec[]): string {
  return specs.map((s) => `${s.name} ${s.datatype} [${s.shape.join(',')}]`).join(', ') || 'none';
}

function closestName(name: string, names: string[]): string | undefined {
  const lower = name.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower || n.toLowerCase().startsWith(lower.slice(0, 4)) || editDistance(n, name) <= 2);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// V8 reports an offset; a line and column are what an editor user can act on.
function jsonErrorAt(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /at position (\d+)/.exec(message);
  if (!m || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(m[1]));
  return `${message} (line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')})`;
}
