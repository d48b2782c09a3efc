import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import type { LogFields, Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import { InferenceLogger } from './inferenceLogger';
import type { LoggedEvent } from './logEvent';
import { RecordRing } from './recordRing';
import { DEFAULT_QUEUE_LIMITS, SinkQueue, type EventQueue, type QueueLimits, type SinkCounters } from './sinkQueue';
import { SinkThread } from './sinkThread';
import { FileSink, FileWriter, type RotationOptions } from './sinks/fileSink';
import { HttpSink, httpSinkLabel, type CloudEventSource } from './sinks/httpSink';
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
  /** HTTP sinks post from the sink thread (sinkWorker.ts) rather than the main thread. */
  httpThread?: boolean;
  /** The sink thread's entry; defaults to sinkWorker.js beside the server bundle. */
  sinkWorkerScript?: string;
}

export const DEFAULT_INFERENCE_LOG_SETTINGS: InferenceLogSettings = {
  maxPayloadBytes: 1024 * 1024,
  fileMaxBytes: 100 * 1024 * 1024,
  fileKeep: 5,
  httpThread: true,
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
  /** Started with the first HTTP sink (when settings.httpThread). */
  private thread: SinkThread | undefined;

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
    const queue = this.queue(spec.name, sink, from);
    this.logger.info(`inference log: mode "${mode}" to ${queue.label}`, { deployment: spec.name, version });
    return new InferenceLogger(spec.name, version, mode, queue, (ev) => this.record(spec.name, ev), this.settings.maxPayloadBytes, this.logger);
  }

  /** The sink's queue: on the sink thread for HTTP sinks (unless turned off), else here. */
  private queue(deployment: string, sink: string | undefined, from: CloudEventSource): EventQueue {
    const limits = this.settings.queue ?? DEFAULT_QUEUE_LIMITS;
    const counters = (label: string): SinkCounters => ({
      sent: this.metrics.inferenceLogSent.labels(deployment, label),
      retried: this.metrics.inferenceLogRetried.labels(deployment, label),
      dropped: this.metrics.inferenceLogDropped.labels(deployment, label),
    });
    if (sinkKind(sink) === 'http' && this.settings.httpThread !== false) {
      const label = httpSinkLabel(sink!);
      this.thread ??= new SinkThread(this.settings.sinkWorkerScript ?? path.join(__dirname, 'sinkWorker.js'), this.logger);
      return this.thread.open({ url: sink!, label, from, deployment, limits }, counters(label));
    }
    const s = this.sink(sink, from);
    const warn = (message: string, fields: LogFields): void => this.logger.warn(message, fields);
    return new SinkQueue(s, deployment, warn, counters(s.label), limits);
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
