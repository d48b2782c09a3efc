/**
 * The Python script host with real interpreters and real processes: modeldeck_host.py driven
 * through spawnPythonHost's channel, the frame reader on its own, and interpreter resolution.
 * numpy cases run on Debian's /usr/bin/python3 (numpy, pandas); the no-numpy cases on a `python3`
 * from PATH that lacks numpy, else on a venv made from /usr/bin/python3 without system packages.
 * Scripts: test/fixtures/scripts/python/<case>/. Every host is terminated at the end of its test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ScriptChannel, ScriptResponse, ScriptTensor, ScriptValue } from '../../server/scripts/scriptProtocol';
import { spawnPythonHost, type PythonHostOptions } from '../../server/scripts/python/pythonProcess';
import { decodeFrame, encodeFrame, FrameError, FrameReader, FRAMES_MAGIC } from '../../server/scripts/python/frames';
import { clearPythonCache, pipInstallHint, PythonInterpreterError, resolvePythonInterpreter } from '../../server/scripts/python/findPython';
import { REPO_ROOT } from '../support/serverProcess';

const SCRIPTS = path.join(REPO_ROOT, 'test', 'fixtures', 'scripts', 'python');
const NUMPY_PY = '/usr/bin/python3';

type Log = Extract<ScriptResponse, { type: 'log' }>;
type Loaded = Extract<ScriptResponse, { type: 'loaded' }>;
type LoadFailed = Extract<ScriptResponse, { type: 'load-failed' }>;
type CallReply = Extract<ScriptResponse, { type: 'result' | 'error' }>;

/** A host process plus what it said, with promise helpers. */
class Host {
  readonly channel: ScriptChannel;
  readonly messages: ScriptResponse[] = [];
  readonly errors: Error[] = [];
  readonly exited: Promise<number>;
  private nextId = 1;
  private readonly listeners: Array<(m: ScriptResponse) => boolean> = [];
  private readonly onExit = new Set<(code: number) => void>();

  constructor(readonly interpreter: string, options?: PythonHostOptions) {
    this.channel = spawnPythonHost(interpreter, undefined, options);
    this.channel.on('message', (m) => {
      this.messages.push(m);
      for (let i = this.listeners.length - 1; i >= 0; i--) if (this.listeners[i]!(m)) this.listeners.splice(i, 1);
    });
    this.channel.on('error', (e) => this.errors.push(e));
    this.exited = new Promise((resolve) => this.channel.on('exit', resolve));
    void this.exited.then((code) => this.onExit.forEach((f) => f(code)));
  }

  get logs(): Log[] {
    return this.messages.filter((m): m is Log => m.type === 'log');
  }

  /** Resolves with the first message (already received or next) that matches; fails after `ms`. */
  waitFor<T extends ScriptResponse>(pred: (m: ScriptResponse) => m is T, ms = 15_000, what = 'message'): Promise<T> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.onExit.delete(exited);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`));
      }, ms);
      const exited = (code: number): void => {
        settle();
        reject(new Error(`host exited with code ${code} before ${what}`));
      };
      this.onExit.add(exited);
      this.listeners.push((m) => {
        if (!pred(m)) return false;
        settle();
        resolve(m);
        return true;
      });
    });
  }

  load(folder: string, file = 'predictor.py', role: 'predictor' | 'transformer' = 'predictor', env: Record<string, string> = {}): Promise<Loaded | LoadFailed> {
    const dir = path.join(SCRIPTS, folder);
    this.channel.postMessage({ type: 'load', scriptPath: path.join(dir, file), role, env, cwd: dir });
    return this.waitFor((m): m is Loaded | LoadFailed => m.type === 'loaded' || m.type === 'load-failed', 20_000, 'load reply');
  }

  async loadOk(folder: string, file?: string, role?: 'predictor' | 'transformer', env?: Record<string, string>): Promise<Loaded> {
    const r = await this.load(folder, file, role, env);
    assert.equal(r.type, 'loaded', `load failed: ${JSON.stringify(r)}`);
    return r as Loaded;
  }

  call(method: string, ...args: ScriptValue[]): Promise<CallReply> {
    const id = this.nextId++;
    this.channel.postMessage({ type: 'call', id, method, args });
    return this.waitFor((m): m is CallReply => (m.type === 'result' || m.type === 'error') && m.id === id, 30_000, `reply to ${method}`);
  }

  async value(method: string, ...args: ScriptValue[]): Promise<ScriptValue> {
    const r = await this.call(method, ...args);
    if (r.type === 'error') assert.fail(`${method} failed: ${r.exception}: ${r.message}\n${r.traceback ?? ''}`);
    return r.value;
  }
}

const hosts: Host[] = [];
function host(interpreter = NUMPY_PY, options?: PythonHostOptions): Host {
  const h = new Host(interpreter, options);
  hosts.push(h);
  return h;
}
after(async () => {
  await Promise.all(hosts.map((h) => h.channel.terminate()));
});

let scratch: string;
let noNumpyPython: string;
let noNumpyHow: string;

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-pyhost-'));
  // A python3 on PATH without numpy, else a venv of Debian's Python that does not see its packages.
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'python3')).filter((f) => fs.existsSync(f));
  for (const candidate of onPath) {
    try {
      execFileSync(candidate, ['-c', 'import numpy'], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      noNumpyPython = candidate;
      noNumpyHow = `${candidate} (on PATH)`;
      return;
    }
  }
  const venv = path.join(scratch, 'venv-no-numpy');
  execFileSync(NUMPY_PY, ['-m', 'venv', '--without-pip', venv], { stdio: 'ignore', timeout: 60_000 });
  noNumpyPython = path.join(venv, 'bin', 'python');
  noNumpyHow = `a venv of ${NUMPY_PY} without system packages (every python3 on PATH has numpy)`;
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Line (1-based) of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} not in ${file}`);
  return i + 1;
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function tensor(datatype: ScriptTensor['datatype'], shape: number[], data: ScriptTensor['data']): ScriptTensor {
  return { __tensor__: true, datatype, shape, data };
}

function asTensor(v: ScriptValue | undefined): ScriptTensor {
  assert.ok(v !== null && typeof v === 'object' && (v as ScriptTensor).__tensor__ === true, `not a tensor: ${String(v)}`);
  return v as ScriptTensor;
}

/** One tensor per datatype, shape [2, 3], with edge values. */
const SAMPLES: Array<{ t: ScriptTensor; dtype: string; plain: unknown[] }> = [
  { t: tensor('BOOL', [2, 3], new Uint8Array([1, 0, 1, 1, 0, 0])), dtype: 'bool', plain: [true, false, true, true, false, false] },
  { t: tensor('UINT8', [2, 3], new Uint8Array([0, 1, 2, 127, 128, 255])), dtype: 'uint8', plain: [0, 1, 2, 127, 128, 255] },
  { t: tensor('UINT16', [2, 3], new Uint16Array([0, 1, 2, 255, 256, 65535])), dtype: 'uint16', plain: [0, 1, 2, 255, 256, 65535] },
  { t: tensor('UINT32', [2, 3], new Uint32Array([0, 1, 2, 65536, 2 ** 31, 2 ** 32 - 1])), dtype: 'uint32', plain: [0, 1, 2, 65536, 2 ** 31, 2 ** 32 - 1] },
  { t: tensor('UINT64', [2, 3], new BigUint64Array([0n, 1n, 2n, 2n ** 32n, 2n ** 53n - 1n, 12345n])), dtype: 'uint64', plain: [0, 1, 2, 2 ** 32, 2 ** 53 - 1, 12345] },
  { t: tensor('INT8', [2, 3], new Int8Array([-128, -1, 0, 1, 2, 127])), dtype: 'int8', plain: [-128, -1, 0, 1, 2, 127] },
  { t: tensor('INT16', [2, 3], new Int16Array([-32768, -1, 0, 1, 2, 32767])), dtype: 'int16', plain: [-32768, -1, 0, 1, 2, 32767] },
  { t: tensor('INT32', [2, 3], new Int32Array([-(2 ** 31), -1, 0, 1, 2, 2 ** 31 - 1])), dtype: 'int32', plain: [-(2 ** 31), -1, 0, 1, 2, 2 ** 31 - 1] },
  { t: tensor('INT64', [2, 3], new BigInt64Array([-(2n ** 53n) + 1n, -1n, 0n, 1n, 2n, 2n ** 53n - 1n])), dtype: 'int64', plain: [-(2 ** 53) + 1, -1, 0, 1, 2, 2 ** 53 - 1] },
  // FP16 as raw half bits: 1.5, -2, 65504, smallest subnormal, +inf, -0
  { t: tensor('FP16', [2, 3], new Uint16Array([0x3e00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000])), dtype: 'float16', plain: [1.5, -2, 65504, 2 ** -24, Infinity, -0] },
  { t: tensor('FP32', [2, 3], new Float32Array([1.5, -0, 3.4e38, NaN, -Infinity, 1e-45])), dtype: 'float32', plain: Array.from(new Float32Array([1.5, -0, 3.4e38, NaN, -Infinity, 1e-45])) },
  { t: tensor('FP64', [2, 3], new Float64Array([0.1, -0, Number.MAX_VALUE, NaN, Infinity, 5e-324])), dtype: 'float64', plain: [0.1, -0, Number.MAX_VALUE, NaN, Infinity, 5e-324] },
  { t: tensor('BYTES', [2, 3], ['a', 'héllo ✓', '', '日本語', '🎉 emoji', '"quoted" \\ \n']), dtype: 'object', plain: ['a', 'héllo ✓', '', '日本語', '🎉 emoji', '"quoted" \\ \n'] },
];

function rows(flat: unknown[], cols: number): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < flat.length; i += cols) out.push(flat.slice(i, i + cols));
  return out;
}

describe('python host: loading scripts', () => {
  it('loads a predictor: class, methods, runtime, numpy; env vars, cwd and the script folder on the import path', { timeout: 30_000 }, async () => {
    const h = host();
    const loaded = await h.loadOk('basic', 'predictor.py', 'predictor', { MODEL_NAME: 'fraud', MODEL_VERSION: '3', MODEL_FILES_PATH: '/models/fraud/3' });
    assert.equal(loaded.className, 'Predictor');
    assert.deepEqual(loaded.methods, ['predict']);
    assert.deepEqual(loaded.asyncMethods, []);
    assert.match(loaded.runtime, /^Python 3\.\d+\.\d+ \(\/usr\/bin\/python3(\.\d+)?\)$/);
    assert.equal(loaded.numpy, true);
    assert.ok(loaded.loadMs > 0);
    // V1 style: the request's instances, a list of rows
    assert.deepEqual(await h.value('predict', [[1, 2, 3], [4, 5, 6.5]]), [6, 15.5]);
    assert.deepEqual(await h.value('context'), {
      model: 'fraud',
      version: '3',
      files: '/models/fraud/3',
      cwd: path.join(SCRIPTS, 'basic'),
      data: 'contents of data.txt',
    });
  });

  it('awaits an async predict, on one event loop reused across calls', { timeout: 30_000 }, async () => {
    const h = host();
    const loaded = await h.loadOk('async');
    assert.deepEqual(loaded.methods, ['predict', 'postprocess']);
    assert.deepEqual(loaded.asyncMethods, ['predict']);
    assert.deepEqual(await h.value('predict', [1, 2]), { predictions: [2, 4], loops: 1 });
    assert.deepEqual(await h.value('predict', [3]), { predictions: [6], loops: 1 });
    assert.deepEqual(await h.value('postprocess', { a: 1 }), { a: 1 });
  });

  it('a legacy Predict class serves predict, classify and regress', { timeout: 30_000 }, async () => {
    const h = host();
    const loaded = await h.loadOk('legacy', 'predict.py');
    assert.equal(loaded.className, 'Predict');
    assert.deepEqual(loaded.methods, ['predict', 'classify', 'regress']);
    assert.deepEqual(await h.value('classify', [[1], [2]]), [['classify', 2]]);
    assert.deepEqual(await h.value('regress', [[1]]), [['regress', 1]]);
    assert.deepEqual(await h.value('predict', [[1], [2], [3]]), [['predict', 3]]);
  });

  it('a transformer: preprocess gets the body, postprocess the predictions', { timeout: 30_000 }, async () => {
    const h = host();
    const loaded = await h.loadOk('transformer', 'transformer.py', 'transformer');
    assert.equal(loaded.className, 'Transformer');
    assert.deepEqual(loaded.methods, ['preprocess', 'postprocess']);
    assert.deepEqual(await h.value('preprocess', { instances: [[1, 2]] }), { instances: [[10, 20]] });
    assert.deepEqual(await h.value('postprocess', { predictions: [0.5] }), { predictions: [0.5], transformed: true, seen: 1 });
  });

  it('runs on an interpreter without numpy (the no-numpy path)', { timeout: 30_000 }, async () => {
    const h = host(noNumpyPython);
    const loaded = await h.loadOk('basic', 'predictor.py', 'predictor', { MODEL_NAME: 'm' });
    assert.equal(loaded.numpy, false, `expected no numpy in ${noNumpyHow}`);
    console.log(`[python host] no-numpy interpreter: ${noNumpyHow}`);
    assert.deepEqual(await h.value('predict', [[1, 2], [3, 4]]), [3, 7]);
  });
});

describe('python host: load failures', () => {
  it('a syntax error: message, file and line; the host stays up and refuses calls and a second load', { timeout: 30_000 }, async () => {
    const h = host();
    const file = path.join(SCRIPTS, 'syntax_error', 'predictor.py');
    const r = (await h.load('syntax_error')) as LoadFailed;
    assert.equal(r.type, 'load-failed');
    assert.match(r.message, /^SyntaxError: /);
    assert.deepEqual(r.location, { file, line: lineOf(file, 'def predict(self, inputs)') });
    assert.match(r.traceback!, /SyntaxError/);
    const call = await h.call('predict', [1]);
    assert.equal(call.type, 'error');
    assert.equal((call as Extract<CallReply, { type: 'error' }>).message, 'the script failed to load');
    const again = (await (async () => {
      const before = h.messages.length;
      h.channel.postMessage({ type: 'load', scriptPath: path.join(SCRIPTS, 'basic', 'predictor.py'), role: 'predictor', env: {}, cwd: SCRIPTS });
      return h.waitFor((m): m is LoadFailed => m.type === 'load-failed' && h.messages.indexOf(m) >= before);
    })()) as LoadFailed;
    assert.match(again.message, /already loaded a script: start a new host/);
  });

  it('a missing module: the module name for a pip hint and the import line', { timeout: 30_000 }, async () => {
    const h = host();
    const file = path.join(SCRIPTS, 'missing_module', 'predictor.py');
    const r = (await h.load('missing_module')) as LoadFailed;
    assert.equal(r.type, 'load-failed');
    assert.equal(r.message, "ModuleNotFoundError: No module named 'modeldeck_absent_module'");
    assert.equal(r.missingModule, 'modeldeck_absent_module');
    assert.deepEqual(r.location, { file, line: lineOf(file, 'import modeldeck_absent_module') });
    assert.equal(pipInstallHint(NUMPY_PY, r.missingModule!), '/usr/bin/python3 -m pip install modeldeck-absent-module');
  });

  it('no Predictor/Predict class; no Transformer class', { timeout: 30_000 }, async () => {
    const a = host();
    const r = (await a.load('no_class')) as LoadFailed;
    assert.equal(r.type, 'load-failed');
    assert.equal(r.message, 'no class Predictor (or legacy Predict) in predictor.py');
    assert.equal(r.location?.file, path.join(SCRIPTS, 'no_class', 'predictor.py'));
    const b = host();
    const t = (await b.load('basic', 'predictor.py', 'transformer', { MODEL_NAME: 'x' })) as LoadFailed;
    assert.equal(t.type, 'load-failed');
    assert.equal(t.message, 'no class Transformer in predictor.py');
  });

  it('an exception in __init__: its class and message, the innermost line in the script', { timeout: 30_000 }, async () => {
    const h = host();
    const file = path.join(SCRIPTS, 'init_error', 'predictor.py');
    const r = (await h.load('init_error')) as LoadFailed;
    assert.equal(r.type, 'load-failed');
    assert.equal(r.message, 'FileNotFoundError: no weights at /nonexistent/weights.bin');
    assert.deepEqual(r.location, { file, line: lineOf(file, 'the failing line') });
    assert.match(r.traceback!, /in __init__/);
    assert.equal(r.missingModule, undefined);
  });
});

describe('python host: calls', () => {
  it('an exception is an error reply (class, message, traceback without host frames); the next call works', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('calls');
    const r = await h.call('predict', 'fail');
    assert.equal(r.type, 'error');
    const e = r as Extract<CallReply, { type: 'error' }>;
    assert.equal(e.exception, 'ValueError');
    assert.equal(e.message, 'bad input: fail');
    assert.match(e.traceback!, /calls[\\/]predictor\.py", line \d+, in predict/);
    assert.doesNotMatch(e.traceback!, /modeldeck_host\.py/);
    assert.deepEqual(await h.value('predict', 'ok'), { calls: 2 });
    const exit = await h.call('predict', 'exit');
    assert.equal(exit.type === 'error' && exit.exception, 'SystemExit', 'a script exit is an error, not the end of the host');
    assert.deepEqual(await h.value('predict', 'ok'), { calls: 4 });
    const missing = await h.call('nope');
    assert.equal(missing.type === 'error' && missing.exception, 'AttributeError');
    const priv = await h.call('__init__');
    assert.equal(priv.type === 'error' && priv.exception, 'AttributeError');
  });

  it('a value that cannot be sent is an error naming its type and place; the host keeps serving', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('values');
    const r = await h.call('unsendable');
    assert.equal(r.type, 'error');
    const e = r as Extract<CallReply, { type: 'error' }>;
    assert.equal(e.exception, 'TypeError');
    assert.match(e.message, /^unsendable\(\) returned a value of type object at result\['bad'\]\[1\], which cannot be sent back/);
    const k = await h.call('tuple_key');
    assert.match(k.type === 'error' ? k.message : '', /^tuple_key\(\) returned a dict key of type tuple, which cannot be sent back/);
    const c = await h.call('complex_array');
    assert.match(c.type === 'error' ? c.message : '', /a numpy array of dtype complex128/);
    assert.deepEqual(await h.value('predict', [1]), [1]);
  });

  it('a process that dies mid-call: stderr arrives as an error log, then exit with its code', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('calls');
    h.channel.postMessage({ type: 'call', id: 99, method: 'crash', args: [3] });
    assert.equal(await h.exited, 3);
    const crash = h.logs.find((l) => l.message === 'native crash message from the interpreter');
    assert.deepEqual(crash, { type: 'log', level: 'error', message: 'native crash message from the interpreter', source: 'stderr' });
    assert.ok(!h.messages.some((m) => m.type === 'result'));
    assert.equal(await h.channel.terminate(), 3, 'terminate after exit resolves with the same code');
    h.channel.postMessage({ type: 'call', id: 100, method: 'predict', args: [] }); // dropped, no throw
  });

  it('terminate() during a call kills the process; a script that traps SIGTERM is killed outright', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('calls');
    const pending = h.call('sleep', 30);
    await new Promise((r) => setTimeout(r, 100));
    const code = await h.channel.terminate();
    assert.equal(await h.exited, code);
    if (process.platform !== 'win32') assert.equal(code, 128 + os.constants.signals.SIGTERM);
    await assert.rejects(pending, /host exited with code/);

    const t = host(NUMPY_PY, { killGraceMs: 300 });
    await t.loadOk('calls');
    assert.equal(await t.value('trap_sigterm'), true);
    const killed = await t.channel.terminate();
    if (process.platform !== 'win32') assert.equal(killed, 128 + os.constants.signals.SIGKILL);
  });

  it('close ends the process with 0; a missing interpreter is an error then an exit', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('calls');
    h.channel.postMessage({ type: 'close' });
    assert.equal(await h.exited, 0);

    const missing = host(path.join(scratch, 'no-such-python'));
    assert.equal(await missing.exited, 127);
    assert.match(missing.errors[0]?.message ?? '', /no such Python interpreter/);
  });

  it('bytes in the frame stream that are not a frame: an error event, and the host is killed', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('calls');
    h.channel.postMessage({ type: 'call', id: 1, method: 'corrupt', args: [] });
    const code = await h.exited;
    assert.notEqual(code, 0);
    assert.match(h.errors[0]?.message ?? '', /^Python host sent an unreadable frame: /);
  });

  it('output before the frames start (a sitecustomize that prints) is an error log, not a broken channel', { timeout: 30_000 }, async () => {
    const site = path.join(scratch, 'site');
    fs.mkdirSync(site, { recursive: true });
    fs.writeFileSync(path.join(site, 'sitecustomize.py'), 'print("hello from sitecustomize")\n');
    const h = host(NUMPY_PY, { env: { ...process.env, PYTHONPATH: site } });
    await h.loadOk('legacy', 'predict.py');
    assert.deepEqual(h.logs[0], { type: 'log', level: 'error', message: 'hello from sitecustomize', source: 'stdout' });
    assert.deepEqual(await h.value('predict', [1]), [['predict', 1]]);
  });
});

describe('python host: values and tensors', () => {
  it('every datatype round trips as a numpy array of the right dtype and comes back as the same typed array', { timeout: 60_000 }, async () => {
    const h = host();
    await h.loadOk('values');
    for (const { t, dtype } of SAMPLES) {
      const described = (await h.value('describe', t)) as Record<string, ScriptValue>;
      assert.equal(described.type, 'ndarray', t.datatype);
      assert.equal(described.dtype, dtype, t.datatype);
      assert.deepEqual(described.shape, [2, 3]);
      assert.equal(described.writeable, true, 'arrays point into a fresh buffer the script may change');
      const [back] = (await h.value('echo', t)) as ScriptValue[];
      const b = asTensor(back);
      assert.equal(b.datatype, t.datatype);
      assert.deepEqual(b.shape, [2, 3]);
      if (t.datatype === 'BYTES') assert.deepEqual(b.data, t.data);
      else {
        assert.equal(b.data.constructor, t.data.constructor, t.datatype);
        assert.ok(bytesOf(b.data as ArrayBufferView).equals(bytesOf(t.data as ArrayBufferView)), `${t.datatype} bytes differ`);
      }
    }
    // INT64 / UINT64 beyond 2^53 keep every bit (they never pass through JSON numbers)
    const wide = tensor('INT64', [2], new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]));
    const uwide = tensor('UINT64', [1], new BigUint64Array([2n ** 64n - 1n]));
    const [w, u] = (await h.value('echo', wide, uwide)) as ScriptValue[];
    assert.deepEqual(Array.from(asTensor(w).data as BigInt64Array), [-(2n ** 63n), 2n ** 63n - 1n]);
    assert.deepEqual(Array.from(asTensor(u).data as BigUint64Array), [2n ** 64n - 1n]);
    // a scalar tensor is a 0-d array; tensors nested in lists and dicts are found
    const scalar = (await h.value('describe', tensor('FP64', [], new Float64Array([2.5])))) as Record<string, ScriptValue>;
    assert.deepEqual([scalar.dtype, scalar.shape, scalar.values], ['float64', [], [2.5]]);
    const nested = (await h.value('predict', { a: [tensor('INT32', [1], new Int32Array([7]))], n: NaN, i: -Infinity })) as Record<string, ScriptValue>;
    assert.deepEqual(Array.from(asTensor((nested.a as ScriptValue[])[0]).data as Int32Array), [7]);
    assert.ok(Number.isNaN(nested.n));
    assert.equal(nested.i, -Infinity);
  });

  it('without numpy tensors arrive as nested lists of plain values', { timeout: 60_000 }, async () => {
    const h = host(noNumpyPython);
    await h.loadOk('values');
    assert.equal(await h.value('numpy_available'), false);
    for (const { t, plain } of SAMPLES) {
      const described = (await h.value('describe', t)) as Record<string, ScriptValue>;
      assert.equal(described.type, 'list', t.datatype);
      assert.deepEqual(described.value, rows(plain, 3), t.datatype);
    }
    assert.deepEqual(await h.value('describe', tensor('FP64', [], new Float64Array([2.5]))), { type: 'float', value: 2.5 });
    assert.deepEqual(await h.value('describe', tensor('INT16', [2, 0], new Int16Array(0))), { type: 'list', value: [[], []] });
    assert.deepEqual(await h.value('describe', tensor('UINT8', [2, 1, 2], new Uint8Array([1, 2, 3, 4]))), { type: 'list', value: [[[1, 2]], [[3, 4]]] });
  });

  it('numpy arrays and scalars, tuples, non-finite floats and a pandas DataFrame come back typed', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('values');
    const v = (await h.value('numpy_values')) as Record<string, ScriptValue>;
    const f32 = asTensor(v.f32);
    assert.deepEqual([f32.datatype, f32.shape, Array.from(f32.data as Float32Array)], ['FP32', [2, 3], [0, 1, 2, 3, 4, 5]]);
    assert.deepEqual(Array.from(asTensor(v.i64).data as BigInt64Array), [-(2n ** 63n), 2n ** 63n - 1n]);
    assert.deepEqual([asTensor(v.u8).datatype, Array.from(asTensor(v.u8).data as Uint8Array)], ['UINT8', [1, 2, 3, 255]]);
    assert.deepEqual([asTensor(v.bool).datatype, Array.from(asTensor(v.bool).data as Uint8Array)], ['BOOL', [1, 0, 1]]);
    assert.deepEqual([asTensor(v.f16).datatype, Array.from(asTensor(v.f16).data as Uint16Array)], ['FP16', [0x3e00, 0xc000]]);
    assert.deepEqual([asTensor(v.strings).datatype, asTensor(v.strings).data], ['BYTES', ['a', 'héllo ✓']]);
    assert.deepEqual([asTensor(v.big_endian).datatype, Array.from(asTensor(v.big_endian).data as Float64Array)], ['FP64', [1, 2]]);
    assert.deepEqual([asTensor(v.strided).shape, Array.from(asTensor(v.strided).data as Int32Array)], [[5], [0, 2, 4, 6, 8]]);
    assert.deepEqual([asTensor(v.zero_d).shape, Array.from(asTensor(v.zero_d).data as Float64Array)], [[], [3.5]]);
    assert.deepEqual(v.scalars, [1.5, 7, true, 's', 2.25, 200]);
    assert.deepEqual(v.tuple, [1, 'two', 3]);
    assert.ok(Number.isNaN(v.nan));
    assert.deepEqual(v.inf, [Infinity, -Infinity]);

    const d = (await h.value('dataframe')) as Record<string, ScriptValue>;
    const frame = d.frame as Record<string, ScriptValue>;
    assert.deepEqual(Object.keys(frame), ['z', 'a', 's'], 'column order kept');
    assert.deepEqual([asTensor(frame.z).datatype, Array.from(asTensor(frame.z).data as Float64Array)], ['FP64', [1, 2]]);
    assert.deepEqual([asTensor(frame.a).datatype, Array.from(asTensor(frame.a).data as BigInt64Array)], ['INT64', [1n, 2n]]);
    assert.deepEqual([asTensor(frame.s).datatype, asTensor(frame.s).data], ['BYTES', ['x', 'ÿ']]);
    assert.deepEqual(Array.from(asTensor(d.series).data as BigInt64Array), [2n, 4n]);
  });

  it('a 10 MB tensor round trips intact, both ways', { timeout: 60_000 }, async () => {
    const h = host();
    await h.loadOk('values');
    const n = 2_621_440; // 10 MiB of FP32
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = i * 0.5 - 1000;
    const [back] = (await h.value('echo', tensor('FP32', [n / 1024, 1024], data))) as ScriptValue[];
    const b = asTensor(back);
    assert.deepEqual(b.shape, [n / 1024, 1024]);
    assert.ok(bytesOf(b.data as Float32Array).equals(bytesOf(data)));
    const made = asTensor(await h.value('big', n));
    assert.equal((made.data as Float32Array).length, n);
    assert.equal((made.data as Float32Array)[n - 1], n - 1);
  });

  it('multibyte UTF-8 in arguments, results, keys and BYTES tensors', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('values');
    const text = 'héllo wörld ✓ 日本語 🎉 \u0000 end';
    const value = { [text]: [text, text.repeat(1000)], 'ключ': tensor('BYTES', [2], ['🎉', 'ñ']) };
    const back = (await h.value('predict', value)) as Record<string, ScriptValue>;
    assert.deepEqual(back[text], [text, text.repeat(1000)]);
    assert.deepEqual(asTensor(back['ключ']).data, ['🎉', 'ñ']);
  });
});

describe('python host: script output', () => {
  it('print, stderr, logging, warnings and subprocess output arrive as log messages and never corrupt frames', { timeout: 30_000 }, async () => {
    const h = host();
    await h.loadOk('logs');
    assert.deepEqual(h.logs[0], { type: 'log', level: 'info', message: 'loaded and printing at import', source: 'stdout' });
    const start = h.messages.length;
    const r = await h.call('predict', [1, 2]);
    assert.deepEqual(r.type === 'result' && r.value, [1, 2]);
    await h.waitFor((m): m is Log => m.type === 'log' && m.message === 'from a subprocess', 15_000, 'subprocess output');
    const during = h.messages.slice(start);
    const logs = during.filter((m): m is Log => m.type === 'log');
    const find = (message: string): Log | undefined => logs.find((l) => l.message === message);
    assert.deepEqual(find('\x10\x00\x00\x00{"type":"result"}\x00ÿ binary-looking'), { type: 'log', level: 'info', message: '\x10\x00\x00\x00{"type":"result"}\x00ÿ binary-looking', source: 'stdout' });
    assert.ok(find('x'.repeat(300_000)), 'a 300 000-character line is one message');
    assert.ok(find('multi') && find('line ünïcødé ✓ 🎉'), 'one message per line');
    assert.ok(find('no newline at the end'), 'a partial line is sent at the end of the call');
    assert.deepEqual(find('to stderr'), { type: 'log', level: 'error', message: 'to stderr', source: 'stderr' });
    assert.ok(find('bytes to stdout ✓'), 'sys.stdout.buffer writes');
    assert.equal(logs.some((l) => l.message === 'a debug record'), false, 'root logger at INFO');
    assert.deepEqual(find('an info record 42'), { type: 'log', level: 'info', message: 'an info record 42', source: 'logging', logger: 'scripts.logs' });
    assert.deepEqual(find('a warning record'), { type: 'log', level: 'warn', message: 'a warning record', source: 'logging', logger: 'scripts.logs' });
    const exc = logs.find((l) => l.message.startsWith('an error record'));
    assert.equal(exc?.level, 'error');
    assert.match(exc!.message, /ZeroDivisionError: division by zero/);
    const warning = logs.find((l) => l.logger === 'py.warnings');
    assert.equal(warning?.level, 'warn');
    assert.match(warning!.message, /UserWarning: a python warning/);
    assert.deepEqual(find('from a subprocess'), { type: 'log', level: 'info', message: 'from a subprocess', source: 'stdout' });
    // what the script printed itself comes before its result
    const resultAt = during.indexOf(r);
    for (const m of ['no newline at the end', 'to stderr', 'an info record 42']) assert.ok(during.indexOf(find(m)!) < resultAt, m);

    assert.equal(await h.value('set_debug'), true);
    assert.deepEqual(
      await h.waitFor((m): m is Log => m.type === 'log' && m.message === 'debug now shows'),
      { type: 'log', level: 'debug', message: 'debug now shows', source: 'logging', logger: 'scripts.logs' },
      'logging.basicConfig(level=DEBUG) in a script takes effect',
    );
    assert.equal(h.errors.length, 0);
  });
});

describe('frame reader', () => {
  /** A response frame built by hand (as the host does): JSON padded to 8, then the binary section. */
  function responseFrame(msg: object, binary: Buffer = Buffer.alloc(0)): Buffer {
    let json = Buffer.from(JSON.stringify(msg), 'utf8');
    json = Buffer.concat([json, Buffer.alloc((8 - ((8 + json.length) % 8)) % 8, 0x20)]);
    const pre = Buffer.alloc(8);
    pre.writeUInt32LE(4 + json.length + binary.length, 0);
    pre.writeUInt32LE(json.length, 4);
    return Buffer.concat([pre, json, binary]);
  }

  const f64 = Buffer.from(new Float64Array([1.25, -2.5, 3]).buffer);
  const frames = [
    responseFrame({ type: 'log', level: 'info', message: 'ünïcødé ✓ 🎉', source: 'stdout' }),
    responseFrame({ type: 'result', id: 1, computeMs: 1, value: { t: { __tensor__: true, datatype: 'FP64', shape: [3], data: { offset: 0, length: 24 } }, n: { __float__: 'NaN' } } }, f64),
    responseFrame({ type: 'result', id: 2, computeMs: 1, value: 'x'.repeat(70_000) }),
  ];
  const stream = Buffer.concat([Buffer.from('stray line\n'), FRAMES_MAGIC, ...frames]);

  function readAll(chunks: Buffer[]): { msgs: ScriptResponse[]; stray: string } {
    const msgs: ScriptResponse[] = [];
    let stray = '';
    const reader = new FrameReader((f) => msgs.push(decodeFrame(f)), (s) => (stray += s));
    for (const c of chunks) reader.push(c);
    return { msgs, stray };
  }

  function check({ msgs, stray }: { msgs: ScriptResponse[]; stray: string }): void {
    assert.equal(stray, 'stray line\n');
    assert.equal(msgs.length, 3);
    assert.deepEqual(msgs[0], { type: 'log', level: 'info', message: 'ünïcødé ✓ 🎉', source: 'stdout' });
    const v = (msgs[1] as Extract<ScriptResponse, { type: 'result' }>).value as Record<string, ScriptValue>;
    assert.deepEqual(Array.from(asTensor(v.t).data as Float64Array), [1.25, -2.5, 3]);
    assert.ok(Number.isNaN(v.n));
    assert.equal((msgs[2] as Extract<ScriptResponse, { type: 'result' }>).value, 'x'.repeat(70_000));
  }

  it('reads frames whole, byte by byte, and in odd chunks (misaligned tensors are copied)', () => {
    check(readAll([stream]));
    check(readAll(Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1))));
    for (const size of [3, 7, 13, 4096, 65_537]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(Buffer.from(stream.subarray(i, i + size))); // own buffers: odd alignments
      check(readAll(chunks));
    }
  });

  it('encodes requests with 8-aligned tensors and no copies of their data', () => {
    const data = new Float64Array([1, 2, 3]);
    const chunks = encodeFrame({ type: 'call', id: 7, method: 'predict', args: [tensor('INT8', [1], new Int8Array([5])), tensor('FP64', [3], data), 'ü'] });
    const head = Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength);
    const h = head.readUInt32LE(4);
    assert.equal((8 + h) % 8, 0);
    const json = JSON.parse(Buffer.from(head.subarray(8, 8 + h)).toString('utf8'));
    assert.deepEqual(json.args[1].data, { offset: 8, length: 24 });
    assert.equal(head.readUInt32LE(0), 4 + h + 32);
    assert.equal(chunks.at(-1)!.buffer, data.buffer, 'the typed array itself is written');
    assert.throws(() => encodeFrame({ type: 'call', id: 1, method: 'p', args: [tensor('FP64', [1], new Float32Array(1))] }), /FP64 tensor needs a Float64Array/);
  });

  it('refuses bytes that are not frames after the magic line', () => {
    const reader = new FrameReader(() => undefined, () => undefined);
    assert.throws(() => reader.push(Buffer.concat([FRAMES_MAGIC, Buffer.from('Traceback (most recent call last):\n')])), FrameError);
  });
});

describe('python interpreter resolution', () => {
  it('a deployment environment: interpreter file, venv folder, relative folder; errors when missing or not a Python', { timeout: 60_000 }, async () => {
    clearPythonCache();
    const debianVersion = execFileSync(NUMPY_PY, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' }).trim();
    const file = await resolvePythonInterpreter({ environment: NUMPY_PY, setting: 'python3', cwd: scratch });
    assert.deepEqual(file, { path: NUMPY_PY, source: 'deployment', version: debianVersion });

    const venv = path.join(scratch, 'proj', '.venv');
    execFileSync(NUMPY_PY, ['-m', 'venv', '--without-pip', venv], { stdio: 'ignore', timeout: 60_000 });
    const folder = await resolvePythonInterpreter({ environment: venv, cwd: scratch });
    assert.deepEqual(folder, { path: path.join(venv, 'bin', 'python3'), source: 'deployment', version: debianVersion });
    const relative = await resolvePythonInterpreter({ environment: '.venv', cwd: path.join(scratch, 'proj') });
    assert.equal(relative.path, path.join(venv, 'bin', 'python3'));

    await assert.rejects(resolvePythonInterpreter({ environment: './nope', cwd: scratch }), (e: unknown) => {
      assert.ok(e instanceof PythonInterpreterError);
      assert.equal(e.reason, 'missing');
      assert.equal(e.source, 'deployment');
      assert.match(e.message, /predictor\.environment is "\.\/nope", which does not exist/);
      return true;
    });
    await assert.rejects(resolvePythonInterpreter({ environment: SCRIPTS, cwd: scratch }), (e: unknown) => e instanceof PythonInterpreterError && e.reason === 'not-python' && /not a Python environment \(no bin\/python3 or bin\/python/.test(e.message));
    await assert.rejects(resolvePythonInterpreter({ environment: SCRIPTS, cwd: scratch, platform: 'win32' }), (e: unknown) => e instanceof PythonInterpreterError && /Scripts\\python\.exe or python\.exe/.test(e.message));
    const notPython = path.join(scratch, 'not-python.sh');
    fs.writeFileSync(notPython, '#!/bin/sh\necho "hello"\n', { mode: 0o755 });
    await assert.rejects(resolvePythonInterpreter({ environment: notPython, cwd: scratch }), (e: unknown) => e instanceof PythonInterpreterError && e.reason === 'not-python');
    await assert.rejects(resolvePythonInterpreter({ setting: 'no-such-python-command', cwd: scratch }), (e: unknown) => e instanceof PythonInterpreterError && e.reason === 'missing' && e.source === 'setting');
  });

  it('then the setting, then the Python extension, then PATH', { timeout: 60_000 }, async () => {
    const setting = await resolvePythonInterpreter({ setting: 'python3', extensionInterpreter: NUMPY_PY, cwd: scratch });
    assert.equal(setting.source, 'setting');
    assert.ok(path.isAbsolute(setting.path), 'a command is reported as the interpreter it runs');
    const ext = await resolvePythonInterpreter({ setting: '  ', extensionInterpreter: NUMPY_PY, cwd: scratch });
    assert.equal(ext.source, 'python-extension');
    const stale = await resolvePythonInterpreter({ extensionInterpreter: path.join(scratch, 'gone', 'python'), cwd: scratch });
    assert.equal(stale.source, 'path');
    const onPath = await resolvePythonInterpreter({ cwd: scratch });
    assert.equal(onPath.source, 'path');
    assert.match(onPath.version, /^3\.\d+\.\d+/);
  });

  it('pip install hints use the package names', () => {
    assert.equal(pipInstallHint('/usr/bin/python3', 'sklearn.ensemble'), '/usr/bin/python3 -m pip install scikit-learn');
    assert.equal(pipInstallHint('python', 'cv2'), 'python -m pip install opencv-python');
    assert.equal(pipInstallHint('python', 'PIL'), 'python -m pip install Pillow');
    assert.equal(pipInstallHint('python', 'yaml'), 'python -m pip install PyYAML');
    assert.equal(pipInstallHint('python', 'joblib'), 'python -m pip install joblib');
    assert.equal(pipInstallHint('C:\\Program Files\\Python311\\python.exe', 'numpy'), '"C:\\Program Files\\Python311\\python.exe" -m pip install numpy');
  });
});

describe('python host: IPC overhead (measured, not asserted)', () => {
  it('median round trip of a trivial predict over the channel vs in-process', { timeout: 120_000 }, async () => {
    const h = host();
    await h.loadOk('bench');
    const inputs = [[1, 2], [3, 4]];
    for (let i = 0; i < 300; i++) await h.value('predict', inputs); // warm up
    const n = 3000;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await h.value('predict', inputs);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const channel = times[n >> 1]!;
    const p90 = times[Math.floor(n * 0.9)]!;
    const inProcess = (await h.value('time_in_process', inputs, n)) as number;
    console.log(
      `[python host IPC] ${NUMPY_PY}, concurrency 1, ${n} calls of predict([[1, 2], [3, 4]]): channel median ${(channel * 1000).toFixed(0)} µs (p90 ${(p90 * 1000).toFixed(0)} µs), ` +
        `in-process median ${(inProcess * 1000).toFixed(2)} µs, overhead ${((channel - inProcess) * 1000).toFixed(0)} µs per call (2 shared cores)`,
    );
    // the tensor path: an FP32 [1, 16] numpy array in and out
    const x = tensor('FP32', [1, 16], new Float32Array(16).fill(0.5));
    const tensorTimes: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await h.value('identity', x);
      tensorTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    tensorTimes.sort((a, b) => a - b);
    console.log(`[python host IPC] identity(FP32 [1, 16] tensor): channel median ${(tensorTimes[n >> 1]! * 1000).toFixed(0)} µs`);
    assert.ok(channel > 0);
  });
});
