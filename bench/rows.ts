/**
 * One measurement, one row: the load generator (or the floor process) run on a quiet machine and
 * repeated (bounded) when other processes took the cores, and its result turned into a report row
 * with the server's own metrics (scraped before and after) alongside.
 */
import type { BenchModel, EncodedRequests, ModelKey } from './common';
import { NOISY_ROW_PCT, ROW_ATTEMPTS, SECONDS, SWEEP, SWEEP_S, WARMUP_S, log } from './config';
import type { LoadgenConfig, LoadgenResult } from './loadgen';
import { noteRepeated, quietBudgetLeft, runJsonChild, waitForQuiet } from './processes';
import type { FloorResult, Protocol, Row, SystemKind } from './types';

export function metric(m: Record<string, number> | undefined, suffix: string): number | undefined {
  if (!m) return undefined;
  const key = Object.keys(m).find((k) => k.endsWith(suffix));
  return key === undefined ? undefined : m[key];
}

function delta(r: LoadgenResult, suffix: string): number | undefined {
  const a = metric(r.metricsBefore, suffix);
  const b = metric(r.metricsAfter, suffix);
  return a === undefined || b === undefined ? undefined : b - a;
}

/**
 * Whole server CPU, % of one core, from the load generator's reading of the server's processes
 * (cpuPids: a server and its Python hosts, or a peer without /metrics); undefined when not asked for.
 */
export function pidCpuTotal(r: LoadgenResult): number | undefined {
  if (!r.pidCpuPct || r.pidCpuPct.length === 0 || r.pidCpuPct.some((x) => x === null)) return undefined;
  return (r.pidCpuPct as number[]).reduce((a, b) => a + b, 0);
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export function toRow(
  model: ModelKey,
  system: SystemKind,
  protocol: Protocol,
  batching: boolean | null,
  concurrency: number,
  channels: number | undefined,
  r: LoadgenResult & { quietWaitS: number; attempts: number },
): Row {
  const scrapeS = r.scrapeIntervalS ?? r.elapsedS;
  const cpuS = delta(r, 'process_cpu_seconds_total');
  const elP99 = metric(r.metricsAfter, 'nodejs_eventloop_lag_p99_seconds');
  const elMax = metric(r.metricsAfter, 'nodejs_eventloop_lag_max_seconds');
  const batchReq = ratio(delta(r, 'batch_requests_sum'), delta(r, 'batch_requests_count'));
  const batchRows = ratio(delta(r, 'batch_rows_sum'), delta(r, 'batch_rows_count'));
  const compute = ratio(delta(r, 'inference_compute_duration_seconds_sum'), delta(r, 'inference_compute_duration_seconds_count'));
  const queue = ratio(delta(r, 'inference_queue_duration_seconds_sum'), delta(r, 'inference_queue_duration_seconds_count'));
  const serverSide = ratio(delta(r, 'inference_request_duration_seconds_sum'), delta(r, 'inference_request_duration_seconds_count'));
  const rss = metric(r.metricsAfter, 'process_resident_memory_bytes');
  const computeS = delta(r, 'inference_compute_duration_seconds_sum');
  const serverCpuPct = pidCpuTotal(r) ?? (cpuS !== undefined ? (cpuS / scrapeS) * 100 : undefined);
  return {
    model,
    system,
    protocol,
    batching,
    concurrency,
    ...(channels !== undefined ? { channels } : {}),
    inferPerSec: r.inferPerSec,
    count: r.count,
    p50Ms: r.p50Ms,
    p90Ms: r.p90Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    meanMs: r.meanMs,
    errors: r.errors,
    errorSamples: r.errorSamples,
    warmupErrors: r.warmupErrors,
    loadgenCpuPct: r.loadgenCpuPct,
    quietWaitS: r.quietWaitS,
    attempts: r.attempts,
    ...(serverCpuPct !== undefined ? { serverCpuPct } : {}),
    ...(r.mainThreadCpuPct !== undefined ? { mainThreadCpuPct: r.mainThreadCpuPct } : {}),
    ...(elP99 !== undefined ? { eventLoopP99Ms: elP99 * 1000 } : {}),
    ...(elMax !== undefined ? { eventLoopMaxMs: elMax * 1000 } : {}),
    ...(batchReq !== undefined ? { meanRequestsPerRun: batchReq } : {}),
    ...(batchRows !== undefined ? { meanRowsPerRun: batchRows } : {}),
    ...(compute !== undefined ? { meanComputeMs: compute * 1000 } : {}),
    ...(queue !== undefined ? { meanQueueMs: queue * 1000 } : {}),
    ...(serverSide !== undefined ? { meanServerMs: serverSide * 1000 } : {}),
    // compute_duration is observed once per request with its run's time, so its sum is the time
    // inside session.run only when every run carries one request (no merging).
    ...(computeS !== undefined && (batchReq === undefined || batchReq < 1.02) ? { workerBusyPct: (computeS / scrapeS) * 100 } : {}),
    ...(rss !== undefined ? { serverRssMiB: rss / 2 ** 20 } : {}),
    ...(r.machineBusyPct !== undefined ? { machineBusyPct: r.machineBusyPct, machineStealPct: r.machineStealPct ?? 0 } : {}),
    ...(r.machineBusyPct !== undefined && serverCpuPct !== undefined
      ? { foreignCpuPct: Math.max(0, r.machineBusyPct - serverCpuPct - r.loadgenCpuPct) + (r.machineStealPct ?? 0) }
      : {}),
  };
}

export function loadgenConfig(
  protocol: Protocol,
  port: number,
  model: BenchModel,
  req: EncodedRequests,
  grpcMessage: Buffer | undefined,
  concurrency: number,
  channels: number,
  metricsPort: number | undefined,
  seconds: number,
  warmupS: number,
): LoadgenConfig {
  const base = {
    protocol,
    port,
    concurrency,
    warmupS,
    seconds,
    ...(metricsPort !== undefined ? { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` } : {}),
  };
  if (protocol === 'grpc') return { ...base, bodyB64: grpcMessage!.toString('base64'), channels };
  const urlPath = `/v2/models/${model.name}/infer`;
  if (protocol === 'rest-json') return { ...base, path: urlPath, bodyB64: req.json.toString('base64'), headers: { 'Content-Type': 'application/json' } };
  return {
    ...base,
    path: urlPath,
    bodyB64: req.binary.toString('base64'),
    headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(req.binaryHeaderLength) },
  };
}

/**
 * CPU taken from the row by others, % of one core: processes other than the server and the load
 * generator, plus hypervisor steal (our vCPUs given to another VM: the same loss, seen from inside).
 */
function foreignCpu(r: LoadgenResult): number | undefined {
  const cpuS = delta(r, 'process_cpu_seconds_total');
  const server = pidCpuTotal(r) ?? (cpuS !== undefined ? (cpuS / (r.scrapeIntervalS ?? r.elapsedS)) * 100 : undefined);
  if (r.machineBusyPct === undefined || server === undefined) return undefined;
  return Math.max(0, r.machineBusyPct - server - r.loadgenCpuPct) + (r.machineStealPct ?? 0);
}

/** One row; repeated (up to ROW_ATTEMPTS) when other processes took the cores, keeping the quietest. */
export async function loadgen(cfg: LoadgenConfig): Promise<LoadgenResult & { quietWaitS: number; attempts: number }> {
  let best: (LoadgenResult & { quietWaitS: number; attempts: number }) | undefined;
  for (let attempt = 1; attempt <= ROW_ATTEMPTS; attempt++) {
    const quietWaitS = await waitForQuiet();
    const r = await runJsonChild<LoadgenResult>('loadgen.js', cfg, (cfg.warmupS + cfg.seconds) * 1000 + 60_000);
    const foreign = foreignCpu(r) ?? 0;
    if (!best || foreign < (foreignCpu(best) ?? 0)) best = { ...r, quietWaitS, attempts: attempt };
    if (foreign <= NOISY_ROW_PCT || attempt === ROW_ATTEMPTS) break;
    if (quietBudgetLeft() <= 0) {
      log(`other processes and steal took ${foreign.toFixed(0)}% of a core during the row; no time budget left to repeat it`);
      break;
    }
    log(`other processes and steal took ${foreign.toFixed(0)}% of a core during the row; measuring it again`);
    noteRepeated(cfg.warmupS + cfg.seconds + 0.5);
  }
  return best!;
}

export function failedRow(model: ModelKey, system: SystemKind, protocol: Protocol, batching: boolean | null, concurrency: number, message: string): Row {
  return {
    model,
    system,
    protocol,
    batching,
    concurrency,
    inferPerSec: 0,
    count: 0,
    p50Ms: NaN,
    p90Ms: NaN,
    p99Ms: NaN,
    maxMs: NaN,
    meanMs: NaN,
    errors: 0,
    errorSamples: [],
    warmupErrors: 0,
    loadgenCpuPct: 0,
    failed: message,
  };
}

export function describeRow(r: Row): string {
  const el = r.eventLoopP99Ms !== undefined ? ` el.p99 ${r.eventLoopP99Ms.toFixed(1)}ms` : '';
  return `${r.model} ${r.system} ${r.protocol} batching=${r.batching} c=${r.concurrency}${r.channels ? ` ch=${r.channels}` : ''}: ${r.inferPerSec.toFixed(0)}/s p50 ${r.p50Ms.toFixed(3)} p99 ${r.p99Ms.toFixed(3)} ms err ${r.errors}${el} srvCPU ${r.serverCpuPct?.toFixed(0) ?? '-'}% lgCPU ${r.loadgenCpuPct.toFixed(0)}% other ${r.foreignCpuPct?.toFixed(0) ?? '-'}%${r.failed ? ` FAILED ${r.failed}` : ''}`;
}

/** The floor process, repeated (bounded) when other processes were busy during it. */
export async function runFloor(model: BenchModel, intraOpThreads: number, noSpin = false): Promise<FloorResult> {
  let best: FloorResult | undefined;
  const noise = (f: FloorResult): number => (f.machineBusyPct === undefined ? 0 : Math.max(0, f.machineBusyPct - f.cpuPct) + (f.machineStealPct ?? 0));
  for (let attempt = 1; attempt <= ROW_ATTEMPTS; attempt++) {
    await waitForQuiet();
    const f = await runJsonChild<FloorResult>(
      'floor.js',
      { file: model.file, input: model.input, intraOpThreads, noSpin, warmupS: WARMUP_S, seconds: SECONDS, sweep: SWEEP, sweepS: SWEEP_S },
      (WARMUP_S + SECONDS + SWEEP.length * SWEEP_S) * 1000 + 60_000,
    );
    if (!best || noise(f) < noise(best)) best = { ...f, intraOpThreads, ...(noSpin ? { noSpin } : {}) };
    if (noise(f) <= NOISY_ROW_PCT || attempt === ROW_ATTEMPTS || quietBudgetLeft() <= 0) break;
    log(`other processes and steal took ${noise(f).toFixed(0)}% of a core during the floor; measuring it again`);
    noteRepeated(WARMUP_S + SECONDS + 1);
  }
  return best!;
}
