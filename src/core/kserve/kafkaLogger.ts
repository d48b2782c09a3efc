/**
 * Kafka as a KServe logger sink. KServe's logger only POSTs CloudEvents to an HTTP URL, so a
 * `kafka://host:port/topic` sink reaches Kafka through Knative Eventing's **KafkaSink**
 * (`eventing.knative.dev/v1alpha1`, from eventing-kafka-broker): an addressable that writes every
 * CloudEvent it receives to a topic. Its address is served by the shared `kafka-sink-ingress` in
 * `knative-eventing`, at `/<namespace>/<name>`; the InferenceService's `predictor.logger.url`
 * points there. Pure: no cluster, no files.
 */
import { stringify } from 'yaml';
import type { DeploymentSpec } from '../deployment/deploymentSpec';
import { buildInferenceService, type InferenceServiceContext } from './inferenceServiceBuilder';
import { KServeError } from './kserveErrors';
import { FIELD_MANAGER, MODELDECK_KEYS } from './kserveTypes';
import { KAFKA_SINK_API_VERSION, kafkaLoggerNamespace, kafkaSinkAddress, kafkaSinkName, kafkaTarget } from './kafkaSinkAddress';

export { KAFKA_SINK_API_VERSION, KAFKA_SINK_INGRESS, kafkaLoggerNamespace, kafkaSinkAddress, kafkaSinkName, kafkaTarget } from './kafkaSinkAddress';

/** A KafkaSink manifest, as much of it as ModelDeck writes. */
export interface KafkaSinkManifest {
  apiVersion: typeof KAFKA_SINK_API_VERSION;
  kind: 'KafkaSink';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    topic: string;
    bootstrapServers: string[];
    /** "binary": CloudEvent attributes become `ce_*` Kafka headers, the value is the payload as logged. */
    contentMode: 'binary' | 'structured';
  };
}

/** The KafkaSink that writes a deployment's logged events to its `kafka://` topic. */
export function kafkaSinkManifest(spec: DeploymentSpec, namespace?: string): KafkaSinkManifest {
  const target = kafkaTarget(spec);
  if (!target) {
    throw new KServeError('invalid-deployment', `inferenceLogger.sink: not a Kafka sink (kafka://host:port[,host:port]/topic; got ${JSON.stringify(spec.inferenceLogger.sink ?? null)})`, {
      details: ['inferenceLogger.sink'],
    });
  }
  return {
    apiVersion: KAFKA_SINK_API_VERSION,
    kind: 'KafkaSink',
    metadata: {
      name: kafkaSinkName(spec.name),
      namespace: kafkaLoggerNamespace(spec, namespace),
      labels: { [MODELDECK_KEYS.managedBy]: FIELD_MANAGER, [MODELDECK_KEYS.deployment]: spec.name },
    },
    spec: { topic: target.topic, bootstrapServers: target.brokers, contentMode: 'binary' },
  };
}

/**
 * The manifests that make a Kafka logger sink work on KServe, as one YAML text: the KafkaSink, then
 * the InferenceService whose logger URL is the KafkaSink's address. When the InferenceService
 * cannot be built yet (no storageUri, …) the text still has the KafkaSink, and says what to fix and
 * which logger to set.
 */
export function kafkaLoggerManifestsYaml(spec: DeploymentSpec, ctx: InferenceServiceContext & { namespace?: string } = {}): string {
  const sink = kafkaSinkManifest(spec, ctx.namespace);
  const url = kafkaSinkAddress(sink.metadata.name, sink.metadata.namespace);
  const mode = spec.inferenceLogger.mode === 'none' ? 'all' : spec.inferenceLogger.mode;
  const header = [
    `# Kafka logger for ModelDeck deployment "${spec.name}" on KServe.`,
    `# KServe's logger POSTs CloudEvents to an HTTP URL; the KafkaSink below (Knative Eventing,`,
    `# eventing-kafka-broker: https://knative.dev/docs/eventing/sinks/kafka-sink/) receives them and`,
    `# writes each to topic "${sink.spec.topic}" on ${sink.spec.bootstrapServers.join(', ')} (binary mode:`,
    `# CloudEvents attributes as ce_* headers, the payload as the value).`,
    `# Needs Knative Eventing with the Kafka sink data plane in the cluster. Apply:`,
    `#   kubectl apply -f <this file>`,
    `# The logger URL is the KafkaSink's address: ${url}`,
    `# (check it with: kubectl get kafkasink ${sink.metadata.name} -n ${sink.metadata.namespace} -o jsonpath='{.status.address.url}')`,
  ];
  let service: string;
  try {
    const manifest = buildInferenceService(spec, { ...ctx, namespace: sink.metadata.namespace });
    manifest.metadata.namespace ??= sink.metadata.namespace;
    service = stringify(manifest, { lineWidth: 0 });
  } catch (err) {
    if (!(err instanceof KServeError)) throw err;
    service =
      `# The InferenceService cannot be built yet: ${err.message}\n` +
      `# Fix that (the deployment form's KServe section), then give its predictor this logger:\n` +
      stringify({ spec: { predictor: { logger: { mode, url } } } }, { lineWidth: 0 })
        .split('\n')
        .filter(Boolean)
        .map((l) => `#   ${l}`)
        .join('\n') +
      '\n';
  }
  return `${header.join('\n')}\n${stringify(sink, { lineWidth: 0 })}---\n${service}`;
}
