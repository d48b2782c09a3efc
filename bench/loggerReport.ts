/**
 * The report section of bench/loggerPhase.ts: "Inference logger cost (issue 13)": the rows, the
 * target (≤ 10 % throughput loss at c=16) marked met/missed per sink and protocol, the events
 * sent/dropped that prove the logging happened, and for a miss the profile and the experiment.
 */
import type { BenchReport, LoggerConfig, LoggerReport, LoggerRow, Protocol } from './types';

const f = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0));
const perSec = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : Math.round(v).toLocaleString('en-US'));
const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`);
const noisy = (r: LoggerRow | undefined): string => ((r?.foreignCpuPct ?? 0) > 25 ? ' ⚠' : '');

const CONFIG_NAME: Record<LoggerConfig, string> = {
  none: '(a) mode none',
  file: '(b) mode all, file sink',
  http: '(c) mode all, HTTP sink',
  'file-request': 'experiment: mode request, file sink',
  'http-request': 'experiment: mode request, HTTP sink',
  'http-main': 'experiment: mode all, HTTP sink posting from the main thread (--log-http-thread off)',
};
const PROTOCOL_NAME: Record<Protocol, string> = { 'rest-json': 'REST JSON', 'rest-binary': 'REST binary', grpc: 'gRPC' };

/** The issue's target: logged throughput ≥ 90 % of `none` at c=16. */
export const LOGGER_MIN_RATIO = 0.9;

const median = (xs: number[]): number | undefined => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per round, logged infer/s over `none` infer/s in the same round; their median. */
export function loggerRatio(rows: LoggerRow[], config: LoggerConfig, protocol: Protocol, c = 16): { ratios: number[]; median?: number } {
  const ratios: number[] = [];
  for (const r of rows) {
    if (r.config !== config || r.protocol !== protocol || r.concurrency !== c || r.failed) continue;
    const base = rows.find((b) => b.config === 'none' && b.protocol === protocol && b.concurrency === c && b.round === r.round && !b.failed);
    if (base && base.inferPerSec > 0) ratios.push(r.inferPerSec / base.inferPerSec);
  }
  const m = median(ratios);
  return { ratios, ...(m !== undefined ? { median: m } : {}) };
}

function rowsOf(l: LoggerReport, config: LoggerConfig, protocol: Protocol, c: number, experiment = false): LoggerRow[] {
  return l.rows.filter((r) => r.config === config && r.protocol === protocol && r.concurrency === c && !r.failed && (r.round > 100) === experiment);
}

/** µs of server CPU per request. */
const usPerReq = (r: LoggerRow, name = 'node server'): number | undefined => {
  const v = r.cpuByProcess?.[name];
  return v === undefined || r.inferPerSec <= 0 ? undefined : (v / 100 / r.inferPerSec) * 1e6;
};

interface Summary {
  n: number;
  inferPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  serverCpuPct?: number;
  serverUsPerReq?: number;
  receiverCpuPct?: number;
  receiverUsPerReq?: number;
  loadgenCpuPct?: number;
  foreignCpuPct?: number;
  served: number;
  sent: number;
  retried: number;
  dropped: number;
  maxDrainS?: number;
}

function summarize(rows: LoggerRow[]): Summary {
  const m = (g: (r: LoggerRow) => number | undefined): number | undefined => median(rows.map(g).filter((x): x is number => x !== undefined));
  const sum = (g: (r: LoggerRow) => number | undefined): number => rows.reduce((a, r) => a + (g(r) ?? 0), 0);
  return {
    n: rows.length,
    inferPerSec: m((r) => r.inferPerSec),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    serverCpuPct: m((r) => r.serverCpuPct),
    serverUsPerReq: m((r) => usPerReq(r)),
    receiverCpuPct: m((r) => r.cpuByProcess?.['null receiver']),
    receiverUsPerReq: m((r) => usPerReq(r, 'null receiver')),
    loadgenCpuPct: m((r) => r.loadgenCpuPct),
    foreignCpuPct: m((r) => r.foreignCpuPct),
    served: sum((r) => r.requestsServed),
    sent: sum((r) => r.logSent),
    retried: sum((r) => r.logRetried),
    dropped: sum((r) => r.logDropped),
    maxDrainS: rows.length ? Math.max(...rows.map((r) => r.drainS ?? 0)) : undefined,
  };
}

const eventsPerRequest = (config: LoggerConfig): number => (config === 'none' ? 0 : config.endsWith('-request') ? 1 : 2);

function eventsCell(config: LoggerConfig, s: Summary): string {
  if (config === 'none') return `– (${s.sent} sent)`;
  const expected = s.served * eventsPerRequest(config);
  return `${s.sent.toLocaleString('en-US')} / ${s.dropped.toLocaleString('en-US')}${s.retried ? ` (${s.retried} retried)` : ''} of ${expected.toLocaleString('en-US')} expected`;
}

export function loggerSection(report: BenchReport): string {
  const l = report.logger;
  if (!l) return '';
  const out: string[] = ['## Inference logger cost (issue 13)\n'];
  const separate = report.machine.date !== l.date;
  out.push(
    `Measured ${separate ? `in a separate run (\`BENCH_PHASES=logger npm run bench\`) on ${l.date}` : 'in this run'}, ${f(l.durationS, 0)} s; ` +
      `rows of ${l.seconds} s after a ${l.warmupS} s warm-up${l.quick ? ' (**BENCH_QUICK smoke run: numbers are noisy**)' : ''}, same machine, priority and load generator as above; ` +
      `the server, the load generator and (HTTP sink) the receiver share the ${report.machine.cores} cores.\n`,
  );
  out.push(
    [
      `- **Model**: ${l.model}, served by \`dist/server.js --deployments DIR --registry REG\` (one server per configuration, all started at once and idle but for the row being measured). Deployment files: ` +
        (['none', 'file', 'http'] as const).map((c) => `${CONFIG_NAME[c]} \`${JSON.stringify((l.deployments[c] as { inferenceLogger?: unknown })?.inferenceLogger)}\``).join('; ') +
        '.',
      `- **Requests**: REST \`POST /v2/models/iris/infer\` with \`${l.body}\`; gRPC ModelInfer with the same tensor as raw_input_contents over ${l.grpcChannels} HTTP/2 connections. Mode all logs two events per request (request + response).`,
      `- **HTTP sink receiver**: ${l.receiver}; the HTTP sink posts one CloudEvent (binary mode) per event, up to 4 at a time over keep-alive connections (server/inferenceLog/sinks/httpSink.ts), from the server's sink thread (sinkThread.ts / sinkWorker.ts, nice 19): the main thread hands each tick's events over in one message. The file sink appends JSON lines, a batch per write (fileSink.ts).`,
      `- **Interleaving**: ${l.rounds} rounds; each round measures REST JSON c=16 for (a), (b), (c) back to back (order rotated per round), then gRPC c=16 for (a) and (b). A ratio is logged ÷ none **of the same round**; the figure is the median of the rounds' ratios (a shared VM drifts between rounds more than within one). c=1 once per configuration. Table values are medians over the rounds.`,
      '- **Events**: after every row the phase waits until the logger\'s queue has drained (sent + dropped stop moving) and reads `modeldeck_inference_log_sent_total` / `_dropped_total` / `_retried_total` from the server\'s /metrics; "expected" = requests the server counted (`modeldeck_inference_requests_total`, warm-up and repeats included) × events per request.',
      '- **CPU**: from /proc/<pid>/stat over the window: the ModelDeck server process (all threads), the receiver separately; "other" = the machine minus server, receiver and load generator, plus steal.',
    ].join('\n') + '\n',
  );

  out.push('| configuration | protocol | c | rounds | infer/s | p50 ms | p99 ms | server CPU % | server µs CPU / request | receiver CPU % (µs / request) | load-gen CPU % | other CPU % | events sent / dropped | per-round infer/s |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  const groups: [LoggerConfig, Protocol, number, boolean][] = [
    ['none', 'rest-json', 1, false],
    ['file', 'rest-json', 1, false],
    ['http', 'rest-json', 1, false],
    ['http-main', 'rest-json', 1, false],
    ['none', 'rest-json', 16, false],
    ['file', 'rest-json', 16, false],
    ['http', 'rest-json', 16, false],
    ['none', 'grpc', 16, false],
    ['file', 'grpc', 16, false],
  ];
  for (const [config, protocol, c, exp] of groups) {
    const rows = rowsOf(l, config, protocol, c, exp);
    if (rows.length === 0) continue;
    const s = summarize(rows);
    out.push(
      `| ${CONFIG_NAME[config]} | ${PROTOCOL_NAME[protocol]} | ${c} | ${s.n} | ${perSec(s.inferPerSec)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${f(s.serverCpuPct, 0)} | ${f(s.serverUsPerReq, 0)} | ${s.receiverCpuPct !== undefined ? `${f(s.receiverCpuPct, 0)} (${f(s.receiverUsPerReq, 0)})` : '–'} | ${f(s.loadgenCpuPct, 0)} | ${f(s.foreignCpuPct, 0)}${rows.some((r) => noisy(r)) ? ' ⚠' : ''} | ${eventsCell(config, s)} | ${rows.map((r) => perSec(r.inferPerSec)).join(', ')} |`,
    );
  }
  out.push('');

  // Targets.
  const verdict = (m: number | undefined): string => (m === undefined ? 'n/a' : m >= LOGGER_MIN_RATIO ? '**met**' : '**missed**');
  out.push('| target: logger costs ≤ 10 % throughput at c=16 | logged ÷ none (median of the rounds) | throughput loss | per round | events sent / dropped | result |\n| --- | ---: | ---: | --- | --- | --- |');
  const targetRows: [LoggerConfig, Protocol, boolean][] = [
    ['file', 'rest-json', true],
    ['http', 'rest-json', true],
    ['file', 'grpc', true],
  ];
  for (const [config, protocol, primary] of targetRows) {
    const r = loggerRatio(l.rows.filter((x) => x.round < 100), config, protocol);
    if (r.ratios.length === 0) continue;
    const s = summarize(rowsOf(l, config, protocol, 16));
    const name = `${CONFIG_NAME[config]}, ${PROTOCOL_NAME[protocol]}`;
    out.push(`| ${primary ? `**${name}**` : name} | ${f(r.median, 3)} | ${pct(r.median === undefined ? undefined : 1 - r.median)} | ${r.ratios.map((x) => f(x, 3)).join(', ')} | ${eventsCell(config, s)} | ${verdict(r.median)} |`);
  }
  out.push('');

  out.push(...loggerFindings(l, report.machine.cores).map((x) => `- ${x}`));
  const failed = l.checks.filter((c) => !c.ok);
  out.push(`- Output checks: ${l.checks.length - failed.length}/${l.checks.length} passed${failed.length ? ': failed ' + failed.map((c) => `${c.what}: ${c.detail}`).join('; ') : ` (${l.checks.map((c) => c.what).join(', ')})`}.`);
  const errs = l.rows.filter((r) => r.errors > 0 || r.warmupErrors > 0);
  out.push(errs.length === 0 ? '- Errors: none (every response in every row was 200 / OK).' : '- Errors: ' + errs.map((r) => `${r.config} ${r.protocol} c=${r.concurrency} round ${r.round}: ${r.errors} (${r.errorSamples.join('; ')})`).join('; '));
  if (l.events.length > 0) out.push('- Server log lines at warn or above: ' + l.events.slice(0, 10).map((e) => `${e.source ?? ''} ${e.level}: ${e.msg}`).join('; '));
  out.push(...l.notes.map((n) => `- ${n}`));
  out.push('');
  return out.join('\n');
}

/** What the run's numbers say: CPU per request with and without the logger, the experiment, the profiles. */
export function loggerFindings(l: LoggerReport, cores = 2): string[] {
  const lines: string[] = [];
  const base = summarize(rowsOf(l, 'none', 'rest-json', 16));
  if (l.fileLines !== undefined) {
    lines.push(`**File sink contents**: ${l.fileLines.toLocaleString('en-US')} JSON lines in the file at the end of the rows, ${l.fileSentTotal?.toLocaleString('en-US') ?? '–'} events the file server counted as sent (the one-request check included).`);
  }
  for (const config of ['file', 'http'] as const) {
    const s = summarize(rowsOf(l, config, 'rest-json', 16));
    if (s.n === 0 || base.serverUsPerReq === undefined || s.serverUsPerReq === undefined) continue;
    const extra = s.serverUsPerReq - base.serverUsPerReq;
    lines.push(
      `**${CONFIG_NAME[config]}, REST JSON c=16, CPU**: the server burnt ${f(s.serverUsPerReq, 0)} µs per request against ${f(base.serverUsPerReq, 0)} µs without the logger (medians): ${f(extra, 0)} µs more per request, ${f(extra / 2, 0)} µs per event` +
        (s.receiverUsPerReq !== undefined ? `; the receiver took another ${f(s.receiverUsPerReq, 0)} µs per request (${f(s.receiverCpuPct, 0)}% of a core) on the same cores` : '') +
        `. The server ran at ${f(s.serverCpuPct, 0)}% vs ${f(base.serverCpuPct, 0)}% of a core.`,
    );
  }
  for (const config of ['file-request', 'http-request'] as const) {
    const r = loggerRatio(l.rows, config, 'rest-json');
    if (r.ratios.length === 0) continue;
    const full = loggerRatio(l.rows.filter((x) => x.round < 100), config === 'file-request' ? 'file' : 'http', 'rest-json').median;
    const s = summarize(rowsOf(l, config, 'rest-json', 16, true));
    const b = summarize(rowsOf(l, 'none', 'rest-json', 16, true));
    const extra = s.serverUsPerReq !== undefined && b.serverUsPerReq !== undefined ? s.serverUsPerReq - b.serverUsPerReq : undefined;
    lines.push(
      `**Experiment — ${CONFIG_NAME[config]}** (one event per request instead of two, against (a) in ${r.ratios.length} fresh interleaved rounds, c=16 REST JSON): ratio ${f(r.median, 3)} (loss ${pct(r.median === undefined ? undefined : 1 - r.median)}; per round ${r.ratios.map((x) => f(x, 3)).join(', ')}) against ${f(full, 3)} with two events; ` +
        `server ${f(s.serverUsPerReq, 0)} vs ${f(b.serverUsPerReq, 0)} µs CPU per request (+${f(extra, 0)} µs for one event)${s.receiverUsPerReq !== undefined ? `, receiver ${f(s.receiverUsPerReq, 0)} µs per request` : ''}; events ${eventsCell(config, s)}.`,
    );
  }
  {
    const r = loggerRatio(l.rows, 'http-main', 'rest-json');
    const full = loggerRatio(l.rows.filter((x) => x.round < 100), 'http', 'rest-json').median;
    if (r.ratios.length > 0) {
      const s = summarize(rowsOf(l, 'http-main', 'rest-json', 16, true));
      const one = summarize(rowsOf(l, 'http-main', 'rest-json', 1));
      const oneBase = summarize(rowsOf(l, 'none', 'rest-json', 1));
      const oneThread = summarize(rowsOf(l, 'http', 'rest-json', 1));
      const ratio1 = (x: Summary): number | undefined => (x.inferPerSec !== undefined && oneBase.inferPerSec ? x.inferPerSec / oneBase.inferPerSec : undefined);
      lines.push(
        `**Experiment — ${CONFIG_NAME['http-main']}** (against (a) in ${r.ratios.length} fresh interleaved rounds, c=16 REST JSON): ratio ${f(r.median, 3)} (per round ${r.ratios.map((x) => f(x, 3)).join(', ')}) against ${f(full, 3)} from the sink thread; events ${eventsCell('http-main', s)}, server ${f(s.serverUsPerReq, 0)} µs CPU per request. ` +
          `At c=1: ${f(ratio1(one), 3)} of (a)'s throughput, p50 ${ms(one.p50Ms)} ms, against ${f(ratio1(oneThread), 3)} and ${ms(oneThread.p50Ms)} ms from the sink thread (a: ${ms(oneBase.p50Ms)} ms). ` +
          'On the main thread the HTTP work is paid inside every request\'s turn (latency at c=1) and, at saturation, the queue overflows instead (the dropped events); on the thread the requests are not held up, and the events are delivered while CPU lasts.',
      );
    }
  }
  // For a miss: the server's main thread is the bound (about one core in every row while the machine
  // has room), so throughput ∝ 1 / main-thread time per request, and the logger's share per event
  // follows from the ratio: (none ÷ logged − 1) × (1 s ÷ none's infer/s) ÷ events per request.
  for (const config of ['file'] as const) {
    const full = loggerRatio(l.rows.filter((x) => x.round < 100), config, 'rest-json').median;
    if (full === undefined || full >= LOGGER_MIN_RATIO || base.inferPerSec === undefined) continue;
    const t0 = 1e6 / base.inferPerSec;
    const perEvent = (ratio: number, events: number): number => ((1 / ratio - 1) * t0) / events;
    const half = loggerRatio(l.rows, `${config}-request`, 'rest-json').median;
    const s = summarize(rowsOf(l, config, 'rest-json', 16));
    lines.push(
      `**Why ${CONFIG_NAME[config]} missed**: every row keeps the server's main thread near one core (server ${f(s.serverCpuPct, 0)}% vs ${f(base.serverCpuPct, 0)}% without the logger, while server + receiver + load generator + others use ${f((s.serverCpuPct ?? 0) + (s.receiverCpuPct ?? 0) + (s.loadgenCpuPct ?? 0) + (s.foreignCpuPct ?? 0), 0)}% of the ${cores * 100}%: the cores are not full), so throughput follows the main thread's time per request: ${f(t0, 0)} µs without the logger, ${f(t0 / full, 0)} µs with it, ` +
        `≈ ${f(perEvent(full, 2), 0)} µs per event` +
        (half !== undefined ? `; with one event per request (the experiment, ratio ${f(half, 3)}) ≈ ${f(perEvent(half, 1), 0)} µs per event: the cost scales with the events sent, it is not a fixed cost of the hook` : '') +
        '.',
    );
  }
  // The HTTP sink: its POSTs no longer run on the main thread, so the bound is the machine's CPU. What
  // a request costs across every process, with and without the logger, and what the receiver alone
  // costs, give the best ratio any sender could reach on these cores.
  {
    const full = loggerRatio(l.rows.filter((x) => x.round < 100), 'http', 'rest-json').median;
    const h = summarize(rowsOf(l, 'http', 'rest-json', 16));
    const fl = summarize(rowsOf(l, 'file', 'rest-json', 16));
    const total = (x: Summary): number => (x.serverCpuPct ?? 0) + (x.receiverCpuPct ?? 0) + (x.loadgenCpuPct ?? 0) + (x.foreignCpuPct ?? 0);
    if (full !== undefined && full < LOGGER_MIN_RATIO && base.inferPerSec && h.inferPerSec && h.receiverUsPerReq !== undefined && base.serverUsPerReq !== undefined && h.serverUsPerReq !== undefined) {
      const perReq = (x: Summary): number => (total(x) / 100 / x.inferPerSec!) * 1e6;
      const recordUs = fl.serverUsPerReq !== undefined ? Math.max(0, fl.serverUsPerReq - base.serverUsPerReq) : 0;
      const bestRate = Math.min(base.inferPerSec, (cores * 1e6) / (perReq(base) + recordUs + h.receiverUsPerReq));
      lines.push(
        `**Why (c) mode all, HTTP sink missed**: the cores are full (server + receiver + load generator + others ${f(total(h), 0)}% of ${cores * 100}%, against ${f(total(base), 0)}% without the logger), so throughput is the cores ÷ the CPU a request costs in all processes: ${f(perReq(base), 0)} µs without the logger, ${f(perReq(h), 0)} µs with it. ` +
          `Of the difference, the server's sink thread and hand-off take ${f(h.serverUsPerReq - base.serverUsPerReq, 0)} µs per request (≈ ${f((h.serverUsPerReq - base.serverUsPerReq) / 2, 0)} µs per event: a CloudEvent, an http.ClientRequest and its answer; the main thread's share is the ${f(recordUs / 2, 0)} µs per event the file sink shows) and the receiver ${f(h.receiverUsPerReq, 0)} µs (two POSTs it must read and answer). ` +
          `Even a sender that cost nothing would leave the record (${f(recordUs, 0)} µs) and the receiver's ${f(h.receiverUsPerReq, 0)} µs per request on the same two cores: at most ${perSec(bestRate)} infer/s, ${f(bestRate / base.inferPerSec, 3)} of (a), ${bestRate / base.inferPerSec < LOGGER_MIN_RATIO ? 'under the target: with one POST per event and the receiver on these cores, ≤ 10 % is out of reach by CPU alone' : 'within the target: the sender is what to make cheaper'}. ` +
          'What would change it: a receiver elsewhere (as in a cluster, where KServe\'s logger runs in the pod\'s agent container), or fewer POSTs (CloudEvents batched mode, which KServe\'s receivers do not take). The sink thread runs at nice 19 so the scheduler favours inference; the receiver, a separate process at normal priority, still takes its share.',
      );
    }
  }
  const noneProfile = l.profiles.find((p) => p.config === 'none');
  const usOf = (p: LoggerReport['profiles'][number], name: string): number => ((p.buckets.find((b) => b.name === name)?.pct ?? 0) / 100) * (p.busyUsPerRequest ?? NaN);
  for (const p of l.profiles) {
    const vsNone =
      noneProfile && p !== noneProfile && p.busyUsPerRequest !== undefined && noneProfile.busyUsPerRequest !== undefined
        ? ` Against (a), main-thread µs per request by bucket: ` +
          [...new Set([...p.buckets, ...noneProfile.buckets].map((b) => b.name))]
            .map((name) => ({ name, a: usOf(noneProfile, name), b: usOf(p, name) }))
            .sort((x, y) => y.b - y.a - (x.b - x.a))
            .map((x) => `${x.name.split(' (')[0]} ${f(x.a, 0)} → ${f(x.b, 0)}`)
            .join('; ') +
          ` (total ${f(noneProfile.busyUsPerRequest, 0)} → ${f(p.busyUsPerRequest, 0)}).`
        : '';
    lines.push(
      `**Profile — ${CONFIG_NAME[p.config]}** (REST JSON c=16 under \`node --cpu-prof\`, a separate server; ${perSec(p.inferPerSec)} infer/s while profiled; from the load's start on, start-up left out, the main thread was busy ${f(p.busyMs, 0)} ms = ${f(p.busyUsPerRequest, 0)} µs per request served). Self time by bucket: ` +
        p.buckets.map((b) => `${b.name.split(' (')[0]} ${f(b.pct, 0)}%`).join('; ') +
        '. Hottest functions: ' +
        p.top.map((t) => `${t.fn} ${f(t.pct, 1)}%`).join(', ') +
        '.' +
        vsNone,
    );
  }
  return lines;
}
