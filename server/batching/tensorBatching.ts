import type { Tensor, TensorData, TensorMetadata } from '../tensor/types';

/**
 * Key under which requests may share a batch: same input names, datatypes and non-batch
 * dimensions, and the same requested outputs. `undefined` when the request cannot be batched
 * (scalar inputs, inputs that disagree on dimension 0, or a model without a dynamic batch dim).
 */
export function batchKey(inputs: Tensor[], outputNames: string[], signature: TensorMetadata[]): { key: string; rows: number } | undefined {
  if (inputs.length === 0) return undefined;
  const rows = inputs[0]!.shape[0];
  if (rows === undefined) return undefined;
  const parts: string[] = [];
  const sorted = [...inputs].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const t of sorted) {
    if (t.shape.length === 0 || t.shape[0] !== rows) return undefined;
    const meta = signature.find((m) => m.name === t.name);
    if (!meta || meta.shape[0] !== -1) return undefined; // fixed batch dimension: cannot grow it
    parts.push(`${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`);
  }
  return { key: `${parts.join('|')}>${outputNames.join(',')}`, rows };
}

function concatData(list: TensorData[], total: number): TensorData {
  const first = list[0]!;
  if (Array.isArray(first)) return ([] as Uint8Array[]).concat(...(list as Uint8Array[][]));
  const Ctor = first.constructor as new (n: number) => Exclude<TensorData, Uint8Array[]>;
  const out = new Ctor(total);
  let offset = 0;
  for (const d of list as Exclude<TensorData, Uint8Array[]>[]) {
    (out as Float32Array).set(d as Float32Array, offset);
    offset += d.length;
  }
  return out;
}

/** Concatenates the same-keyed inputs of several requests along dimension 0. */
export function concatInputs(requests: Tensor[][]): Tensor[] {
  const first = requests[0]!;
  return first.map((t) => {
    const parts = requests.map((r) => r.find((x) => x.name === t.name)!);
    const rows = parts.reduce((n, p) => n + p.shape[0]!, 0);
    const total = parts.reduce((n, p) => n + p.data.length, 0);
    return { name: t.name, datatype: t.datatype, shape: [rows, ...t.shape.slice(1)], data: concatData(parts.map((p) => p.data), total) };
  });
}

/**
 * Splits batched outputs back into each request's rows. `undefined` when an output's dimension 0
 * does not equal the batch's rows (the model does not map rows to rows, so it cannot be batched).
 */
export function splitOutputs(outputs: Tensor[], rowsPerRequest: number[]): Tensor[][] | undefined {
  const total = rowsPerRequest.reduce((a, b) => a + b, 0);
  for (const o of outputs) if (o.shape[0] !== total) return undefined;
  const result: Tensor[][] = rowsPerRequest.map(() => []);
  for (const o of outputs) {
    const perRow = total === 0 ? 0 : o.data.length / total;
    let row = 0;
    rowsPerRequest.forEach((rows, i) => {
      const start = row * perRow;
      const end = (row + rows) * perRow;
      // slice(), not subarray(): each response must own its bytes (they may be transferred).
      const data = o.data.slice(start, end) as TensorData;
      result[i]!.push({ name: o.name, datatype: o.datatype, shape: [rows, ...o.shape.slice(1)], data });
      row += rows;
    });
  }
  return result;
}
