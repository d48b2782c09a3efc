/** Writes bench/report.json and bench/report.md from one run's measurements. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_LOOP_RESOLUTION_MS, REPO_ROOT, type ModelKey } from './common';
import { issue14Section } from './issue14Report';
import { loggerSection } from './loggerReport';
import { scriptsSection } from './scriptsReport';
import type { BenchReport, Protocol, Row } from './types';

const PROTOCOL_NAME: Record<Protocol, string> = { 'rest-json': 'REST JSON', 'rest-binary': 'REST binary', grpc: 'gRPC' };

const f = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const fx = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0));
const perSec = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : Math.round(v).toLocaleString('en-US'));

/** Event-loop delay beyond prom-client's 10 ms sampling timer (what a callback actually waited). */
export function eventLoopExcess(row: Row): number | undefined {
  return row.eventLoopP99Ms === undefined ? undefined : Math.max(0, row.eventLoopP99Ms - EVENT_LOOP_RESOLUTION_MS);
}

function systemName(r: Row): string {
  return r.system === 'naive' ? 'naive peer' : r.system === 'null' ? 'null server' : r.system === 'flask' ? 'Flask peer' : 'ModelDeck';
}

function batchingName(r: Row): string {
  return r.batching === null ? '–' : r.batching ? 'on' : 'off';
}

export function findRow(report: BenchReport, model: ModelKey, system: Row['system'], protocol: Protocol, batching: boolean | null, c: number): Row | undefined {
  return report.rows.find((r) => r.model === model && r.system === system && r.protocol === protocol && r.batching === batching && r.concurrency === c);
}

interface TargetLine {
  target: string;
  subject: string;
  measured: string;
  threshold: string;
  pass: boolean | undefined;
  primary: boolean;
  /** Why it missed, from this run's numbers (only for misses). */
  why?: string;
}

/** Where a row's CPU went, per request: server process, load generator; vs the floor. */
function cpuStory(report: BenchReport, r: Row): string {
  const floor = report.floor[r.model];
  const cores = report.machine.cores;
  const parts: string[] = [];
  if (r.serverCpuPct !== undefined && r.inferPerSec > 0) {
    const srvUs = (r.serverCpuPct / 100 / r.inferPerSec) * 1e6;
    const lgUs = (r.loadgenCpuPct / 100 / r.inferPerSec) * 1e6;
    const floorUs = floor ? (floor.cpuPct / 100 / floor.inferPerSec) * 1e6 : NaN;
    parts.push(
      `CPU: server ${f(r.serverCpuPct, 0)}% + load generator ${f(r.loadgenCpuPct, 0)}% of ${cores * 100}% — per request the server burnt ${f(srvUs, 0)} µs and the load generator ${f(lgUs, 0)} µs, ` +
        `against ${f(floorUs, 0)} µs of CPU per inference in the floor (whose ${f(floor?.cpuPct, 0)}% CPU includes onnxruntime's spinning intra-op threads)`,
    );
  }
  if (r.meanComputeMs !== undefined && floor) {
    parts.push(`mean session.run inside the server ${ms(r.meanComputeMs)} ms${r.meanRequestsPerRun !== undefined ? ` for ${f(r.meanRequestsPerRun, 1)} requests per run` : ''} vs ${ms(floor.meanMs)} ms in the floor`);
  }
  if (r.meanQueueMs !== undefined) parts.push(`mean queue wait ${ms(r.meanQueueMs)} ms`);
  if (r.meanServerMs !== undefined) parts.push(`mean server-side request time ${ms(r.meanServerMs)} ms vs ${ms(r.meanMs)} ms at the client`);
  return parts.join('; ');
}

/** " ⚠" when any of the rows behind a number ran while other processes were busy. */
const warn = (...rows: (Row | undefined)[]): string => (rows.some((r) => (r?.foreignCpuPct ?? 0) > 25) ? ' ⚠ noisy' : '');

function targets(report: BenchReport): TargetLine[] {
  const lines: TargetLine[] = [];
  const floor = report.floor;

  // T1: REST JSON ≥ 2× the naive peer at c=16, CNN.
  for (const model of ['cnn', 'tiny'] as ModelKey[]) {
    for (const batching of [false, true]) {
      const r = findRow(report, model, 'modeldeck', 'rest-json', batching, 16);
      const n = findRow(report, model, 'naive', 'rest-json', null, 16);
      const pass = r?.ratioToNaive === undefined ? undefined : r.ratioToNaive >= 2;
      lines.push({
        target: 'T1 REST JSON ≥ 2× naive peer, c=16',
        subject: `${model}, batching ${batching ? 'on' : 'off'}`,
        measured: `${perSec(r?.inferPerSec)} vs ${perSec(n?.inferPerSec)} infer/s = ${fx(r?.ratioToNaive)}${warn(r, n)}`,
        threshold: '≥ 2.00×',
        pass,
        primary: model === 'cnn' && !batching,
        ...(pass === false && r && n
          ? { why: `${cpuStory(report, r)}. Naive peer: ${cpuStory(report, n)}.` }
          : {}),
      });
    }
  }

  // T2: REST binary and gRPC ≥ 0.7× the floor at c=16 (CNN; tiny shown).
  for (const model of ['cnn', 'tiny'] as ModelKey[]) {
    for (const protocol of ['rest-binary', 'grpc'] as Protocol[]) {
      for (const batching of [false, true]) {
        const r = findRow(report, model, 'modeldeck', protocol, batching, 16);
        const pass = r?.ratioToFloor === undefined ? undefined : r.ratioToFloor >= 0.7;
        lines.push({
          target: `T2 ${PROTOCOL_NAME[protocol]} ≥ 0.7× floor, c=16`,
          subject: `${model}, batching ${batching ? 'on' : 'off'}`,
          measured: `${perSec(r?.inferPerSec)} vs ${perSec(floor[model]?.inferPerSec)} infer/s = ${fx(r?.ratioToFloor)}${warn(r)}`,
          threshold: '≥ 0.70×',
          pass,
          primary: model === 'cnn' && !batching,
          ...(pass === false && r ? { why: cpuStory(report, r) } : {}),
        });
      }
    }
  }

  // T3: tiny, c=1: p50 overhead over the floor's p50.
  for (const [protocol, limit] of [['rest-json', 0.5], ['rest-binary', 0.5], ['grpc', 0.4]] as [Protocol, number][]) {
    for (const batching of [false, true]) {
      const r = findRow(report, 'tiny', 'modeldeck', protocol, batching, 1);
      const fl = floor.tiny;
      const over = r && fl ? r.p50Ms - fl.p50Ms : undefined;
      const pass = over === undefined || !Number.isFinite(over) ? undefined : over <= limit;
      lines.push({
        target: `T3 tiny c=1 p50 overhead, ${PROTOCOL_NAME[protocol]}`,
        subject: `batching ${batching ? 'on' : 'off'}`,
        measured: `${ms(r?.p50Ms)} − ${ms(fl?.p50Ms)} = ${ms(over)} ms${warn(r)}`,
        threshold: `≤ ${limit} ms`,
        pass,
        primary: !batching && protocol !== 'rest-binary',
        ...(pass === false && r ? { why: cpuStory(report, r) } : {}),
      });
    }
  }

  // T4: batching on ≥ 1.5× batching off at c=64 on tiny (REST JSON; binary, gRPC and cnn shown).
  for (const model of ['tiny', 'cnn'] as ModelKey[]) {
    for (const protocol of ['rest-json', 'rest-binary', 'grpc'] as Protocol[]) {
      const on = findRow(report, model, 'modeldeck', protocol, true, 64);
      const off = findRow(report, model, 'modeldeck', protocol, false, 64);
      const x = on && off && off.inferPerSec > 0 && on.inferPerSec > 0 ? on.inferPerSec / off.inferPerSec : undefined;
      const pass = x === undefined ? undefined : x >= 1.5;
      lines.push({
        target: `T4 batching on ≥ 1.5× off, c=64, ${PROTOCOL_NAME[protocol]}`,
        subject: model,
        measured: `${perSec(on?.inferPerSec)} vs ${perSec(off?.inferPerSec)} infer/s = ${fx(x)}${warn(on, off)}`,
        threshold: '≥ 1.50×',
        pass,
        primary: model === 'tiny' && protocol === 'rest-json',
        ...(pass === false && on && off ? { why: `on: ${cpuStory(report, on)}. off: ${cpuStory(report, off)}.` } : {}),
      });
    }
  }

  // T5: event-loop delay p99 ≤ 10 ms at c=64, every ModelDeck row (naive peer shown).
  for (const r of report.rows.filter((x) => x.concurrency === 64 && x.eventLoopP99Ms !== undefined)) {
    const excess = eventLoopExcess(r)!;
    const pass = excess <= 10;
    lines.push({
      target: 'T5 event-loop delay p99 ≤ 10 ms, c=64',
      subject: `${r.model}, ${systemName(r)} ${PROTOCOL_NAME[r.protocol]}, batching ${batchingName(r)}`,
      measured: `${ms(excess)} ms beyond the 10 ms timer (raw p99 ${ms(r.eventLoopP99Ms)}, max ${ms(r.eventLoopMaxMs)} ms)${warn(r)}`,
      threshold: '≤ 10 ms',
      pass,
      primary: r.system === 'modeldeck',
      ...(!pass ? { why: cpuStory(report, r) } : {}),
    });
  }
  return lines;
}

function resultTable(report: BenchReport, model: ModelKey): string {
  const floor = report.floor[model];
  const head =
    '| system | protocol | batching | c | infer/s | p50 ms | p90 ms | p99 ms | max ms | errors | × floor | × naive (same c) | event-loop p99 ms (raw / beyond 10 ms timer) | server CPU % | load-gen CPU % | other CPU % | req/run | session.run ms (mean per request) | worker busy % |\n' +
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  const lines: string[] = [];
  if (floor) {
    lines.push(
      `| **floor** (in-process session.run) | – | – | 1 | ${perSec(floor.inferPerSec)} | ${ms(floor.p50Ms)} | ${ms(floor.p90Ms)} | ${ms(floor.p99Ms)} | ${ms(floor.maxMs)} | 0 | 1.00× | – | – | ${f(floor.cpuPct, 0)} | – | ${floor.machineBusyPct !== undefined ? f(Math.max(0, floor.machineBusyPct - floor.cpuPct) + (floor.machineStealPct ?? 0), 0) : '–'} | 1 | ${ms(floor.meanMs)} | ${f(floor.meanMs * floor.inferPerSec / 10, 0)} |`,
    );
  }
  const order = (r: Row): number => (r.system === 'naive' ? 0 : r.batching ? 2 : 1) * 100 + ['rest-json', 'rest-binary', 'grpc'].indexOf(r.protocol) * 10;
  const rows = report.rows.filter((r) => r.model === model).sort((a, b) => order(a) - order(b) || a.concurrency - b.concurrency);
  for (const r of rows) {
    if (r.failed) {
      lines.push(`| ${systemName(r)} | ${PROTOCOL_NAME[r.protocol]} | ${batchingName(r)} | ${r.concurrency} | failed: ${r.failed.replace(/\|/g, '/').slice(0, 120)} | | | | | | | | | | | | | | |`);
      continue;
    }
    const proto = r.protocol === 'grpc' && r.channels ? `gRPC (${r.channels} ch)` : PROTOCOL_NAME[r.protocol];
    const err = r.errors > 0 ? `**${r.errors}**` : '0';
    lines.push(
      `| ${systemName(r)} | ${proto} | ${batchingName(r)} | ${r.concurrency} | ${perSec(r.inferPerSec)} | ${ms(r.p50Ms)} | ${ms(r.p90Ms)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} | ${err} | ${fx(r.ratioToFloor)} | ${r.system === 'naive' ? '1.00×' : fx(r.ratioToNaive)} | ${ms(r.eventLoopP99Ms)} / ${ms(eventLoopExcess(r))} | ${f(r.serverCpuPct, 0)} | ${f(r.loadgenCpuPct, 0)} | ${f(r.foreignCpuPct, 0)}${(r.foreignCpuPct ?? 0) > 25 ? ' ⚠' : ''} | ${f(r.meanRequestsPerRun, 1)} | ${ms(r.meanComputeMs)} | ${f(r.workerBusyPct, 0)} |`,
    );
  }
  return head + lines.join('\n') + '\n';
}

function extrasSection(report: BenchReport): string {
  const out: string[] = ['## Extra references (not used for the targets)\n'];
  out.push(
    'Floor by batch size: one `session.run` carrying `batch` rows (the same row repeated), sequential, 1 s each, in the floor process right after its main window. ' +
      'This is the best any batcher can do per row on this machine; the one-thread lines are the same with intraOpNumThreads 1.\n',
  );
  out.push(
    '| model | floor variant | batch 1: infer/s, p50 ms, CPU % (main window) | batch | ms per run | µs per row | rows/s |\n| --- | --- | --- | ---: | ---: | ---: | ---: |',
  );
  for (const m of report.models) {
    for (const fl of [report.floor[m.key], report.floorOneThread[m.key], report.floorNoSpin[m.key]]) {
      if (!fl) continue;
      const variant = `${fl.intraOpThreads ?? '–'} intra-op thread(s)${fl.noSpin ? ', spinning off' : ''}${fl === report.floor[m.key] ? ' (**the floor**)' : ''}`;
      for (const sw of fl.sweep ?? []) {
        out.push(
          `| ${m.key} | ${variant} | ${perSec(fl.inferPerSec)}, ${ms(fl.p50Ms)}, ${f(fl.cpuPct, 0)} | ${sw.batch} | ${ms(sw.msPerRun)} | ${f(sw.usPerRow, 1)} | ${perSec(sw.rowsPerSec)} |`,
        );
      }
    }
  }
  out.push('');
  if (report.whatIf.length > 0) {
    out.push('What-if rows: other configurations and a transport floor (a server that does no inference), same load generator and window.\n');
    out.push('| config | model | protocol | c | infer/s | p50 ms | p99 ms | errors | × floor | × naive | event-loop p99 ms (raw / beyond timer) | server CPU % | load-gen CPU % | other CPU % | mean run ms |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of report.whatIf) {
      out.push(
        `| ${r.config} | ${r.model} | ${PROTOCOL_NAME[r.protocol]} | ${r.concurrency} | ${perSec(r.inferPerSec)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${r.errors} | ${fx(r.ratioToFloor)} | ${fx(r.ratioToNaive)} | ${ms(r.eventLoopP99Ms)} / ${ms(eventLoopExcess(r))} | ${f(r.serverCpuPct, 0)} | ${f(r.loadgenCpuPct, 0)} | ${f(r.foreignCpuPct, 0)}${(r.foreignCpuPct ?? 0) > 25 ? ' ⚠' : ''} | ${ms(r.meanComputeMs)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** Free text the orchestrator cannot derive: filled in by analysis.ts from the numbers. */
export type AnalysisFn = (report: BenchReport) => { perTarget: Record<string, string>; observations: string[]; closing: string[] };

export function writeReports(report: BenchReport, analysis?: AnalysisFn): void {
  const dir = path.join(REPO_ROOT, 'bench');
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'report.md'), renderMarkdown(report, analysis));
}

export function renderMarkdown(report: BenchReport, analysis?: AnalysisFn): string {
  const s = report.settings;
  const m = report.machine;
  const out: string[] = [];
  const extra = analysis?.(report);
  out.push('# ModelDeck benchmark report\n');
  out.push(
    `Generated by \`npm run bench\` (bench/runBench.ts) on ${m.date}; the whole run took ${f(report.durationS, 0)} s. ` +
      `Each row: ${s.seconds} s measured after a ${s.warmupS} s warm-up${s.quick ? ' (**BENCH_QUICK smoke run: numbers are noisy**)' : ''}. ` +
      'Every number below comes from this one run: same inputs, same machine, same thread settings.\n',
  );

  {
    const all = [...report.rows, ...report.whatIf].filter((r) => !r.failed);
    const noisyRows = all.filter((r) => (r.foreignCpuPct ?? 0) > 25);
    out.push(
      `**Data quality:** ${noisyRows.length} of ${all.length} measured rows lost more than 25% of a core during the window to other processes on this shared machine or to the hypervisor (steal) (marked ⚠ in the "other CPU %" column; each was measured again while the time budget allowed and the quietest attempt kept). ` +
        (noisyRows.length === 0 ? 'Every row ran on an otherwise quiet machine.' : 'Treat the marked rows as unreliable.') +
        ' Even on a quiet machine, repeated runs of this benchmark on this 2-vCPU VM differed by 10–30% per row (e.g. the CNN naive peer at c=16 gave 823, 759 and 563 infer/s in three runs), so compare rows within one run and treat smaller differences as noise.\n',
    );
  }
  out.push('## Machine\n');
  out.push(
    [
      `- CPU: ${m.cpuModel}${m.cpuMHz ? ` (${m.cpuMHz} MHz reported)` : ''}, ${m.cores} cores (os.availableParallelism())`,
      `- Memory: ${f(m.memoryGiB, 1)} GiB`,
      `- OS: ${m.os}`,
      `- Node ${m.node}, onnxruntime-node ${m.onnxruntime}, express ${m.express}, @grpc/grpc-js ${m.grpcJs}, prom-client ${m.promClient}`,
      `- Date: ${m.date}`,
      ...(s.priority ? [`- Priority: ${s.priority}.`] : []),
      `- **The load generator shares the ${m.cores} cores with the server.** It is a separate Node process (one per row, one thread of JavaScript), started after the server is ready; nothing is pinned. ` +
        'Its CPU time over the measured window (process.cpuUsage) is the "load-gen CPU %" column, next to the server process\'s CPU (process_cpu_seconds_total from its /metrics, all threads). ' +
        'Only the floor runs alone: it is the best case, with both cores for onnxruntime and no client.',
    ].join('\n') + '\n',
  );

  out.push('## What was measured\n');
  out.push(
    [
      `- **Models**: ${report.models.map((x) => `${x.key} = ${x.name} v${x.version}, input ${x.input}`).join('; ')}. The input is the first row of each model.json's input_example (batch 1 per request)${report.models.some((x) => x.key === 'ocr') ? '; ocr (issue 14, bench-only, no example) gets a generated image: see its section' : ''}.`,
      `- **Session settings everywhere**: cpu provider, intraOpNumThreads ${s.intraOpThreads} (ModelDeck's floor(cores / instances) with ${s.instances} instance), interOpNumThreads ${s.interOpThreads}, graphOptimizationLevel '${s.graphOptimizationLevel}'.`,
      '- **Floor** (bench/floor.ts, own process): sequential `await session.run()` with a fresh input tensor each time, for the row length after the warm-up.',
      '- **Naive peer** (bench/naivePeer.ts, own process): express 5 `express.json()` + onnxruntime-node, `session.run` on the main thread per request, same OIP V2 JSON request and response; prom-client default metrics at /metrics for its event-loop delay. REST JSON only.',
      `- **ModelDeck** (dist/server.js --registry <copy of the one model> --http-port 0 --grpc-port 0 --poll-interval-ms 0): batching off (default), then a fresh server with \`${s.batchingArgs}\`. REST JSON, REST binary (binary input and \`binary_data_output: true\`), gRPC ModelInfer with \`raw_input_contents\`. Before timing, one request per protocol is checked against the floor's outputs.`,
      `- **Load generator** (bench/loadgen.ts, own process per row): \`c\` closed loops; REST over \`http.request\` with a keep-alive Agent (maxSockets = c); gRPC over @grpc/grpc-js \`makeUnaryRequest\` with the ModelInferRequest serialized once and responses left undecoded. Latency per request with performance.now() (hrtime). Non-200 / non-OK responses are errors. Requests that complete inside the window count.`,
      `- **Event loop**: prom-client's \`<prefix>nodejs_eventloop_lag_p99_seconds\` (monitorEventLoopDelay, 10 ms resolution) scraped from /metrics right after the warm-up and right at the end of the window (while the load still runs); the after value is the row's. ${report.eventLoopReset ?? ''} ` +
        'Because that histogram records the interval of a 10 ms timer, an idle loop reads ≈ 10 ms; the table shows the raw p99 and the part beyond 10 ms (the actual delay), and T5 is judged on the latter.',
    ].join('\n') + '\n',
  );

  // gRPC channel calibration.
  if (report.channelTrials.length > 0) {
    out.push('### gRPC channels\n');
    out.push(
      `Measured per model with batching off (${s.calibrationS} s each), channels = separate HTTP/2 connections (grpc.use_local_subchannel_pool). c = 1 and 4 use one channel; for c ≥ 16 the fastest error-free count was used for both batching settings.\n`,
    );
    out.push('| model | c | channels | infer/s | p50 ms | p99 ms | load-gen CPU % | chosen |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const t of report.channelTrials) {
      const chosen = report.channelChoice[t.model]?.[t.concurrency] === t.channels ? '✔' : '';
      out.push(`| ${t.model} | ${t.concurrency} | ${t.channels} | ${perSec(t.inferPerSec)} | ${ms(t.p50Ms)} | ${ms(t.p99Ms)} | ${f(t.loadgenCpuPct, 0)} | ${chosen} |`);
    }
    out.push('');
  }

  for (const model of report.models) {
    out.push(`## Results: ${model.key} (${model.name} v${model.version}, ${model.input})\n`);
    out.push(resultTable(report, model.key));
    out.push(
      '"req/run" = requests per session.run (mean; > 1 only when the batcher merged requests), "session.run ms" = the time of the run that served a request, averaged over requests (ModelDeck observes modeldeck_inference_compute_duration_seconds once per request, so with batching this is a batch\'s run time), "worker busy %" = time inside session.run over the window, shown only when every run carried one request (the metric cannot give it for merged batches; for the floor row, its own loop). "other CPU %" = the machine\'s busy time (/proc/stat) minus server and load generator (other jobs on this shared box), plus steal (time the hypervisor gave our vCPUs to other VMs); rows above 25% were measured again when time allowed.\n',
    );
  }

  out.push(extrasSection(report));
  out.push(scriptsSection(report));
  const loggerText = loggerSection(report);
  if (loggerText) out.push(loggerText);
  const issue14Text = issue14Section(report);
  if (issue14Text) out.push(issue14Text);

  out.push('## Targets\n');
  out.push('Bold rows are the targets as stated; the others are shown alongside (other model, other protocol, batching on).\n');
  out.push('| target | subject | measured | threshold | result |\n| --- | --- | --- | --- | --- |');
  const tl = targets(report);
  for (const t of tl) {
    const res = t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'MISS';
    const b = (x: string): string => (t.primary ? `**${x}**` : x);
    out.push(`| ${b(t.target)} | ${b(t.subject)} | ${t.measured} | ${t.threshold} | ${b(res)} |`);
  }
  out.push('');
  const misses = tl.filter((t) => t.pass === false && t.primary);
  if (misses.length > 0) {
    out.push('### Misses of the stated targets: by how much, and where the CPU went\n');
    for (const t of misses) out.push(`- **${t.target} — ${t.subject}**: ${t.measured} (threshold ${t.threshold}). ${t.why ?? ''}`);
    out.push('');
  }
  if (extra) {
    for (const [k, v] of Object.entries(extra.perTarget)) out.push(`**${k}**: ${v}\n`);
    if (extra.closing.length > 0) {
      out.push('### What would close the misses\n');
      out.push(extra.closing.map((x) => `- ${x}`).join('\n') + '\n');
    }
  }

  out.push('## Server behaviour under load\n');
  const failedChecks = report.checks.filter((c) => !c.ok);
  out.push(
    `- Output checks: ${report.checks.length - failedChecks.length}/${report.checks.length} passed.` +
      (failedChecks.length ? ' Failed: ' + failedChecks.map((c) => `${c.what}: ${c.detail}`).join('; ') : ''),
  );
  const errRows = report.rows.filter((r) => r.errors > 0 || r.warmupErrors > 0 || r.failed);
  out.push(
    errRows.length === 0
      ? '- Errors: none (every response in every row was 200 / OK).'
      : '- Errors: ' + errRows.map((r) => `${r.model} ${systemName(r)} ${PROTOCOL_NAME[r.protocol]} batching ${batchingName(r)} c=${r.concurrency}: ${r.failed ?? `${r.errors} in window, ${r.warmupErrors} outside (${r.errorSamples.join('; ')})`}`).join('; '),
  );
  const events = report.events;
  out.push(
    events.length === 0
      ? '- Server logs: no warn/error/fatal line from any server process; every one stopped cleanly on SIGTERM.'
      : '- Server log lines at warn or above:\n' + events.slice(0, 30).map((e) => `  - ${e.source ?? ''} ${e.time} ${e.level}: ${e.msg}`).join('\n'),
  );
  if (report.notes.length > 0) out.push(...report.notes.map((n) => `- ${n}`));
  if (extra) out.push(...extra.observations.map((o) => `- ${o}`));
  out.push('');
  return out.join('\n');
}
