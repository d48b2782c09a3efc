import * as os from 'node:os';
import type { LogFormat, LogLevel } from './observability/logger';

/** Everything the server can be told on its command line. */
export interface ServerConfig {
  /** Model registry roots (`<model>/<version>/model.onnx`); a model belongs to the first that has it. */
  registries: string[];
  /**
   * `poll`: serve what the registry or deployments folder holds and follow changes (default).
   * `explicit`: serve only what the repository API loads (the extension's mode); versions of loaded
   * deployments are still followed.
   */
  modelControl: 'poll' | 'explicit';
  /** Folder of deployment files; when set, only those are served. */
  deploymentsDir?: string;
  /**
   * One model folder served under a name instead of a registry (`--model-dir`, KServe's
   * /mnt/models): the folder's own files as version 1, or its version folders. `registries` then
   * holds just this folder.
   */
  modelDir?: { dir: string; name: string };
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host: string;
  /** REST port (0 = any free port). */
  httpPort: number;
  /** gRPC port (0 = any free port); undefined = gRPC off. */
  grpcPort?: number;
  logLevel: LogLevel;
  /** Log line format; undefined: pretty when stderr is a terminal, else json. */
  logFormat?: LogFormat;
  /** Largest accepted request body in bytes (REST) and message (gRPC). */
  maxBodyBytes: number;
  /** After a 413: how many more bytes of the body are read and discarded so the client can read the answer. */
  maxDiscardBytes: number;
  /** After a 413: how long the rest of the body is read and discarded, ms. */
  maxDiscardMs: number;
  /** How often the registry and deployments folder are re-read, ms (0 = never). */
  pollIntervalMs: number;
  /** How long SIGTERM waits for in-flight requests before exiting, ms. */
  shutdownTimeoutMs: number;
  /** Extra Host header names to accept besides loopback names and the bound host. */
  allowedHosts: string[];
  /** Accept any Host header (e.g. behind a proxy that rewrites it). */
  anyHost: boolean;
  /** Batcher for models served from `--registry` alone (deployment files carry their own). */
  defaultBatcher: { enabled: boolean; maxBatchSize: number; maxLatencyMs: number; maxQueueSize: number };
  /** Sessions per model served from `--registry` alone. */
  defaultInstances: number;
  /** Worker entry override (tests). */
  workerScript?: string;
  /** Threads that decode large V2 JSON bodies off the event loop (0: the main thread decodes all). */
  decodeThreads: number;
  /** JSON bodies of at least this many bytes go to a decode thread. */
  decodeMinBytes: number;
  /** `auto`: ONNX runs measured to be tiny run on the main thread (no worker hand-off); `off`: never. */
  inlineRuns: 'auto' | 'off';
  /** `auto`: one wide session for a run that comes alone, one narrow per core for overlapping runs (workerPool.ts); `off`: fixed. */
  adaptiveThreads: 'auto' | 'off';
  /** A predictor/transformer script call running longer fails and its host is replaced, ms. */
  scriptTimeoutMs: number;
  /** Inference logger: payload cap, file sink rotation, HTTP sinks on their own thread. */
  inferenceLog: { maxPayloadBytes: number; fileMaxBytes: number; fileKeep: number; httpThread: boolean };
}

/** Decode threads by default: one per core (decoding is most of a large JSON request's CPU), at most 8. */
const defaultDecodeThreads = (): number => Math.max(1, Math.min(8, os.availableParallelism()));

export const DEFAULT_CONFIG: Omit<ServerConfig, 'registries'> = {
  modelControl: 'poll',
  host: '127.0.0.1',
  httpPort: 8080,
  grpcPort: 8081,
  logLevel: 'info',
  maxBodyBytes: 64 * 1024 * 1024,
  maxDiscardBytes: 256 * 1024 * 1024,
  maxDiscardMs: 10_000,
  pollIntervalMs: 2000,
  shutdownTimeoutMs: 10_000,
  allowedHosts: [],
  anyHost: false,
  defaultBatcher: { enabled: false, maxBatchSize: 32, maxLatencyMs: 5, maxQueueSize: 1024 },
  defaultInstances: 1,
  inlineRuns: 'auto',
  adaptiveThreads: 'auto',
  decodeThreads: defaultDecodeThreads(),
  decodeMinBytes: 64 * 1024,
  scriptTimeoutMs: 60_000,
  inferenceLog: { maxPayloadBytes: 1024 * 1024, fileMaxBytes: 100 * 1024 * 1024, fileKeep: 5, httpThread: true },
};
