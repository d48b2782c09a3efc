/** Shapes of bench/report.json. */
import type { ModelKey } from './common';
import type { ProfileSummary } from './cpuProfile';

export type Protocol = 'rest-json' | 'rest-binary' | 'grpc';
export type SystemKind = 'naive' | 'modeldeck' | 'null' | 'flask';

export interface FloorResult {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  elapsedS: number;
  inferPerSec: number;
  /** CPU time of the floor process over its window, % of one core. */
  cpuPct: number;
  machineBusyPct?: number;
  machineStealPct?: number;
  outputs: Record<string, number[]>;
  ortVersion: string;
  intraOpThreads?: number;
  noSpin?: boolean;
  /** Per batch size: time per session.run and per row (what batching can buy at best). */
  sweep?: { batch: number; msPerRun: number; usPerRow: number; rowsPerSec: number }[];
}

export interface Row {
  model: ModelKey;
  system: SystemKind;
  protocol: Protocol;
  /** null for the naive peer. */
  batching: boolean | null;
  concurrency: number;
  /** gRPC: HTTP/2 connections used by the load generator. */
  channels?: number;
  inferPerSec: number;
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  errors: number;
  errorSamples: string[];
  warmupErrors: number;
  loadgenCpuPct: number;
  /** Whole server process (main thread, workers, onnxruntime threads), % of one core. */
  serverCpuPct?: number;
  /** The server's main thread alone (its event loop: protocol work, decoding, inline runs), % of one core. */
  mainThreadCpuPct?: number;
  /** prom-client's p99 of the event-loop histogram over the window (raw: includes its 10 ms timer). */
  eventLoopP99Ms?: number;
  eventLoopMaxMs?: number;
  meanRequestsPerRun?: number;
  meanRowsPerRun?: number;
  meanComputeMs?: number;
  meanQueueMs?: number;
  meanServerMs?: number;
  /** Time inside session.run over the window, % of one worker (summed over instances). */
  workerBusyPct?: number;
  serverRssMiB?: number;
  /** Whole machine busy over the window (/proc/stat), % of one core. */
  machineBusyPct?: number;
  machineStealPct?: number;
  /** Machine busy minus server and load generator: other processes on the box (noise). */
  foreignCpuPct?: number;
  /** Seconds waited for the machine to be quiet before this row. */
  quietWaitS?: number;
  /** Measurements taken of this row (more than 1 when other processes were busy). */
  attempts?: number;
  ratioToFloor?: number;
  ratioToNaive?: number;
  failed?: string;
}

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ChannelTrial {
  model: ModelKey;
  concurrency: number;
  channels: number;
  inferPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  loadgenCpuPct: number;
}

export interface LogEvent {
  time: string;
  level: string;
  msg: string;
  source?: string;
}

export interface BenchReport {
  settings: {
    seconds: number;
    warmupS: number;
    quick: boolean;
    concurrencies: number[];
    intraOpThreads: number;
    interOpThreads: number;
    graphOptimizationLevel: string;
    instances: number;
    batchingArgs: string;
    channelOptions: number[];
    calibrationS: number;
    /** Scheduling priority the run used. */
    priority?: string;
  };
  machine: {
    cpuModel: string;
    cpuMHz?: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    onnxruntime: string;
    express: string;
    grpcJs: string;
    promClient: string;
    date: string;
  };
  models: { key: ModelKey; name: string; version: number; input: string }[];
  floor: Record<ModelKey, FloorResult>;
  /** Extra reference, not used for the targets: the floor with one intra-op thread. */
  floorOneThread: Partial<Record<ModelKey, FloorResult>>;
  /** Extra reference: the floor with onnxruntime's intra-op spinning off. */
  floorNoSpin: Partial<Record<ModelKey, FloorResult>>;
  /** Extra what-if rows (not used for the targets). */
  whatIf: (Row & { config: string })[];
  /** Issue 14: the naive grpc-js peer (bench/naiveGrpcPeer.ts), gRPC raw contents, per model and c. */
  naiveGrpc?: Row[];
  /** Issue 14: CPU profiles behind its changes (bench/profileServers.ts), same run. */
  profiles?: ProfileRecord[];
  /** Issue 14: A/B experiments on ModelDeck's defaults (bench/abPhase.ts): A = default, B = one setting changed; interleaved rounds. */
  ab?: (Row & { experiment: string; config: string; round: number })[];
  rows: Row[];
  checks: Check[];
  channelTrials: ChannelTrial[];
  channelChoice: Partial<Record<ModelKey, Record<number, number>>>;
  eventLoopReset?: string;
  events: LogEvent[];
  notes: string[];
  durationS: number;
  /** Issue 12: the Python predictor path vs a Flask peer (bench/scriptsPhase.ts); may come from a later BENCH_PHASES=scripts run. */
  scripts?: ScriptsReport;
  /** Issue 13: the inference logger's cost (bench/loggerPhase.ts); may come from a later BENCH_PHASES=logger run. */
  logger?: LoggerReport;
}

/** A per-call timing of predict without HTTP: in-process loop or the host channel alone. */
export interface CallTiming {
  calls: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  callsPerSec: number;
  /** Channel: mean time inside predict as the host measured it (computeMs). */
  meanComputeMs?: number;
}

/** One issue-12 row: a Row of the bench model, with what it is and each server process's CPU. */
export interface ScriptsRow extends Omit<Row, 'model'> {
  model: string;
  /** "Flask peer", "ModelDeck, batcher off", … */
  label: string;
  /** Per server process (same names as ScriptsReport.processes), % of one core over the window. */
  cpuByProcess?: Record<string, number>;
  /** Requests per predict call (ModelDeck's batch metrics). */
  meanRequestsPerCall?: number;
  /** ModelDeck experiment rows: Python hosts (resources.instances) when not 1. */
  instances?: number;
}

/** bench/scriptsPhase.ts's results. */
export interface ScriptsReport {
  date: string;
  durationS: number;
  seconds: number;
  warmupS: number;
  quick: boolean;
  /** Set when the phase could not run (what is missing and how to install it). */
  skipped?: string;
  python: string;
  versions: Record<string, string>;
  /** Served model name and how it was made. */
  model: string;
  modelHow: string;
  predictor: string;
  /** The request body every row sends. */
  body: string;
  /** Expected predictions (from the in-process call) and what each server answered. */
  checks: Check[];
  inProcess?: CallTiming;
  channel?: CallTiming;
  rows: ScriptsRow[];
  /** Deployment files used, by row label. */
  deployments: Record<string, unknown>;
  /** Main-thread CPU profile of the default deployment's server at c=16 (bench/cpuProfile.ts). */
  profile?: ProfileSummary & { inferPerSec: number; loadS: number };
  events: LogEvent[];
  notes: string[];
}

/** The inference-logger configurations of bench/loggerPhase.ts (`…-request`: the experiment, mode request). */
export type LoggerConfig = 'none' | 'file' | 'http' | 'file-request' | 'http-request' | 'http-main';

/** One issue-13 row: a Row of the iris deployment, with its configuration, round and the logger's counters. */
export interface LoggerRow extends Omit<Row, 'model'> {
  model: string;
  config: LoggerConfig;
  /** Interleaved round (1-based) the row was measured in; c=16 rows of one round ran back to back. */
  round: number;
  /** The ModelDeck server process alone (serverCpuPct is the same figure), % of one core. */
  cpuByProcess?: Record<string, number>;
  /** Over the whole row (warm-up, window, repeats, then until the queue drained): requests the server counted, events sent / retried / dropped per /metrics. */
  requestsServed?: number;
  logSent?: number;
  logRetried?: number;
  logDropped?: number;
  /** Seconds after the load stopped until sent + dropped stopped moving (the queue drained). */
  drainS?: number;
}

/** A `node --cpu-prof` run of one configuration at c=16 (not a row). */
export interface LoggerProfile extends ProfileSummary {
  config: LoggerConfig;
  protocol: Protocol;
  inferPerSec: number;
  loadS: number;
  /** Main-thread busy time per request served during the profiled load, µs. */
  busyUsPerRequest?: number;
  requests?: number;
}

/** bench/loggerPhase.ts's results. */
export interface LoggerReport {
  date: string;
  durationS: number;
  seconds: number;
  warmupS: number;
  quick: boolean;
  rounds: number;
  model: string;
  /** The deployment file per configuration. */
  deployments: Record<string, unknown>;
  /** The REST JSON body every REST row sends (gRPC: the same tensor as raw_input_contents). */
  body: string;
  grpcChannels: number;
  receiver: string;
  rows: LoggerRow[];
  checks: Check[];
  /** Lines in the file sink at the end vs events the file server counted as sent. */
  fileLines?: number;
  fileSentTotal?: number;
  profiles: LoggerProfile[];
  events: LogEvent[];
  notes: string[];
}

/** One profiled server under load: its main thread's time per request, by bucket and hottest function. */
export interface ProfileRecord {
  label: string;
  system: 'modeldeck' | 'naive';
  model: ModelKey;
  protocol: Protocol;
  concurrency: number;
  /** Extra ModelDeck flags (the changed setting). */
  args: string[];
  /** Throughput while profiled (the profiler slows the server: compare profiles with each other only). */
  inferPerSec: number;
  p50Ms: number;
  processCpuPct?: number;
  mainThreadCpuPct?: number;
  loadgenCpuPct: number;
  /** Sampled main-thread time that was not idle, per request, µs. */
  mainBusyUsPerRequest: number;
  buckets: { name: string; usPerRequest: number }[];
  top: { fn: string; usPerRequest: number }[];
  /** The main thread's .cpuprofile, relative to the repository. */
  file: string;
}
