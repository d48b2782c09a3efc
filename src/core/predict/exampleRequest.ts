/**
 * The request the predict panel starts with: the version's `input_example` when model.json has one
 * (real rows, so the answer means something), else a generated one from the metadata (zeros, with
 * each dynamic dimension set to 1). Either as V2 tensors or, for single-input models, V1 instances.
 */
import type { ModelMetadataView, RequestFormat } from './predictTypes';
import { DATATYPES, elementCount, flattenData } from './tensorData';
import { parseRequest, type V2Request } from './requestModel';

/** Pretty request text in `format` (V1 falls back to V2 for models with several inputs). */
export function exampleRequestText(meta: ModelMetadataView, inputExample: unknown, format: RequestFormat): string {
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
