/**
 * One deployment's cumulative counters at one scrape: what the dashboard keeps of `/metrics` (or,
 * from a server without it, of the statistics extension). Rates and percentiles come from two
 * snapshots (dashboardAggregation.ts); a snapshot alone says only totals.
 */
import type { Sample } from './prometheusText';

/** A cumulative histogram: upper bound → observations at or below it (+Inf last). */
export type Buckets = { le: number; count: number }[];

export interface DeploymentSnapshot {
  /** ms since epoch of the scrape. */
  at: number;
  /** Where the numbers came from: `/metrics`, or the statistics extension (no percentiles, no batches). */
  source: 'metrics' | 'statistics';
  /** Requests by outcome (`success` or the error reason), all versions and protocols. */
  requests: Record<string, number>;
  /** Requests by protocol (all outcomes). */
  byProtocol: Record<string, number>;
  /** Server-side duration of successful requests, seconds, all protocols merged. */
  duration?: Buckets;
  durationSum: number;
  durationCount: number;
  queueSum: number;
  queueCount: number;
  computeSum: number;
  computeCount: number;
  /** Requests per runtime execution. */
  batch?: Buckets;
  /** Worker events so far: lost, restarted, gave_up. */
  workerEvents: Record<string, number>;
}

const PREFIX = 'modeldeck_';

function addBuckets(into: Map<number, number>, le: string | undefined, value: number): void {
  if (le === undefined) return;
  const bound = le === '+Inf' ? Infinity : Number(le);
  into.set(bound, (into.get(bound) ?? 0) + value);
}

const sorted = (m: Map<number, number>): Buckets | undefined =>
  m.size === 0 ? undefined : [...m].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);

/** The samples of deployment `model` (the server labels every inference metric with the deployment name). */
export function snapshotFromMetrics(samples: readonly Sample[], model: string, at: number): DeploymentSnapshot {
  const s: DeploymentSnapshot = { at, source: 'metrics', requests: {}, byProtocol: {}, durationSum: 0, durationCount: 0, queueSum: 0, queueCount: 0, computeSum: 0, computeCount: 0, workerEvents: {} };
  const duration = new Map<number, number>();
  const batch = new Map<number, number>();
  for (const x of samples) {
    if (x.labels.model !== model || !x.name.startsWith(PREFIX)) continue;
    switch (x.name.slice(PREFIX.length)) {
      case 'inference_requests_total': {
        const outcome = x.labels.outcome ?? 'success';
        s.requests[outcome] = (s.requests[outcome] ?? 0) + x.value;
        const protocol = x.labels.protocol ?? 'unknown';
        s.byProtocol[protocol] = (s.byProtocol[protocol] ?? 0) + x.value;
        break;
      }
      case 'inference_request_duration_seconds_bucket':
        addBuckets(duration, x.labels.le, x.value);
        break;
      case 'inference_request_duration_seconds_sum':
        s.durationSum += x.value;
        break;
      case 'inference_request_duration_seconds_count':
        s.durationCount += x.value;
        break;
      case 'inference_queue_duration_seconds_sum':
        s.queueSum += x.value;
        break;
      case 'inference_queue_duration_seconds_count':
        s.queueCount += x.value;
        break;
      case 'inference_compute_duration_seconds_sum':
        s.computeSum += x.value;
        break;
      case 'inference_compute_duration_seconds_count':
        s.computeCount += x.value;
        break;
      case 'batch_requests_bucket':
        addBuckets(batch, x.labels.le, x.value);
        break;
      case 'worker_events_total': {
        const ev = x.labels.event ?? 'lost';
        s.workerEvents[ev] = (s.workerEvents[ev] ?? 0) + x.value;
        break;
      }
    }
  }
  const d = sorted(duration);
  const b = sorted(batch);
  if (d) s.duration = d;
  if (b) s.batch = b;
  return s;
}

/** A Triton-style `GET /v2/models/{m}/stats` answer (every version summed). */
export function snapshotFromStatistics(json: unknown, at: number): DeploymentSnapshot {
  const s: DeploymentSnapshot = { at, source: 'statistics', requests: {}, byProtocol: {}, durationSum: 0, durationCount: 0, queueSum: 0, queueCount: 0, computeSum: 0, computeCount: 0, workerEvents: {} };
  type D = { count?: number; ns?: number };
  const list = ((json as { model_stats?: unknown[] } | null)?.model_stats ?? []) as { inference_stats?: { success?: D; fail?: D; queue?: D; compute_infer?: D } }[];
  for (const m of list) {
    const st = m.inference_stats ?? {};
    const n = (d?: D): number => Number(d?.count ?? 0);
    const sec = (d?: D): number => Number(d?.ns ?? 0) / 1e9;
    s.requests.success = (s.requests.success ?? 0) + n(st.success);
    // The statistics extension does not say why a request failed.
    if (n(st.fail) > 0) s.requests.failed = (s.requests.failed ?? 0) + n(st.fail);
    s.durationSum += sec(st.success);
    s.durationCount += n(st.success);
    s.queueSum += sec(st.queue);
    s.queueCount += n(st.queue);
    s.computeSum += sec(st.compute_infer);
    s.computeCount += n(st.compute_infer);
  }
  return s;
}
