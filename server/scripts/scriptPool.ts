import * as path from 'node:path';
import { InferenceError } from '../errors';
import { ChannelPool, type PoolChannel, type PoolDriver, type PoolRunResult } from '../runtime/channelPool';
import { spawnJsHost } from './js/jsHost';
import { pipInstallHint } from './python/findPython';
import { spawnPythonHost } from './python/pythonProcess';
import type { ScriptLogLevel, ScriptRequest, ScriptResponse, ScriptRole, ScriptValue } from './scriptProtocol';

/** Script file extensions and the host that runs them. */
export type ScriptLanguage = 'python' | 'js';

/** The host a script file needs, from its extension; undefined for files no host runs. */
export function scriptLanguageOf(file: string): ScriptLanguage | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') return 'python';
  if (['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].includes(ext)) return 'js';
  return undefined;
}

/** What a pool of script hosts runs and how. */
export interface ScriptPoolOptions {
  /** Absolute script path. */
  scriptPath: string;
  role: ScriptRole;
  /** Environment variables for the script (MODEL_FILES_PATH, …). */
  env: Record<string, string>;
  /** Python scripts: the interpreter. */
  interpreter?: string;
  /** Hosts (processes or threads) to run. */
  instances: number;
  /** A call running longer fails and its host is replaced. */
  callTimeoutMs: number;
  /** Each line the script prints or logs. */
  onLog: (level: ScriptLogLevel, message: string, source: string) => void;
  /** JS host entry override (tests). */
  jsWorkerScript?: string;
}

/** What a loaded script told about itself: its class, methods and runtime (the 'loaded' message). */
export type ScriptInfo = Omit<Extract<ScriptResponse, { type: 'loaded' }>, 'type'>;

interface ScriptCall {
  method: string;
  args: ScriptValue[];
  /** Set for a streaming call: where its chunks go. */
  stream?: StreamState;
}

/** A streaming call in flight: its chunk listener, how it ended, and the host it runs on (for 'cancel'). */
interface StreamState {
  onChunk: (value: ScriptValue) => void;
  signal: AbortSignal | undefined;
  id?: number;
  channel?: PoolChannel;
  /** An 'end' arrived: the method returned an iterator (else a 'result' with a plain value). */
  ended: boolean;
  cancelled: boolean;
}

/** How a streaming call ended: its value (null when it streamed), and whether it streamed or was cancelled. */
export interface ScriptStreamResult extends PoolRunResult<ScriptValue> {
  streamed: boolean;
  cancelled: boolean;
}

/** How long a host asked to exit may take before it is ended. */
const STOP_GRACE_MS = 2_000;

/** Why a script failed to load, as a deployment reason: what, where, and what to do. */
function loadFailure(msg: Extract<ScriptResponse, { type: 'load-failed' }>, opts: ScriptPoolOptions): InferenceError {
  const where = msg.location ? ` (${msg.location.file}${msg.location.line !== undefined ? `:${msg.location.line}` : ''})` : '';
  let hint = '';
  if (msg.missingModule) {
    hint = opts.interpreter
      ? `; the interpreter is ${opts.interpreter}: install it with ${pipInstallHint(opts.interpreter, msg.missingModule)}`
      : `; install it beside the script (npm install ${msg.missingModule})`;
  }
  return new InferenceError('unavailable', `${opts.role} script ${path.basename(opts.scriptPath)} failed to load: ${msg.message}${where}${hint}`);
}

/**
 * The pool hands a job to a channel by posting its 'call': the wrapper notes which host runs each
 * streaming call, so a 'cancel' reaches that host (the pool itself never says where a job went).
 */
function trackStreams(channel: PoolChannel, streams: Map<number, StreamState>): PoolChannel {
  const post = channel.postMessage.bind(channel);
  channel.postMessage = (msg: unknown, transfer?: readonly ArrayBuffer[]) => {
    post(msg, transfer);
    const m = msg as ScriptRequest;
    if (m.type !== 'call' || !m.stream) return;
    const state = streams.get(m.id);
    if (!state) return;
    state.channel = channel;
    // Aborted while queued: the call goes out (the pool has already counted it) and is cancelled at once.
    if (state.signal?.aborted) post({ type: 'cancel', id: m.id } satisfies ScriptRequest);
  };
  return channel;
}

function scriptDriver(opts: ScriptPoolOptions, streams: Map<number, StreamState>): PoolDriver<ScriptCall, ScriptValue, ScriptInfo> {
  const language = scriptLanguageOf(opts.scriptPath);
  const name = path.basename(opts.scriptPath);
  return {
    noun: 'script host',
    jobTimeoutMs: opts.callTimeoutMs,
    spawn: (): PoolChannel => {
      if (language === 'python') {
        if (!opts.interpreter) throw new Error('no Python interpreter was chosen');
        return trackStreams(spawnPythonHost(opts.interpreter) as unknown as PoolChannel, streams);
      }
      if (language === 'js') return trackStreams(spawnJsHost(opts.jsWorkerScript ? { workerScript: opts.jsWorkerScript } : {}) as unknown as PoolChannel, streams);
      throw new Error(`${name}: no host runs this kind of file (expected .py, .js, .mjs, .cjs or .ts)`);
    },
    loadMessage: (): ScriptRequest => ({ type: 'load', scriptPath: opts.scriptPath, role: opts.role, env: opts.env, cwd: path.dirname(opts.scriptPath) }),
    loadOutcome: (msg: ScriptResponse) => {
      if (msg.type === 'loaded') {
        const { type: _loaded, ...info } = msg;
        return { info };
      }
      if (msg.type === 'load-failed') {
        if (msg.traceback) opts.onLog('error', msg.traceback, name);
        return { error: loadFailure(msg, opts) };
      }
      return undefined;
    },
    request: (id, job) => {
      if (!job.stream) return { msg: { type: 'call', id, method: job.method, args: job.args } satisfies ScriptRequest };
      job.stream.id = id;
      streams.set(id, job.stream);
      return { msg: { type: 'call', id, method: job.method, args: job.args, stream: true } satisfies ScriptRequest };
    },
    reply: (msg: ScriptResponse) => {
      if (msg.type === 'end') {
        const state = streams.get(msg.id);
        if (state) {
          state.ended = true;
          // Cancelled for the caller once it asked, even when the host finished before the cancel reached it.
          if (msg.cancelled === true) state.cancelled = true;
        }
        return { id: msg.id, result: null, computeMs: msg.computeMs };
      }
      if (msg.type === 'result') return { id: msg.id, result: msg.value, computeMs: msg.computeMs };
      if (msg.type === 'error') {
        if (msg.traceback) opts.onLog('error', msg.traceback, name);
        return { id: msg.id, error: new ScriptCallError(msg.exception, msg.message, `${name}`) };
      }
      return undefined;
    },
    other: (msg: ScriptResponse) => {
      if (msg.type === 'chunk') {
        const state = streams.get(msg.id);
        if (state && !state.cancelled) state.onChunk(msg.value);
        return;
      }
      if (msg.type === 'log') opts.onLog(msg.level, msg.message, msg.logger ? `${name} ${msg.logger}` : name);
    },
    stop: async (channel) => {
      // Asked first: a JS host inside onnxruntime's session.run must not be ended mid-call.
      const exited = new Promise<void>((resolve) => channel.on('exit', () => resolve()));
      try {
        channel.postMessage({ type: 'close' } satisfies ScriptRequest);
      } catch {
        /* already gone */
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
      if ((await Promise.race([exited, late])) === 'late') await channel.terminate();
      clearTimeout(timer);
    },
  };
}

/** An exception a script raised in a call: the request fails with its class and message. */
export class ScriptCallError extends InferenceError {
  constructor(
    readonly exception: string,
    readonly detail: string,
    script: string,
  ) {
    super('internal', `${script} raised ${exception}: ${detail}`);
  }
}

/** N script hosts (processes or worker threads) running one predictor or transformer script. */
export class ScriptPool extends ChannelPool<ScriptCall, ScriptValue, ScriptInfo> {
  private constructor(
    driver: PoolDriver<ScriptCall, ScriptValue, ScriptInfo>,
    instances: number,
    readonly scriptPath: string,
    private readonly streams: Map<number, StreamState>,
  ) {
    super(driver, instances);
  }

  /** Starts the hosts; resolves once every one has loaded the script, rejects with the first load failure. */
  static async start(opts: ScriptPoolOptions): Promise<{ pool: ScriptPool; info: ScriptInfo }> {
    const streams = new Map<number, StreamState>();
    const { pool, infos } = await ChannelPool.startPool<ScriptInfo, ScriptPool>(new ScriptPool(scriptDriver(opts, streams), opts.instances, opts.scriptPath, streams));
    return { pool, info: { ...infos[0]!, loadMs: Math.max(...infos.map((i) => i.loadMs)) } };
  }

  /** Calls a method of the script's instance on the next free host. */
  call(method: string, args: ScriptValue[]): Promise<PoolRunResult<ScriptValue>> {
    return this.runJob({ method, args });
  }

  /**
   * Calls a method that may return an (async) iterator: each item goes to `onChunk` as it arrives,
   * in order; the promise settles when the iterator is exhausted (`streamed`), or with the plain
   * value the method returned instead. Aborting `signal` (the client went away) asks the host to
   * close the iterator: no chunk is delivered after that, and the call ends `cancelled`. The call
   * holds its host until then, like any call; the host's call time limit covers the whole stream.
   */
  async stream(method: string, args: ScriptValue[], onChunk: (value: ScriptValue) => void, signal?: AbortSignal): Promise<ScriptStreamResult> {
    const state: StreamState = { onChunk, signal, ended: false, cancelled: false };
    const cancel = (): void => {
      state.cancelled = true;
      if (state.id === undefined || !state.channel) return; // still queued: cancelled when it is posted
      try {
        state.channel.postMessage({ type: 'cancel', id: state.id } satisfies ScriptRequest);
      } catch {
        /* the host is gone: the pool fails the call */
      }
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const r = await this.runJob({ method, args, stream: state });
      return { ...r, streamed: state.ended, cancelled: state.cancelled };
    } finally {
      signal?.removeEventListener('abort', cancel);
      if (state.id !== undefined) this.streams.delete(state.id);
    }
  }
}
