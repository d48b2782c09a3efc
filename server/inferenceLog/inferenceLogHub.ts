import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import type { Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import { InferenceLogger } from './inferenceLogger';
import type { LoggedEvent } from './logEvent';
import { RecordRing } from './recordRing';
import { DEFAULT_QUEUE_LIMITS, SinkQueue, type QueueLimits } from './sinkQueue';
import { FileSink, FileWriter, type RotationOptions } from './sinks/fileSink';
import { HttpSink, type CloudEventSource } from './sinks/httpSink';
import { KafkaSink } from './sinks/kafkaSink';
import { ServerLogSink } from './sinks/serverLogSink';
import type { LogSink } from './sinks/sink';

/** Server-wide settings of the inference logger (command line). */
export interface InferenceLogSettings {
  /** Payloads over this many bytes are cut (`truncatedFrom` says the original size). */
  maxPayloadBytes: number;
  /** File sinks rotate past this size. */
  fileMaxBytes: number;
  /** Rotated files kept (`<file>.1` … `<file>.N`). */
  fileKeep: number;
  /** Per-sink queue bounds. */
  queue?: QueueLimits;
}

export const DEFAULT_INFERENCE_LOG_SETTINGS: InferenceLogSettings = {
  maxPayloadBytes: 1024 * 1024,
  fileMaxBytes: 100 * 1024 * 1024,
  fileKeep: 5,
};

/** What kind of sink a deployment's `inferenceLogger.sink` names. */
export type SinkKind = 'http' | 'kafka' | 'file' | 'server-log';

/** The kind of a sink string (undefined: the server log). */
export function sinkKind(sink: string | undefined): SinkKind {
  if (sink === undefined || sink.trim() === '') return 'server-log';
  if (/^https?:\/\//i.test(sink)) return 'http';
  if (/^kafka:\/\//i.test(sink)) return 'kafka';
  return 'file';
}

/** A file sink's path: `file:///abs`, or a plain path (relative ones against `baseDir`). */
export function fileSinkPath(sink: string, baseDir = process.cwd()): string {
  return sink.startsWith('file:') ? fileURLToPath(sink) : path.resolve(baseDir, sink);
}

/**
 * The server's inference logging: makes one InferenceLogger per loaded version (with its own sink
 * and queue), shares file writers by path, and keeps each logging deployment's last records for
 * the live stream (`GET /v2/logging/{deployment}/records`), whatever its sink.
 */
export class InferenceLogHub {
  private readonly rings = new Map<string, RecordRing>();
  /** Next sequence number per deployment, kept when its ring goes, so numbers never repeat. */
  private readonly nextSeq = new Map<string, number>();
  private readonly writers = new Map<string, FileWriter>();

  constructor(
    private readonly settings: InferenceLogSettings,
    private readonly logger: Logger,
    private readonly metrics: ServerMetrics,
  ) {}

  /** The logger for a version about to serve; undefined when the deployment's mode is "none". Throws for a malformed sink. */
  open(spec: DeploymentSpec, version: number): InferenceLogger | undefined {
    const { mode, sink } = spec.inferenceLogger;
    if (mode === 'none') return undefined;
    const from: CloudEventSource = {
      source: `http://localhost/modeldeck/${encodeURIComponent(spec.name)}`,
      deployment: spec.name,
      namespace: spec.servingTool === 'kserve' ? (spec.kserve.namespace ?? 'default') : 'local',
      component: 'predictor',
      endpoint: 'default',
    };
    const s = this.sink(sink, from);
    const queue = new SinkQueue(s, spec.name, this.logger, this.metrics, this.settings.queue ?? DEFAULT_QUEUE_LIMITS);
    this.logger.info(`inference log: mode "${mode}" to ${s.label}`, { deployment: spec.name, version });
    return new InferenceLogger(spec.name, version, mode, queue, (ev) => this.record(spec.name, ev), this.settings.maxPayloadBytes, this.logger);
  }

  private sink(sink: string | undefined, from: CloudEventSource): LogSink {
    switch (sinkKind(sink)) {
      case 'server-log':
        return new ServerLogSink(this.logger);
      case 'http':
        return new HttpSink(sink!, from);
      case 'kafka':
        return new KafkaSink(sink!, from, this.logger);
      case 'file': {
        const file = fileSinkPath(sink!);
        let writer = this.writers.get(file);
        if (!writer) {
          const rotation: RotationOptions = { maxBytes: this.settings.fileMaxBytes, keep: this.settings.fileKeep };
          writer = new FileWriter(file, rotation);
          this.writers.set(file, writer);
        }
        writer.users++;
        const w = writer;
        let released = false;
        return new FileSink(w, async () => {
          if (released) return;
          released = true;
          if (--w.users === 0) {
            this.writers.delete(file);
            await w.close();
          }
        });
      }
    }
  }

  private record(deployment: string, ev: LoggedEvent): void {
    let ring = this.rings.get(deployment);
    if (!ring) {
      ring = new RecordRing(this.nextSeq.get(deployment) ?? 0);
      this.rings.set(deployment, ring);
    }
    ring.push(ev);
  }

  /** Forgets a deployment's records (its mode became "none", or it was removed). */
  forget(deployment: string): void {
    const ring = this.rings.get(deployment);
    if (!ring) return;
    this.nextSeq.set(deployment, ring.next);
    this.rings.delete(deployment);
  }

  /** The live stream's answer for a deployment: `{"next": n, "records": [...]}` from `since` on. */
  records(deployment: string, since: number): string {
    const ring = this.rings.get(deployment);
    if (ring) return ring.since(since);
    return `{"next":${this.nextSeq.get(deployment) ?? 0},"records":[]}`;
  }
}
