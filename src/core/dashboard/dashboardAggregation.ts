/**
 * Two snapshots of a deployment's cumulative counters → one point of the dashboard's charts: rates
 * from counter deltas, latency percentiles from histogram bucket deltas (interpolated within a bucket
 * as Prometheus' histogram_quantile does), mean queue vs compute time, the batch-size histogram and
 * errors by reason over the interval. Pure: the clock is the snapshots' own `at`.
 */
import type { Buckets, DeploymentSnapshot } from './deploymentSnapshot';

/** One point of the charts (the interval ending at `at`). */
export interface DashboardPoint {
  /** ms since epoch. */
  at: number;
  intervalS: number;
  /** Requests per second, every outcome. */
  rps: number;
  errorRps: number;
  /** Server-side latency of successful requests over the interval, ms (absent without requests or buckets). */
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  meanMs?: number;
  /** Mean time a request waited for a worker / spent in the runtime, ms. */
  queueMs?: number;
  computeMs?: number;
  /** Executions per batch-size bucket over the interval (not cumulative): "≤ le requests per run". */
  batchSizes?: { le: number; count: number }[];
  /** Requests per execution over the interval. */
  meanBatch?: number;
  /** Failed requests by reason over the interval. */
  errorsByReason: Record<string, number>;
  /** The counters went back (the server restarted): this interval counts from zero. */
  reset: boolean;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** Total requests, to detect a counter reset. */
function total(s: DeploymentSnapshot): number {
  return sum(s.requests) + s.durationCount;
}

function deltaRecord(a: Record<string, number>, b: Record<string, number>, reset: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) {
    const d = reset ? v : v - (a[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

function deltaBuckets(a: Buckets | undefined, b: Buckets | undefined, reset: boolean): Buckets | undefined {
  if (!b) return undefined;
  if (reset || !a) return b.map((x) => ({ ...x }));
  const before = new Map(a.map((x) => [x.le, x.count]));
  return b.map((x) => ({ le: x.le, count: Math.max(0, x.count - (before.get(x.le) ?? 0)) }));
}

/**
 * The q-quantile (0..1) of a cumulative histogram, linear within the bucket that holds it (lower
 * bound: the previous bucket's bound, 0 for the first). In the +Inf bucket: the largest finite bound.
 */
export function histogramQuantile(q: number, buckets: Buckets): number | undefined {
  if (buckets.length === 0) return undefined;
  const n = buckets[buckets.length - 1]!.count;
  if (!(n > 0)) return undefined;
  const rank = q * n;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Non-cumulative counts per bucket. */
function perBucket(b: Buckets): { le: number; count: number }[] {
  return b.map((x, i) => ({ le: x.le, count: x.count - (i > 0 ? b[i - 1]!.count : 0) }));
}

const ms = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);
const mean = (dSum: number, dCount: number): number | undefined => (dCount > 0 ? (dSum / dCount) * 1000 : undefined);

export function dashboardPoint(prev: DeploymentSnapshot, cur: DeploymentSnapshot): DashboardPoint {
  const intervalS = Math.max(1e-3, (cur.at - prev.at) / 1000);
  const reset = total(cur) < total(prev);
  const requests = deltaRecord(prev.requests, cur.requests, reset);
  const { success = 0, ...errorsByReason } = requests;
  const errors = sum(errorsByReason);
  const d = (a: number, b: number): number => (reset ? b : b - a);
  const point: DashboardPoint = { at: cur.at, intervalS, rps: (success + errors) / intervalS, errorRps: errors / intervalS, errorsByReason, reset };
  const duration = deltaBuckets(prev.duration, cur.duration, reset);
  if (duration) {
    const p50 = ms(histogramQuantile(0.5, duration));
    const p95 = ms(histogramQuantile(0.95, duration));
    const p99 = ms(histogramQuantile(0.99, duration));
    if (p50 !== undefined) point.p50Ms = p50;
    if (p95 !== undefined) point.p95Ms = p95;
    if (p99 !== undefined) point.p99Ms = p99;
  }
  const meanMs = mean(d(prev.durationSum, cur.durationSum), d(prev.durationCount, cur.durationCount));
  const queueMs = mean(d(prev.queueSum, cur.queueSum), d(prev.queueCount, cur.queueCount));
  const computeMs = mean(d(prev.computeSum, cur.computeSum), d(prev.computeCount, cur.computeCount));
  if (meanMs !== undefined) point.meanMs = meanMs;
  if (queueMs !== undefined) point.queueMs = queueMs;
  if (computeMs !== undefined) point.computeMs = computeMs;
  const batch = deltaBuckets(prev.batch, cur.batch, reset);
  if (batch) {
    const runs = batch[batch.length - 1]!.count;
    // The +Inf bucket holds nothing the finite ones do not (the server's largest bucket is 128).
    point.batchSizes = perBucket(batch).filter((b) => b.le !== Infinity || b.count > 0);
    if (runs > 0) point.meanBatch = d(prev.durationCount, cur.durationCount) / runs;
  }
  return point;
}
