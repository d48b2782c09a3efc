import * as fs from 'node:fs';
import { Kafka, Partitioners, logLevel, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../observability/logger';
import type { LoggedEvent } from '../logEvent';
import { cloudEventAttributes, type CloudEventSource } from './httpSink';
import { SinkError, type LogSink } from './sink';

/** A `kafka://host:port[,host:port]/topic` sink, parsed. */
export interface KafkaTarget {
  brokers: string[];
  topic: string;
}

/** Parses `kafka://host:port[,host:port]/topic`; throws with the expected form. */
export function parseKafkaUrl(sink: string): KafkaTarget {
  const m = /^kafka:\/\/([^/]+)\/([^/?#]+)$/.exec(sink);
  const brokers = m ? m[1]!.split(',').map((b) => b.trim()).filter(Boolean) : [];
  if (!m || brokers.length === 0 || !brokers.every((b) => /^[^\s:]+:\d{1,5}$/.test(b))) {
    throw new Error(`inferenceLogger.sink: expected kafka://host:port[,host:port]/topic (got ${JSON.stringify(sink)})`);
  }
  return { brokers, topic: decodeURIComponent(m[2]!) };
}

/**
 * TLS and SASL from the environment (never from the deployment file, which lives in the workspace):
 * MODELDECK_KAFKA_SSL=1 (TLS; MODELDECK_KAFKA_SSL_CA_FILE: a PEM file of CAs to trust),
 * MODELDECK_KAFKA_SASL_MECHANISM (plain | scram-sha-256 | scram-sha-512) with
 * MODELDECK_KAFKA_SASL_USERNAME and MODELDECK_KAFKA_SASL_PASSWORD.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const on = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes)$/i.test(v);
  if (on(env.MODELDECK_KAFKA_SSL) || env.MODELDECK_KAFKA_SSL_CA_FILE) {
    out.ssl = env.MODELDECK_KAFKA_SSL_CA_FILE ? { ca: [fs.readFileSync(env.MODELDECK_KAFKA_SSL_CA_FILE, 'utf8')] } : true;
  }
  const mechanism = env.MODELDECK_KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
      throw new Error(`MODELDECK_KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512 (got "${mechanism}")`);
    }
    out.sasl = { mechanism, username: env.MODELDECK_KAFKA_SASL_USERNAME ?? '', password: env.MODELDECK_KAFKA_SASL_PASSWORD ?? '' } as SASLOptions;
  }
  return out;
}

/**
 * Kafka through kafkajs (pure JavaScript): one message per event, key = the request id, value =
 * the InferenceLogRecord JSON, CloudEvents attributes as `ce_` headers (the Kafka protocol
 * binding's form). Batches go out with one sendBatch. kafkajs's own retries are off: the queue
 * retries with its backoff, so a dead broker costs a bounded time and then drops.
 */
export class KafkaSink implements LogSink {
  readonly maxBatch = 500;
  readonly concurrency = 1;
  readonly label: string;
  private readonly target: KafkaTarget;
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    sink: string,
    private readonly from: CloudEventSource,
    logger: Logger,
  ) {
    this.target = parseKafkaUrl(sink);
    this.label = `kafka://${this.target.brokers.join(',')}/${this.target.topic}`;
    const kafka = new Kafka({
      clientId: 'modeldeck',
      brokers: this.target.brokers,
      ...kafkaSecurityFromEnv(),
      connectionTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 0 },
      // kafkajs logs every failed connection at error level: that is the queue's business (one
      // warning when drops start); its lines go to debug.
      logCreator: () => (entry) => {
        if (logger.enabled('debug')) logger.debug(`kafkajs: ${entry.log.message}`, { sink: this.label, namespace: entry.namespace });
      },
      logLevel: logLevel.WARN,
    });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true, retry: { retries: 0 } });
  }

  async send(batch: LoggedEvent[]): Promise<void> {
    try {
      this.connected ??= this.producer.connect();
      await this.connected;
      await this.producer.sendBatch({
        topicMessages: [
          {
            topic: this.target.topic,
            messages: batch.map((ev) => {
              const headers: Record<string, string> = { 'content-type': 'application/json' };
              for (const [k, v] of Object.entries(cloudEventAttributes(ev, this.from))) headers[`ce_${k}`] = v;
              return { key: ev.meta.inferenceId, value: ev.line, headers };
            }),
          },
        ],
      });
    } catch (err) {
      // Connect afresh next time: a producer whose broker went away does not always recover by itself.
      const was = this.connected;
      this.connected = undefined;
      if (was) await this.producer.disconnect().catch(() => undefined);
      throw new SinkError(`${this.label}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
    this.connected = undefined;
  }
}
