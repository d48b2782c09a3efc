/**
 * The benchmark's settings, read once from the environment (see bench/runBench.ts for the variables),
 * and the orchestrator's small shared helpers.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './common';
import type { Protocol } from './types';

export const QUICK = process.env.BENCH_QUICK === '1';
export const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 0.5 : 3));
export const WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? (QUICK ? 0.25 : 0.5));
export const CONCURRENCIES = [1, 4, 16, 64];
export const PROTOCOLS: Protocol[] = ['rest-json', 'rest-binary', 'grpc'];
export const CHANNEL_OPTIONS = [1, 2, 4];
export const CALIBRATION_S = QUICK ? 0.3 : Math.min(1.5, SECONDS);
export const BATCHING_ARGS = ['--batching', '--max-batch-size', '32', '--max-latency-ms', '2'];
export const CORES = os.availableParallelism();
/** What the server gives one session with `instances` = 1: floor(cores / instances). */
export const INTRA_OP_THREADS = Math.max(1, Math.floor(CORES / 1));
/** Before each row: wait (bounded) until other processes leave the cores alone. */
export const QUIET_BUSY_PCT = Number(process.env.BENCH_QUIET_BUSY_PCT ?? 20);
export const QUIET_WAIT_S = Number(process.env.BENCH_QUIET_WAIT_S ?? (QUICK ? 5 : 30));
/** Whole run: total seconds spent waiting for quiet and repeating noisy rows, so it stays bounded. */
export const QUIET_BUDGET_S = Number(process.env.BENCH_QUIET_BUDGET_S ?? (QUICK ? 10 : 150));
/** Other processes above this (% of one core) during a row make it be measured again. */
export const NOISY_ROW_PCT = Number(process.env.BENCH_NOISY_ROW_PCT ?? 25);
export const ROW_ATTEMPTS = QUICK ? 1 : 3;
export const SWEEP = [1, 8, 32];
export const SWEEP_S = QUICK ? 0.2 : 1;
export const TMP = path.join(REPO_ROOT, 'bench', 'tmp');
/**
 * BENCH_PHASES: which parts run, comma-separated (default all): `onnx` (floor, naive peer, ModelDeck
 * and extras per ONNX model), `scripts` (issue 12: the Python predictor vs a Flask peer,
 * bench/scriptsPhase.ts) and `logger` (issue 13: the inference logger's cost, bench/loggerPhase.ts).
 * A partial run replaces only its own parts of bench/report.json and keeps the others (see
 * bench/runBench.ts).
 */
export const PHASE_NAMES = ['onnx', 'scripts', 'logger'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];
export const PHASES: ReadonlySet<PhaseName> = (() => {
  const given = (process.env.BENCH_PHASES ?? PHASE_NAMES.join(',')).split(',').map((x) => x.trim()).filter(Boolean);
  const bad = given.filter((x) => !(PHASE_NAMES as readonly string[]).includes(x));
  if (bad.length > 0 || given.length === 0) throw new Error(`BENCH_PHASES: expected a comma-separated list of ${PHASE_NAMES.join(', ')}; got ${process.env.BENCH_PHASES}`);
  return new Set(given as PhaseName[]);
})();
/** The Python the issue-12 rows run (Flask peer, ModelDeck's script deployment, in-process loop). */
export const BENCH_PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
export const JS_DIR = path.join(TMP, 'js');

if (!(SECONDS > 0) || !(WARMUP_S >= 0)) throw new Error('BENCH_SECONDS must be > 0 and BENCH_WARMUP_SECONDS ≥ 0');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (msg: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};
