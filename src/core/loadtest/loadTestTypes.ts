/**
 * The load test's contract, shared by the editor (host), the load process (dist/loadtest.js), the
 * `modeldeck loadtest` CLI and the dashboard page. Plain data only: it crosses an IPC channel and a
 * webview's postMessage.
 */

/** How requests travel: the predict panel's three transports. */
export type LoadProtocol = 'rest-json' | 'rest-binary' | 'grpc';

export const LOAD_PROTOCOLS: readonly LoadProtocol[] = ['rest-json', 'rest-binary', 'grpc'];

/** One request, encoded once: the load process sends the same bytes again and again. */
export type WirePayload =
  | {
      kind: 'http';
      /** Absolute URL of the infer route (http or https). */
      url: string;
      /** Content-Type, the binary extension's header, Host through an ingress, Authorization. */
      headers: Record<string, string>;
      bodyB64: string;
    }
  | {
      kind: 'grpc';
      /** host:port. */
      address: string;
      /** :authority through an ingress. */
      authority?: string;
      /** Bearer token and the like, sent as call metadata. */
      metadata?: Record<string, string>;
      /** A serialized inference.ModelInferRequest. */
      bodyB64: string;
    };

/** What the user chose. */
export interface LoadShape {
  /** Requests in flight at most (closed loops). */
  concurrency: number;
  /** Seconds of measured load (after the warm-up). */
  durationS: number;
  /** Requests per second to aim at, over all loops; absent: as fast as the loops go. */
  ratePerS?: number;
  /** Seconds of load before measuring (connections opened, the server warm); not counted. */
  warmupS?: number;
}

/** Everything the load process needs. */
export interface LoadPlan extends LoadShape {
  payload: WirePayload;
  protocol: LoadProtocol;
  /** Progress every this many ms (default 500). */
  progressMs?: number;
}

/** Latency percentiles in ms (NaN-free: absent when nothing was measured). */
export interface LatencyPercentiles {
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  minMs: number;
}

/** A progress report during the run. */
export interface LoadProgress {
  /** Seconds since the measured window began (negative during the warm-up). */
  elapsedS: number;
  durationS: number;
  warmingUp: boolean;
  /** Since the window began. */
  ok: number;
  errors: number;
  /** The last interval only. */
  intervalS: number;
  intervalOk: number;
  intervalErrors: number;
  intervalRps: number;
  intervalLatency?: LatencyPercentiles;
}

/** The summary of a finished (or stopped) run. */
export interface LoadTestResult {
  ok: number;
  errors: number;
  /** Error messages by count, most frequent first (at most 10 kinds). */
  errorKinds: { message: string; count: number }[];
  /** Failures during the warm-up (not in `errors`). */
  warmupErrors: number;
  elapsedS: number;
  /** Successful requests per second over the window. */
  throughputRps: number;
  latency?: LatencyPercentiles;
  /** The run was stopped before its duration. */
  stopped: boolean;
  /** Per-second throughput and p99 over the window, for the charts of a saved run. */
  timeline: { t: number; rps: number; p99Ms?: number; errors: number }[];
}

/** Messages of the load process (IPC), host → process. */
export type ToLoadProcess = { type: 'start'; plan: LoadPlan } | { type: 'stop' };
/** Messages of the load process (IPC), process → host. */
export type FromLoadProcess =
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'done'; result: LoadTestResult }
  | { type: 'failed'; error: string };
