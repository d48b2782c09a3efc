/**
 * Worker-thread entry: owns one onnxruntime InferenceSession. `session.run()` blocks the thread
 * it runs on, so it must never run on the server's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { datatypeToOrtType, ortTypeToDatatype } from '../tensor/datatypes';
import type { Datatype, TensorMetadata } from '../tensor/types';
import { sessionProvidersFor } from './executionProviders';
import type { ProviderFallback, WireTensor, WorkerRequest, WorkerResponse } from './workerProtocol';
import { transferListOf } from './transfer';

const port = parentPort;
if (!port) throw new Error('onnxWorker must run in a worker thread');

let session: ort.InferenceSession | undefined;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function datatypeOf(name: string, ortType: string): Datatype {
  const d = ortTypeToDatatype(ortType);
  // Types OIP has no name for (bfloat16, int4, float8...) cannot be sent or received.
  if (!d) throw new Error(`tensor "${name}" has type ${ortType}, which the Open Inference Protocol cannot carry`);
  return d;
}

function metadataOf(list: readonly ort.InferenceSession.ValueMetadata[]): TensorMetadata[] {
  return list.map((m) => {
    if (!m.isTensor) throw new Error(`"${m.name}" is not a tensor (sequences and maps are not supported)`);
    return {
      name: m.name,
      datatype: datatypeOf(m.name, m.type),
      // Symbolic or unknown dimensions are dynamic: OIP writes them as -1.
      shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
    };
  });
}

async function load(req: Extract<WorkerRequest, { type: 'load' }>): Promise<void> {
  const fallbacks: ProviderFallback[] = [];
  const started = performance.now();
  for (const provider of req.providers) {
    try {
      // A provider that cannot load makes session creation throw even when cpu follows it in the
      // list, so each provider is tried in its own attempt.
      session = await ort.InferenceSession.create(req.modelFile, {
        executionProviders: sessionProvidersFor(provider),
        intraOpNumThreads: req.intraOpThreads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      post({
        type: 'loaded',
        provider,
        fallbacks,
        inputs: metadataOf(session.inputMetadata),
        outputs: metadataOf(session.outputMetadata),
        loadMs: performance.now() - started,
      });
      return;
    } catch (err) {
      fallbacks.push({ provider, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const last = fallbacks[fallbacks.length - 1];
  post({ type: 'load-failed', message: last ? last.reason : 'no execution provider to try', fallbacks });
}

function toOrt(t: WireTensor): ort.Tensor {
  if (t.datatype === 'BYTES') {
    const strings = (t.data as Uint8Array[]).map((b) => fromUtf8.decode(b));
    return new ort.Tensor('string', strings, t.shape);
  }
  return new ort.Tensor(datatypeToOrtType(t.datatype) as 'float32', t.data as Float32Array, t.shape);
}

function fromOrt(name: string, t: ort.Tensor): WireTensor {
  const datatype = datatypeOf(name, t.type);
  const shape = [...t.dims];
  if (datatype === 'BYTES') {
    return { name, datatype, shape, data: (t.data as string[]).map((s) => utf8.encode(s)) };
  }
  return { name, datatype, shape, data: t.data as Float32Array };
}

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  if (!session) {
    post({ type: 'error', id: req.id, message: 'model is not loaded', invalidArgument: false });
    return;
  }
  const feeds: Record<string, ort.Tensor> = {};
  try {
    for (const t of req.inputs) feeds[t.name] = toOrt(t);
  } catch (err) {
    post({ type: 'error', id: req.id, message: (err as Error).message, invalidArgument: true });
    return;
  }
  const started = performance.now();
  try {
    const results = await session.run(feeds, req.outputNames);
    const computeMs = performance.now() - started;
    const outputs = req.outputNames.map((n) => fromOrt(n, results[n]!));
    post({ type: 'result', id: req.id, outputs, computeMs }, transferListOf(outputs));
  } catch (err) {
    post({ type: 'error', id: req.id, message: (err as Error).message, invalidArgument: false });
  }
}

port.on('message', (req: WorkerRequest) => {
  switch (req.type) {
    case 'load':
      void load(req);
      break;
    case 'run':
      void run(req);
      break;
    case 'close':
      void session?.release().finally(() => process.exit(0));
      if (!session) process.exit(0);
      break;
  }
});
