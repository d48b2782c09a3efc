/**
 * The JS/TS script host (server/scripts/js/) in real worker threads, through its ScriptChannel:
 * loading .js / .mjs / .ts scripts, calls, environment, relative imports, console output, load and
 * call failures with the user's file and line, the form's predictor template against the iris
 * example, and ending the worker.
 *
 * Runs against the bundle that ships, dist/scriptWorker.js: run `npm run build` first
 * (`npm run test:server` does). A bundle older than its sources fails the suite with that advice.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnJsHost } from '../../server/scripts/js/jsHost';
import type { ScriptChannel, ScriptResponse, ScriptRole, ScriptTensor, ScriptValue } from '../../server/scripts/scriptProtocol';
import { predictionsOf, scriptResultToTensors, tensorsToScriptArg } from '../../server/scripts/scriptValues';
import { REPO_ROOT } from '../support/serverProcess';

const WORKER = path.join(REPO_ROOT, 'dist', 'scriptWorker.js');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'scripts', 'js');
const fixture = (name: string): string => path.join(FIXTURES, name);
const TEMPLATE = path.join(REPO_ROOT, 'media', 'templates', 'predictor.ts');
const IRIS = path.join(REPO_ROOT, 'examples', 'models', 'iris', '2');
const TIMEOUT = { timeout: 30_000 };

type Loaded = Extract<ScriptResponse, { type: 'loaded' }>;
type LoadFailed = Extract<ScriptResponse, { type: 'load-failed' }>;
type Result = Extract<ScriptResponse, { type: 'result' }>;
type CallError = Extract<ScriptResponse, { type: 'error' }>;
type Log = Extract<ScriptResponse, { type: 'log' }>;

/** Newest modification time under the sources the bundle is built from. */
function newestSource(): { file: string; mtimeMs: number } {
  const files = [
    ...fs.readdirSync(path.join(REPO_ROOT, 'server', 'scripts', 'js')).map((f) => path.join(REPO_ROOT, 'server', 'scripts', 'js', f)),
    path.join(REPO_ROOT, 'server', 'scripts', 'scriptValues.ts'),
    path.join(REPO_ROOT, 'server', 'scripts', 'scriptProtocol.ts'),
  ];
  return files.map((file) => ({ file, mtimeMs: fs.statSync(file).mtimeMs })).reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
}

/** One host with everything it said; waits fail (instead of hanging) when the worker exits. */
class Host {
  readonly channel: ScriptChannel;
  readonly messages: ScriptResponse[] = [];
  readonly errors: Error[] = [];
  exitCode: number | undefined;
  readonly exited: Promise<number>;
  private waiters: { match: (m: ScriptResponse) => boolean; resolve: (m: ScriptResponse) => void; reject: (e: Error) => void }[] = [];
  private nextId = 0;

  constructor(t: TestContext) {
    this.channel = spawnJsHost({ workerScript: WORKER });
    t.after(() => this.channel.terminate());
    this.channel.on('message', (m) => {
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
    this.channel.on('error', (e) => this.errors.push(e));
    this.exited = new Promise((resolve) =>
      this.channel.on('exit', (code) => {
        this.exitCode = code;
        for (const w of this.waiters) w.reject(new Error(`script host exited (code ${code}) before the awaited message`));
        this.waiters = [];
        resolve(code);
      }),
    );
  }

  next(match: (m: ScriptResponse) => boolean): Promise<ScriptResponse> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.exitCode !== undefined) return Promise.reject(new Error(`script host exited (code ${this.exitCode})`));
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  async load(scriptPath: string, role: ScriptRole = 'predictor', env: Record<string, string> = {}): Promise<Loaded | LoadFailed> {
    this.channel.postMessage({ type: 'load', scriptPath, role, env, cwd: path.dirname(scriptPath) });
    return (await this.next((m) => m.type === 'loaded' || m.type === 'load-failed')) as Loaded | LoadFailed;
  }

  async loaded(scriptPath: string, role: ScriptRole = 'predictor', env: Record<string, string> = {}): Promise<Loaded> {
    const reply = await this.load(scriptPath, role, env);
    if (reply.type !== 'loaded') assert.fail(`load failed: ${reply.message}\n${reply.traceback ?? ''}`);
    return reply;
  }

  async call(method: string, ...args: ScriptValue[]): Promise<Result | CallError> {
    const id = ++this.nextId;
    this.channel.postMessage({ type: 'call', id, method, args });
    return (await this.next((m) => (m.type === 'result' || m.type === 'error') && m.id === id)) as Result | CallError;
  }

  async value(method: string, ...args: ScriptValue[]): Promise<ScriptValue> {
    const reply = await this.call(method, ...args);
    if (reply.type !== 'result') assert.fail(`call failed: ${reply.exception}: ${reply.message}`);
    return reply.value;
  }

  logs(): Log[] {
    return this.messages.filter((m): m is Log => m.type === 'log');
  }
}

before(() => {
  assert.ok(fs.existsSync(WORKER), `${WORKER} is missing: run npm run build first`);
  const newest = newestSource();
  assert.ok(
    fs.statSync(WORKER).mtimeMs >= newest.mtimeMs,
    `dist/scriptWorker.js is older than ${path.relative(REPO_ROOT, newest.file)}: run npm run build first`,
  );
});

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-jshost-'));
  tmpDirs.push(dir);
  return dir;
}
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('JS host: loading and calling scripts', () => {
  it('a CommonJS .js predictor with a helper required beside it', TIMEOUT, async (t) => {
    const host = new Host(t);
    const loaded = await host.loaded(fixture('cjsPredictor.js'), 'predictor', { SCALE_FACTOR: '10' });
    assert.equal(loaded.className, 'Predictor');
    assert.deepEqual(loaded.methods, ['predict']);
    assert.deepEqual(loaded.asyncMethods, []);
    assert.match(loaded.runtime, /^Node 20\.\d+\.\d+ \(worker thread\)$/);
    assert.equal(loaded.numpy, false);
    assert.ok(loaded.loadMs >= 0);
    const reply = (await host.call('predict', [[1, 2], [3, 4]])) as Result;
    assert.deepEqual(reply.value, [30, 70]);
    assert.ok(reply.computeMs >= 0);
  });

  it('an ES module .mjs predictor with an async predict and a relative import', TIMEOUT, async (t) => {
    const host = new Host(t);
    const loaded = await host.loaded(fixture('esmPredictor.mjs'));
    assert.deepEqual(loaded.methods, ['predict', 'describe']);
    assert.deepEqual(loaded.asyncMethods, ['predict']);
    assert.deepEqual(await host.value('predict', [[1, 2], [3, 4]]), [[2, 4], [6, 8]]);
    assert.deepEqual(await host.value('describe'), { url: `file://${fixture('esmPredictor.mjs')}` });
  });

  it('a TypeScript predictor with types and a TypeScript helper, compiled at load', TIMEOUT, async (t) => {
    const host = new Host(t);
    const loaded = await host.loaded(fixture('typedPredictor.ts'));
    assert.deepEqual(loaded.methods, ['predict', 'classify', 'callCount']);
    assert.deepEqual(loaded.asyncMethods, ['predict']);
    assert.deepEqual(await host.value('predict', [[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]]), [
      { label: 1, score: 0.7 },
      { label: 0, score: 0.9 },
    ]);
    assert.deepEqual(await host.value('classify', [[0, 0, 1]]), [2]);
    assert.equal(await host.value('callCount'), 1, 'the same instance serves every call');
  });

  it('a transformer: preprocess and async postprocess', TIMEOUT, async (t) => {
    const host = new Host(t);
    const loaded = await host.loaded(fixture('transformer.js'), 'transformer');
    assert.equal(loaded.className, 'Transformer');
    assert.deepEqual(loaded.asyncMethods, ['postprocess']);
    assert.deepEqual(await host.value('preprocess', { instances: [[10, 20]], extra: 'kept' }), { instances: [[1, 2]], extra: 'kept' });
    assert.deepEqual(await host.value('postprocess', { predictions: [0, 2] }), { predictions: ['setosa', 'other'] });
  });

  it('a constructor that returns a promise of the instance is awaited before loaded', TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('asyncFactory.js'));
    assert.deepEqual(await host.value('predict', [1, 2]), [true, true]);
  });

  it("the load message's env is the script's process.env, for that worker alone", TIMEOUT, async (t) => {
    const a = new Host(t);
    const b = new Host(t);
    delete process.env['MODELDECK_TEST_VALUE'];
    await Promise.all([
      a.loaded(fixture('envPredictor.js'), 'predictor', { MODELDECK_TEST_VALUE: 'a', MODEL_NAME: 'iris' }),
      b.loaded(fixture('envPredictor.js'), 'predictor', { MODELDECK_TEST_VALUE: 'b' }),
    ]);
    assert.deepEqual(await a.value('predict', [0]), [{ atLoad: 'a', atCall: 'a', model: 'iris' }]);
    assert.deepEqual(await b.value('predict', [0]), [{ atLoad: 'b', atCall: 'b' }], 'MODEL_NAME of the other host is not seen');
    assert.equal(process.env['MODELDECK_TEST_VALUE'], undefined, "the server's environment is unchanged");
  });

  it('console output becomes log messages with matching levels, in order, before the result', TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('consolePredictor.js'));
    assert.deepEqual(host.logs(), [{ type: 'log', level: 'info', source: 'stdout', message: 'loading { rows: 0 }' }]);
    await host.value('predict', [1, 2]);
    const logs = host.logs().slice(1).map((l) => [l.level, l.source, l.message]);
    assert.deepEqual(logs, [
      ['info', 'stdout', 'predicting 2 rows'],
      ['info', 'stdout', '{ nested: { deep: [ 1, 2, 3 ] } }'],
      ['debug', 'stdout', 'debug detail'],
      ['warn', 'stderr', 'careful'],
      ['error', 'stderr', 'bad row? 7'],
      ['info', 'stdout', 'raw out line'],
      ['warn', 'stderr', 'raw err line'],
    ]);
    const resultIndex = host.messages.findIndex((m) => m.type === 'result');
    assert.ok(host.messages.slice(resultIndex + 1).every((m) => m.type !== 'log'), 'every log line arrives before the result');
  });
});

describe('JS host: file types, export styles and packages', () => {
  const write = (dir: string, name: string, source: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, source);
    return file;
  };

  it('.cjs, .cts and .mts files; default exports and module.exports = class; import.meta in TypeScript', TIMEOUT, async (t) => {
    const dir = tmpDir();
    const cases: [string, string, ScriptValue][] = [
      ['exportsClass.cjs', 'module.exports = class Predictor { predict(rows) { return rows.length; } };\n', 2],
      ['defaultClass.mjs', 'export default class Predictor { predict(rows) { return rows.length * 10; } }\n', 20],
      ['defaultObject.mjs', 'class Predictor { predict() { return "object"; } }\nexport default { Predictor };\n', 'object'],
      ['typed.cts', 'export class Predictor { predict(rows: number[]): string { return `cts ${rows.length}`; } }\n', 'cts 2'],
      [
        'meta.mts',
        'import * as path from "node:path";\nexport class Predictor {\n  predict(): string[] {\n    return [path.basename(new URL(import.meta.url).pathname), path.basename(import.meta.filename), import.meta.dirname];\n  }\n}\n',
        ['meta.mts', 'meta.mts', dir],
      ],
    ];
    for (const [name, source, expected] of cases) {
      const host = new Host(t);
      await host.loaded(write(dir, name, source));
      assert.deepEqual(await host.value('predict', [1, 2]), expected, name);
      await host.channel.terminate();
    }
  });

  it('onnxruntime-node comes from the server when the script folder has none (require and import); other packages do not', TIMEOUT, async (t) => {
    const dir = tmpDir();
    const cjs = write(dir, 'ortRequire.js', "const ort = require('onnxruntime-node');\nexports.Predictor = class { predict() { return typeof ort.InferenceSession.create; } };\n");
    const esm = write(dir, 'ortImport.mjs', "import * as ort from 'onnxruntime-node';\nexport class Predictor { predict() { return typeof ort.Tensor; } }\n");
    for (const file of [cjs, esm]) {
      const host = new Host(t);
      await host.loaded(file);
      assert.equal(await host.value('predict'), 'function', path.basename(file));
      await host.channel.terminate();
    }
    // express is in the server's node_modules during development, but only the runtime packages are lent.
    const other = write(dir, 'express.js', "require('express');\nexports.Predictor = class {};\n");
    const reply = (await new Host(t).load(other)) as LoadFailed;
    assert.equal(reply.type, 'load-failed');
    assert.equal(reply.missingModule, 'express');
    assert.deepEqual(reply.location, { file: other, line: 1 });
  });
});

describe('JS host: values across the boundary', () => {
  it('one V2 input arrives as nested rows; several as an object by input name; 64-bit integers as numbers or, beyond 2^53, BigInts', TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('valuesPredictor.mjs'));
    const one = tensorsToScriptArg([{ name: 'x', datatype: 'FP32', shape: [2, 2], data: new Float32Array([1.5, 2, 3, 4]) }]);
    assert.deepEqual(await host.value('received', one), { isArray: true, keys: null, leafType: 'number', leaf: '1.5' });
    const two = tensorsToScriptArg([
      { name: 'ids', datatype: 'INT64', shape: [1, 1], data: new BigInt64Array([7n]) },
      { name: 'text', datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode('hi')] },
    ]);
    assert.deepEqual(await host.value('received', two), { isArray: false, keys: ['ids', 'text'], leafType: 'object', leaf: '[object Object]' });
    const big: ScriptTensor = { __tensor__: true, datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 2n ** 60n]) };
    assert.deepEqual(await host.value('received', big), { isArray: true, keys: null, leafType: 'bigint', leaf: '1' });
    const safe: ScriptTensor = { __tensor__: true, datatype: 'INT64', shape: [1], data: new BigInt64Array([5n]) };
    assert.deepEqual(await host.value('received', safe), { isArray: true, keys: null, leafType: 'number', leaf: '5' });
    assert.deepEqual(await host.value('received', { instances: [[1, 2]] }), { isArray: false, keys: ['instances'], leafType: 'object', leaf: '[object Object]' });
  });

  it('typed arrays and onnxruntime tensors come back as tensors; safe BigInts as numbers; undefined as null', TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('valuesPredictor.mjs'));
    const typed = (await host.value('typedArray', [0, 0, 0])) as ScriptTensor;
    assert.deepEqual([typed.__tensor__, typed.datatype, typed.shape], [true, 'FP32', [3]]);
    assert.ok(typed.data instanceof Float32Array);
    const [ort] = scriptResultToTensors(await host.value('ortTensor', [0, 0]), 2);
    assert.deepEqual([ort!.datatype, ort!.shape, Array.from(ort!.data as BigInt64Array)], ['INT64', [2, 1], [0n, 1n]]);
    assert.deepEqual(await host.value('smallBigInts'), [1, 2]);
    assert.equal(await host.value('nothing'), null);
    const huge = (await host.call('hugeBigInt')) as CallError;
    assert.equal(huge.type, 'error');
    assert.equal(huge.exception, 'TypeError');
    assert.match(huge.message, /hugeBigInt returned the BigInt 1152921504606846976, beyond .* at \[0\]/);
  });
});

describe('JS host: load failures point at the file and line', () => {
  const write = (name: string, source: string): string => {
    const file = path.join(tmpDir(), name);
    fs.writeFileSync(file, source);
    return file;
  };

  it('a syntax error in a .ts file: message, file and line, with the line in the traceback', TIMEOUT, async (t) => {
    const file = write('broken.ts', 'export class Predictor {\n  predict(rows: number[]): number[] {\n    return rows.map((r) => r +);\n  }\n}\n');
    const reply = (await new Host(t).load(file)) as LoadFailed;
    assert.equal(reply.type, 'load-failed');
    assert.match(reply.message, /^SyntaxError: /);
    assert.deepEqual(reply.location, { file, line: 3 });
    assert.match(reply.traceback ?? '', /return rows\.map\(\(r\) => r \+\);\n\s+\^/);
  });

  it('a syntax error in a CommonJS .js file and in an .mjs file', TIMEOUT, async (t) => {
    const js = write('broken.js', '// comment\nclass Predictor {\n  predict(rows) { return rows +; }\n}\nmodule.exports = { Predictor };\n');
    const cjs = (await new Host(t).load(js)) as LoadFailed;
    assert.equal(cjs.type, 'load-failed');
    assert.equal(cjs.message, "SyntaxError: Unexpected token ';'");
    assert.deepEqual(cjs.location, { file: js, line: 3 });
    const mjs = write('broken.mjs', 'export class Predictor {\n  predict(rows) {\n    return rows +;\n  }\n}\n');
    const esm = (await new Host(t).load(mjs)) as LoadFailed;
    assert.equal(esm.message, "SyntaxError: Unexpected token ';'");
    assert.deepEqual(esm.location, { file: mjs, line: 3 });
  });

  it('an import of a name a module does not export points at the import line', TIMEOUT, async (t) => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'helper.mjs'), 'export const a = 1;\n');
    const file = path.join(dir, 'predictor.mjs');
    fs.writeFileSync(file, '// uses helper\nimport { b } from "./helper.mjs";\nexport class Predictor { predict() { return b; } }\n');
    const reply = (await new Host(t).load(file)) as LoadFailed;
    assert.equal(reply.message, "SyntaxError: The requested module './helper.mjs' does not provide an export named 'b'");
    assert.deepEqual(reply.location, { file, line: 2 });
  });

  it('no Predictor class: says what the file exports and hints at the role', TIMEOUT, async (t) => {
    const reply = (await new Host(t).load(fixture('noClass.js'))) as LoadFailed;
    assert.equal(reply.type, 'load-failed');
    assert.match(reply.message, /^no class Predictor in noClass\.js \(it exports Transformer: is the script's role transformer\?\)/);
    assert.deepEqual(reply.location, { file: fixture('noClass.js') });
    const empty = write('empty.js', 'module.exports = { helper: () => 1 };\n');
    const none = (await new Host(t).load(empty, 'transformer')) as LoadFailed;
    assert.match(none.message, /^no class Transformer in empty\.js; it exports helper/);
  });

  it('a throw in the constructor of a .ts script: the .ts line (source maps), message and stack', TIMEOUT, async (t) => {
    const reply = (await new Host(t).load(fixture('throwsInConstructor.ts'))) as LoadFailed;
    assert.equal(reply.type, 'load-failed');
    assert.equal(reply.message, 'Error: MODEL_FILES_PATH is not set');
    assert.deepEqual(reply.location, { file: fixture('throwsInConstructor.ts'), line: 9 });
    assert.match(reply.traceback ?? '', /at new Predictor \(.*throwsInConstructor\.ts:9:\d+\)/);
    assert.doesNotMatch(reply.traceback ?? '', /scriptWorker|node:internal/, 'host frames are left out');
  });

  it('a missing module names the package, the file and the line (require and import)', TIMEOUT, async (t) => {
    const cjs = (await new Host(t).load(fixture('missingModule.js'))) as LoadFailed;
    assert.equal(cjs.type, 'load-failed');
    assert.equal(cjs.message, "Error: Cannot find module 'modeldeck-not-installed/sub'");
    assert.equal(cjs.missingModule, 'modeldeck-not-installed');
    assert.deepEqual(cjs.location, { file: fixture('missingModule.js'), line: 2 });
    const esm = (await new Host(t).load(fixture('missingModule.mjs'))) as LoadFailed;
    assert.match(esm.message, /^Error: Cannot find package '@modeldeck\/not-installed' imported from /);
    assert.equal(esm.missingModule, '@modeldeck/not-installed');
    assert.deepEqual(esm.location, { file: fixture('missingModule.mjs'), line: 3 });
  });

  it('an unsupported file type is refused', TIMEOUT, async (t) => {
    const file = write('predictor.py', 'class Predictor: pass\n');
    const reply = (await new Host(t).load(file)) as LoadFailed;
    assert.match(reply.message, /^Error: cannot load predictor\.py: a JS script host loads \.js, \.cjs, \.mjs, \.ts, \.cts, \.mts files$/);
  });
});

describe('JS host: call failures', () => {
  it('an exception gives its name, message and stack; the next call works', TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('failingPredictor.js'));
    const failed = (await host.call('predict', [4, -1])) as CallError;
    assert.equal(failed.type, 'error');
    assert.equal(failed.exception, 'RangeError');
    assert.equal(failed.message, 'negative value in [4,-1]');
    assert.match(failed.traceback ?? '', /failingPredictor\.js:5:\d+/);
    assert.deepEqual(await host.value('predict', [4, 9]), [2, 3]);
    const rejected = (await host.call('classify', [1])) as CallError;
    assert.deepEqual([rejected.exception, rejected.message], ['TypeError', 'classify is not supported']);
    const thrown = (await host.call('throwString')) as CallError;
    assert.deepEqual([thrown.exception, thrown.message], ['Error', 'plain string (a thrown string, not an Error)']);
    const unknown = (await host.call('regress', [1])) as CallError;
    assert.deepEqual([unknown.exception, unknown.message], ['TypeError', 'Predictor has no method regress']);
    const fn = (await host.call('returnFunction')) as CallError;
    assert.equal(fn.exception, 'TypeError');
    assert.match(fn.message, /^returnFunction returned a function at \[0\]; return JSON values/);
    assert.deepEqual(await host.value('predict', [16]), [4], 'still serving');
    assert.deepEqual(host.errors, []);
  });
});

describe("JS host: the form's predictor template", () => {
  const rows = [
    [5.1, 3.5, 1.4, 0.2],
    [7.3, 2.9, 6.3, 1.8],
  ];

  it('serves media/templates/predictor.ts as written against examples/models/iris/2: one prediction per row', TIMEOUT, async (t) => {
    const host = new Host(t);
    const loaded = await host.loaded(TEMPLATE, 'predictor', { MODEL_FILES_PATH: IRIS, MODEL_NAME: 'iris', MODEL_VERSION: '2' });
    assert.deepEqual(loaded.asyncMethods, ['predict']);
    // V1: instances as rows.
    const value = await host.value('predict', rows);
    const predictions = predictionsOf(value, 2) as { label: number; probabilities: number[] }[];
    assert.deepEqual(predictions.map((p) => p.label), [0, 2]);
    for (const p of predictions) assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    // V2: one FP32 input tensor arrives as nested rows; the rows of objects become one output per key.
    const arg = tensorsToScriptArg([{ name: 'float_input', datatype: 'FP32', shape: [2, 4], data: Float32Array.from(rows.flat()) }]);
    const outputs = scriptResultToTensors(await host.value('predict', arg), 2);
    assert.deepEqual(outputs.map((o) => [o.name, o.datatype, o.shape]), [['label', 'INT64', [2]], ['probabilities', 'FP64', [2, 3]]]);
    assert.deepEqual(Array.from(outputs[0]!.data as BigInt64Array), [0n, 2n]);
  });

  it('a copy in a folder without node_modules uses the server’s onnxruntime-node', TIMEOUT, async (t) => {
    const dir = tmpDir();
    const copy = path.join(dir, 'predictor.ts');
    fs.copyFileSync(TEMPLATE, copy);
    const host = new Host(t);
    await host.loaded(copy, 'predictor', { MODEL_FILES_PATH: IRIS });
    assert.equal((predictionsOf(await host.value('predict', rows), 2) as { label: number }[])[1]!.label, 2);
  });
});

describe('JS host: ending', () => {
  it('terminate() ends the worker: exit event, promise resolved, no more replies', TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('cjsPredictor.js'));
    const code = await host.channel.terminate();
    assert.equal(typeof code, 'number');
    assert.equal(await host.exited, code);
    await assert.rejects(host.call('predict', [1]), /script host exited/);
  });

  it("close lets a call in progress answer, then the worker exits with code 0", TIMEOUT, async (t) => {
    const host = new Host(t);
    await host.loaded(fixture('esmPredictor.mjs'));
    const pending = host.call('predict', [[1]]);
    host.channel.postMessage({ type: 'close' });
    assert.deepEqual(((await pending) as Result).value, [[2]]);
    assert.equal(await host.exited, 0);
  });
});
