/**
 * Where a Kafka logger sink is reached from inside a cluster: the name and address of the Knative
 * KafkaSink that stands in for a `kafka://` sink (see kafkaLogger.ts), shared by the manifest
 * builder (the InferenceService's logger URL) and the KafkaSink manifest. Pure.
 */
import type { DeploymentSpec } from '../deployment/deploymentSpec';
import { parseSink } from '../inferenceLog/sinkForms';
import { KServeError } from './kserveErrors';

export const KAFKA_SINK_API_VERSION = 'eventing.knative.dev/v1alpha1';
/** Where Knative's KafkaSink data plane answers (eventing-kafka-broker's default install). */
export const KAFKA_SINK_INGRESS = 'http://kafka-sink-ingress.knative-eventing.svc.cluster.local';

const SUFFIX = '-inference-log';

/** The KafkaSink's name for a deployment: `<deployment>-inference-log`, cut to a 63-character DNS label. */
export function kafkaSinkName(deployment: string): string {
  return `${deployment.slice(0, 63 - SUFFIX.length).replace(/-+$/, '')}${SUFFIX}`;
}

/** The URL a KafkaSink answers on (its `status.address.url` once ready). */
export function kafkaSinkAddress(name: string, namespace: string): string {
  return `${KAFKA_SINK_INGRESS}/${namespace}/${name}`;
}

/** The brokers and topic of a deployment whose sink is Kafka; undefined for other sinks. */
export function kafkaTarget(spec: DeploymentSpec): { brokers: string[]; topic: string } | undefined {
  const sink = spec.inferenceLogger.sink;
  if (sink === undefined) return undefined;
  const parsed = parseSink(sink);
  return parsed.ok && parsed.sink.kind === 'kafka' ? { brokers: parsed.sink.brokers, topic: parsed.sink.topic } : undefined;
}

/**
 * The namespace the KafkaSink and the InferenceService share: the deployment's `kserve.namespace`,
 * else the one given (the namespace ModelDeck deploys to). The logger URL names it, so without one
 * there is no URL: refused naming `kserve.namespace`.
 */
export function kafkaLoggerNamespace(spec: DeploymentSpec, namespace?: string): string {
  const ns = spec.kserve.namespace ?? namespace;
  if (!ns) {
    throw new KServeError(
      'invalid-deployment',
      'kserve.namespace: needed with a Kafka logger sink: KServe reaches Kafka through a KafkaSink in the InferenceService\'s namespace, and the logger URL names that namespace (got nothing)',
      { details: ['kserve.namespace'] },
    );
  }
  return ns;
}

