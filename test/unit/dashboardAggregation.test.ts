// The dashboard's statistics aggregation (src/core/dashboard/): Prometheus text in, one deployment's
// counters out; rates, percentiles from bucket deltas, queue vs compute, batch sizes, errors by
// reason, worker events, counter resets, the statistics-extension fallback and the table view.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { dashboardPoint, histogramQuantile } from '../../src/core/dashboard/dashboardAggregation';
import { DashboardSeries, tableRows } from '../../src/core/dashboard/dashboardSeries';
import { snapshotFromMetrics, snapshotFromStatistics } from '../../src/core/dashboard/deploymentSnapshot';
import { parsePrometheusText } from '../../src/core/dashboard/prometheusText';

/** A /metrics text as prom-client writes it, for iris (and a bystander model that must be ignored). */
function metricsText(o: { ok: number; rest: number; badShape: number; le1ms: number; le5ms: number; runs1: number; runs4: number; queue: number; compute: number; lost?: number }): string {
  const total = o.ok;
  return `# HELP modeldeck_inference_requests_total Inference requests
# TYPE modeldeck_inference_requests_total counter
modeldeck_inference_requests_total{model="iris",version="2",protocol="v2-rest",outcome="success"} ${o.rest}
modeldeck_inference_requests_total{model="iris",version="2",protocol="grpc",outcome="success"} ${o.ok - o.rest}
modeldeck_inference_requests_total{model="iris",version="2",protocol="v2-rest",outcome="invalid-argument"} ${o.badShape}
modeldeck_inference_requests_total{model="other",version="1",protocol="v2-rest",outcome="success"} 999
modeldeck_inference_request_duration_seconds_bucket{le="0.001",model="iris",protocol="v2-rest"} ${o.le1ms}
modeldeck_inference_request_duration_seconds_bucket{le="0.005",model="iris",protocol="v2-rest"} ${o.le5ms}
modeldeck_inference_request_duration_seconds_bucket{le="+Inf",model="iris",protocol="v2-rest"} ${total}
modeldeck_inference_request_duration_seconds_sum{model="iris",protocol="v2-rest"} ${total * 0.002}
modeldeck_inference_request_duration_seconds_count{model="iris",protocol="v2-rest"} ${total}
modeldeck_inference_queue_duration_seconds_sum{model="iris"} ${o.queue}
modeldeck_inference_queue_duration_seconds_count{model="iris"} ${total}
modeldeck_inference_compute_duration_seconds_sum{model="iris"} ${o.compute}
modeldeck_inference_compute_duration_seconds_count{model="iris"} ${total}
modeldeck_batch_requests_bucket{le="1",model="iris"} ${o.runs1}
modeldeck_batch_requests_bucket{le="2",model="iris"} ${o.runs1}
modeldeck_batch_requests_bucket{le="4",model="iris"} ${o.runs1 + o.runs4}
modeldeck_batch_requests_bucket{le="+Inf",model="iris"} ${o.runs1 + o.runs4}
modeldeck_worker_events_total{model="iris",event="lost"} ${o.lost ?? 0}
modeldeck_worker_events_total{model="iris",event="restarted"} ${o.lost ?? 0}
modeldeck_nodejs_eventloop_lag_seconds 0.001
`;
}

const BASE = { ok: 100, rest: 60, badShape: 2, le1ms: 50, le5ms: 90, runs1: 100, runs4: 0, queue: 0.01, compute: 0.05 };

describe('Prometheus text', () => {
  it('reads names, escaped label values, +Inf and skips comments', () => {
    const s = parsePrometheusText('# HELP x y\nx_total{a="q\\"uote",le="+Inf"} 3\nplain 4.5 1700000000\nweird{a="1"} +Inf\n');
    assert.deepEqual(s, [
      { name: 'x_total', labels: { a: 'q"uote', le: '+Inf' }, value: 3 },
      { name: 'plain', labels: {}, value: 4.5 },
      { name: 'weird', labels: { a: '1' }, value: Infinity },
    ]);
  });
});

describe('one deployment from /metrics', () => {
  it('sums protocols and versions for that deployment only', () => {
    const s = snapshotFromMetrics(parsePrometheusText(metricsText(BASE)), 'iris', 1000);
    assert.deepEqual(s.requests, { success: 100, 'invalid-argument': 2 });
    assert.deepEqual(s.byProtocol, { 'v2-rest': 62, grpc: 40 });
    assert.deepEqual(s.duration, [{ le: 0.001, count: 50 }, { le: 0.005, count: 90 }, { le: Infinity, count: 100 }]);
    assert.equal(s.workerEvents.lost, 0);
  });

  it('turns two scrapes into rates, interval percentiles, queue vs compute, batches and errors by reason', () => {
    const a = snapshotFromMetrics(parsePrometheusText(metricsText(BASE)), 'iris', 10_000);
    // 2 s later: 200 more successes (all ≤ 1 ms), 4 more bad shapes, 50 runs of 4 requests, queue 0.2 s, compute 0.4 s.
    const b = snapshotFromMetrics(parsePrometheusText(metricsText({ ok: 300, rest: 160, badShape: 6, le1ms: 250, le5ms: 290, runs1: 100, runs4: 50, queue: 0.21, compute: 0.45, lost: 1 })), 'iris', 12_000);
    const p = dashboardPoint(a, b);
    assert.equal(p.intervalS, 2);
    assert.equal(p.rps, (200 + 4) / 2);
    assert.equal(p.errorRps, 2);
    assert.deepEqual(p.errorsByReason, { 'invalid-argument': 4 });
    // Every new request fell in the first bucket: the median interpolates inside [0, 1 ms].
    assert.ok(Math.abs(p.p50Ms! - 0.5) < 1e-9);
    assert.ok(p.p99Ms! <= 1);
    assert.ok(Math.abs(p.queueMs! - 1) < 1e-9, `queue ${p.queueMs}`);
    assert.ok(Math.abs(p.computeMs! - 2) < 1e-9, `compute ${p.computeMs}`);
    assert.deepEqual(p.batchSizes, [{ le: 1, count: 0 }, { le: 2, count: 0 }, { le: 4, count: 50 }]);
    assert.equal(p.meanBatch, 4);
    assert.equal(p.reset, false);
    assert.equal(b.workerEvents.restarted, 1);
  });

  it('a server restart (counters back to small numbers) counts the new totals, never negative rates', () => {
    const a = snapshotFromMetrics(parsePrometheusText(metricsText(BASE)), 'iris', 0);
    const b = snapshotFromMetrics(parsePrometheusText(metricsText({ ...BASE, ok: 10, rest: 10, badShape: 0, le1ms: 10, le5ms: 10, runs1: 10 })), 'iris', 1000);
    const p = dashboardPoint(a, b);
    assert.equal(p.reset, true);
    assert.equal(p.rps, 10);
    assert.ok(p.p50Ms! >= 0);
  });
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket and stops at the largest finite bound for +Inf', () => {
    const b = [{ le: 1, count: 10 }, { le: 2, count: 20 }, { le: Infinity, count: 30 }];
    assert.equal(histogramQuantile(0.25, b), 0.75);
    assert.equal(histogramQuantile(0.5, b), 1.5);
    assert.equal(histogramQuantile(0.99, b), 2);
    assert.equal(histogramQuantile(0.5, [{ le: 1, count: 0 }]), undefined);
  });
});

describe('statistics-extension fallback', () => {
  it('reads success, failures, queue and compute from Triton-style statistics', () => {
    const at = (n: number, t: number) =>
      snapshotFromStatistics({ model_stats: [{ inference_stats: { success: { count: n, ns: n * 2e6 }, fail: { count: 1, ns: 0 }, queue: { count: n, ns: n * 1e6 }, compute_infer: { count: n, ns: n * 5e5 } } }] }, t);
    const p = dashboardPoint(at(10, 0), at(30, 1000));
    assert.equal(p.rps, 20);
    const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} ≉ ${b}`);
    near(p.meanMs, 2);
    near(p.queueMs, 1);
    near(p.computeMs, 0.5);
    assert.equal(p.p99Ms, undefined, 'no histogram: no percentiles');
  });
});

describe('DashboardSeries', () => {
  it('needs two scrapes, keeps the last points, sums totals and shows them in the table', () => {
    const series = new DashboardSeries(2);
    const snap = (o: typeof BASE, t: number) => snapshotFromMetrics(parsePrometheusText(metricsText(o)), 'iris', t);
    assert.equal(series.add(snap(BASE, 0)), undefined);
    series.add(snap({ ...BASE, ok: 110, badShape: 3 }, 1000));
    series.add(snap({ ...BASE, ok: 120, badShape: 5 }, 2000));
    assert.equal(series.add(snap({ ...BASE, ok: 120, badShape: 5 }, 1500)), undefined, 'an older scrape is dropped');
    series.add(snap({ ...BASE, ok: 130, badShape: 5, lost: 2 } as typeof BASE, 3000));
    series.setServing({ state: 'READY', version: '2' });
    const v = series.view();
    assert.equal(v.points.length, 2);
    assert.deepEqual(v.totals, { requests: 33, errors: 3, errorsByReason: { 'invalid-argument': 3 } });
    const rows = new Map(tableRows(v).map((r) => [r.label, r.value]));
    assert.equal(rows.get('State'), 'READY (version 2)');
    assert.equal(rows.get('Errors: invalid-argument'), '3');
    assert.equal(rows.get('Workers lost / restarted'), '2 / 2');
    assert.equal(rows.get('Requests/s'), '10.0');
    series.setProblem('GET /metrics: connection refused');
    assert.equal(series.view().problem, 'GET /metrics: connection refused');
  });
});
