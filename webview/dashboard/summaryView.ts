/** The load test's summary and comparison tables (plain tables: readable by screen readers as they are). */
import { verdict, type LoadTestRecord } from '../../src/core/loadtest/loadTestReport';
import type { LoadSummary } from '../../src/panels/protocols/dashboardProtocol';
import { h } from '../common/dom';

const fmt = (v: number | undefined, digits: number): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

export function summaryTable(rec: LoadTestRecord): HTMLElement {
  const r = rec.result;
  const rows: [string, string][] = [
    ['throughput', `${fmt(r.throughputRps, 1)} req/s`],
    ['requests', `${r.ok} ok, ${r.errors} failed in ${fmt(r.elapsedS, 2)} s`],
    ['p50', `${fmt(r.latency?.p50Ms, 3)} ms`],
    ['p90', `${fmt(r.latency?.p90Ms, 3)} ms`],
    ['p95', `${fmt(r.latency?.p95Ms, 3)} ms`],
    ['p99', `${fmt(r.latency?.p99Ms, 3)} ms`],
    ['max', `${fmt(r.latency?.maxMs, 3)} ms`],
    ...r.errorKinds.map((e): [string, string] => [`error ×${e.count}`, e.message]),
  ];
  return h('table', { class: 'numbers', attrs: { 'data-key': 'lt-summary-table', 'aria-label': 'Load test summary' } }, h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', { attrs: { scope: 'row' } }, k), h('td', null, v)))));
}

export function comparisonTable(c: NonNullable<LoadSummary['comparison']>): HTMLElement {
  const digits = (label: string) => (label === 'error rate' ? 4 : label.startsWith('throughput') ? 1 : 3);
  return h(
    'div',
    { attrs: { 'data-key': 'lt-comparison' } },
    h('h3', null, `Compared with the run of ${c.earlier}`),
    c.notes.length > 0 ? h('p', { class: 'warning-text' }, `Not the same load: ${c.notes.join(', ')}.`) : null,
    h(
      'table',
      { attrs: { 'aria-label': 'Comparison with the earlier run' } },
      h('thead', null, h('tr', null, ...['figure', 'before', 'now', 'change', ''].map((t) => h('th', null, t)))),
      h(
        'tbody',
        null,
        ...c.rows.map((row) => {
          const v = verdict(row);
          return h('tr', null, h('td', null, row.label), h('td', null, fmt(row.before, digits(row.label))), h('td', null, fmt(row.after, digits(row.label))), h('td', null, row.change === undefined ? '–' : `${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)} %`), h('td', { class: v }, v));
        }),
      ),
    ),
  );
}
