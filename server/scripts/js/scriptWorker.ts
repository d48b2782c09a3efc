/**
 * Worker-thread entry of the JS script host (bundled to dist/scriptWorker.js): serves one JS or
 * TypeScript predictor/transformer through the messages of ../scriptProtocol.ts.
 *
 * load  → applies the script's environment to this thread's process.env (a worker's own copy: the
 *         server's and other hosts' environments do not change), loads the file (see moduleLoader.ts),
 *         instantiates Predictor/Transformer (awaiting a constructor that returns a promise) and
 *         answers 'loaded' or 'load-failed' with the user's file and line.
 * call  → converts tensors in the arguments to nested arrays, calls the method, awaits a returned
 *         promise, answers 'result' (computeMs: time inside the method) or 'error'. Calls that
 *         arrive while another awaits run concurrently, as they would in one Node process.
 * call with stream: true → when the method returns an async iterable (an async generator) or an
 *         iterator, each item is posted as 'chunk' and the call ends with 'end'; another value is a 'result'.
 *         A streaming call's method gets a second argument `{ signal }` (an AbortSignal), as
 *         kserve passes a context: a generator waiting on something else can stop when it aborts.
 * cancel → aborts that signal; the call stops waiting for items, ends with 'end' cancelled at once,
 *         and its iterator's return() runs (its finally blocks) once the pending item settles.
 * close → answers nothing more, lets calls in progress finish, then ends the thread (exit code 0).
 * Whatever the script prints arrives as 'log' messages (workerConsole.ts).
 *
 * A worker thread cannot change directory: `cwd` is not applied; relative file paths in the script
 * resolve against the server's working directory (use __dirname, import.meta.url or MODEL_FILES_PATH).
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { ScriptRequest, ScriptResponse, ScriptRole } from '../scriptProtocol';
import { cleanStack, describeLoadError } from './loadErrors';
import { argsForScript, resultFromScript } from './jsValues';
import { installLoaders, loadScriptModule } from './moduleLoader';
import { findScriptClass, instantiate, methodsOf } from './scriptClass';
import { installWorkerConsole } from './workerConsole';

const port = parentPort;
if (!port) throw new Error('scriptWorker must run in a worker thread');

/** Where the server's own packages are found from: the folder of this bundle (dist/). */
const HOST_DIR = __dirname;

function post(message: ScriptResponse, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

const flushOutput = installWorkerConsole(post);
installLoaders(HOST_DIR);

let instance: object | undefined;
let loading: Promise<void> | undefined;
let closing = false;
const inFlight = new Set<Promise<void>>();
/** Streaming calls in progress, by call id: aborted by 'cancel'. */
const streams = new Map<number, AbortController>();

/** An (async) iterator a streaming call walks, or undefined for a plain value (arrays and strings are values). */
function iteratorOf(value: unknown): AsyncIterator<unknown> | Iterator<unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown>; [Symbol.iterator]?: () => Iterator<unknown> };
  if (typeof v[Symbol.asyncIterator] === 'function') return v[Symbol.asyncIterator]!();
  if (typeof v[Symbol.iterator] === 'function' && !(value instanceof Map) && !(value instanceof Set)) return v[Symbol.iterator]!();
  return undefined;
}

/** Walks a streaming call's iterator: one 'chunk' per item until it is done or cancelled. */
async function streamItems(id: number, method: string, it: AsyncIterator<unknown> | Iterator<unknown>, started: number, signal: AbortSignal): Promise<void> {
  const aborted = new Promise<'aborted'>((resolve) => (signal.aborted ? resolve('aborted') : signal.addEventListener('abort', () => resolve('aborted'), { once: true })));
  try {
    for (;;) {
      const step = await Promise.race([it.next(), aborted]);
      if (step === 'aborted' || step.done) break;
      const chunk = resultFromScript(step.value, method);
      flushOutput();
      post({ type: 'chunk', id, value: chunk.value }, chunk.transfer);
    }
  } catch (err) {
    flushOutput();
    post(errorOf(id, err));
    return;
  }
  if (signal.aborted) {
    // Runs the generator's finally blocks (after the item it is producing); what it throws on
    // the way out is of no interest now. Not awaited: the call ends now, freeing the host.
    void Promise.resolve()
      .then(() => it.return?.())
      .catch(() => undefined);
  }
  flushOutput();
  post({ type: 'end', id, computeMs: performance.now() - started, ...(signal.aborted ? { cancelled: true } : {}) });
}

async function load(req: Extract<ScriptRequest, { type: 'load' }>): Promise<void> {
  const started = performance.now();
  Object.assign(process.env, req.env);
  try {
    const exports = await loadScriptModule(req.scriptPath);
    const cls = findScriptClass(exports, req.role, req.scriptPath);
    instance = await instantiate(cls);
    const { methods, asyncMethods } = methodsOf(instance);
    flushOutput();
    post({
      type: 'loaded',
      className: (instance.constructor as { name?: string } | undefined)?.name || cls.name || classNameOf(req.role),
      methods,
      asyncMethods,
      runtime: `Node ${process.versions.node} (worker thread)`,
      numpy: false,
      loadMs: performance.now() - started,
    });
  } catch (err) {
    flushOutput();
    post(describeLoadError(err, req.scriptPath, HOST_DIR));
  }
}

const classNameOf = (role: ScriptRole): string => (role === 'predictor' ? 'Predictor' : 'Transformer');

function errorOf(id: number, err: unknown): Extract<ScriptResponse, { type: 'error' }> {
  if (err instanceof Error) {
    const reply: Extract<ScriptResponse, { type: 'error' }> = { type: 'error', id, exception: err.name || err.constructor?.name || 'Error', message: err.message };
    if (err.stack) reply.traceback = cleanStack(err.stack, HOST_DIR);
    return reply;
  }
  return { type: 'error', id, exception: 'Error', message: `${typeof err === 'string' ? err : String(err)} (a thrown ${typeof err}, not an Error)` };
}

async function call(req: Extract<ScriptRequest, { type: 'call' }>): Promise<void> {
  await loading;
  if (!instance) {
    post({ type: 'error', id: req.id, exception: 'Error', message: loading ? 'the script failed to load' : 'the script is not loaded yet (no load message)' });
    return;
  }
  const method = (instance as Record<string, unknown>)[req.method];
  if (typeof method !== 'function') {
    post({ type: 'error', id: req.id, exception: 'TypeError', message: `${instance.constructor?.name ?? 'the script'} has no method ${req.method}` });
    return;
  }
  let args: unknown[];
  const streaming = req.stream ? streams.get(req.id) : undefined;
  try {
    args = argsForScript(req.args);
    if (streaming) args.push({ signal: streaming.signal });
  } catch (err) {
    post(errorOf(req.id, err));
    return;
  }
  const started = performance.now();
  try {
    let value: unknown = (method as (...a: unknown[]) => unknown).apply(instance, args);
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') value = await value;
    const it = streaming ? iteratorOf(value) : undefined;
    if (it) {
      await streamItems(req.id, req.method, it, started, streaming!.signal);
      return;
    }
    const computeMs = performance.now() - started;
    const result = resultFromScript(value, req.method);
    flushOutput();
    post({ type: 'result', id: req.id, value: result.value, computeMs }, result.transfer);
  } catch (err) {
    flushOutput();
    post(errorOf(req.id, err));
  }
}

port.on('message', (msg: ScriptRequest) => {
  switch (msg.type) {
    case 'load':
      if (loading) {
        post({ type: 'load-failed', message: `this host already loaded a script; start another host for ${msg.scriptPath}`, location: { file: msg.scriptPath } });
        return;
      }
      loading = load(msg);
      return;
    case 'call': {
      if (closing) {
        post({ type: 'error', id: msg.id, exception: 'Error', message: 'the script host is closing' });
        return;
      }
      if (msg.stream) streams.set(msg.id, new AbortController());
      const running = call(msg);
      inFlight.add(running);
      void running.finally(() => {
        inFlight.delete(running);
        streams.delete(msg.id);
      });
      return;
    }
    case 'cancel':
      streams.get(msg.id)?.abort();
      return;
    case 'close':
      closing = true;
      void Promise.allSettled([loading, ...inFlight]).then(() => {
        flushOutput();
        process.exit(0);
      });
      return;
  }
});
