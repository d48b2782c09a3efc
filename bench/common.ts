/**
 * Shared pieces of the benchmark: latency statistics, Prometheus text parsing, the models and their
 * inputs. Nothing here is timed; it is imported by the orchestrator and the child processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const OIP_PROTO = path.join(REPO_ROOT, 'server', 'protocols', 'grpc', 'proto', 'open_inference_grpc.proto');

/** Same proto-loader options as the server and the test client. */
export const PROTO_LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true } as const;

/** prom-client's event-loop histogram samples with a 10 ms timer: an idle loop records ~10 ms. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentiles of latencies in milliseconds (sorted in place). */
export function summarize(latMs: Float64Array): LatencySummary {
  const n = latMs.length;
  if (n === 0) return { count: 0, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN };
  latMs.sort();
  const at = (p: number): number => latMs[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += latMs[i]!;
  return { count: n, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), maxMs: latMs[n - 1]!, meanMs: sum / n };
}

/** Prometheus text format → metric name (with _sum/_count suffixes) → sum over its label sets. */
export function parsePrometheus(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    out[m[1]!] = (out[m[1]!] ?? 0) + v;
  }
  return out;
}

export type ModelKey = 'tiny' | 'cnn' | 'ocr';

export interface BenchModel {
  key: ModelKey;
  /** Registry model name (also the served name). */
  name: string;
  version: number;
  dir: string;
  file: string;
  input: { name: string; datatype: 'FP32'; shape: number[]; data: number[] };
}

/**
 * Issue 14's large-input model: an OCR-style CNN on 3×48×192 FP32 images (110,592 bytes per
 * request), built at bench time by bench/models/ocr_cnn.py into bench/tmp/models (not an example).
 */
export const OCR_REGISTRY = path.join(REPO_ROOT, 'bench', 'tmp', 'models');
export const OCR_SHAPE = [1, 3, 48, 192];

/** A deterministic image for the OCR model: smooth stripes in 0..1, no randomness. */
function ocrInput(): number[] {
  const n = OCR_SHAPE.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = Math.round((0.5 + 0.5 * Math.sin(i * 0.013) * Math.cos(i * 0.0007)) * 1000) / 1000;
  return out;
}

/**
 * The benchmark models: tiny and cnn with the first row of their input_example (batch 1), and the
 * large-input ocr model with a generated image (its files exist once bench/runBench.ts built them).
 */
export function benchModels(): BenchModel[] {
  const spec: { key: ModelKey; name: string; version: number }[] = [
    { key: 'tiny', name: 'iris', version: 2 },
    { key: 'cnn', name: 'digits-cnn', version: 1 },
    { key: 'ocr', name: 'ocr-cnn', version: 1 },
  ];
  return spec.map(({ key, name, version }) => {
    if (key === 'ocr') {
      const dir = path.join(OCR_REGISTRY, name, String(version));
      return { key, name, version, dir, file: path.join(dir, 'model.onnx'), input: { name: 'image', datatype: 'FP32' as const, shape: OCR_SHAPE, data: ocrInput() } };
    }
    const dir = path.join(REPO_ROOT, 'examples', 'models', name, String(version));
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      input_example: { inputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
    };
    const first = meta.input_example.inputs[0]!;
    if (first.datatype !== 'FP32') throw new Error(`${name}: benchmark expects an FP32 input, got ${first.datatype}`);
    const rowShape = [1, ...first.shape.slice(1)];
    const rowSize = rowShape.reduce((a, b) => a * b, 1);
    const flat = (first.data as unknown[]).flat(Infinity) as number[];
    return {
      key,
      name,
      version,
      dir,
      file: path.join(dir, 'model.onnx'),
      input: { name: first.name, datatype: 'FP32', shape: rowShape, data: flat.slice(0, rowSize) },
    };
  });
}

/** Request bodies, encoded once by the orchestrator and handed to every client as bytes. */
export interface EncodedRequests {
  /** OIP V2 JSON body (identical bytes for ModelDeck and the naive peer). */
  json: Buffer;
  /** OIP V2 binary tensor extension body and its header length. */
  binary: Buffer;
  binaryHeaderLength: number;
}

export function encodeRestRequests(model: BenchModel): EncodedRequests {
  const { input } = model;
  const json = Buffer.from(JSON.stringify({ inputs: [{ name: input.name, shape: input.shape, datatype: input.datatype, data: input.data }] }));
  const raw = Buffer.from(new Float32Array(input.data).buffer);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: input.name, shape: input.shape, datatype: input.datatype, parameters: { binary_data_size: raw.length } }],
      parameters: { binary_data_output: true },
    }),
  );
  return { json, binary: Buffer.concat([header, raw]), binaryHeaderLength: header.length };
}

/** The ModelInfer message (raw_input_contents) as a plain object for proto-loader's serializer. */
export function grpcInferMessage(model: BenchModel): object {
  const { input } = model;
  return {
    model_name: model.name,
    inputs: [{ name: input.name, datatype: input.datatype, shape: input.shape }],
    raw_input_contents: [Buffer.from(new Float32Array(input.data).buffer)],
  };
}

/** Reads a whole JSON object from argv[2] (children get their configuration this way). */
export function argvJson<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('expected a JSON configuration as the first argument');
  // `@<file>`: a configuration too big for one argument (see childArg in bench/processes.ts).
  return JSON.parse(raw.startsWith('@') ? fs.readFileSync(raw.slice(1), 'utf8') : raw) as T;
}

/** Children exit when the orchestrator goes away (their stdin is its pipe). */
export function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(3));
  process.stdin.on('error', () => process.exit(3));
  process.stdin.resume();
}

/** Whole-machine CPU counters from /proc/stat (jiffies), to see other processes' load on the cores. */
export interface CpuTimes {
  busy: number;
  steal: number;
  total: number;
}

export function readCpuTimes(): CpuTimes | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return undefined;
  }
}

/** Busy and steal time between two readings, in % of one core (so 2 busy cores = 200). */
export function machineCpuPct(a: CpuTimes | undefined, b: CpuTimes | undefined, cores: number): { busyPct: number; stealPct: number } | undefined {
  if (!a || !b || b.total <= a.total) return undefined;
  const total = b.total - a.total;
  return { busyPct: ((b.busy - a.busy) / total) * cores * 100, stealPct: ((b.steal - a.steal) / total) * cores * 100 };
}
