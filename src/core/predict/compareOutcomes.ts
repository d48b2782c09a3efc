/**
 * Comparing two answers from the history, output by output: did the shape change, how far apart
 * are the numbers, and (for classifiers) which rows changed their top class. What an ML engineer
 * checks after swapping a version or switching the transport.
 */
import type { InferSuccess, OutputComparison, ResultTensor, TopKTable } from './predictTypes';

export function compareOutcomes(a: InferSuccess, b: InferSuccess): OutputComparison[] {
  const names = [...new Set([...a.outputs.map((o) => o.name), ...b.outputs.map((o) => o.name)])];
  return names.map((name) => compareOutput(name, a.outputs.find((o) => o.name === name), b.outputs.find((o) => o.name === name), a.topK, b.topK));
}

function compareOutput(name: string, x: ResultTensor | undefined, y: ResultTensor | undefined, topA: TopKTable[], topB: TopKTable[]): OutputComparison {
  if (!x) return { name, shapeB: y!.shape, note: 'only in B' };
  if (!y) return { name, shapeA: x.shape, note: 'only in A' };
  const base = { name, shapeA: x.shape, shapeB: y.shape };
  if (x.shape.join(',') !== y.shape.join(',') || x.data.length !== y.data.length) return { ...base, note: 'shapes differ' };
  let changed = 0;
  let maxAbsDiff = 0;
  let numeric = true;
  x.data.forEach((v, i) => {
    const w = y.data[i];
    if (v === w) return;
    changed++;
    if (typeof v === 'number' && typeof w === 'number') maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - w));
    else numeric = false;
  });
  const ta = topA.find((t) => t.output === name);
  const tb = topB.find((t) => t.output === name);
  const top1Changes: { row: number; a: string; b: string }[] = [];
  if (ta && tb) {
    ta.rows.forEach((row, r) => {
      const ea = row[0];
      const eb = tb.rows[r]?.[0];
      if (ea && eb && ea.index !== eb.index) top1Changes.push({ row: r, a: ea.label ?? String(ea.index), b: eb.label ?? String(eb.index) });
    });
  }
  const note = changed === 0 ? 'identical' : `${changed} of ${x.data.length} values differ${numeric ? ` (max |Δ| ${formatDiff(maxAbsDiff)})` : ''}`;
  return {
    ...base,
    changed,
    total: x.data.length,
    ...(numeric ? { maxAbsDiff } : {}),
    ...(ta && tb ? { top1Changes } : {}),
    note,
  };
}

function formatDiff(n: number): string {
  return n === 0 ? '0' : n < 1e-3 ? n.toExponential(2) : n.toPrecision(3);
}
