/**
 * Bench-only worker (issue 14, the spinning experiment): ModelDeck's own worker (dist/onnxWorker.js)
 * with every session created with onnxruntime's intra-op and inter-op thread spinning turned off.
 * Passed to the server with `--worker-script`; the server itself is unchanged. It patches
 * `ort.InferenceSession.create` (the worker resolves it at load time), then loads the real worker.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';

const NO_SPIN = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };
const klass = ort.InferenceSession as unknown as { create: (file: unknown, options?: Record<string, unknown>) => Promise<ort.InferenceSession> };
const original = klass.create.bind(ort.InferenceSession);
klass.create = (file: unknown, options?: Record<string, unknown>) => {
  process.stderr.write(JSON.stringify({ level: 'info', msg: 'noSpinWorker: session created with allow_spinning 0' }) + '\n');
  return original(file, { ...(options ?? {}), extra: NO_SPIN });
};
// bench/tmp/js/noSpinWorker.js → <repo>/dist/onnxWorker.js
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(__dirname, '..', '..', '..', 'dist', 'onnxWorker.js'));
