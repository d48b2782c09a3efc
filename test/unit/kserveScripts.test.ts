/**
 * Script deployments on KServe: a predictor or in-server transformer makes the InferenceService
 * serve the deployment's artifact with ModelDeck's script runtime (format modeldeck-artifact), in
 * the image built for it; a transformer with an image of its own stays KServe's separate component;
 * Kafka logging through the server takes its credentials from a Secret. Every manifest is validated
 * against the real CRD copy in test/specs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import {
  MODELDECK_SCRIPT_FORMAT,
  MODELDECK_SCRIPT_RUNTIME,
  buildInferenceService,
  deploysAsArtifact,
  serverWritesKafka,
} from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeError } from '../../src/core/kserve/kserveErrors';
import { clusterServingRuntime } from '../../src/core/kserve/runtimeFiles';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { assertValidInferenceService } from '../support/kserveCrd';

const PICKLED: ModelVersionInfo = { model: 'iris-sklearn', version: 1, dir: '/r/iris-sklearn/1', files: ['labels.txt', 'model.json', 'model.pkl'], metadata: { framework: 'sklearn' } };
const ARTIFACT = { version: 3, contentSha256: 'ab'.repeat(32) };

function spec(patch: Record<string, any> = {}): DeploymentSpec {
  return parseDeployment({
    name: 'iris-sklearn',
    model: { name: 'iris-sklearn', version: 'latest' },
    modelServer: 'script',
    servingTool: 'kserve',
    predictor: { script: 'scripts/iris_sklearn_predictor.py' },
    ...patch,
    kserve: { namespace: 'ml-team', storageUri: 's3://models/{model}/{version}/artifacts/{artifact}', ...patch.kserve },
  });
}

describe('InferenceService of a script deployment', () => {
  it('serves the artifact: script runtime, artifact format, {artifact} filled in, the image built for it, artifact annotations', () => {
    const s = spec({ kserve: { image: 'registry.example.com/ml/iris-sklearn:a3' } });
    assert.equal(deploysAsArtifact(s), true);
    const m = buildInferenceService(s, { modelVersion: PICKLED, artifact: ARTIFACT });
    assertValidInferenceService(m, 'script');
    const model = m.spec.predictor.model;
    assert.deepEqual(model.modelFormat, { name: MODELDECK_SCRIPT_FORMAT });
    assert.equal(model.runtime, MODELDECK_SCRIPT_RUNTIME);
    assert.equal(model.storageUri, 's3://models/iris-sklearn/1/artifacts/3');
    assert.equal(model.image, 'registry.example.com/ml/iris-sklearn:a3');
    assert.equal(m.metadata.annotations?.['modeldeck.dev/artifact-version'], '3');
    assert.equal(m.metadata.annotations?.['modeldeck.dev/artifact-sha256'], ARTIFACT.contentSha256);
    assert.equal(m.spec.transformer, undefined);
    // The image built by Deploy to KServe wins over the file's.
    assert.equal(buildInferenceService(s, { modelVersion: PICKLED, artifact: ARTIFACT, artifactImage: 'r/x:b' }).spec.predictor.model.image, 'r/x:b');
    // Without an image, the runtime's own.
    assert.equal(buildInferenceService(spec(), { modelVersion: PICKLED, artifact: ARTIFACT }).spec.predictor.model.image, undefined);
  });

  it('the script runtime takes what the builder asks of it: format, protocols, gRPC port', () => {
    const runtime = clusterServingRuntime({ image: 'r/modeldeck-runtime-scripts:1', variant: 'python' });
    assert.equal(runtime.metadata.name, MODELDECK_SCRIPT_RUNTIME);
    assert.deepEqual(runtime.spec.containers[0]!.args, [], 'no --model-name: the deployment file in the artifact names the model');
    for (const protocol of ['rest', 'grpc'] as const) {
      const m = buildInferenceService(spec({ protocol }), { modelVersion: PICKLED, artifact: ARTIFACT });
      assertValidInferenceService(m, protocol);
      assert.ok(runtime.spec.supportedModelFormats.some((f) => f.name === m.spec.predictor.model.modelFormat.name));
      assert.ok(runtime.spec.protocolVersions.includes(m.spec.predictor.model.protocolVersion));
      if (protocol === 'grpc') assert.equal(m.spec.predictor.model.ports?.[0]?.containerPort, 8081);
    }
  });

  it('a transformer runs in the server from the artifact, unless transformerImage asks for KServe\'s separate component', () => {
    const inServer = parseDeployment({ name: 'iris-t', model: { name: 'iris', version: 2 }, servingTool: 'kserve', transformer: { script: 'scripts/iris_transformer.py' }, kserve: { storageUri: 's3://m/{model}/{version}/{artifact}' } });
    assert.equal(deploysAsArtifact(inServer), true);
    const m = buildInferenceService(inServer, { artifact: { version: 1 } });
    assertValidInferenceService(m, 'in-server transformer');
    assert.equal(m.spec.transformer, undefined);
    assert.equal(m.spec.predictor.model.runtime, MODELDECK_SCRIPT_RUNTIME);
    const apart = parseDeployment({ ...inServer, kserve: { storageUri: 's3://m/iris/2', transformerImage: 'r/t:1' } });
    assert.equal(deploysAsArtifact(apart), false);
    const m2 = buildInferenceService(apart);
    assertValidInferenceService(m2, 'separate transformer');
    assert.equal(m2.spec.transformer?.containers[0]?.image, 'r/t:1');
    assert.equal(m2.spec.predictor.model.modelFormat.name, 'onnx');
  });

  it('loggers: http(s) → KServe\'s logger; Kafka → a KafkaSink by default, or the server with the Secret\'s environment', () => {
    const http = buildInferenceService(spec({ inferenceLogger: { mode: 'all', sink: 'http://dumper.ml-team/' } }), { modelVersion: PICKLED, artifact: ARTIFACT });
    assert.deepEqual(http.spec.predictor.logger, { mode: 'all', url: 'http://dumper.ml-team/' });
    const viaSink = buildInferenceService(spec({ inferenceLogger: { mode: 'all', sink: 'kafka://kafka:9092/inference' } }), { modelVersion: PICKLED, artifact: ARTIFACT });
    assert.match(viaSink.spec.predictor.logger?.url ?? '', /kafka-sink-ingress.*\/ml-team\/iris-sklearn-inference-log$/);
    const direct = spec({ inferenceLogger: { mode: 'all', sink: 'kafka://kafka:9092/inference' }, kserve: { kafkaLogging: 'server', kafkaSecret: 'kafka-credentials' } });
    assert.equal(serverWritesKafka(direct), true);
    const m = buildInferenceService(direct, { modelVersion: PICKLED, artifact: ARTIFACT });
    assertValidInferenceService(m, 'kafka server');
    assert.equal(m.spec.predictor.logger, undefined, 'no KServe logger: the server writes');
    assert.deepEqual(m.spec.predictor.model.envFrom, [{ secretRef: { name: 'kafka-credentials' } }]);
  });

  it('refuses server-side Kafka logging for a deployment without scripts (no deployment file in the pod)', () => {
    const onnx = parseDeployment({ name: 'iris', model: { name: 'iris', version: 2 }, servingTool: 'kserve', inferenceLogger: { mode: 'all', sink: 'kafka://k:9092/t' }, kserve: { storageUri: 's3://m/iris/2', kafkaLogging: 'server' } });
    assert.throws(() => buildInferenceService(onnx), (err: unknown) => err instanceof KServeError && err.details[0] === 'kserve.kafkaLogging' && /only deployments with scripts/.test(err.message));
  });

  it('a pickled version is fine for a predictor script (it serves what the version holds)', () => {
    assert.doesNotThrow(() => buildInferenceService(spec(), { modelVersion: PICKLED, artifact: ARTIFACT }));
  });
});
