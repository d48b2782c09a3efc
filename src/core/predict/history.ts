/**
 * The predict panel's request history: newest first, bounded, and with each answer trimmed so a
 * model with large outputs cannot bloat workspace storage or the messages to the page.
 */
import type { InferOutcome } from './predictTypes';

/** Entries kept per deployment. */
export const HISTORY_LIMIT = 50;
/** Values kept per output tensor in a stored answer. */
export const MAX_VALUES_PER_OUTPUT = 10_000;
/** Characters kept of the raw response text. */
export const MAX_RAW_CHARS = 200_000;

/** Adds `entry` first and drops the oldest beyond `limit`. */
export function pushHistory<T>(entries: readonly T[], entry: T, limit = HISTORY_LIMIT): T[] {
  return [entry, ...entries].slice(0, limit);
}

/** A copy with every output cut to `maxValues` values and the raw text to `maxRaw` characters (noted where cut). */
export function trimOutcome(outcome: InferOutcome, maxValues = MAX_VALUES_PER_OUTPUT, maxRaw = MAX_RAW_CHARS): InferOutcome {
  const raw = outcome.raw !== undefined && outcome.raw.length > maxRaw ? `${outcome.raw.slice(0, maxRaw)}\n… (${outcome.raw.length - maxRaw} more characters not kept)` : outcome.raw;
  if (!outcome.ok) return raw === undefined ? outcome : { ...outcome, raw };
  return {
    ...outcome,
    ...(raw !== undefined ? { raw } : {}),
    ...(outcome.predictions && outcome.predictions.length > maxValues ? { predictions: outcome.predictions.slice(0, maxValues) } : {}),
    outputs: outcome.outputs.map((o) =>
      o.data.length <= maxValues ? o : { ...o, data: o.data.slice(0, maxValues), ...(o.labels ? { labels: o.labels.slice(0, maxValues) } : {}) },
    ),
  };
}

/** One line describing an answer, for the history list: "label [2, 1] · 3.1 ms" or the error. */
export function outcomeSummary(outcome: InferOutcome): string {
  if (!outcome.ok) return outcome.status ? `${outcome.status}: ${outcome.error}` : outcome.error;
  const first = outcome.topK[0];
  const parts: string[] = [];
  if (first) {
    parts.push(`${first.output}: ${first.rows.map((r) => r[0]?.label ?? String(r[0]?.index)).join(', ')}`);
  } else if (outcome.outputs[0]) {
    const o = outcome.outputs[0];
    const values = o.data.slice(0, 4).map((v, i) => (o.labels?.[i] !== undefined ? o.labels[i] : typeof v === 'number' ? round(v) : String(v)));
    parts.push(`${o.name}: ${values.join(', ')}${o.data.length > 4 ? ', …' : ''}`);
  }
  return parts.join(' · ');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}
