import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import modelSchema from '../../schemas/model.schema.json';
import { DATATYPES } from '../../server/tensor/types';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import { validateModelMetadata } from '../../src/core/registry/modelMetadata';
import type { ModelMetadata } from '../../src/core/registry/modelMetadata';
import { RegistryError } from '../../src/core/registry/registryErrors';
import type { RegistryErrorReason } from '../../src/core/registry/registryErrors';

let tmp: string;
let counter = 0;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-registry-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A fresh, empty registry root for one test. */
async function newRoot(): Promise<string> {
  const root = path.join(tmp, `r${++counter}`);
  await fs.mkdir(root);
  return root;
}

/** Writes files (name → contents; objects become JSON) into <root>/<model>/<version>/. */
async function writeVersion(root: string, model: string, version: string | number, files: Record<string, string | object> = { 'model.onnx': 'onnx' }): Promise<string> {
  const dir = path.join(root, model, String(version));
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await fs.writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

async function assertRegistryError(promise: Promise<unknown>, reason: RegistryErrorReason, ...fragments: string[]): Promise<RegistryError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RegistryError, `expected a RegistryError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
  return caught;
}

function metadataMessage(json: unknown): string {
  try {
    validateModelMetadata(json, 'model.json at /x/iris/2');
  } catch (err) {
    assert.ok(err instanceof RegistryError);
    assert.equal(err.reason, 'invalid-metadata');
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(json)} to be rejected`);
}

describe('validateModelMetadata', () => {
  it('accepts every key and returns a copy without $schema', () => {
    const meta = {
      $schema: '../../schemas/model.schema.json',
      framework: 'sklearn',
      description: 'iris',
      metrics: { accuracy: 0.93, loss: 0.2 },
      input_example: { id: 'r1', parameters: {}, inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [[1, 2], [3, 4]] }], outputs: [{ name: 'probabilities' }] },
      created: '2024-05-01T12:00:00Z',
      tags: ['tabular'],
      labels: 'labels.txt',
      predictor: 'code/predict.py',
      transformer: 'transform.py',
    };
    const { $schema: _s, ...expected } = meta;
    const result = validateModelMetadata(meta);
    assert.deepEqual(result, expected);
    result.metrics!.accuracy = 0;
    assert.equal(meta.metrics.accuracy, 0.93);
    assert.deepEqual(validateModelMetadata({}), {});
  });

  it('uses the exact wording of the brief', () => {
    assert.equal(metadataMessage({ metrics: { accuracy: 'high' } }), 'model.json at /x/iris/2: metrics.accuracy must be a finite number (got "high")');
  });

  const bad: [string, unknown, ...string[]][] = [
    ['not an object', [], 'model.json must be an object with keys', '(got [])'],
    ['unknown key', { version: 2 }, 'unknown key "version" at top level (allowed: $schema, framework'],
    ['framework', { framework: 3 }, 'framework must be a string (got 3)'],
    ['description', { description: null }, 'description must be a string (got null)'],
    ['metrics not an object', { metrics: [0.9] }, 'metrics must be an object (got [0.9])'],
    ['metric NaN', { metrics: { f1: Number.NaN } }, 'metrics.f1 must be a finite number (got NaN)'],
    ['metric Infinity', { metrics: { f1: Number.POSITIVE_INFINITY } }, 'metrics.f1 must be a finite number (got Infinity)'],
    ['dotted metric name', { metrics: { 'top.1': '90%' } }, 'metrics["top.1"] must be a finite number (got "90%")'],
    ['input_example without inputs', { input_example: {} }, 'missing required key "inputs" at input_example'],
    ['input_example inputs empty', { input_example: { inputs: [] } }, 'input_example.inputs must list at least one item'],
    ['input_example unknown key', { input_example: { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }], model_name: 'm' } }, 'unknown key "model_name" at input_example'],
    ['input name missing', { input_example: { inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] } }, 'missing required key "name" at input_example.inputs[0]'],
    ['input shape negative', { input_example: { inputs: [{ name: 'x', shape: [-1, 4], datatype: 'FP32', data: [1] }] } }, 'input_example.inputs[0].shape[0] must be an integer ≥ 0 (got -1)'],
    ['input datatype', { input_example: { inputs: [{ name: 'x', shape: [1], datatype: 'float32', data: [1] }] } }, 'input_example.inputs[0].datatype must be one of "BOOL"', '(got "float32")'],
    ['input data not a list', { input_example: { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: 1 }] } }, 'input_example.inputs[0].data must be a list (got 1)'],
    ['input data count', { input_example: { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3] }] } }, 'input_example.inputs[0].data must hold 8 values for shape [2, 4] (got 3)'],
    ['input unknown key', { input_example: { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1], contents: [] }] } }, 'unknown key "contents" at input_example.inputs[0]'],
    ['created', { created: '2024-05-01' }, 'created must be an ISO 8601 date-time', '(got "2024-05-01")'],
    ['tags not a list', { tags: 'a,b' }, 'tags must be a list of strings (got "a,b")'],
    ['tag not a string', { tags: ['a', 1] }, 'tags[1] must be a string (got 1)'],
    ['labels empty', { labels: '' }, 'labels must not be empty'],
    ['labels absolute', { labels: '/etc/passwd' }, 'labels must be a path relative to the version folder and inside it (got "/etc/passwd")'],
    ['labels escaping', { labels: '../1/labels.txt' }, 'labels must be a path relative to the version folder', '(got "../1/labels.txt")'],
    ['predictor escaping', { predictor: 'a/../../p.py' }, 'predictor must be a path relative to the version folder'],
    ['transformer windows absolute', { transformer: 'C:\\t.py' }, 'transformer must be a path relative to the version folder'],
    ['transformer type', { transformer: true }, 'transformer must be a string (got true)'],
  ];
  for (const [label, json, ...fragments] of bad) {
    it(`rejects ${label}`, () => {
      const message = metadataMessage(json);
      assert.ok(message.startsWith('model.json at /x/iris/2: '), message);
      for (const f of fragments) assert.ok(message.includes(f), `message ${JSON.stringify(message)} lacks ${JSON.stringify(f)}`);
      assert.ok(!/must be equal to one of|must NOT have|must match format|must be number/.test(message), `ajv wording leaked: ${message}`);
    });
  }

  it('lists every problem and keeps them structured', () => {
    try {
      validateModelMetadata({ metrics: { a: 'x' }, tags: [1], extra: true });
      assert.fail('expected rejection');
    } catch (err) {
      assert.ok(err instanceof RegistryError);
      assert.deepEqual(err.problems.map((p) => p.path).sort(), ['extra', 'metrics.a', 'tags[0]']);
    }
  });

  it('schema datatypes match the server tensor datatypes', () => {
    assert.deepEqual(modelSchema.properties.input_example.properties.inputs.items.properties.datatype.enum, [...DATATYPES]);
  });
});

describe('ModelRegistry listing', () => {
  it('lists models sorted and versions ascending, ignoring junk', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1);
    await writeVersion(root, 'iris', 10);
    await writeVersion(root, 'iris', 2);
    await writeVersion(root, 'digits', 3);
    await writeVersion(root, 'Alpha', 1);
    // Junk that must be ignored: non-integer, zero-padded, zero, hidden, file-named-like-a-version.
    for (const junk of ['tmp', 'v2', '01', '0', '.3', '1.5']) await fs.mkdir(path.join(root, 'iris', junk));
    await fs.writeFile(path.join(root, 'iris', '7'), 'not a folder');
    await fs.mkdir(path.join(root, 'empty'));
    await fs.mkdir(path.join(root, 'only-junk', 'latest'), { recursive: true });
    await writeVersion(root, '.hidden', 1);
    await fs.writeFile(path.join(root, 'README.md'), 'readme');
    const registry = new ModelRegistry(root);
    assert.deepEqual(await registry.listModels(), ['Alpha', 'digits', 'iris']);
    assert.deepEqual(await registry.listVersions('iris'), [1, 2, 10]);
    assert.deepEqual(await registry.listVersions('digits'), [3]);
  });

  it('reports an unknown model with the models that exist', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1);
    await writeVersion(root, 'digits', 1);
    const registry = new ModelRegistry(root);
    await assertRegistryError(registry.listVersions('irs'), 'not-found', `model "irs" not found in registry ${root} (models: digits, iris)`);
    await assertRegistryError(registry.getVersion('irs', 1), 'not-found', 'model "irs" not found');
    await fs.mkdir(path.join(root, 'empty'));
    await assertRegistryError(registry.listVersions('empty'), 'not-found', 'model "empty" not found', 'no version folders');
  });

  it('refuses model names that could leave the root', async () => {
    const registry = new ModelRegistry(await newRoot());
    for (const name of ['../iris', '.hidden', 'a/b', '', 'a\\b']) {
      await assertRegistryError(registry.listVersions(name), 'invalid-name', JSON.stringify(name));
    }
  });

  it('reports a missing root', async () => {
    const registry = new ModelRegistry(path.join(tmp, 'no-such-root'));
    await assertRegistryError(registry.listModels(), 'not-found', 'no-such-root', 'does not exist');
  });

  it('makes the root absolute', () => {
    assert.equal(new ModelRegistry('rel/models').root, path.resolve('rel/models'));
  });
});

describe('ModelRegistry.getVersion', () => {
  it('reports a missing version with the versions that exist', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1);
    await writeVersion(root, 'iris', 2);
    const registry = new ModelRegistry(root);
    const err = await assertRegistryError(registry.getVersion('iris', 7), 'not-found');
    assert.equal(err.message, 'version 7 of model "iris" not found (versions: 1, 2)');
    await assertRegistryError(registry.getVersion('iris', 1.5), 'not-found', 'versions: 1, 2');
  });

  it('prefers model.onnx, else the single .onnx file', async () => {
    const root = await newRoot();
    const dir1 = await writeVersion(root, 'm', 1, { 'model.onnx': 'a', 'other.onnx': 'b' });
    const dir2 = await writeVersion(root, 'm', 2, { 'resnet.onnx': 'b', 'notes.txt': 'x', '.cache.onnx': 'hidden' });
    const registry = new ModelRegistry(root);
    const v1 = await registry.getVersion('m', 1);
    assert.equal(v1.modelFile, path.join(dir1, 'model.onnx'));
    assert.equal(v1.dir, dir1);
    assert.equal(v1.model, 'm');
    assert.equal(v1.version, 1);
    assert.equal((await registry.getVersion('m', 2)).modelFile, path.join(dir2, 'resnet.onnx'));
  });

  it('refuses two candidates without model.onnx, naming them', async () => {
    const root = await newRoot();
    await writeVersion(root, 'm', 1, { 'a.onnx': 'a', 'b.onnx': 'b' });
    await assertRegistryError(new ModelRegistry(root).getVersion('m', 1), 'invalid-layout', 'a.onnx, b.onnx', 'model.onnx');
  });

  it('refuses a version with no model file: only model.json, or an empty folder', async () => {
    const root = await newRoot();
    await writeVersion(root, 'm', 1, { 'model.json': {} });
    await writeVersion(root, 'm', 2, { '.DS_Store': 'x' });
    await fs.mkdir(path.join(root, 'm', '3'));
    const registry = new ModelRegistry(root);
    await assertRegistryError(registry.getVersion('m', 1), 'invalid-layout', `no model file in ${path.join(root, 'm', '1')} (only model.json;`, 'predictor script');
    await assertRegistryError(registry.getVersion('m', 2), 'invalid-layout', `no model file in ${path.join(root, 'm', '2')} (the folder is empty;`);
    await assertRegistryError(registry.getVersion('m', 3), 'invalid-layout', 'the folder is empty');
    // Still numbered versions (as before): listed by number, reported as problems when read.
    assert.deepEqual(await registry.listVersions('m'), [1, 2, 3]);
    const { versions, problems } = await registry.listAllWithProblems();
    assert.deepEqual(versions, []);
    assert.deepEqual(problems.map((p) => p.reason), ['invalid-layout', 'invalid-layout', 'invalid-layout']);
  });

  it('a version without an .onnx file (a pickle) is a version: its files, no modelFile', async () => {
    const root = await newRoot();
    const dir = await writeVersion(root, 'iris-sklearn', 1, {
      'model.pkl': 'PICKLE',
      'model.json': { framework: 'sklearn', metrics: { accuracy: 0.97 } },
      '.cache': 'hidden',
    });
    await fs.mkdir(path.join(dir, 'tokenizer'));
    await writeVersion(root, 'iris', 1);
    const registry = new ModelRegistry(root);
    const info = await registry.getVersion('iris-sklearn', 1);
    assert.equal(info.modelFile, undefined);
    assert.equal('modelFile' in info, false, 'no modelFile key at all');
    assert.deepEqual(info.files, ['model.json', 'model.pkl', 'tokenizer/']);
    assert.equal(info.dir, dir);
    assert.deepEqual(info.metadata, { framework: 'sklearn', metrics: { accuracy: 0.97 } });
    assert.deepEqual(await registry.listModels(), ['iris', 'iris-sklearn']);
    assert.equal((await registry.latestVersion('iris-sklearn')).version, 1);
    assert.equal((await registry.bestVersion('iris-sklearn', 'accuracy', 'max')).version, 1);
    const { versions, problems } = await registry.listAllWithProblems();
    assert.deepEqual(problems, []);
    assert.deepEqual(versions.map((v) => [`${v.model}/${v.version}`, v.modelFile && path.basename(v.modelFile), v.files]), [
      ['iris/1', 'model.onnx', ['model.onnx']],
      ['iris-sklearn/1', undefined, ['model.json', 'model.pkl', 'tokenizer/']],
    ]);
  });

  it('a version with an .onnx file lists every file beside it', async () => {
    const root = await newRoot();
    await writeVersion(root, 'm', 1, { 'model.onnx': 'x', 'labels.txt': 'a', 'model.json': { labels: 'labels.txt' }, '.model.onnx.partial': 'old' });
    const info = await new ModelRegistry(root).getVersion('m', 1);
    assert.equal(info.modelFile, path.join(root, 'm', '1', 'model.onnx'));
    assert.deepEqual(info.files, ['labels.txt', 'model.json', 'model.onnx']);
  });

  it('a folder a registration is still writing is not a version yet (not one without ONNX)', async () => {
    const root = await newRoot();
    await writeVersion(root, 'm', 1, { '.model.onnx.partial': 'half', 'labels.txt': 'a' });
    await assertRegistryError(new ModelRegistry(root).getVersion('m', 1), 'invalid-layout', 'is still being registered');
  });

  it('reads model.json, or gives {} without it', async () => {
    const root = await newRoot();
    const dir = await writeVersion(root, 'm', 1, { 'model.onnx': 'x', 'model.json': { framework: 'sklearn', metrics: { accuracy: 0.9 } } });
    await writeVersion(root, 'm', 2);
    const registry = new ModelRegistry(root);
    const v1 = await registry.getVersion('m', 1);
    assert.deepEqual(v1.metadata, { framework: 'sklearn', metrics: { accuracy: 0.9 } });
    assert.equal(v1.metadataFile, path.join(dir, 'model.json'));
    const v2 = await registry.getVersion('m', 2);
    assert.deepEqual(v2.metadata, {});
    assert.equal(v2.metadataFile, undefined);
  });

  it('reports invalid metadata with the folder, key path and value', async () => {
    const root = await newRoot();
    const dir = await writeVersion(root, 'iris', 2, { 'model.onnx': 'x', 'model.json': { metrics: { accuracy: 'high' } } });
    const err = await assertRegistryError(new ModelRegistry(root).getVersion('iris', 2), 'invalid-metadata');
    assert.equal(err.message, `model.json at ${dir}: metrics.accuracy must be a finite number (got "high")`);
  });

  it('reports malformed model.json', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1, { 'model.onnx': 'x', 'model.json': '{"metrics": ' });
    await assertRegistryError(new ModelRegistry(root).getVersion('iris', 1), 'invalid-metadata', 'model.json at', 'is not valid JSON');
  });

  it('reports files named by model.json that do not exist', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1, { 'model.onnx': 'x', 'model.json': { labels: 'labels.txt', predictor: 'p.py' } });
    const err = await assertRegistryError(new ModelRegistry(root).getVersion('iris', 1), 'invalid-metadata', 'labels file "labels.txt" does not exist', 'predictor file "p.py"');
    assert.deepEqual(err.problems.map((p) => p.path), ['labels', 'predictor']);
  });
});

describe('ModelRegistry version selection', () => {
  let root: string;
  let registry: ModelRegistry;
  before(async () => {
    root = await newRoot();
    const metrics: Record<number, Record<string, number> | undefined> = {
      1: { accuracy: 0.8, loss: 0.5 },
      2: { accuracy: 0.95, loss: 0.3 },
      3: { loss: 0.1 }, // no accuracy: skipped for accuracy
      4: { accuracy: 0.95, loss: 0.3 }, // ties version 2 on both
      9: undefined, // no metrics at all
    };
    for (const [version, m] of Object.entries(metrics)) {
      await writeVersion(root, 'iris', version, { 'model.onnx': 'x', ...(m ? { 'model.json': { metrics: m } } : {}) });
    }
    await writeVersion(root, 'bare', 1);
    registry = new ModelRegistry(root);
  });

  it('latestVersion is the highest number', async () => {
    assert.equal((await registry.latestVersion('iris')).version, 9);
  });

  it('bestVersion max picks the highest value; ties go to the highest version', async () => {
    assert.equal((await registry.bestVersion('iris', 'accuracy', 'max')).version, 4);
  });

  it('bestVersion min picks the lowest value, using versions that lack other metrics', async () => {
    assert.equal((await registry.bestVersion('iris', 'loss', 'min')).version, 3);
    assert.equal((await registry.bestVersion('iris', 'loss', 'max')).version, 1);
  });

  it('bestVersion skips versions lacking the metric and reports when none has it', async () => {
    await assertRegistryError(registry.bestVersion('iris', 'f1', 'max'), 'not-found', 'no version of model "iris" has metric "f1"', 'metrics found: accuracy, loss');
    await assertRegistryError(registry.bestVersion('bare', 'f1', 'max'), 'not-found', 'no version has any metrics');
  });

  it('resolve follows each selector kind', async () => {
    assert.equal((await registry.resolve('iris', 2)).version, 2);
    assert.equal((await registry.resolve('iris', 'latest')).version, 9);
    assert.equal((await registry.resolve('iris', { best: { metric: 'accuracy', direction: 'max' } })).version, 4);
    assert.equal((await registry.resolve('iris', { best: { metric: 'loss', direction: 'min' } })).version, 3);
    await assertRegistryError(registry.resolve('iris', 5), 'not-found', 'version 5 of model "iris" not found (versions: 1, 2, 3, 4, 9)');
  });
});

describe('ModelRegistry.listAllWithProblems', () => {
  it('lists every readable version and reports the broken ones', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1);
    await writeVersion(root, 'iris', 2, { 'model.onnx': 'x', 'model.json': { tags: 'x' } });
    await writeVersion(root, 'digits', 1);
    await writeVersion(root, 'digits', 2, { 'a.onnx': 'a', 'b.onnx': 'b' });
    const { versions, problems } = await new ModelRegistry(root).listAllWithProblems();
    assert.deepEqual(versions.map((v) => `${v.model}/${v.version}`), ['digits/1', 'iris/1']);
    assert.deepEqual(problems.map((p) => p.reason).sort(), ['invalid-layout', 'invalid-metadata']);
  });

  it('reads the shipped example registry without problems', async () => {
    const { versions, problems } = await new ModelRegistry('examples/models').listAllWithProblems();
    assert.deepEqual(problems, []);
    assert.ok(versions.some((v) => v.model === 'iris'));
  });
});

describe('ModelRegistry.readLabels', () => {
  it('reads one label per line, keeping inner blanks and dropping trailing ones', async () => {
    const root = await newRoot();
    await writeVersion(root, 'm', 1, { 'model.onnx': 'x', 'model.json': { labels: 'labels.txt' }, 'labels.txt': 'cat\r\n\r\ndog\nbird\n\n' });
    await writeVersion(root, 'm', 2);
    const registry = new ModelRegistry(root);
    assert.deepEqual(await registry.readLabels(await registry.getVersion('m', 1)), ['cat', '', 'dog', 'bird']);
    assert.equal(await registry.readLabels(await registry.getVersion('m', 2)), undefined);
  });
});

describe('ModelRegistry.registerVersion', () => {
  let src: string;
  let labels: string;
  beforeEach(async () => {
    src = path.join(tmp, `src${++counter}`);
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'trained.onnx'), 'ONNX-BYTES');
    labels = path.join(src, 'labels.txt');
    await fs.writeFile(labels, 'a\nb\n');
  });

  it('creates version 1 of a new model with model.onnx, model.json and extra files', async () => {
    const root = await newRoot();
    const registry = new ModelRegistry(root);
    const before = Date.now();
    const info = await registry.registerVersion('iris', path.join(src, 'trained.onnx'), { metrics: { accuracy: 0.9 }, labels: 'labels.txt' }, { extraFiles: [labels] });
    assert.equal(info.version, 1);
    assert.equal(info.modelFile, path.join(root, 'iris', '1', 'model.onnx'));
    assert.equal(await fs.readFile(info.modelFile!, 'utf8'), 'ONNX-BYTES');
    assert.deepEqual((await fs.readdir(info.dir)).sort(), ['labels.txt', 'model.json', 'model.onnx']);
    assert.deepEqual(info.files, ['labels.txt', 'model.json', 'model.onnx']);
    assert.equal(info.metadata.metrics?.accuracy, 0.9);
    // created is filled in when not given.
    assert.ok(info.metadata.created);
    assert.ok(Date.parse(info.metadata.created) >= before - 1000);
    assert.deepEqual(await registry.readLabels(info), ['a', 'b']);
  });

  it('keeps a given created and registers without metadata', async () => {
    const registry = new ModelRegistry(await newRoot());
    const a = await registry.registerVersion('m', path.join(src, 'trained.onnx'), { created: '2020-01-01T00:00:00Z' });
    assert.equal(a.metadata.created, '2020-01-01T00:00:00Z');
    const b = await registry.registerVersion('m', path.join(src, 'trained.onnx'));
    assert.equal(b.version, 2);
  });

  it('takes max + 1 for an existing model and leaves older versions untouched', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1, { 'model.onnx': 'v1' });
    await writeVersion(root, 'iris', 5, { 'model.onnx': 'v5' });
    await fs.mkdir(path.join(root, 'iris', 'tmp'));
    const registry = new ModelRegistry(root);
    const info = await registry.registerVersion('iris', path.join(src, 'trained.onnx'));
    assert.equal(info.version, 6);
    assert.equal(await fs.readFile(path.join(root, 'iris', '1', 'model.onnx'), 'utf8'), 'v1');
    assert.equal(await fs.readFile(path.join(root, 'iris', '5', 'model.onnx'), 'utf8'), 'v5');
  });

  it('never overwrites: a taken number is skipped', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1, { 'model.onnx': 'v1' });
    // A file named "2" is not a version, but the folder cannot be created there.
    await fs.writeFile(path.join(root, 'iris', '2'), 'keep me');
    const info = await new ModelRegistry(root).registerVersion('iris', path.join(src, 'trained.onnx'));
    assert.equal(info.version, 3);
    assert.equal(await fs.readFile(path.join(root, 'iris', '2'), 'utf8'), 'keep me');
  });

  it('gives concurrent registrations distinct versions', async () => {
    const root = await newRoot();
    const registry = new ModelRegistry(root);
    const infos = await Promise.all(
      Array.from({ length: 6 }, () => registry.registerVersion('iris', path.join(src, 'trained.onnx'), { tags: ['x'] })),
    );
    assert.deepEqual(infos.map((i) => i.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(await registry.listVersions('iris'), [1, 2, 3, 4, 5, 6]);
    for (const i of infos) assert.equal(await fs.readFile(i.modelFile!, 'utf8'), 'ONNX-BYTES');
  });

  it('refuses a bad model name and creates nothing', async () => {
    const root = await newRoot();
    const registry = new ModelRegistry(root);
    for (const name of ['../evil', '.hidden', 'a b', 'a/b']) {
      await assertRegistryError(registry.registerVersion(name, path.join(src, 'trained.onnx')), 'invalid-name', JSON.stringify(name));
    }
    assert.deepEqual(await fs.readdir(root), []);
    assert.deepEqual((await fs.readdir(tmp)).filter((n) => n === 'evil'), []);
  });

  it('refuses a missing or non-ONNX source and creates nothing', async () => {
    const root = await newRoot();
    const registry = new ModelRegistry(root);
    await assertRegistryError(registry.registerVersion('iris', path.join(src, 'missing.onnx')), 'not-found', 'missing.onnx', 'does not exist');
    await assertRegistryError(registry.registerVersion('iris', labels), 'invalid-name', 'must be an .onnx file');
    await assertRegistryError(registry.registerVersion('iris', path.join(src, 'trained.onnx'), {}, { extraFiles: [path.join(src, 'nope.txt')] }), 'not-found', 'nope.txt');
    assert.deepEqual(await fs.readdir(root), []);
  });

  it('refuses bad metadata before creating any folder', async () => {
    const root = await newRoot();
    await writeVersion(root, 'iris', 1);
    const registry = new ModelRegistry(root);
    await assertRegistryError(
      registry.registerVersion('iris', path.join(src, 'trained.onnx'), { metrics: { accuracy: 'high' } } as unknown as ModelMetadata),
      'invalid-metadata',
      'metrics.accuracy must be a finite number (got "high")',
    );
    await assertRegistryError(registry.registerVersion('new-model', path.join(src, 'trained.onnx'), { tags: 'x' } as unknown as ModelMetadata), 'invalid-metadata', 'tags');
    // labels must be among the files being registered, or the version would be born broken.
    await assertRegistryError(registry.registerVersion('iris', path.join(src, 'trained.onnx'), { labels: 'labels.txt' }), 'invalid-metadata', 'labels', 'not among the extra files');
    assert.deepEqual(await registry.listVersions('iris'), [1]);
    assert.deepEqual(await fs.readdir(path.join(root, 'iris')), ['1']);
    assert.deepEqual(await fs.readdir(root), ['iris']);
  });

  it('refuses extra files that would clash with model.onnx or model.json', async () => {
    const root = await newRoot();
    const clash = path.join(src, 'model.json');
    await fs.writeFile(clash, '{}');
    await assertRegistryError(new ModelRegistry(root).registerVersion('iris', path.join(src, 'trained.onnx'), {}, { extraFiles: [clash] }), 'invalid-name', 'model.json');
    assert.deepEqual(await fs.readdir(root), []);
  });
});
