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
  try {
    args = argsForScript(req.args);
  } catch (err) {
    post(errorOf(req.id, err));
    return;
  }
  const started = performance.now();
  try {
    let value: unknown = (method as (...a: unknown[]) => unknown).apply(instance, args);
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') value = await value;
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
      const running = call(msg);
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
      return;
    }
    case 'close':
      closing = true;
      void Promise.allSettled([loading, ...inFlight]).then(() => {
        flushOutput();
        process.exit(0);
      });
      return;
  }
});
