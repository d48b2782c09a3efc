import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_NAME_PATTERN } from '../src/core/registry/modelRegistry';
import { DEFAULT_CONFIG, type ServerConfig } from './config';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './observability/logger';

export const USAGE = `Usage: modeldeck-server [options]

Serves ONNX models from a ModelDeck registry over the Open Inference Protocol (V2 REST and gRPC)
and KServe V1.

  --registry DIR         model registry: DIR/<model>/<version>/model.onnx   (default: ./models,
                         or the workspace's models/ next to --deployments); repeat for several
  --model-dir DIR        serve one model folder instead of a registry (KServe's /mnt/models):
                         DIR/model.onnx as version 1, or DIR/<version>/model.onnx
  --model-name NAME      the name --model-dir's model is served under (default: model)
  --model-control MODE   poll: serve the registry or deployments folder and follow changes (default)
                         explicit: serve only what the repository API loads
  --deployments DIR      serve only the deployment files (*.json) in DIR, with their settings
  --host HOST            interface to bind (default 127.0.0.1)
  --http-port N          REST port (default 8080; 0 = any free port)
  --grpc-port N          gRPC port (default 8081; 0 = any free port; off = no gRPC)
  --log-level LEVEL      trace | debug | info | warn | error (default info)
  --log-format FORMAT    pretty: readable, coloured lines (default when stderr is a terminal)
                         json: one JSON object per line (default otherwise; what the extension reads)
  --max-body-bytes N     largest request body (default 67108864 = 64 MiB)
  --max-discard-bytes N  after a 413, how much more of the body is read and thrown away so the
                         client can read the answer (default 268435456 = 256 MiB)
  --max-discard-seconds N  after a 413, how long the rest of the body is read (default 10)
  --poll-interval-ms N   how often to rescan the registry and deployments (default 2000; 0 = never)
  --shutdown-timeout-ms N  how long SIGTERM waits for requests in flight (default 10000)
  --batching             batch requests for models served from --registry (deployment files
                         set their own "batcher")
  --max-batch-size N     rows per batch with --batching (default 32)
  --max-latency-ms N     longest wait for a batch to fill (default 5)
  --max-queue-size N     requests held per model before 503 (default 1024)
  --instances N          sessions (worker threads) per model served from --registry (default 1)
  --inline-runs auto|off auto (default): ONNX runs the workers measured to be tiny (≤ 0.25 ms, CPU,
                         model file ≤ 8 MiB) run on the main thread, skipping the hand-off to a
                         worker, within 5 ms per 20 ms of main-thread time; off: always a worker
  --adaptive-threads auto|off  auto (default): a CPU model with resources.instances 1 gets one
                         session with a thread per core for runs that come alone and
                         single-thread sessions (up to one per core, started as runs overlap)
                         for overlapping runs (never more busy threads than cores; all copies
                         ≤ 512 MiB); off: one session × all cores
  --decode-threads N     threads that parse large V2 JSON bodies off the event loop (default: one
                         per core, at most 8; 0 = on the main thread)
  --decode-min-bytes N   JSON bodies of at least N bytes go to those threads (default 65536)
  --script-timeout-seconds N  a predictor/transformer script call running longer fails and its
                         process or thread is replaced (default 60)
  --log-payload-max-bytes N  inference logger: payloads over N bytes are cut, with
                         "truncatedFrom" in the record (default 1048576 = 1 MiB)
  --log-file-max-bytes N inference logger: a file sink rotates past N bytes (default 104857600)
  --log-file-keep N      inference logger: rotated files kept, <file>.1 … <file>.N (default 5)
  --log-http-thread on|off  inference logger: HTTP sinks post from a thread of their own (default
                         on); off: from the main thread, between requests
  --allowed-hosts A,B    extra Host header names to accept (DNS-rebinding guard)
  --any-host             accept every Host header
  -h, --help             show this help
`;

/** Thrown for bad command lines; main prints it with the usage. */
export class UsageError extends Error {}

function onOff(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new UsageError(`--${name}: expected on or off, got "${raw}"`);
}

function intOption(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got "${raw}")`);
  return Number(raw);
}

export function parseCli(argv: string[], cwd = process.cwd()): ServerConfig | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        registry: { type: 'string', multiple: true },
        'model-dir': { type: 'string' },
        'model-name': { type: 'string' },
        'model-control': { type: 'string' },
        deployments: { type: 'string' },
        host: { type: 'string' },
        'http-port': { type: 'string' },
        'grpc-port': { type: 'string' },
        'log-level': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'max-discard-bytes': { type: 'string' },
        'script-timeout-seconds': { type: 'string' },
        'max-discard-seconds': { type: 'string' },
        'log-format': { type: 'string' },
        'poll-interval-ms': { type: 'string' },
        'shutdown-timeout-ms': { type: 'string' },
        'allowed-hosts': { type: 'string' },
        'any-host': { type: 'boolean' },
        batching: { type: 'boolean' },
        'max-batch-size': { type: 'string' },
        'max-latency-ms': { type: 'string' },
        'max-queue-size': { type: 'string' },
        instances: { type: 'string' },
        'worker-script': { type: 'string' },
        'inline-runs': { type: 'string' },
        'adaptive-threads': { type: 'string' },
        'decode-threads': { type: 'string' },
        'decode-min-bytes': { type: 'string' },
        'log-payload-max-bytes': { type: 'string' },
        'log-file-max-bytes': { type: 'string' },
        'log-file-keep': { type: 'string' },
        'log-http-thread': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const deploymentsDir = v.deployments ? path.resolve(cwd, v.deployments) : undefined;
  const modelDir = modelDirOption(v['model-dir'], v['model-name'], v.registry !== undefined || deploymentsDir !== undefined, cwd);
  // A workspace keeps deployments in <ws>/.modeldeck/deployments and models in <ws>/models.
  const registries = modelDir ? [modelDir.dir] : (v.registry ?? [deploymentsDir ? path.join(deploymentsDir, '..', '..', 'models') : 'models']).map((r) => path.resolve(cwd, r));
  const modelControl = v['model-control'] ?? 'poll';
  if (modelControl !== 'poll' && modelControl !== 'explicit') throw new UsageError(`--model-control must be poll or explicit (got "${modelControl}")`);
  const logLevel = (v['log-level'] ?? DEFAULT_CONFIG.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${v['log-level']}")`);
  const logFormat = v['log-format'] as LogFormat | undefined;
  if (logFormat !== undefined && !LOG_FORMATS.includes(logFormat)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')} (got "${logFormat}")`);
  }
  const inlineRuns = v['inline-runs'] ?? DEFAULT_CONFIG.inlineRuns;
  if (inlineRuns !== 'auto' && inlineRuns !== 'off') throw new UsageError(`--inline-runs must be auto or off (got "${inlineRuns}")`);
  const adaptiveThreads = v['adaptive-threads'] ?? DEFAULT_CONFIG.adaptiveThreads;
  if (adaptiveThreads !== 'auto' && adaptiveThreads !== 'off') throw new UsageError(`--adaptive-threads must be auto or off (got "${adaptiveThreads}")`);
  const grpcPort = v['grpc-port'] === 'off' ? -1 : intOption('grpc-port', v['grpc-port'], DEFAULT_CONFIG.grpcPort!, 0);
  const config: ServerConfig = {
    registries,
    modelControl,
    ...(deploymentsDir ? { deploymentsDir } : {}),
    ...(modelDir ? { modelDir } : {}),
    host: v.host ?? DEFAULT_CONFIG.host,
    httpPort: intOption('http-port', v['http-port'], DEFAULT_CONFIG.httpPort, 0),
    ...(grpcPort >= 0 ? { grpcPort } : {}),
    logLevel,
    maxBodyBytes: intOption('max-body-bytes', v['max-body-bytes'], DEFAULT_CONFIG.maxBodyBytes, 1),
    scriptTimeoutMs: intOption('script-timeout-seconds', v['script-timeout-seconds'], DEFAULT_CONFIG.scriptTimeoutMs / 1000, 1) * 1000,
    maxDiscardBytes: intOption('max-discard-bytes', v['max-discard-bytes'], DEFAULT_CONFIG.maxDiscardBytes, 0),
    maxDiscardMs: intOption('max-discard-seconds', v['max-discard-seconds'], DEFAULT_CONFIG.maxDiscardMs / 1000, 0) * 1000,
    ...(logFormat ? { logFormat } : {}),
    pollIntervalMs: intOption('poll-interval-ms', v['poll-interval-ms'], DEFAULT_CONFIG.pollIntervalMs, 0),
    shutdownTimeoutMs: intOption('shutdown-timeout-ms', v['shutdown-timeout-ms'], DEFAULT_CONFIG.shutdownTimeoutMs, 0),
    allowedHosts: v['allowed-hosts'] ? v['allowed-hosts'].split(',').map((s) => s.trim()).filter(Boolean) : [],
    anyHost: v['any-host'] ?? false,
    defaultBatcher: {
      enabled: v.batching ?? false,
      maxBatchSize: intOption('max-batch-size', v['max-batch-size'], DEFAULT_CONFIG.defaultBatcher.maxBatchSize, 1),
      maxLatencyMs: intOption('max-latency-ms', v['max-latency-ms'], DEFAULT_CONFIG.defaultBatcher.maxLatencyMs, 0),
      maxQueueSize: intOption('max-queue-size', v['max-queue-size'], DEFAULT_CONFIG.defaultBatcher.maxQueueSize, 1),
    },
    defaultInstances: intOption('instances', v.instances, DEFAULT_CONFIG.defaultInstances, 1),
    inlineRuns,
    adaptiveThreads,
    decodeThreads: intOption('decode-threads', v['decode-threads'], DEFAULT_CONFIG.decodeThreads, 0),
    decodeMinBytes: intOption('decode-min-bytes', v['decode-min-bytes'], DEFAULT_CONFIG.decodeMinBytes, 0),
    inferenceLog: {
      maxPayloadBytes: intOption('log-payload-max-bytes', v['log-payload-max-bytes'], DEFAULT_CONFIG.inferenceLog.maxPayloadBytes, 1),
      fileMaxBytes: intOption('log-file-max-bytes', v['log-file-max-bytes'], DEFAULT_CONFIG.inferenceLog.fileMaxBytes, 1),
      fileKeep: intOption('log-file-keep', v['log-file-keep'], DEFAULT_CONFIG.inferenceLog.fileKeep, 0),
      httpThread: onOff('log-http-thread', v['log-http-thread'], DEFAULT_CONFIG.inferenceLog.httpThread),
    },
    ...(v['worker-script'] ? { workerScript: path.resolve(cwd, v['worker-script']) } : {}),
  };
  // Explicit mode (the extension) may name registries that do not exist yet: they are created later.
  const missing = registries.filter((r) => !fs.existsSync(r));
  if (modelDir && missing.length > 0) throw new UsageError(`model folder ${modelDir.dir} does not exist (--model-dir)`);
  if (modelControl === 'poll' && missing.length === registries.length) {
    throw new UsageError(`registry folder ${missing.join(', ')} does not exist (pass --registry DIR)`);
  }
  if (deploymentsDir && !fs.existsSync(deploymentsDir)) throw new UsageError(`deployments folder ${deploymentsDir} does not exist`);
  return config;
}

/** --model-dir and --model-name: one model folder, alone (a registry or deployments next to it would be ambiguous). */
function modelDirOption(dir: string | undefined, name: string | undefined, withRegistry: boolean, cwd: string): { dir: string; name: string } | undefined {
  if (dir === undefined) {
    if (name !== undefined) throw new UsageError('--model-name names the model of --model-dir; give --model-dir DIR too');
    return undefined;
  }
  if (withRegistry) throw new UsageError('--model-dir serves one model folder; it cannot be combined with --registry or --deployments');
  const modelName = name ?? 'model';
  if (!MODEL_NAME_PATTERN.test(modelName)) {
    throw new UsageError(`--model-name must be letters, digits, '.', '_' and '-', starting with a letter or digit (got "${modelName}")`);
  }
  return { dir: path.resolve(cwd, dir), name: modelName };
}
