/**
 * Worker-thread entry: owns one onnxruntime InferenceSession. `session.run()` blocks the thread
 * it runs on, so only runs measured to be tiny may take the event loop (inlineSession.ts); the
 * rest run here.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { sessionProvidersFor } from './executionProviders';
import type { ProviderFallback, WorkerRequest, WorkerResponse } from './workerProtocol';
import { transferListOf } from './transfer';
import { fromOrt, metadataOf, toOrt } from './ortTensors';

const port = parentPort;
if (!port) throw new Error('onnxWorker must run in a worker thread');

let session: ort.InferenceSession | undefined;

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
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
