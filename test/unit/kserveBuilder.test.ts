/**
 * Deployment spec → InferenceService: every option the deployment schema allows, alone and mixed,
 * gives a manifest the real KServe CRD accepts (strict: unknown fields refused), and each option
 * lands where KServe reads it. Impossible deployments fail with a message naming the key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { KSERVE_MODEL_FORMATS, KSERVE_SCALE_METRICS } from '../../src/core/deployment/deploymentSpec';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { MODELDECK_RUNTIME, buildInferenceService, inferenceServiceYaml } from '../../src/core/kserve/inferenceServiceBuilder';
import type { InferenceServiceContext } from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeError } from '../../src/core/kserve/kserveErrors';
import { assertValidInferenceService, inferenceServiceProblems } from '../support/kserveCrd';

const BASE = {
  name: 'iris',
  model: { name: 'iris', version: 2 },
  servingTool: 'kserve',
  kserve: { namespace: 'ml-team', storageUri: 's3://bucket/models/iris/2' },
};

function spec(patch: Record<string, unknown> = {}): DeploymentSpec {
  const input: Record<string, unknown> = structuredClone(BASE);
  for (const [k, v] of Object.entries(patch)) {
    const base = input[k];
    input[k] = base && typeof base === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...base, ...v } : v;
  }
  return parseDeployment(input);
}

const VERSION_INFO: ModelVersionInfo = {
  model: 'iris',
  version: 2,
  dir: '/registry/iris/2',
  modelFile: '/registry/iris/2/model.onnx',
  files: ['labels.txt', 'model.json', 'model.onnx'],
  metadata: { framework: 'sklearn', metrics: { accuracy: 0.97 } },
};

function build(s: DeploymentSpec, ctx?: InferenceServiceContext): Record<string, any> {
  const manifest = buildInferenceService(s, ctx);
  assertValidInferenceService(manifest, `manifest of ${JSON.stringify(s)}`);
  return manifest as unknown as Record<string, any>;
}

function expectInvalid(s: DeploymentSpec, key: string, fragment: RegExp, ctx?: InferenceServiceContext): void {
  assert.throws(
    () => buildInferenceService(s, ctx),
    (err: unknown) => {
      assert.ok(err instanceof KServeError, String(err));
      assert.equal(err.reason, 'invalid-deployment');
      assert.deepEqual(err.details, [key]);
      assert.ok(err.message.startsWith(`${key}: `), err.message);
      assert.match(err.message, fragment);
      return true;
    },
  );
}

describe('the CRD validator used by these tests', () => {
  it('refuses a misspelt key, a bad enum, a bad quantity and a bad name', () => {
    const good = buildInferenceService(spec());
    assert.deepEqual(inferenceServiceProblems(good), []);
    const misspelt = structuredClone(good) as any;
    misspelt.spec.predictor.model.storageURI = misspelt.spec.predictor.model.storageUri;
    assert.deepEqual(inferenceServiceProblems(misspelt).map((p) => [p.kind, p.field]), [['unknown-field', 'spec.predictor.model.storageURI']]);
    const badEnum = structuredClone(good) as any;
    badEnum.spec.predictor.scaleMetric = 'gpu';
    assert.match(inferenceServiceProblems(badEnum)[0]!.message, /supported values: "cpu", "memory", "concurrency", "rps"/);
    const badQuantity = structuredClone(good) as any;
    badQuantity.spec.predictor.model.resources = { limits: { memory: '2 gigs' } };
    assert.equal(inferenceServiceProblems(badQuantity).length > 0, true);
    const badName = structuredClone(good) as any;
    badName.metadata.name = 'Iris_Prod';
    assert.deepEqual(inferenceServiceProblems(badName).map((p) => p.field), ['metadata.name']);
    const badLabel = structuredClone(good) as any;
    badLabel.metadata.labels['modeldeck.dev/model'] = 'x'.repeat(64);
    assert.deepEqual(inferenceServiceProblems(badLabel).map((p) => p.field), ['metadata.labels[modeldeck.dev/model]']);
  });
});

describe('buildInferenceService: what goes where', () => {
  it('a minimal KServe deployment', () => {
    const m = build(spec());
    assert.equal(m.apiVersion, 'serving.kserve.io/v1beta1');
    assert.equal(m.kind, 'InferenceService');
    assert.equal(m.metadata.name, 'iris');
    assert.equal(m.metadata.namespace, 'ml-team');
    assert.deepEqual(m.spec.predictor, {
      minReplicas: 1,
      maxReplicas: 1,
      model: { modelFormat: { name: 'onnx' }, storageUri: 's3://bucket/models/iris/2', protocolVersion: 'v2' },
    });
    assert.equal(m.spec.transformer, undefined);
  });

  it('no namespace in the deployment: none in the manifest (the client uses the context\'s)', () => {
    const m = build(parseDeployment({ ...BASE, kserve: { storageUri: 's3://b/iris' } }));
    assert.equal('namespace' in m.metadata, false);
  });

  it('labels and annotations tie the service to the deployment, the registry model and its version', () => {
    const pinned = build(spec());
    assert.deepEqual(pinned.metadata.labels, {
      'app.kubernetes.io/managed-by': 'modeldeck',
      'modeldeck.dev/deployment': 'iris',
      'modeldeck.dev/model': 'iris',
      'modeldeck.dev/version': '2',
    });
    assert.deepEqual(pinned.metadata.annotations, { 'modeldeck.dev/model': 'iris', 'modeldeck.dev/version-selector': '2', 'modeldeck.dev/version': '2' });

    const best = spec({ model: { name: 'iris', version: { best: { metric: 'accuracy', direction: 'max' } } } });
    const resolved = build(best, { modelVersion: VERSION_INFO });
    assert.equal(resolved.metadata.labels['modeldeck.dev/version'], '2');
    assert.deepEqual(resolved.metadata.annotations, {
      'modeldeck.dev/model': 'iris',
      'modeldeck.dev/version-selector': 'best accuracy (max)',
      'modeldeck.dev/version': '2',
      'modeldeck.dev/framework': 'sklearn',
    });
    const unresolved = build(best);
    assert.equal(unresolved.metadata.labels['modeldeck.dev/version'], undefined);
    assert.equal(unresolved.metadata.annotations['modeldeck.dev/version'], undefined);
  });

  it('a registry name that is no label value stays in the annotation only', () => {
    for (const name of ['iris.', 'model_', 'm'.repeat(64)]) {
      const m = build(parseDeployment({ ...BASE, model: { name, version: 1 }, kserve: { storageUri: 's3://b/x' } }));
      assert.equal(m.metadata.labels['modeldeck.dev/model'], undefined, name);
      assert.equal(m.metadata.annotations['modeldeck.dev/model'], name);
    }
  });

  it('modelFormat is onnx whatever the framework (the artifact is ONNX); an explicit override wins', () => {
    for (const framework of ['sklearn', 'pytorch', 'xgboost', 'tensorflow']) {
      const m = build(spec(), { modelVersion: { ...VERSION_INFO, metadata: { framework } } });
      assert.deepEqual(m.spec.predictor.model.modelFormat, { name: 'onnx' });
      assert.equal(m.metadata.annotations['modeldeck.dev/framework'], framework);
    }
    for (const format of KSERVE_MODEL_FORMATS) {
      assert.deepEqual(build(spec({ kserve: { modelFormat: format } })).spec.predictor.model.modelFormat, { name: format });
    }
  });

  it('protocolVersion: v2 by default, v1 on request, grpc-v2 for gRPC (with the h2c port on our runtime)', () => {
    assert.equal(build(spec()).spec.predictor.model.protocolVersion, 'v2');
    assert.equal(build(spec({ kserve: { protocolVersion: 'v1' } })).spec.predictor.model.protocolVersion, 'v1');
    const grpc = build(spec({ protocol: 'grpc' }));
    assert.equal(grpc.spec.predictor.model.protocolVersion, 'grpc-v2');
    assert.equal(grpc.spec.predictor.model.ports, undefined, 'another runtime\'s gRPC port is not ours to guess');
    const ours = build(spec({ protocol: 'grpc', kserve: { runtime: MODELDECK_RUNTIME } }));
    assert.deepEqual(ours.spec.predictor.model.ports, [{ name: 'h2c', containerPort: 8081, protocol: 'TCP' }]);
  });

  it('runtime from the deployment, or from the caller (which wins)', () => {
    assert.equal(build(spec()).spec.predictor.model.runtime, undefined);
    assert.equal(build(spec({ kserve: { runtime: 'kserve-tritonserver' } })).spec.predictor.model.runtime, 'kserve-tritonserver');
    assert.equal(build(spec({ kserve: { runtime: 'kserve-tritonserver' } }), { runtime: 'modeldeck' }).spec.predictor.model.runtime, 'modeldeck');
  });

  it('resources: cpu and memory as requests and limits, GPUs as an nvidia.com/gpu limit', () => {
    assert.deepEqual(build(spec({ resources: { cpu: '500m', memory: '2Gi', gpu: 1 } })).spec.predictor.model.resources, {
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '500m', memory: '2Gi', 'nvidia.com/gpu': '1' },
    });
    assert.deepEqual(build(spec({ resources: { gpu: 2 } })).spec.predictor.model.resources, { limits: { 'nvidia.com/gpu': '2' } });
    assert.deepEqual(build(spec({ resources: { memory: '512Mi' } })).spec.predictor.model.resources, { requests: { memory: '512Mi' }, limits: { memory: '512Mi' } });
    assert.equal(build(spec()).spec.predictor.model.resources, undefined);
  });

  it('replicas: minReplicas 0 is scale-to-zero; autoscaling, concurrency and timeout pass through', () => {
    const p = build(spec({ resources: { minReplicas: 0, maxReplicas: 4 }, kserve: { scaleMetric: 'rps', scaleTarget: 50, containerConcurrency: 8, timeout: 30 } })).spec.predictor;
    assert.equal(p.minReplicas, 0);
    assert.equal(p.maxReplicas, 4);
    assert.equal(p.scaleMetric, 'rps');
    assert.equal(p.scaleTarget, 50);
    assert.equal(p.containerConcurrency, 8);
    assert.equal(p.timeout, 30);
    const zero = build(spec({ kserve: { containerConcurrency: 0 } })).spec.predictor;
    assert.equal(zero.containerConcurrency, 0, '0 (no limit) is a value, not an absence');
  });

  it('batcher: only when enabled; maxLatency in whole milliseconds, at least 1 (0 means KServe\'s 500 ms default)', () => {
    assert.equal(build(spec()).spec.predictor.batcher, undefined);
    assert.deepEqual(build(spec({ batcher: { enabled: true, maxBatchSize: 16, maxLatencyMs: 20 } })).spec.predictor.batcher, { maxBatchSize: 16, maxLatency: 20 });
    assert.equal(build(spec({ batcher: { enabled: true, maxLatencyMs: 0 } })).spec.predictor.batcher.maxLatency, 1);
    assert.equal(build(spec({ batcher: { enabled: true, maxLatencyMs: 2.2 } })).spec.predictor.batcher.maxLatency, 3);
  });

  it('logger: mode and url from inferenceLogger; none means no logger', () => {
    assert.equal(build(spec()).spec.predictor.logger, undefined);
    assert.deepEqual(build(spec({ inferenceLogger: { mode: 'request', sink: 'http://message-dumper.default/' } })).spec.predictor.logger, { mode: 'request', url: 'http://message-dumper.default/' });
    assert.deepEqual(build(spec({ inferenceLogger: { mode: 'all' } })).spec.predictor.logger, { mode: 'all' });
  });

  it('a transformer: its image, the scripts\' environment variables, and the predictor\'s protocol', () => {
    const s = spec({ transformer: { script: 'transform.py' }, kserve: { transformerImage: 'registry.example.com/iris-t:1' }, resources: { minReplicas: 0, maxReplicas: 2 } });
    const t = build(s, { modelVersion: VERSION_INFO }).spec.transformer;
    assert.equal(t.minReplicas, 0);
    assert.equal(t.maxReplicas, 2);
    assert.equal(t.containers.length, 1);
    const [c] = t.containers;
    assert.equal(c.name, 'kserve-container');
    assert.equal(c.image, 'registry.example.com/iris-t:1');
    assert.deepEqual(c.args, ['--model_name', 'iris', '--protocol', 'v2']);
    assert.deepEqual(Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value])), {
      MODEL_NAME: 'iris',
      MODEL_VERSION: '2',
      DEPLOYMENT_NAME: 'iris',
      TRANSFORMER_SCRIPT: 'transform.py',
    });
    assert.equal(build(s, { image: 'other/image:2' }).spec.transformer.containers[0].image, 'other/image:2');
    assert.deepEqual(build(spec({ protocol: 'grpc', transformer: { script: 't.py' }, kserve: { transformerImage: 'x/y:1' } })).spec.transformer.containers[0].args, ['--model_name', 'iris', '--protocol', 'grpc-v2']);
  });

  it('storageUri: {model} and {version} are filled from the registry version', () => {
    const s = spec({ model: { name: 'iris', version: 'latest' }, kserve: { storageUri: 'gs://models/{model}/{version}' } });
    assert.equal(build(s, { modelVersion: VERSION_INFO }).spec.predictor.model.storageUri, 'gs://models/iris/2');
    const pinned = spec({ kserve: { storageUri: 'pvc://claim/{model}/v{version}' } });
    assert.equal(build(pinned).spec.predictor.model.storageUri, 'pvc://claim/iris/v2');
  });
});

describe('buildInferenceService: deployments KServe cannot take', () => {
  it('no storageUri', () => {
    expectInvalid(parseDeployment({ ...BASE, kserve: {} }), 'kserve.storageUri', /required to deploy to KServe.*s3:\/\/.*\(got nothing\)/);
  });
  it('{version} without a resolved version', () => {
    const s = spec({ model: { name: 'iris', version: 'latest' }, kserve: { storageUri: 's3://b/{model}/{version}' } });
    expectInvalid(s, 'kserve.storageUri', /"\{version\}" needs a resolved version.*selects latest/);
  });
  it('a name KServe refuses (DNS-1035: a letter first)', () => {
    expectInvalid(spec({ name: '2iris' }), 'name', /DNS-1035.*\(got "2iris"\)/);
  });
  // Script deployments are served from their artifact (test/unit/kserveScripts.test.ts); what they cannot take:
  it('a predictor script with a framework model format', () => {
    expectInvalid(spec({ modelServer: 'script', predictor: { script: 'p.py' }, kserve: { modelFormat: 'sklearn' } }), 'kserve.modelFormat', /served from its artifact by ModelDeck's script runtime.*"sklearn"/);
  });
  it('{artifact} in storageUri before the artifact is built', () => {
    expectInvalid(spec({ transformer: { script: 't.py' }, kserve: { storageUri: 's3://b/{model}/{artifact}' } }), 'kserve.storageUri', /"\{artifact\}" needs the artifact version/);
  });
  it('a logger sink that is a file', () => {
    expectInvalid(spec({ inferenceLogger: { mode: 'all', sink: '/var/log/payloads.jsonl' } }), 'inferenceLogger.sink', /http\(s\) URL.*\/var\/log/);
  });
  it('a hand-built spec with a memory quantity Kubernetes does not know ("K"; the schema refuses it too)', () => {
    const s = spec();
    expectInvalid({ ...s, resources: { ...s.resources, memory: '512K' } }, 'resources.memory', /Kubernetes quantity.*"512k".*\(got "512K"\)/);
  });
  it('a registry version of another model or another pinned version', () => {
    expectInvalid(spec(), 'model.name', /model "digits"/, { modelVersion: { ...VERSION_INFO, model: 'digits' } });
    expectInvalid(spec(), 'model.version', /pins version 2, but registry version 3/, { modelVersion: { ...VERSION_INFO, version: 3 } });
  });
  it('a registry version without an .onnx file served as "onnx"; its own format is taken', () => {
    const pickled: ModelVersionInfo = { ...VERSION_INFO, files: ['model.json', 'model.pkl'], metadata: { framework: 'sklearn' } };
    delete pickled.modelFile;
    expectInvalid(spec(), 'kserve.modelFormat', /version 2 of model "iris" has no \.onnx file \(files: model\.json, model\.pkl\).*framework: "sklearn"/, { modelVersion: pickled });
    assert.deepEqual(build(spec({ kserve: { modelFormat: 'sklearn' } }), { modelVersion: pickled }).spec.predictor.model.modelFormat, { name: 'sklearn' });
  });
});

describe('buildInferenceService: the whole option space validates against the CRD', () => {
  const dimensions: Record<string, Record<string, unknown>[]> = {
    protocol: [{ protocol: 'rest' }, { protocol: 'grpc' }, { kserve: { protocolVersion: 'v1' } }, { kserve: { protocolVersion: 'v2' } }],
    runtime: [{}, { kserve: { runtime: MODELDECK_RUNTIME } }, { kserve: { runtime: 'kserve-tritonserver' } }],
    modelFormat: [{}, ...KSERVE_MODEL_FORMATS.map((f) => ({ kserve: { modelFormat: f } }))],
    scaleMetric: [{}, ...KSERVE_SCALE_METRICS.map((m) => ({ kserve: { scaleMetric: m, scaleTarget: 10 } })), { kserve: { scaleTarget: 5 } }],
    concurrency: [{}, { kserve: { containerConcurrency: 0 } }, { kserve: { containerConcurrency: 16 } }],
    timeout: [{}, { kserve: { timeout: 1 } }, { kserve: { timeout: 600 } }],
    replicas: [{}, { resources: { minReplicas: 0 } }, { resources: { minReplicas: 0, maxReplicas: 5 } }, { resources: { minReplicas: 3 } }],
    resources: [{}, { resources: { cpu: '1' } }, { resources: { cpu: '0.5', memory: '512Mi' } }, { resources: { cpu: '250m', memory: '1G', gpu: 1 } }, { resources: { gpu: 4 } }],
    batcher: [{}, { batcher: { enabled: true } }, { batcher: { enabled: true, maxBatchSize: 1, maxLatencyMs: 0 } }, { batcher: { enabled: true, maxLatencyMs: 0.3 } }],
    logger: [{}, ...['all', 'request', 'response'].flatMap((mode) => [{ inferenceLogger: { mode } }, { inferenceLogger: { mode, sink: 'https://logs.example.com/ingest' } }])],
    transformer: [{}, { transformer: { script: 'transformer.py' }, kserve: { transformerImage: 'registry.example.com/t:1' } }],
    version: [{}, { model: { name: 'iris', version: 'latest' } }, { model: { name: 'iris', version: { best: { metric: 'accuracy', direction: 'max' } } } }],
    namespace: [{}, { kserve: { namespace: undefined } }],
  };

  // kserve sections of several choices merge; protocol "grpc" with a REST version is refused by the spec itself.
  function combine(choices: Record<string, unknown>[]): Record<string, unknown> | undefined {
    const out: Record<string, any> = {};
    for (const c of choices) {
      for (const [k, v] of Object.entries(c)) out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] ? { ...out[k], ...v } : v;
    }
    if (out.protocol === 'grpc' && out.kserve?.protocolVersion) return undefined;
    return out;
  }

  function check(choices: Record<string, unknown>[], label: string): void {
    const patch = combine(choices);
    if (!patch) return;
    const s = spec(patch);
    for (const ctx of [{}, { modelVersion: VERSION_INFO }, { runtime: MODELDECK_RUNTIME, image: 'registry.example.com/t:2' }]) {
      const manifest = buildInferenceService(s, ctx);
      const problems = inferenceServiceProblems(manifest);
      assert.deepEqual(problems, [], `${label} ${JSON.stringify(ctx)}:\n${JSON.stringify(manifest, null, 2)}`);
      // The YAML preview is the same object.
      assert.deepEqual(parseYaml(inferenceServiceYaml(s, ctx)), JSON.parse(JSON.stringify(manifest)));
    }
  }

  it('each value of each option, the others at their defaults', () => {
    let n = 0;
    for (const [dimension, values] of Object.entries(dimensions)) {
      for (const [i, v] of values.entries()) {
        check([v], `${dimension}[${i}]`);
        n++;
      }
    }
    assert.ok(n > 40, `walked ${n} values`);
  });

  it('every pair of options', () => {
    const entries = Object.entries(dimensions);
    let n = 0;
    for (let a = 0; a < entries.length; a++) {
      for (let b = a + 1; b < entries.length; b++) {
        for (const [i, va] of entries[a]![1].entries()) {
          for (const [j, vb] of entries[b]![1].entries()) {
            check([va, vb], `${entries[a]![0]}[${i}] × ${entries[b]![0]}[${j}]`);
            n++;
          }
        }
      }
    }
    assert.ok(n > 800, `walked ${n} pairs`);
  });

  it('everything on at once', () => {
    const all = Object.values(dimensions).map((values) => values[values.length - 1]!);
    check(all, 'last value of every option');
  });
});

describe('inferenceServiceYaml', () => {
  it('says where the manifest came from and how to apply it by hand, and keeps quantities strings', () => {
    const text = inferenceServiceYaml(spec({ resources: { cpu: '1', gpu: 1 } }), { modelVersion: VERSION_INFO });
    assert.match(text, /^# InferenceService for ModelDeck deployment "iris" \(model iris, version 2\)\.\n# .*kubectl apply --server-side --field-manager=modeldeck/);
    const doc = parseYaml(text) as Record<string, any>;
    assert.equal(doc.spec.predictor.model.resources.limits.cpu, '1');
    assert.equal(doc.spec.predictor.model.resources.limits['nvidia.com/gpu'], '1');
    assert.match(text, /cpu: "1"/);
  });

  it('throws the same typed error as the builder', () => {
    assert.throws(() => inferenceServiceYaml(parseDeployment({ ...BASE, kserve: {} })), KServeError);
  });
});
