/**
 * Reading classifier outputs: the k best classes of each row with their labels, and class-index
 * outputs (`label` INT64 [N]) shown with the label of each index. Only when the model has labels:
 * an output is taken for class scores when its last dimension is the number of labels.
 */
import type { ResultTensor, TopKEntry, TopKTable } from './predictTypes';

const FLOAT = new Set(['FP16', 'FP32', 'FP64']);
const INTEGER = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** Top-k tables for every output that holds one score per label ([N, C] or [C]). */
export function topKTables(outputs: readonly ResultTensor[], labels: readonly string[] | undefined, k = 5): TopKTable[] {
  if (!labels || labels.length < 2) return [];
  const tables: TopKTable[] = [];
  for (const o of outputs) {
    if (!FLOAT.has(o.datatype) || o.shape.length < 1 || o.shape.length > 2) continue;
    const classes = o.shape[o.shape.length - 1]!;
    if (classes !== labels.length) continue;
    const values = o.data.map(Number);
    const rows: number[][] = [];
    for (let r = 0; r * classes < values.length; r++) rows.push(values.slice(r * classes, (r + 1) * classes));
    const probabilities = rows.every(isDistribution);
    const kk = Math.min(k, classes);
    tables.push({
      output: o.name,
      k: kk,
      scores: probabilities ? 'probability' : 'logit',
      rows: rows.map((row) => rankRow(row, probabilities ? row : softmax(row), labels, kk)),
    });
  }
  return tables;
}

/** Integer outputs whose values are all valid class indices get each element's label. */
export function withClassLabels(outputs: readonly ResultTensor[], labels: readonly string[] | undefined): ResultTensor[] {
  if (!labels || labels.length === 0) return [...outputs];
  return outputs.map((o) => {
    if (!INTEGER.has(o.datatype) || o.data.length === 0) return o;
    const indices = o.data.map(Number);
    if (!indices.every((i) => Number.isInteger(i) && i >= 0 && i < labels.length)) return o;
    return { ...o, labels: indices.map((i) => labels[i]) };
  });
}

function rankRow(scores: number[], probabilities: number[], labels: readonly string[], k: number): TopKEntry[] {
  return scores
    .map((score, index) => ({ index, score, probability: probabilities[index]! }))
    // Ties keep the lower class index first, so the order is stable across runs.
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k)
    .map((e) => ({ ...e, ...(labels[e.index] !== undefined ? { label: labels[e.index] } : {}) }));
}

function isDistribution(row: number[]): boolean {
  return row.every((v) => v >= 0 && v <= 1) && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3;
}

/** Numerically stable softmax (shifted by the row maximum). */
export function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
