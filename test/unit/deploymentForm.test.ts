import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import deploymentSchema from '../../schemas/deployment.schema.json';
import {
  defaultForm,
  formFromSpec,
  inputFromForm,
  KSERVE_FIELDS,
  placeProblems,
  registryProblems,
  resolveFormVersion,
  schemaDescription,
  type DeploymentFormState,
  type FormCatalog,
} from '../../src/core/deployment/deploymentForm';
import { applyDeploymentDefaults } from '../../src/core/deployment/deploymentSpec';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { validateDeploymentForm } from '../../src/core/deployment/validateDeploymentForm';

const CATALOG: FormCatalog = {
  models: [
    { name: 'iris', versions: [{ version: 1, metrics: { accuracy: 0.8222, loss: 0.5 } }, { version: 2, metrics: { accuracy: 0.9111, loss: 0.5 } }, { version: 3, metrics: {} }] },
    { name: 'digits', versions: [{ version: 1, metrics: { accuracy: 0.98 } }] },
  ],
};

const form = (patch: Partial<DeploymentFormState> = {}): DeploymentFormState => ({ ...defaultForm({ name: 'iris-prod', model: 'iris' }), ...patch });

describe('deployment form ↔ spec', () => {
  it('a new form is exactly the defaults: it validates to the spec defaults would give', () => {
    const v = validateDeploymentForm(form(), CATALOG);
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.deepEqual(v.spec, applyDeploymentDefaults({ name: 'iris-prod', model: { name: 'iris' } }));
    assert.equal(v.resolvedVersion, 3, 'latest');
  });

  it('an edited spec with every field set comes back unchanged (form → input → validator)', () => {
    const spec = parseDeployment({
      name: 'iris-kserve',
      model: { name: 'iris', version: { best: { metric: 'accuracy', direction: 'max' } } },
      modelServer: 'script',
      servingTool: 'kserve',
      predictor: { script: 'scripts/predictor.py', environment: '.venv/bin/python' },
      transformer: { script: 'scripts/transformer.py' },
      inferenceLogger: { mode: 'all', sink: 'http://logger:8080' },
      batcher: { enabled: true, maxBatchSize: 16, maxLatencyMs: 2.5, maxQueueSize: 64 },
      resources: { instances: 2, minReplicas: 0, maxReplicas: 4, cpu: '500m', memory: '2Gi', gpu: 1, executionProviders: ['cuda', 'cpu'] },
      protocol: 'grpc',
      kserve: { context: 'kind-dev', namespace: 'ml', storageUri: 's3://models/{model}/{version}' },
    });
    const f = formFromSpec(spec);
    assert.equal(f['model.version'], 'best');
    assert.equal(f['batcher.maxLatencyMs'], '2.5');
    assert.equal(f.kserve.storageUri, 's3://models/{model}/{version}');
    const v = validateDeploymentForm(f, CATALOG);
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.deepEqual(v.spec, spec);
  });

  it('leaves empty optional text out (defaults apply) and drops the sink while logging is off', () => {
    const input = inputFromForm(form({ 'inferenceLogger.mode': 'none', 'inferenceLogger.sink': 'http://x', 'resources.cpu': '  ' }));
    assert.deepEqual(input.inferenceLogger, { mode: 'none' });
    assert.equal((input.resources as Record<string, unknown>).cpu, undefined);
    assert.deepEqual(input.predictor, {});
    assert.deepEqual(input.kserve, {});
  });

  it('a fixed version and best-by-metric become the spec\'s selectors', () => {
    assert.deepEqual(inputFromForm(form({ 'model.version': 'number', 'model.version.number': '2' })).model, { name: 'iris', version: 2 });
    assert.deepEqual(inputFromForm(form({ 'model.version': 'best', 'model.version.metric': 'loss', 'model.version.direction': 'min' })).model, {
      name: 'iris',
      version: { best: { metric: 'loss', direction: 'min' } },
    });
  });
});

describe('deployment form problems, placed under their fields', () => {
  const keyed = (f: DeploymentFormState) => Object.fromEntries(validateDeploymentForm(f, CATALOG).problems.map((p) => [p.key ?? '', p.message]));

  it('text that is not a number reaches the validator as text and gets its message, under the field', () => {
    const p = keyed(form({ 'batcher.maxBatchSize': 'abc', 'resources.instances': '0' }));
    assert.equal(p['batcher.maxBatchSize'], 'must be an integer ≥ 1 (got "abc")');
    assert.equal(p['resources.instances'], 'must be an integer from 1 to 64 (got 0)');
  });

  it('the name rule, cross-field rules and list rules each land on their field', () => {
    const p = keyed(form({ name: 'Bad_Name', 'resources.minReplicas': '3', 'resources.maxReplicas': '2', 'resources.executionProviders': ['cpu', 'cpu'], 'resources.memory': '1m' }));
    assert.match(p.name!, /^must be a DNS-1123 label/);
    assert.equal(p['resources.maxReplicas'], 'must be ≥ resources.minReplicas (3) (got 2)');
    assert.equal(p['resources.executionProviders'], 'must not list "cpu" more than once (got ["cpu","cpu"])');
    assert.match(p['resources.memory']!, /^must be a memory quantity string/);
  });

  it('a script model server needs a predictor script', () => {
    assert.equal(keyed(form({ modelServer: 'script' }))['predictor.script'], 'required when modelServer is "script" (got nothing)');
  });

  it('KServe settings are checked by the schema and placed under their field', () => {
    const p = keyed(form({ kserve: { ...defaultForm().kserve, namespace: 'Not OK', storageUri: 'bucket/x' } }));
    assert.match(p['kserve.namespace']!, /^must be a Kubernetes namespace/);
    assert.match(p['kserve.storageUri']!, /^must be a storage URI/);
  });

  it('the registry decides what exists: model, version, metric', () => {
    assert.deepEqual(registryProblems(form({ 'model.name': 'resnet' }), CATALOG), [
      { path: 'model.name', message: 'model.name: no model "resnet" in the registry (models: iris, digits)' },
    ]);
    assert.deepEqual(registryProblems(form({ 'model.version': 'number', 'model.version.number': '7' }), CATALOG), [
      { path: 'model.version', message: 'model.version: iris has no version 7 (versions: 1, 2, 3)' },
    ]);
    assert.deepEqual(registryProblems(form({ 'model.version': 'best', 'model.version.metric': 'auc' }), CATALOG), [
      { path: 'model.version', message: 'model.version: no version of iris records metric "auc" (metrics: accuracy, loss)' },
    ]);
    const v = validateDeploymentForm(form({ 'model.version': 'number', 'model.version.number': '7' }), CATALOG);
    assert.equal(v.ok, false);
    assert.deepEqual(v.problems, [{ key: 'model.version', message: 'iris has no version 7 (versions: 1, 2, 3)' }]);
  });

  it('an ONNX deployment of a version without an .onnx file is refused; a script deployment or KServe with its format is not', () => {
    const catalog: FormCatalog = {
      models: [{ name: 'iris-sklearn', versions: [{ version: 1, metrics: {}, onnx: false, files: ['model.json', 'model.pkl'] }] }, ...CATALOG.models],
    };
    const f = { 'model.name': 'iris-sklearn' };
    assert.deepEqual(registryProblems(form(f), catalog), [
      {
        path: 'modelServer',
        message: 'modelServer: version 1 of iris-sklearn has no .onnx file (files: model.json, model.pkl), so the "onnx" model server cannot serve it; choose modelServer "script" with a predictor script',
      },
    ]);
    const v = validateDeploymentForm(form(f), catalog);
    assert.equal(v.ok, false);
    assert.equal(v.problems[0]?.key, 'modelServer');
    assert.deepEqual(registryProblems(form({ ...f, modelServer: 'script', 'predictor.script': 'p.py' }), catalog), []);
    assert.equal(validateDeploymentForm(form({ ...f, modelServer: 'script', 'predictor.script': 'p.py' }), catalog).ok, true);
    const kserve = (modelFormat: string) => form({ ...f, servingTool: 'kserve', kserve: { ...defaultForm().kserve, modelFormat } });
    assert.match(registryProblems(kserve(''), catalog)[0]!.message, /set kserve\.modelFormat to the format of its files$/);
    assert.deepEqual(registryProblems(kserve('sklearn'), catalog), []);
    assert.deepEqual(registryProblems(form(), catalog), [], 'versions with ONNX are unaffected');
  });

  it('an empty model and an unparsable version are the validator\'s to report', () => {
    const p = keyed(form({ 'model.name': '', 'model.version': 'number', 'model.version.number': 'two' }));
    assert.match(p['model.name']!, /must be a registry model name/);
    assert.match(p['model.version']!, /must be a positive integer, "latest", or/);
  });

  it('problems without a field stay general; the longest matching key wins', () => {
    assert.deepEqual(placeProblems([{ path: '', message: 'whole file' }, { path: 'model.version.best.metric', message: 'model.version.best.metric: must not be empty (got "")' }]), [
      { message: 'whole file' },
      { key: 'model.version', message: 'must not be empty (got "")' },
    ]);
  });
});

describe('deployment form: versions and schema-driven fields', () => {
  it('resolves latest, a number and best-by-metric (ties go to the newer version)', () => {
    assert.equal(resolveFormVersion(form(), CATALOG), 3);
    assert.equal(resolveFormVersion(form({ 'model.version': 'number', 'model.version.number': '1' }), CATALOG), 1);
    assert.equal(resolveFormVersion(form({ 'model.version': 'number', 'model.version.number': '9' }), CATALOG), undefined);
    assert.equal(resolveFormVersion(form({ 'model.version': 'best', 'model.version.metric': 'accuracy' }), CATALOG), 2);
    assert.equal(resolveFormVersion(form({ 'model.version': 'best', 'model.version.metric': 'loss', 'model.version.direction': 'min' }), CATALOG), 2);
    assert.equal(resolveFormVersion(form({ 'model.name': 'nope' }), CATALOG), undefined);
  });

  it('offers every kserve setting of the shipped schema, with its kind', () => {
    const schemaKeys = Object.keys(deploymentSchema.properties.kserve.properties);
    assert.deepEqual(KSERVE_FIELDS.map((f) => f.key), schemaKeys);
    assert.deepEqual(Object.keys(defaultForm().kserve), schemaKeys);
    for (const f of KSERVE_FIELDS) {
      const node = (deploymentSchema.properties.kserve.properties as Record<string, { enum?: string[]; type?: string }>)[f.key]!;
      assert.equal(f.kind, node.enum ? 'enum' : node.type === 'integer' ? 'integer' : node.type === 'object' ? 'json' : 'text', f.key);
    }
  });

  it('hints come from the schema descriptions', () => {
    assert.equal(schemaDescription('batcher.maxBatchSize'), deploymentSchema.properties.batcher.properties.maxBatchSize.description);
    assert.equal(schemaDescription('nope.nothing'), '');
  });
});
