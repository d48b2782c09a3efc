import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import deploymentSchema from '../../schemas/deployment.schema.json';
import {
  DEPLOYMENT_DEFAULTS,
  EXECUTION_PROVIDERS,
  KSERVE_MODEL_FORMATS,
  KSERVE_SCALE_METRICS,
  applyDeploymentDefaults,
  describeVersionSelector,
} from '../../src/core/deployment/deploymentSpec';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import {
  DeploymentSpecError,
  deploymentFilePath,
  loadDeploymentsDir,
  parseDeployment,
  parseDeploymentText,
  saveDeployment,
  validateDeployment,
} from '../../src/core/deployment/validateDeployment';
import type { DeploymentProblem } from '../../src/core/deployment/deploymentErrors';
import { MODEL_NAME_PATTERN } from '../../src/core/registry/modelRegistry';

const MINIMAL = { name: 'iris', model: { name: 'iris' } };

/** MINIMAL with `patch` merged one level deep (sections are merged, not replaced). */
function withPatch(patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(MINIMAL);
  for (const [k, v] of Object.entries(patch)) {
    const base = out[k];
    out[k] =
      base && typeof base === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...base, ...v } : v;
  }
  return out;
}

function problemsOf(input: unknown): DeploymentProblem[] {
  const result = validateDeployment(input);
  assert.equal(result.ok, false, `expected ${JSON.stringify(input)} to be rejected`);
  return result.ok ? [] : result.problems;
}

// Phrases of ajv's own messages: ours must never leak them.
const AJV_PHRASES = ['must be equal to one of the allowed values', 'must NOT have', 'must match pattern', 'must be integer', 'must have required property', 'must match a schema in anyOf', 'must be >='];

function assertProblem(input: unknown, pathExpected: string, ...fragments: string[]): DeploymentProblem {
  const problems = problemsOf(input);
  const atPath = problems.filter((p) => p.path === pathExpected);
  assert.equal(atPath.length, 1, `expected one problem at "${pathExpected}", got ${JSON.stringify(problems)}`);
  const [problem] = atPath;
  for (const f of fragments) {
    assert.ok(problem.message.includes(f), `message ${JSON.stringify(problem.message)} lacks ${JSON.stringify(f)}`);
  }
  for (const phrase of AJV_PHRASES) assert.ok(!problem.message.includes(phrase), `ajv wording leaked: ${problem.message}`);
  return problem;
}

describe('deployment defaults', () => {
  it('fills every default for a minimal spec', () => {
    const result = validateDeployment(MINIMAL);
    assert.ok(result.ok);
    assert.deepEqual(result.spec, {
      name: 'iris',
      model: { name: 'iris', version: 'latest' },
      modelServer: 'onnx',
      servingTool: 'local',
      predictor: {},
      transformer: {},
      inferenceLogger: { mode: 'none' },
      batcher: { enabled: false, maxBatchSize: 32, maxLatencyMs: 5, maxQueueSize: 1024 },
      resources: { instances: 1, minReplicas: 1, maxReplicas: 1, gpu: 0, executionProviders: ['cpu'] },
      protocol: 'rest',
      kserve: {},
    });
    assert.deepEqual(result.warnings, []);
  });

  it('fills missing fields inside partially given sections and keeps given ones', () => {
    const spec = parseDeployment(
      withPatch({ batcher: { enabled: true }, resources: { gpu: 1, executionProviders: ['cuda', 'cpu'] }, inferenceLogger: { sink: 'logs.jsonl' } }),
    );
    assert.deepEqual(spec.batcher, { enabled: true, maxBatchSize: 32, maxLatencyMs: 5, maxQueueSize: 1024 });
    assert.deepEqual(spec.resources, { instances: 1, minReplicas: 1, maxReplicas: 1, gpu: 1, executionProviders: ['cuda', 'cpu'] });
    assert.deepEqual(spec.inferenceLogger, { mode: 'none', sink: 'logs.jsonl' });
  });

  it('defaults maxReplicas to max(1, minReplicas)', () => {
    assert.equal(parseDeployment(withPatch({ resources: { minReplicas: 3 } })).resources.maxReplicas, 3);
    assert.equal(parseDeployment(withPatch({ resources: { minReplicas: 0 } })).resources.maxReplicas, 1);
  });

  it('returns fresh objects: mutating a spec changes neither the input nor later specs', () => {
    const input = withPatch({ resources: { executionProviders: ['cpu'] } });
    const before = structuredClone(input);
    const a = parseDeployment(input);
    a.resources.executionProviders.push('cuda');
    a.batcher.maxBatchSize = 1;
    a.predictor.script = 'x.py';
    assert.deepEqual(input, before);
    const b = parseDeployment(MINIMAL);
    assert.deepEqual(b.resources.executionProviders, ['cpu']);
    assert.equal(b.batcher.maxBatchSize, 32);
    assert.deepEqual(b.predictor, {});
    assert.ok(Object.isFrozen(DEPLOYMENT_DEFAULTS.resources.executionProviders));
  });

  it('drops $schema', () => {
    const spec = parseDeployment({ ...MINIMAL, $schema: './deployment.schema.json' });
    assert.ok(!('$schema' in spec));
  });

  it('code defaults equal the schema defaults', () => {
    const props = deploymentSchema.properties;
    const sections = ['modelServer', 'servingTool', 'predictor', 'transformer', 'inferenceLogger', 'batcher', 'resources', 'protocol', 'kserve'] as const;
    for (const key of sections) {
      assert.deepEqual(props[key].default, DEPLOYMENT_DEFAULTS[key], `default of ${key}`);
    }
    for (const [key, value] of Object.entries(DEPLOYMENT_DEFAULTS.batcher)) {
      assert.deepEqual((props.batcher.properties as Record<string, { default?: unknown }>)[key].default, value, `batcher.${key}`);
    }
    for (const [key, value] of Object.entries(DEPLOYMENT_DEFAULTS.resources)) {
      assert.deepEqual((props.resources.properties as Record<string, { default?: unknown }>)[key].default, value, `resources.${key}`);
    }
    assert.equal(props.inferenceLogger.properties.mode.default, DEPLOYMENT_DEFAULTS.inferenceLogger.mode);
    assert.equal(props.model.properties.version.default, applyDeploymentDefaults(MINIMAL).model.version);
  });

  it('schema enums match the TypeScript unions', () => {
    assert.deepEqual(deploymentSchema.properties.resources.properties.executionProviders.items.enum, [...EXECUTION_PROVIDERS]);
    assert.equal(deploymentSchema.properties.model.properties.name.pattern, MODEL_NAME_PATTERN.source);
    assert.deepEqual(deploymentSchema.properties.kserve.properties.modelFormat.enum, [...KSERVE_MODEL_FORMATS]);
    assert.deepEqual(deploymentSchema.properties.kserve.properties.scaleMetric.enum, [...KSERVE_SCALE_METRICS]);
  });
});

describe('deployment validation: accepted values', () => {
  const good: [string, Record<string, unknown>][] = [
    ['version number', { model: { version: 3 } }],
    ['version latest', { model: { version: 'latest' } }],
    ['version best', { model: { version: { best: { metric: 'accuracy', direction: 'max' } } } }],
    ['cpu 1', { resources: { cpu: '1' } }],
    ['cpu 500m', { resources: { cpu: '500m' } }],
    ['cpu 0.5', { resources: { cpu: '0.5' } }],
    ['memory 512Mi', { resources: { memory: '512Mi' } }],
    ['memory 2Gi', { resources: { memory: '2Gi' } }],
    ['memory 1G', { resources: { memory: '1G' } }],
    ['scale to zero', { resources: { minReplicas: 0, maxReplicas: 3 } }],
    ['instances 64', { resources: { instances: 64 } }],
    ['maxLatencyMs 0 and fractional', { batcher: { maxLatencyMs: 0.5 } }],
    ['script server with script', { modelServer: 'script', predictor: { script: 'predict.py', environment: 'py311' } }],
    ['kserve', { servingTool: 'kserve', protocol: 'grpc', kserve: { context: 'kind', namespace: 'ml-team', storageUri: 's3://bucket/iris' } }],
    ['logger', { inferenceLogger: { mode: 'all', sink: 'http://localhost:8080/log' } }],
    [
      'kserve InferenceService settings',
      {
        servingTool: 'kserve',
        kserve: {
          storageUri: 's3://bucket/models/{model}/{version}',
          runtime: 'modeldeck',
          modelFormat: 'sklearn',
          protocolVersion: 'v1',
          scaleMetric: 'rps',
          scaleTarget: 50,
          containerConcurrency: 0,
          timeout: 60,
          transformerImage: 'registry.example.com/iris-transformer:1',
        },
      },
    ],
    ['kserve runtime with dots', { kserve: { runtime: 'kserve-tritonserver.v2' } }],
    ['one-character name', { name: 'a' }],
    ['63-character name', { name: 'a'.repeat(63) }],
  ];
  for (const [label, patch] of good) {
    it(label, () => {
      const result = validateDeployment(withPatch(patch));
      assert.ok(result.ok, JSON.stringify(result));
    });
  }
});

describe('deployment validation: bad values name the path, the expectation and the value', () => {
  it('uses the exact wording for enums, bounds and the version union', () => {
    assert.equal(assertProblem(withPatch({ protocol: 'http' }), 'protocol').message, 'protocol: must be one of "rest", "grpc" (got "http")');
    assert.equal(
      assertProblem(withPatch({ batcher: { maxBatchSize: 0 } }), 'batcher.maxBatchSize').message,
      'batcher.maxBatchSize: must be an integer ≥ 1 (got 0)',
    );
    assert.equal(
      assertProblem(withPatch({ model: { version: 'newest' } }), 'model.version').message,
      'model.version: must be a positive integer, "latest", or {"best": {"metric", "direction"}} (got "newest")',
    );
  });

  const bad: [string, Record<string, unknown>, string, ...string[]][] = [
    ['name uppercase', { name: 'Iris' }, 'name', 'DNS-1123', '(got "Iris")'],
    ['name underscore', { name: 'my_model' }, 'name', 'DNS-1123', '(got "my_model")'],
    ['name trailing dash', { name: 'iris-' }, 'name', 'DNS-1123'],
    ['name empty', { name: '' }, 'name', 'DNS-1123', '(got "")'],
    ['name too long', { name: 'a'.repeat(64) }, 'name', 'at most 63 characters', 'got 64'],
    ['name not a string', { name: 5 }, 'name', 'DNS-1123', '(got 5)'],
    ['model not an object', { model: 'iris' }, 'model', 'must be an object with keys name, version', '(got "iris")'],
    ['model.name pattern', { model: { name: '../iris' } }, 'model.name', 'registry model name', '(got "../iris")'],
    ['model.name type', { model: { name: 3 } }, 'model.name', 'registry model name', '(got 3)'],
    ['version 0', { model: { version: 0 } }, 'model.version', 'positive integer', '(got 0)'],
    ['version fraction', { model: { version: 1.5 } }, 'model.version', 'positive integer', '(got 1.5)'],
    ['version negative', { model: { version: -2 } }, 'model.version', 'positive integer', '(got -2)'],
    ['version null', { model: { version: null } }, 'model.version', 'positive integer', '(got null)'],
    ['version list', { model: { version: [1] } }, 'model.version', 'positive integer', '(got [1])'],
    ['best direction', { model: { version: { best: { metric: 'acc', direction: 'up' } } } }, 'model.version.best.direction', 'one of "max", "min"', '(got "up")'],
    ['best metric empty', { model: { version: { best: { metric: '', direction: 'max' } } } }, 'model.version.best.metric', 'must not be empty'],
    ['best not an object', { model: { version: { best: 'accuracy' } } }, 'model.version.best', 'must be an object with keys metric, direction', '(got "accuracy")'],
    ['best missing direction', { model: { version: { best: { metric: 'acc' } } } }, 'model.version.best.direction', 'missing required key "direction" at model.version.best'],
    ['modelServer', { modelServer: 'triton' }, 'modelServer', 'one of "onnx", "script"', '(got "triton")'],
    ['servingTool', { servingTool: 'docker' }, 'servingTool', 'one of "local", "kserve"', '(got "docker")'],
    ['predictor not an object', { predictor: 'p.py' }, 'predictor', 'must be an object with keys script, environment', '(got "p.py")'],
    ['predictor.script empty', { predictor: { script: '' } }, 'predictor.script', 'must not be empty'],
    ['predictor.script type', { predictor: { script: 1 } }, 'predictor.script', 'must be a string', '(got 1)'],
    ['predictor.environment type', { predictor: { environment: false } }, 'predictor.environment', 'must be a string', '(got false)'],
    ['transformer.script type', { transformer: { script: ['t.py'] } }, 'transformer.script', 'must be a string', '(got ["t.py"])'],
    ['inferenceLogger.mode', { inferenceLogger: { mode: 'everything' } }, 'inferenceLogger.mode', 'one of "none", "all", "request", "response"', '(got "everything")'],
    ['inferenceLogger.sink', { inferenceLogger: { sink: '' } }, 'inferenceLogger.sink', 'must not be empty'],
    ['batcher not an object', { batcher: true }, 'batcher', 'must be an object with keys enabled, maxBatchSize', '(got true)'],
    ['batcher.enabled', { batcher: { enabled: 'yes' } }, 'batcher.enabled', 'must be true or false', '(got "yes")'],
    ['batcher.maxBatchSize fraction', { batcher: { maxBatchSize: 2.5 } }, 'batcher.maxBatchSize', 'an integer ≥ 1', '(got 2.5)'],
    ['batcher.maxBatchSize string', { batcher: { maxBatchSize: '8' } }, 'batcher.maxBatchSize', 'an integer ≥ 1', '(got "8")'],
    ['batcher.maxLatencyMs', { batcher: { maxLatencyMs: -1 } }, 'batcher.maxLatencyMs', 'a finite number ≥ 0', '(got -1)'],
    ['batcher.maxQueueSize', { batcher: { maxQueueSize: 0 } }, 'batcher.maxQueueSize', 'an integer ≥ 1', '(got 0)'],
    ['resources.instances 0', { resources: { instances: 0 } }, 'resources.instances', 'an integer from 1 to 64', '(got 0)'],
    ['resources.instances 65', { resources: { instances: 65 } }, 'resources.instances', 'an integer from 1 to 64', '(got 65)'],
    ['resources.minReplicas', { resources: { minReplicas: -1 } }, 'resources.minReplicas', 'an integer ≥ 0', '(got -1)'],
    ['resources.maxReplicas', { resources: { maxReplicas: 0 } }, 'resources.maxReplicas', 'an integer ≥ 1', '(got 0)'],
    ['resources.cpu unit', { resources: { cpu: '1x' } }, 'resources.cpu', 'CPU quantity', '"500m"', '(got "1x")'],
    ['resources.cpu number', { resources: { cpu: 1 } }, 'resources.cpu', 'CPU quantity string', '(got 1)'],
    ['resources.memory milli', { resources: { memory: '512m' } }, 'resources.memory', 'memory quantity', '"512Mi"', '(got "512m")'],
    ['resources.memory GB', { resources: { memory: '2GB' } }, 'resources.memory', 'memory quantity', '(got "2GB")'],
    ['resources.gpu', { resources: { gpu: -1 } }, 'resources.gpu', 'an integer ≥ 0', '(got -1)'],
    ['resources.gpu fraction', { resources: { gpu: 0.5 } }, 'resources.gpu', 'an integer ≥ 0', '(got 0.5)'],
    ['executionProviders empty', { resources: { executionProviders: [] } }, 'resources.executionProviders', 'at least one', '(got [])'],
    ['executionProviders string', { resources: { executionProviders: 'cpu' } }, 'resources.executionProviders', 'a list of "cpu", "cuda"', '(got "cpu")'],
    ['executionProviders unknown', { resources: { executionProviders: ['cpu', 'tpu'] } }, 'resources.executionProviders[1]', 'one of "cpu", "cuda", "tensorrt", "webgpu", "dml", "coreml"', '(got "tpu")'],
    ['executionProviders repeated', { resources: { executionProviders: ['cuda', 'cpu', 'cuda'] } }, 'resources.executionProviders', 'must not list "cuda" more than once'],
    ['protocol type', { protocol: 1 }, 'protocol', 'one of "rest", "grpc"', '(got 1)'],
    ['kserve not an object', { kserve: [] }, 'kserve', 'must be an object with keys context, namespace, storageUri', '(got [])'],
    ['kserve.context', { kserve: { context: '' } }, 'kserve.context', 'must not be empty'],
    ['kserve.namespace', { kserve: { namespace: 'ML_Team' } }, 'kserve.namespace', 'Kubernetes namespace', '(got "ML_Team")'],
    ['kserve.storageUri', { kserve: { storageUri: 'bucket/iris' } }, 'kserve.storageUri', 'storage URI', '(got "bucket/iris")'],
    ['kserve.runtime', { kserve: { runtime: 'Triton_Server' } }, 'kserve.runtime', 'ServingRuntime', '(got "Triton_Server")'],
    ['kserve.modelFormat', { kserve: { modelFormat: 'keras' } }, 'kserve.modelFormat', 'one of "onnx", "sklearn", "xgboost", "tensorflow", "pytorch", "huggingface"', '(got "keras")'],
    ['kserve.protocolVersion', { kserve: { protocolVersion: 'grpc-v2' } }, 'kserve.protocolVersion', 'one of "v1", "v2"', '(got "grpc-v2")'],
    ['kserve.scaleMetric', { kserve: { scaleMetric: 'gpu' } }, 'kserve.scaleMetric', 'one of "cpu", "memory", "concurrency", "rps"', '(got "gpu")'],
    ['kserve.scaleTarget', { kserve: { scaleTarget: 0 } }, 'kserve.scaleTarget', 'an integer ≥ 1', '(got 0)'],
    ['kserve.containerConcurrency', { kserve: { containerConcurrency: -1 } }, 'kserve.containerConcurrency', 'an integer ≥ 0', '(got -1)'],
    ['kserve.timeout', { kserve: { timeout: 2.5 } }, 'kserve.timeout', 'an integer ≥ 1', '(got 2.5)'],
    ['kserve.transformerImage', { kserve: { transformerImage: '' } }, 'kserve.transformerImage', 'must not be empty'],
  ];
  for (const [label, patch, at, ...fragments] of bad) {
    it(label, () => {
      assertProblem(withPatch(patch), at, ...fragments);
    });
  }

  it('reports a missing name and a missing model.name', () => {
    assertProblem({ model: { name: 'iris' } }, 'name', 'missing required key "name"');
    assertProblem({ name: 'iris', model: {} }, 'model.name', 'missing required key "name" at model');
    assertProblem({ name: 'iris' }, 'model', 'missing required key "model"');
  });

  it('rejects documents that are not objects, at path ""', () => {
    for (const doc of [null, [], 'iris', 3]) assertProblem(doc, '', 'deployment spec: must be an object with keys');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(withPatch({ protocol: 'http', batcher: { maxBatchSize: 0 }, resources: { gpu: -1, replicas: 2 }, modelServer: 'script' }));
    assert.deepEqual(
      problems.map((p) => p.path).sort(),
      ['batcher.maxBatchSize', 'predictor.script', 'protocol', 'resources.gpu', 'resources.replicas'],
    );
  });
});

describe('deployment validation: unknown keys', () => {
  const cases: [string, Record<string, unknown>, string, string, string[]][] = [
    ['top level', { replicas: 2 }, 'replicas', 'unknown key "replicas" at top level', ['name', 'model', 'resources', 'kserve']],
    ['model', { model: { name: 'iris', stage: 'prod' } }, 'model.stage', 'unknown key "stage" at model', ['name', 'version']],
    ['model.version.best', { model: { version: { best: { metric: 'a', direction: 'max', k: 1 } } } }, 'model.version.best.k', 'unknown key "k" at model.version.best', ['metric', 'direction']],
    ['model.version object', { model: { version: { newest: true } } }, 'model.version.newest', 'unknown key "newest" at model.version', ['best']],
    ['predictor', { predictor: { image: 'x' } }, 'predictor.image', 'unknown key "image" at predictor', ['script', 'environment']],
    ['transformer', { transformer: { environment: 'x' } }, 'transformer.environment', 'unknown key "environment" at transformer', ['script']],
    ['inferenceLogger', { inferenceLogger: { url: 'x' } }, 'inferenceLogger.url', 'unknown key "url" at inferenceLogger', ['mode', 'sink']],
    ['batcher', { batcher: { timeoutMs: 3 } }, 'batcher.timeoutMs', 'unknown key "timeoutMs" at batcher', ['enabled', 'maxBatchSize', 'maxLatencyMs', 'maxQueueSize']],
    ['resources', { resources: { replicas: 3 } }, 'resources.replicas', 'unknown key "replicas" at resources', ['instances', 'minReplicas', 'maxReplicas', 'cpu', 'memory', 'gpu', 'executionProviders']],
    ['kserve', { kserve: { cluster: 'x' } }, 'kserve.cluster', 'unknown key "cluster" at kserve', ['context', 'namespace', 'storageUri', 'runtime', 'modelFormat', 'protocolVersion', 'scaleMetric', 'scaleTarget', 'containerConcurrency', 'timeout', 'transformerImage']],
  ];
  for (const [label, patch, at, fragment, allowed] of cases) {
    it(label, () => {
      const problem = assertProblem(withPatch(patch), at, fragment, '(allowed: ');
      const listed = /\(allowed: ([^)]*)\)/.exec(problem.message)?.[1].split(', ') ?? [];
      for (const key of allowed) assert.ok(listed.includes(key), `${key} missing from ${problem.message}`);
    });
  }

  it('suggests the key that was probably meant', () => {
    assertProblem(withPatch({ batcher: { maxbatchsize: 3 } }), 'batcher.maxbatchsize', 'did you mean "maxBatchSize"?');
    assertProblem(withPatch({ protocl: 'rest' }), 'protocl', 'did you mean "protocol"?');
  });

  it('reports the exact brief example', () => {
    assert.match(
      assertProblem(withPatch({ resources: { replicas: 3 } }), 'resources.replicas').message,
      /^unknown key "replicas" at resources \(allowed: instances, minReplicas, maxReplicas, cpu, memory, gpu, executionProviders\)$/,
    );
  });
});

describe('deployment validation: cross-field rules', () => {
  it('modelServer "script" requires predictor.script', () => {
    assertProblem(withPatch({ modelServer: 'script' }), 'predictor.script', 'required when modelServer is "script"');
    assertProblem(withPatch({ modelServer: 'script', predictor: { environment: 'py' } }), 'predictor.script', 'required when modelServer is "script"');
    assert.ok(validateDeployment(withPatch({ modelServer: 'onnx' })).ok);
  });

  it('maxReplicas must be at least minReplicas', () => {
    assertProblem(withPatch({ resources: { minReplicas: 3, maxReplicas: 2 } }), 'resources.maxReplicas', 'resources.minReplicas (3)', '(got 2)');
    assert.ok(validateDeployment(withPatch({ resources: { minReplicas: 3, maxReplicas: 3 } })).ok);
    assert.ok(validateDeployment(withPatch({ resources: { minReplicas: 0, maxReplicas: 1 } })).ok);
  });

  it('cpu and memory must be greater than zero', () => {
    assertProblem(withPatch({ resources: { cpu: '0' } }), 'resources.cpu', 'greater than zero', '(got "0")');
    assertProblem(withPatch({ resources: { cpu: '0m' } }), 'resources.cpu', 'greater than zero');
    assertProblem(withPatch({ resources: { memory: '0Gi' } }), 'resources.memory', 'greater than zero', '(got "0Gi")');
  });

  it('memory follows the Kubernetes quantity grammar: "K" is refused with a hint, "k" and binary suffixes pass', () => {
    assertProblem(withPatch({ resources: { memory: '512K' } }), 'resources.memory', 'kilo is a lowercase k', '(got "512K")');
    for (const memory of ['500k', '512Mi', '2Gi', '1G', '1.5Gi']) assert.ok(validateDeployment(withPatch({ resources: { memory } })).ok, memory);
  });

  it('kserve.protocolVersion only goes with protocol "rest"', () => {
    assertProblem(withPatch({ protocol: 'grpc', kserve: { protocolVersion: 'v1' } }), 'kserve.protocolVersion', 'protocol "grpc" always uses "grpc-v2"', '(got "v1")');
    assert.ok(validateDeployment(withPatch({ protocol: 'rest', kserve: { protocolVersion: 'v1' } })).ok);
    assert.ok(validateDeployment(withPatch({ protocol: 'grpc' })).ok);
  });

  it('warns (but accepts) a GPU request with only the cpu provider', () => {
    const result = validateDeployment(withPatch({ resources: { gpu: 1 } }));
    assert.ok(result.ok);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0], /resources\.gpu.*executionProviders.*"cpu"/);
    const withCuda = validateDeployment(withPatch({ resources: { gpu: 1, executionProviders: ['cuda', 'cpu'] } }));
    assert.ok(withCuda.ok);
    assert.deepEqual(withCuda.warnings, []);
  });
});

describe('parseDeployment and parseDeploymentText', () => {
  it('throws DeploymentSpecError with every problem and the source', () => {
    assert.throws(
      () => parseDeployment(withPatch({ protocol: 'http', batcher: { maxQueueSize: 0 } }), '/ws/iris.json'),
      (err: unknown) => {
        assert.ok(err instanceof DeploymentSpecError);
        assert.equal(err.reason, 'invalid');
        assert.equal(err.source, '/ws/iris.json');
        assert.deepEqual(err.problems.map((p) => p.path), ['batcher.maxQueueSize', 'protocol']);
        assert.match(err.message, /^\/ws\/iris\.json has 2 problems:/);
        assert.ok(err.message.includes('protocol: must be one of "rest", "grpc" (got "http")'));
        return true;
      },
    );
  });

  it('reports malformed JSON at path "" with the file name, the parser message and the line', () => {
    const text = '{\n  "name": "iris",\n  "model": { "name": "iris" }\n  "protocol": "rest"\n}\n';
    assert.throws(
      () => parseDeploymentText(text, '/ws/.modeldeck/deployments/iris.json'),
      (err: unknown) => {
        assert.ok(err instanceof DeploymentSpecError);
        assert.equal(err.problems.length, 1);
        assert.equal(err.problems[0].path, '');
        assert.match(err.problems[0].message, /^iris\.json is not valid JSON: .*JSON.*line 4/);
        return true;
      },
    );
  });

  it('accepts a byte-order mark', () => {
    assert.equal(parseDeploymentText(`\uFEFF${JSON.stringify(MINIMAL)}`).name, 'iris');
  });
});

describe('describeVersionSelector', () => {
  it('describes each selector kind', () => {
    assert.equal(describeVersionSelector('latest'), 'latest');
    assert.equal(describeVersionSelector(3), '3');
    assert.equal(describeVersionSelector({ best: { metric: 'accuracy', direction: 'max' } }), 'best accuracy (max)');
    assert.equal(describeVersionSelector({ best: { metric: 'loss', direction: 'min' } }), 'best loss (min)');
  });
});

describe('deployment files', () => {
  let tmp: string;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-deploy-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('deploymentFilePath places specs under .modeldeck/deployments and refuses unsafe names', () => {
    assert.equal(deploymentFilePath('/ws', 'iris'), path.join('/ws', '.modeldeck', 'deployments', 'iris.json'));
    for (const name of ['../iris', 'Iris', '', 'a/b']) {
      assert.throws(() => deploymentFilePath('/ws', name), (err: unknown) => err instanceof DeploymentSpecError && err.problems[0].path === 'name');
    }
  });

  it('loadDeploymentsDir returns the good spec and reports the bad and malformed files', async () => {
    const dir = path.join(tmp, 'load');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'good.json'), JSON.stringify({ name: 'good', model: { name: 'iris', version: 2 } }));
    await fs.writeFile(path.join(dir, 'bad.json'), JSON.stringify({ name: 'bad', model: { name: 'iris' }, protocol: 'http' }));
    await fs.writeFile(path.join(dir, 'broken.json'), '{ "name": "broken", ');
    await fs.writeFile(path.join(dir, 'notes.txt'), 'not a spec');
    await fs.writeFile(path.join(dir, '.hidden.json'), '{');
    const { specs, errors } = await loadDeploymentsDir(dir);
    assert.deepEqual(specs.map((s) => s.name), ['good']);
    assert.deepEqual(specs[0].model, { name: 'iris', version: 2 });
    assert.equal(errors.length, 2);
    const bySource = new Map(errors.map((e) => [path.basename(e.source ?? ''), e]));
    const bad = bySource.get('bad.json');
    assert.ok(bad);
    assert.equal(bad.reason, 'invalid');
    assert.equal(bad.problems[0].path, 'protocol');
    const broken = bySource.get('broken.json');
    assert.ok(broken);
    assert.equal(broken.problems[0].path, '');
    assert.match(broken.problems[0].message, /^broken\.json is not valid JSON: /);
  });

  it('loadDeploymentsDir reports duplicate names; the file named after the spec wins', async () => {
    const dir = path.join(tmp, 'dupes');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'a-copy.json'), JSON.stringify({ name: 'iris', model: { name: 'iris', version: 1 } }));
    await fs.writeFile(path.join(dir, 'iris.json'), JSON.stringify({ name: 'iris', model: { name: 'iris', version: 2 } }));
    await fs.writeFile(path.join(dir, 'z-copy.json'), JSON.stringify({ name: 'iris', model: { name: 'iris', version: 3 } }));
    const { specs, errors } = await loadDeploymentsDir(dir);
    assert.equal(specs.length, 1);
    assert.equal(specs[0].model.version, 2);
    assert.deepEqual(errors.map((e) => path.basename(e.source ?? '')).sort(), ['a-copy.json', 'z-copy.json']);
    for (const e of errors) {
      assert.equal(e.reason, 'duplicate-name');
      assert.equal(e.problems[0].path, 'name');
      assert.ok(e.message.includes('already used by iris.json'), e.message);
    }
  });

  it('loadDeploymentsDir treats a missing folder as no deployments', async () => {
    assert.deepEqual(await loadDeploymentsDir(path.join(tmp, 'nope')), { specs: [], errors: [] });
  });

  it('saveDeployment writes a complete spec that loads back, and never overwrites unless asked', async () => {
    const dir = path.join(tmp, 'save', '.modeldeck', 'deployments');
    const spec = parseDeployment({ name: 'digits', model: { name: 'digits', version: { best: { metric: 'accuracy', direction: 'max' } } } });
    const file = await saveDeployment(dir, spec, { overwrite: false });
    assert.equal(file, path.join(dir, 'digits.json'));
    const written = await fs.readFile(file, 'utf8');
    assert.deepEqual(JSON.parse(written), spec);
    assert.deepEqual((await loadDeploymentsDir(dir)).specs, [spec]);

    const changed: DeploymentSpec = { ...spec, protocol: 'grpc' };
    await assert.rejects(saveDeployment(dir, changed, { overwrite: false }), (err: unknown) => {
      assert.ok(err instanceof DeploymentSpecError);
      assert.equal(err.reason, 'exists');
      assert.ok(err.message.includes('already exists'), err.message);
      return true;
    });
    assert.equal(await fs.readFile(file, 'utf8'), written);

    assert.equal(await saveDeployment(dir, changed, { overwrite: true }), file);
    assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).protocol, 'grpc');
    assert.deepEqual((await fs.readdir(dir)).sort(), ['digits.json']);
  });

  it('saveDeployment refuses an invalid spec and writes nothing', async () => {
    const dir = path.join(tmp, 'save-invalid');
    const spec = { ...parseDeployment(MINIMAL), protocol: 'http' } as unknown as DeploymentSpec;
    await assert.rejects(saveDeployment(dir, spec, { overwrite: true }), (err: unknown) => err instanceof DeploymentSpecError && err.reason === 'invalid');
    await assert.rejects(fs.access(path.join(dir, 'iris.json')));
  });
});
