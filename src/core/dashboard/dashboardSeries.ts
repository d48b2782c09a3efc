/**
 * What the dashboard shows for one deployment: the last points (bounded), the totals since the
 * dashboard opened, the deployment's state and the last scrape problem. The host feeds it snapshots;
 * the page gets `view()`. Pure and clock-free.
 */
import { dashboardPoint, type DashboardPoint } from './dashboardAggregation';
import type { DeploymentSnapshot } from './deploymentSnapshot';

/** The deployment's serving state as the server's repository index says it. */
export interface ServingState {
  state: string;
  reason?: string;
  /** Workers are being replaced. */
  restarting?: boolean;
  version?: string;
}

export interface DashboardView {
  points: DashboardPoint[];
  /** Since the dashboard opened (a server restart adds what came after it). */
  totals: { requests: number; errors: number; errorsByReason: Record<string, number> };
  /** Worker events since the server started: lost, restarted, gave_up. */
  workerEvents: Record<string, number>;
  /** Where the numbers came from. */
  source?: DeploymentSnapshot['source'];
  serving?: ServingState;
  /** The last scrape failed: why (the charts keep their last points). */
  problem?: string;
}

/** One row of the table view (the same numbers as the charts, for screen readers and copying). */
export interface TableRow {
  label: string;
  value: string;
}

export class DashboardSeries {
  private last: DeploymentSnapshot | undefined;
  private readonly points: DashboardPoint[] = [];
  private readonly totals = { requests: 0, errors: 0, errorsByReason: {} as Record<string, number> };
  private serving: ServingState | undefined;
  private problem: string | undefined;

  constructor(private readonly capacity = 300) {}

  /** Adds a scrape; the first one only sets the baseline (rates need two). */
  add(snapshot: DeploymentSnapshot): DashboardPoint | undefined {
    this.problem = undefined;
    const prev = this.last;
    // Scrapes arriving out of order (a slow one after a fast one) are dropped.
    if (prev && snapshot.at <= prev.at) return undefined;
    this.last = snapshot;
    if (!prev || prev.source !== snapshot.source) return undefined;
    const p = dashboardPoint(prev, snapshot);
    this.points.push(p);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
    const errors = Object.values(p.errorsByReason).reduce((a, b) => a + b, 0);
    this.totals.requests += Math.round(p.rps * p.intervalS);
    this.totals.errors += errors;
    for (const [k, v] of Object.entries(p.errorsByReason)) this.totals.errorsByReason[k] = (this.totals.errorsByReason[k] ?? 0) + v;
    return p;
  }

  setServing(s: ServingState | undefined): void {
    this.serving = s;
  }

  setProblem(message: string): void {
    this.problem = message;
  }

  view(): DashboardView {
    return {
      points: [...this.points],
      totals: { ...this.totals, errorsByReason: { ...this.totals.errorsByReason } },
      workerEvents: { ...(this.last?.workerEvents ?? {}) },
      ...(this.last ? { source: this.last.source } : {}),
      ...(this.serving ? { serving: this.serving } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }
}

const f = (v: number | undefined, digits: number, unit: string): string => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}${unit}`);

/** The table view: the latest point and the totals, as label/value rows. */
export function tableRows(view: DashboardView): TableRow[] {
  const p = view.points[view.points.length - 1];
  const rows: TableRow[] = [
    { label: 'State', value: view.serving ? `${view.serving.state}${view.serving.version ? ` (version ${view.serving.version})` : ''}${view.serving.restarting ? ', workers restarting' : ''}${view.serving.reason ? `: ${view.serving.reason}` : ''}` : 'unknown' },
    { label: 'Requests/s', value: f(p?.rps, 1, '') },
    { label: 'Errors/s', value: f(p?.errorRps, 1, '') },
    { label: 'Latency p50', value: f(p?.p50Ms, 2, ' ms') },
    { label: 'Latency p95', value: f(p?.p95Ms, 2, ' ms') },
    { label: 'Latency p99', value: f(p?.p99Ms, 2, ' ms') },
    { label: 'Queue time (mean)', value: f(p?.queueMs, 3, ' ms') },
    { label: 'Compute time (mean)', value: f(p?.computeMs, 3, ' ms') },
    { label: 'Requests per execution (mean)', value: f(p?.meanBatch, 2, '') },
    { label: 'Requests since opened', value: String(view.totals.requests) },
    { label: 'Errors since opened', value: String(view.totals.errors) },
    ...Object.entries(view.totals.errorsByReason)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => ({ label: `Errors: ${reason}`, value: String(n) })),
    { label: 'Workers lost / restarted', value: `${view.workerEvents.lost ?? 0} / ${view.workerEvents.restarted ?? 0}${view.workerEvents.gave_up ? ` (gave up ${view.workerEvents.gave_up}×)` : ''}` },
  ];
  return rows;
}
