/**
 * The inference logger on KServe: an http(s) sink is the logger URL; a Kafka sink becomes the
 * address of a Knative KafkaSink (whose manifest is generated on demand); a file sink is refused.
 * InferenceServices are validated against the real CRD copy in test/specs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { buildInferenceService, inferenceServiceYaml } from '../../src/core/kserve/inferenceServiceBuilder';
import { KAFKA_SINK_API_VERSION, kafkaLoggerManifestsYaml, kafkaSinkManifest, kafkaSinkName } from '../../src/core/kserve/kafkaLogger';
import { KServeError } from '../../src/core/kserve/kserveErrors';
import { assertValidInferenceService } from '../support/kserveCrd';

function spec(inferenceLogger: Record<string, unknown>, kserve: Record<string, unknown> = { namespace: 'ml-team', storageUri: 's3://bucket/models/iris/2' }): DeploymentSpec {
  return parseDeployment({ name: 'iris', model: { name: 'iris', version: 2 }, servingTool: 'kserve', kserve, inferenceLogger });
}

const ADDRESS = 'http://kafka-sink-ingress.knative-eventing.svc.cluster.local/ml-team/iris-inference-log';

describe('KServe logger', () => {
  it('http(s) sinks: logger { mode, url } for every mode, valid against the CRD', () => {
    for (const mode of ['all', 'request', 'response'] as const) {
      const m = buildInferenceService(spec({ mode, sink: 'https://collector.example.com/events' }));
      assert.deepEqual(m.spec.predictor.logger, { mode, url: 'https://collector.example.com/events' });
      assertValidInferenceService(m, mode);
    }
  });

  it('a Kafka sink: the logger URL is the KafkaSink address in the service namespace', () => {
    const m = buildInferenceService(spec({ mode: 'request', sink: 'kafka://b1:9092,b2:9092/inference-log' }));
    assert.deepEqual(m.spec.predictor.logger, { mode: 'request', url: ADDRESS });
    assertValidInferenceService(m, 'kafka');
    // No namespace in the spec: the one it is deployed to, when given; else refused naming kserve.namespace.
    const noNs = spec({ mode: 'all', sink: 'kafka://b:9092/t' }, { storageUri: 's3://b/m' });
    assert.equal(buildInferenceService(noNs, { namespace: 'team-b' }).spec.predictor.logger?.url, 'http://kafka-sink-ingress.knative-eventing.svc.cluster.local/team-b/iris-inference-log');
    assert.throws(() => buildInferenceService(noNs), (e: unknown) => e instanceof KServeError && e.reason === 'invalid-deployment' && /^kserve\.namespace: needed with a Kafka logger sink/.test(e.message));
    assert.match(inferenceServiceYaml(spec({ mode: 'all', sink: 'kafka://b:9092/t' })), /# Its logger posts to the KafkaSink iris-inference-log[\s\S]*Generate Kafka Logger Manifests/);
  });

  it('a file sink is refused: a path means nothing in the cluster', () => {
    for (const sink of ['logs/iris.jsonl', 'file:///var/log/iris.jsonl']) {
      assert.throws(() => buildInferenceService(spec({ mode: 'all', sink })), (e: unknown) => e instanceof KServeError && /http\(s\) URL, not a file[\s\S]*means nothing inside the cluster/.test(e.message));
    }
  });

  it('generates the KafkaSink and the InferenceService pointing at it', () => {
    const s = spec({ mode: 'all', sink: 'kafka://b1:9092,b2:9093/inference-log' });
    const docs = parseAllDocuments(kafkaLoggerManifestsYaml(s)).map((d) => d.toJS());
    assert.equal(docs.length, 2);
    const [sink, service] = docs;
    assert.deepEqual(sink, {
      apiVersion: KAFKA_SINK_API_VERSION,
      kind: 'KafkaSink',
      metadata: { name: 'iris-inference-log', namespace: 'ml-team', labels: { 'app.kubernetes.io/managed-by': 'modeldeck', 'modeldeck.dev/deployment': 'iris' } },
      spec: { topic: 'inference-log', bootstrapServers: ['b1:9092', 'b2:9093'], contentMode: 'binary' },
    });
    assertValidInferenceService(service, 'generated InferenceService');
    assert.deepEqual(service.spec.predictor.logger, { mode: 'all', url: ADDRESS });
    assert.equal(service.metadata.namespace, 'ml-team');
  });

  it('without a storageUri the text still has the KafkaSink and says which logger to set', () => {
    const text = kafkaLoggerManifestsYaml(spec({ mode: 'response', sink: 'kafka://b:9092/t' }, { namespace: 'ns' }));
    const docs = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
    assert.equal(docs.length, 1);
    assert.equal(docs[0].kind, 'KafkaSink');
    assert.match(text, /# The InferenceService cannot be built yet: kserve\.storageUri: required/);
    assert.match(text, /#\s+mode: response\n#\s+url: http:\/\/kafka-sink-ingress\.knative-eventing\.svc\.cluster\.local\/ns\/iris-inference-log/);
  });

  it('refuses a deployment whose sink is not Kafka; names stay DNS labels', () => {
    assert.throws(() => kafkaSinkManifest(spec({ mode: 'all', sink: 'https://x.example.com/' })), /not a Kafka sink/);
    const long = 'a'.repeat(60);
    assert.ok(kafkaSinkName(long).length <= 63);
    assert.match(kafkaSinkName(long), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
