/**
 * A finished load test as a document: the saved JSON record, its Markdown, and the comparison with an
 * earlier run of the same deployment. Pure functions; files are savedRuns.ts's job.
 */
import type { LatencyPercentiles, LoadProtocol, LoadShape, LoadTestResult } from './loadTestTypes';

/** What a saved run holds (`.modeldeck/loadtests/<deployment>/<time>.json`). */
export interface LoadTestRecord extends LoadShape {
  kind: 'modeldeck-loadtest';
  /** The deployment's key: its name, or `kserve:<context>/<namespace>/<name>` for a remote one. */
  deployment: string;
  model: string;
  /** Where the load went (the infer URL or the gRPC address). */
  target: string;
  protocol: LoadProtocol;
  /** ISO time the run started. */
  startedAt: string;
  result: LoadTestResult;
}

/** One line of a comparison: the same figure in two runs. */
export interface ComparisonRow {
  label: string;
  before: number | undefined;
  after: number | undefined;
  /** after / before − 1, when both exist and before ≠ 0. */
  change?: number;
  /** Whether a bigger number is the better one (throughput) or the worse (latency, errors). */
  higherIsBetter: boolean;
}

const LATENCY_ROWS: [keyof LatencyPercentiles, string][] = [
  ['p50Ms', 'p50 latency (ms)'],
  ['p90Ms', 'p90 latency (ms)'],
  ['p95Ms', 'p95 latency (ms)'],
  ['p99Ms', 'p99 latency (ms)'],
  ['maxMs', 'max latency (ms)'],
];

/** Error rate of a run: failed / all measured requests (0 when none). */
export function errorRate(r: LoadTestResult): number {
  const n = r.ok + r.errors;
  return n === 0 ? 0 : r.errors / n;
}

export function compareRuns(before: LoadTestRecord, after: LoadTestRecord): ComparisonRow[] {
  const row = (label: string, b: number | undefined, a: number | undefined, higherIsBetter: boolean): ComparisonRow => ({
    label,
    before: b,
    after: a,
    ...(b !== undefined && a !== undefined && b !== 0 ? { change: a / b - 1 } : {}),
    higherIsBetter,
  });
  return [
    row('throughput (req/s)', before.result.throughputRps, after.result.throughputRps, true),
    ...LATENCY_ROWS.map(([k, label]) => row(label, before.result.latency?.[k], after.result.latency?.[k], false)),
    row('error rate', errorRate(before.result), errorRate(after.result), false),
  ];
}

/** Comparing is only fair for the same load: says what differs (empty: comparable). */
export function comparabilityNotes(before: LoadTestRecord, after: LoadTestRecord): string[] {
  const notes: string[] = [];
  if (before.protocol !== after.protocol) notes.push(`protocol ${before.protocol} → ${after.protocol}`);
  if (before.concurrency !== after.concurrency) notes.push(`concurrency ${before.concurrency} → ${after.concurrency}`);
  if ((before.ratePerS ?? 0) !== (after.ratePerS ?? 0)) notes.push(`target rate ${before.ratePerS ?? 'unpaced'} → ${after.ratePerS ?? 'unpaced'}`);
  if (before.model !== after.model) notes.push(`model ${before.model} → ${after.model}`);
  return notes;
}

const fmt = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number | undefined): string => (v === undefined ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`);

/** Whether a change is better, worse or the same (within 2 %, noise on a shared machine). */
export function verdict(row: ComparisonRow): 'better' | 'worse' | 'same' | 'unknown' {
  if (row.change === undefined) return 'unknown';
  if (Math.abs(row.change) < 0.02) return 'same';
  return row.change > 0 === row.higherIsBetter ? 'better' : 'worse';
}

export function recordMarkdown(rec: LoadTestRecord, earlier?: LoadTestRecord): string {
  const r = rec.result;
  const lines = [
    `# Load test: ${rec.deployment}`,
    '',
    `- started: ${rec.startedAt}`,
    `- target: ${rec.target} (model \`${rec.model}\`, ${rec.protocol})`,
    `- load: concurrency ${rec.concurrency}, ${rec.ratePerS ? `paced at ${rec.ratePerS} req/s` : 'unpaced'}, ${rec.durationS} s after a ${rec.warmupS ?? 0.5} s warm-up${r.stopped ? ' (stopped early)' : ''}`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| throughput | ${fmt(r.throughputRps, 1)} req/s |`,
    `| requests | ${r.ok} ok, ${r.errors} failed (${fmt(errorRate(r) * 100, 2)} %) in ${fmt(r.elapsedS, 2)} s |`,
    ...LATENCY_ROWS.map(([k, label]) => `| ${label} | ${fmt(r.latency?.[k], 3)} |`),
    `| mean latency (ms) | ${fmt(r.latency?.meanMs, 3)} |`,
  ];
  if (r.errorKinds.length > 0) {
    lines.push('', '## Errors', '', '| count | error |', '| --- | --- |', ...r.errorKinds.map((e) => `| ${e.count} | ${e.message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`));
  }
  if (earlier) {
    const notes = comparabilityNotes(earlier, rec);
    lines.push('', `## Compared with ${earlier.startedAt}`, '');
    if (notes.length > 0) lines.push(`Not the same load: ${notes.join(', ')}.`, '');
    lines.push('| figure | before | now | change | |', '| --- | --- | --- | --- | --- |');
    for (const row of compareRuns(earlier, rec)) {
      const digits = row.label === 'error rate' ? 4 : row.label.startsWith('throughput') ? 1 : 3;
      lines.push(`| ${row.label} | ${fmt(row.before, digits)} | ${fmt(row.after, digits)} | ${pct(row.change)} | ${verdict(row)} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Reads a saved record back; undefined when the JSON is not one. */
export function parseRecord(json: unknown): LoadTestRecord | undefined {
  const r = json as Partial<LoadTestRecord> | null;
  if (!r || r.kind !== 'modeldeck-loadtest' || typeof r.deployment !== 'string' || typeof r.startedAt !== 'string') return undefined;
  const res = r.result as Partial<LoadTestResult> | undefined;
  if (!res || typeof res.throughputRps !== 'number' || typeof res.ok !== 'number' || typeof res.errors !== 'number') return undefined;
  return r as LoadTestRecord;
}
