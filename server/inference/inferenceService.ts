import { performance } from 'node:perf_hooks';
import { InferenceError } from '../errors';
import type { Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import type { ModelStatsBook } from '../observability/modelStats';
import type { ModelManager } from '../repository/modelManager';
import type { LoadedVersion } from '../repository/loadedVersion';
import type { Tensor } from '../tensor/types';
import { selectOutputs, validateAgainstMetadata } from '../tensor/validateInputs';

/** Which front end a request came through (metrics label). */
export type Protocol = 'v2-rest' | 'v2-rest-binary' | 'v1-rest' | 'grpc';

/** A decoded, protocol-independent inference request. */
export interface InferRequest {
  /** Served model (deployment) name. */
  model: string;
  /** Explicit version from the URL or request, if any. */
  version?: number;
  /** Server-side request id (logs, headers). */
  requestId: string;
  protocol: Protocol;
  inputs: Tensor[];
  /** Requested output specs as received (`outputs` of a V2 request); undefined = all. */
  outputs?: unknown;
}

/** Result of one inference. */
export interface InferResult {
  model: string;
  version: number;
  outputs: Tensor[];
  /** Milliseconds waiting for a worker, inside session.run, and in total on the server. */
  timing: { queueMs: number; computeMs: number; totalMs: number };
}

/**
 * The protocol-independent inference path: validate against the serving version's signature,
 * run on a worker, record stats. Every front end (V2 REST, V1 REST, gRPC) calls `infer`.
 */
export class InferenceService {
  constructor(
    private readonly manager: ModelManager,
    private readonly stats: ModelStatsBook,
    private readonly metrics: ServerMetrics,
    private readonly logger: Logger,
  ) {}

  /** The serving version (for decoders that need the signature before decoding, like V1). */
  target(model: string, version?: number): LoadedVersion {
    return this.manager.peek(model, version);
  }

  /** 404 for an unknown model or unserved version, before any body is read (see ModelManager.checkServed). */
  checkServed(model: string, version?: number): void {
    this.manager.checkServed(model, version);
  }

  async infer(req: InferRequest, started = performance.now()): Promise<InferResult> {
    const loaded = this.manager.acquire(req.model, req.version);
    const version = loaded.version;
    try {
      validateAgainstMetadata(req.inputs, loaded.runtime.inputs, req.model);
      const outputNames = selectOutputs(req.outputs, loaded.runtime.outputs);
      const run = await loaded.run(req.inputs, outputNames);
      const totalMs = performance.now() - started;
      this.stats.recordSuccess(req.model, version, totalMs, run.queueMs, run.computeMs);
      this.metrics.requests.labels(req.model, String(version), req.protocol, 'success').inc();
      this.metrics.requestDuration.labels(req.model, req.protocol).observe(totalMs / 1000);
      this.metrics.queueDuration.labels(req.model).observe(run.queueMs / 1000);
      this.metrics.computeDuration.labels(req.model).observe(run.computeMs / 1000);
      if (this.logger.enabled('debug')) {
        this.logger.debug('inference', {
          deployment: req.model,
          requestId: req.requestId,
          version,
          protocol: req.protocol,
          latencyMs: round(totalMs),
          queueMs: round(run.queueMs),
          computeMs: round(run.computeMs),
        });
      }
      return {
        model: req.model,
        version,
        outputs: run.outputs,
        timing: { queueMs: run.queueMs, computeMs: run.computeMs, totalMs },
      };
    } catch (err) {
      const totalMs = performance.now() - started;
      const reason = err instanceof InferenceError ? err.reason : 'internal';
      this.stats.recordFailure(req.model, version, totalMs);
      this.metrics.requests.labels(req.model, String(version), req.protocol, reason).inc();
      this.logger.debug(`inference failed: ${(err as Error).message}`, { deployment: req.model, requestId: req.requestId, reason });
      throw err;
    } finally {
      loaded.release();
    }
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
