/**
 * `npm run bench`: measures, in one run and with the same inputs and thread settings, the in-process
 * floor, a naive Express peer and the ModelDeck server (batching off and on; REST JSON, REST binary
 * and gRPC) at several concurrencies, then writes bench/report.md and bench/report.json.
 *
 * Every child process (floor, naive peer, servers, load generators) is tracked and killed on exit,
 * error, SIGINT and SIGTERM. Everything listens on 127.0.0.1 with ephemeral ports.
 *
 * Environment: BENCH_SECONDS (row length, default 3), BENCH_WARMUP_SECONDS (default 0.5),
 * BENCH_QUICK=1 (0.5 s rows, short calibration: a smoke run), BENCH_PHASES (a comma-separated subset
 * of `onnx`, `scripts`, `logger`; all by default; see bench/config.ts), BENCH_PYTHON (the issue-12
 * rows' Python, default /usr/bin/python3), BENCH_LOGGER_ROUNDS (the issue-13 rows' interleaved
 * rounds, default 3), BENCH_MODELS (the ONNX phase's models: tiny, cnn, ocr; all by default),
 * BENCH_AB_ROUNDS (issue 14's A/B experiments: interleaved rounds, default 2).
 *
 * This file runs the whole thing in order (machine, floor, then bench/phases.ts per model) and writes
 * the report. The parts: bench/config.ts (settings from the environment), bench/processes.ts (child
 * processes and the wait for a quiet machine), bench/checks.ts (untimed correctness checks),
 * bench/rows.ts (one measurement, repeated when noisy, into one row), bench/phases.ts (one model's
 * naive peer, ModelDeck and what-if rows); the children themselves are bench/{floor,naivePeer,
 * loadgen,nullServer}.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { benchModels, encodeRestRequests, grpcInferMessage, OCR_REGISTRY, REPO_ROOT, type BenchModel, type ModelKey } from './common';
import { analyze } from './analysis';
import { loadGrpcDef, type Expected } from './checks';
import {
  BATCHING_ARGS,
  BENCH_PYTHON,
  CALIBRATION_S,
  CHANNEL_OPTIONS,
  CONCURRENCIES,
  CORES,
  INTRA_OP_THREADS,
  JS_DIR,
  log,
  NOISY_ROW_PCT,
  PHASE_NAMES,
  PHASES,
  QUICK,
  QUIET_BUDGET_S,
  QUIET_WAIT_S,
  SECONDS,
  TMP,
  WARMUP_S,
} from './config';
import { extraRows, modelDeckRows, naiveGrpcRows, naivePeerRows, type ModelRun } from './phases';
import { abRows } from './abPhase';
import { profilePhase } from './profileServers';
import { killAll, quietStats } from './processes';
import { writeReports } from './report';
import { runFloor } from './rows';
import { loggerPhase } from './loggerPhase';
import { scriptsPhase } from './scriptsPhase';
import type { BenchReport, FloorResult } from './types';

// ---------------------------------------------------------------- machine

function machineInfo(): BenchReport['machine'] {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const modelName = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  const pkg = (name: string): string => (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpuModel: modelName,
    ...(mhz ? { cpuMHz: mhz } : {}),
    cores: CORES,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntime: pkg('onnxruntime-node'),
    express: pkg('express'),
    grpcJs: pkg('@grpc/grpc-js'),
    promClient: pkg('prom-client'),
    date: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------- the run

async function bundleChildren(): Promise<void> {
  // Children run as plain bundled JS (no tsx loader thread in the load generator).
  await build({
    entryPoints: ['floor', 'naivePeer', 'naiveGrpcPeer', 'noSpinWorker', 'loadgen', 'nullServer', 'scriptChannel'].map((n) => path.join(REPO_ROOT, 'bench', `${n}.ts`)),
    outdir: JS_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
}

function makeRegistry(model: BenchModel): string {
  const reg = path.join(TMP, `registry-${model.key}`);
  fs.rmSync(reg, { recursive: true, force: true });
  fs.cpSync(model.dir, path.join(reg, model.name, String(model.version)), { recursive: true });
  return reg;
}

/**
 * On a shared machine, other jobs' CPU lands in the rows. Raising this process's priority (children,
 * their threads and the servers inherit it) makes the scheduler favour the benchmark over them; every
 * process measured runs at the same priority, so the comparison stays fair. BENCH_NICE=0 turns it off;
 * without the permission (not root) it is skipped.
 */
function raisePriority(): string {
  const nice = Number(process.env.BENCH_NICE ?? -10);
  if (nice === 0) return 'all processes at the default priority (BENCH_NICE=0)';
  try {
    os.setPriority(0, nice);
    return `all benchmark processes (orchestrator, floor, peers, servers, load generators) at nice ${os.getPriority(0)}, to keep other jobs on this shared machine out of the rows`;
  } catch (e) {
    return `default priority (could not set nice ${nice}: ${(e as Error).message})`;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const priority = raisePriority();
  // BENCH_MODELS (comma-separated keys: tiny, cnn, ocr) runs the ONNX phase on a subset.
  const wanted = process.env.BENCH_MODELS?.split(',').map((x) => x.trim()).filter(Boolean);
  const models = benchModels().filter((m) => !wanted || wanted.includes(m.key));
  fs.mkdirSync(TMP, { recursive: true });
  if (PHASES.has('onnx') && models.some((m) => m.key === 'ocr')) {
    // Issue 14's large-input model, built (deterministically) for this run, outside examples/.
    log(`building the ocr model with ${BENCH_PYTHON} bench/models/ocr_cnn.py`);
    execFileSync(BENCH_PYTHON, [path.join(REPO_ROOT, 'bench', 'models', 'ocr_cnn.py'), OCR_REGISTRY], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  await bundleChildren();
  const grpcDef = loadGrpcDef();
  const report: BenchReport = {
    settings: {
      seconds: SECONDS,
      warmupS: WARMUP_S,
      quick: QUICK,
      concurrencies: CONCURRENCIES,
      intraOpThreads: INTRA_OP_THREADS,
      interOpThreads: 1,
      graphOptimizationLevel: 'all',
      instances: 1,
      batchingArgs: BATCHING_ARGS.join(' '),
      channelOptions: CHANNEL_OPTIONS,
      calibrationS: CALIBRATION_S,
      priority,
    },
    machine: machineInfo(),
    models: models.map((m) => ({ key: m.key, name: m.name, version: m.version, input: `${m.input.name} ${m.input.datatype} [${m.input.shape.join(',')}]` })),
    floor: {} as Record<ModelKey, FloorResult>,
    floorOneThread: {},
    floorNoSpin: {},
    whatIf: [],
    naiveGrpc: [],
    ab: [],
    rows: [],
    checks: [],
    channelTrials: [],
    channelChoice: {},
    events: [],
    notes: [],
    durationS: 0,
  };
  log(`rows of ${SECONDS}s after ${WARMUP_S}s warm-up; ${CORES} cores; intra-op threads ${INTRA_OP_THREADS}`);

  for (const model of PHASES.has('onnx') ? models : []) {
    const req = encodeRestRequests(model);
    const grpcMessage = grpcDef.serialize(grpcInferMessage(model));
    const registry = makeRegistry(model);

    // 1. The floor, alone on the machine.
    log(`${model.key}: floor`);
    const floor = await runFloor(model, INTRA_OP_THREADS);
    report.floor[model.key] = floor;
    log(`${model.key}: floor ${floor.inferPerSec.toFixed(0)}/s p50 ${floor.p50Ms.toFixed(4)} ms p99 ${floor.p99Ms.toFixed(4)} ms cpu ${floor.cpuPct.toFixed(0)}%`);
    const expected: Expected = { label: floor.outputs.label ?? [], probabilities: floor.outputs.probabilities ?? [] };
    const run: ModelRun = { model, req, grpcMessage, grpcDef, registry, floor, expected, report };

    // 2. The naive peer, REST JSON only.
    await naivePeerRows(run);

    // 3. ModelDeck, batching off then on.
    const channelsFor = await modelDeckRows(run);

    // 4. Extras, not used for the targets (what-if rows).
    await extraRows(run, channelsFor);

    // 5. Issue 14: the naive gRPC peer, and A/B experiments on ModelDeck's defaults.
    await naiveGrpcRows(run, channelsFor);
    await abRows(run, channelsFor);
  }

  // 6. Issue 14: the profiles behind its changes (main thread per request), after the rows.
  if (PHASES.has('onnx')) {
    const registries = Object.fromEntries(models.filter((m) => m.key === 'tiny' || m.key === 'ocr').map((m) => [m.key, path.join(TMP, `registry-${m.key}`)]));
    report.profiles = await profilePhase(registries, QUICK ? 1 : 4);
  }

  // Ratios: to the floor (same model) and to the naive peer (same model and concurrency).
  for (const row of report.rows) {
    const floor = report.floor[row.model];
    if (floor && row.inferPerSec > 0) row.ratioToFloor = row.inferPerSec / floor.inferPerSec;
    const naive = report.rows.find((n) => n.system === 'naive' && n.model === row.model && n.concurrency === row.concurrency);
    if (naive && naive.inferPerSec > 0 && row.inferPerSec > 0) row.ratioToNaive = row.inferPerSec / naive.inferPerSec;
  }
  const quiet = quietStats();
  if (quiet.rowsRepeated > 0) report.notes.push(`${quiet.rowsRepeated} row measurement(s) were repeated because other processes on the machine or the hypervisor (steal) took more than ${NOISY_ROW_PCT}% of a core during them (the quietest attempt is kept).`);
  if (quiet.gaveUp > 0) report.notes.push(`${quiet.gaveUp} time(s) the machine stayed busy with other processes (waited up to ${QUIET_WAIT_S} s, ${QUIET_BUDGET_S} s in all) and the row was measured anyway; see the "other CPU %" column.`);
  report.notes.push(`Time spent waiting for a quiet machine or repeating noisy rows: ${quiet.spentS.toFixed(0)} s (budget ${QUIET_BUDGET_S} s).`);
  // 5. Issue 12: the Python predictor path vs a Flask peer.
  if (PHASES.has('scripts')) report.scripts = await scriptsPhase();
  // 6. Issue 13: the inference logger's cost.
  if (PHASES.has('logger')) report.logger = await loggerPhase();
  report.durationS = (Date.now() - started) / 1000;
  // A partial run (BENCH_PHASES) replaces only its own parts of bench/report.json: BENCH_PHASES=scripts
  // keeps the last run's ONNX results and issue-13 section, BENCH_PHASES=logger the ONNX results and
  // the issue-12 section, BENCH_PHASES=onnx both sections.
  const file = path.join(REPO_ROOT, 'bench', 'report.json');
  const previous = PHASES.size < PHASE_NAMES.length && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport) : undefined;
  if (!previous) writeReports(report, analyze);
  else {
    const merged: BenchReport = PHASES.has('onnx') ? { ...report } : { ...previous };
    if (PHASES.has('scripts') && report.scripts?.skipped && previous.scripts && !previous.scripts.skipped) {
      log(`issue-12 rows not measured (${report.scripts.skipped}); bench/report.* keep the previous measurement of ${previous.scripts.date}`);
    }
    const scripts = PHASES.has('scripts') && !(report.scripts?.skipped && previous.scripts && !previous.scripts.skipped) ? report.scripts : previous.scripts;
    const logger = PHASES.has('logger') ? report.logger : previous.logger;
    delete merged.scripts;
    delete merged.logger;
    writeReports({ ...merged, ...(scripts ? { scripts } : {}), ...(logger ? { logger } : {}) }, analyze);
  }
  log(`done in ${report.durationS.toFixed(0)} s: bench/report.md, bench/report.json${previous ? ` (only the ${[...PHASES].join(', ')} part replaced)` : ''}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    killAll('SIGKILL');
    process.exit(1);
  },
);
