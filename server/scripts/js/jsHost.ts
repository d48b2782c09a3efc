/**
 * The server side of the JS script host: one worker thread per host, running dist/scriptWorker.js.
 * A node:worker_threads Worker already is a {@link ScriptChannel} (postMessage, 'message' / 'error' /
 * 'exit', terminate), so the pool drives it like a Python process.
 *
 * Environment: a worker created without `env` gets its own copy of the server's process.env (Node's
 * default; only `SHARE_ENV` would share it), and the worker applies the 'load' message's env to that
 * copy, so a script's MODEL_FILES_PATH & co. are seen by that script alone.
 */
import * as path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ScriptChannel } from '../scriptProtocol';

export interface JsHostOptions {
  /** Worker entry; defaults to scriptWorker.js beside the server bundle. Tests may point at a build elsewhere. */
  workerScript?: string;
  /**
   * Node flags for the worker; default none, so that flags of the server process (a test runner's
   * `--import tsx`, say) do not change how user scripts load.
   */
  execArgv?: string[];
  /** V8 heap limits for the script's thread. */
  resourceLimits?: ResourceLimits;
}

/** Default worker entry: dist/scriptWorker.js, beside dist/server.js. */
export const defaultJsWorkerScript = (): string => path.join(__dirname, 'scriptWorker.js');

/** Starts a JS script host (a worker thread); send it a 'load' message next. */
export function spawnJsHost(options: JsHostOptions = {}): ScriptChannel {
  const worker = new Worker(options.workerScript ?? defaultJsWorkerScript(), {
    name: 'modeldeck-script',
    execArgv: options.execArgv ?? [],
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
  });
  return worker as ScriptChannel;
}
