import { performance } from 'node:perf_hooks';
import { InferenceError } from '../errors';
import type { InferenceLogger } from '../inferenceLog/inferenceLogger';
import type { Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import type { ModelStatsBook } from '../observability/modelStats';
import type { ModelManager } from '../repository/modelManager';
import type { LoadedVersion } from '../repository/loadedVersion';
import { invalidArgument } from '../errors';
import type { ScriptRuntime } from '../repository/loadedVersion';
import { predictionsOf, scriptValueToJson } from '../scripts/scriptValues';
import type { ScriptValue } from '../scripts/scriptProtocol';
import { decodeJsonInput, encodeJsonOutput } from '../tensor/jsonCodec';
import type { Tensor } from '../tensor/types';
import { decodeV1Request, encodeV1Response } from '../tensor/v1Codec';
import { selectOutputs, validateAgainstMetadata } from '../tensor/validateInputs';

/** Which front end a request came through (metrics label). */
export type Protocol = 'v2-rest' | 'v2-rest-binary' | 'v1-rest' | 'grpc' | 'openai';

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
  /**
   * The request as received, for the inference logger (read only when the deployment logs
   * requests; front ends pass what they already hold, nothing is built for it): the raw REST body
   * (JSON text, or the binary extension's bytes) or the decoded gRPC message.
   */
  received?: unknown;
  /** Binary extension: Inference-Header-Content-Length of `received`. */
  receivedHeaderLength?: number;
}

/** A KServe V1 request: `:predict`, or a legacy Predict script's `:classify` / `:regress`. */
export interface V1Request {
  model: string;
  requestId: string;
  verb: 'predict' | 'classify' | 'regress';
  /** The parsed JSON body ({"instances": [...]} or {"inputs": [...]}). */
  body: unknown;
  /** The raw body as received, for the inference logger (else it logs `body`). */
  received?: Buffer;
}

/** Result of one inference. */
export interface InferResult {
  model: string;
  version: number;
  outputs: Tensor[];
  /** Milliseconds waiting for a worker, inside session.run, and in total on the server. */
  timing: { queueMs: number; computeMs: number; totalMs: number };
  /**
   * The deployment's inference logger when its mode is not "none": the front end hands it the
   * answer it sends (`log.response(...)`, which does nothing unless responses are logged).
   */
  log?: InferenceLogger;
}

/**
 * The protocol-independent inference path: validate against the serving version's signature,
 * run on a worker, record stats. Every front end (V2 REST, V1 REST, gRPC) calls `infer`.
 */
/** The Prometheus children one successful request updates (cached: prom-client hashes label values on every labels() call). */
interface SuccessMetrics {
  requests: { inc(): void };
  duration: { observe(v: number): void };
  queue: { observe(v: number): void };
  compute: { observe(v: number): void };
}

export class InferenceService {
  private readonly successMetrics = new Map<string, SuccessMetrics>();

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
    // Mode "none": no logger, nothing done or allocated here.
    const log = loaded.inferenceLog;
    if (log !== undefined) log.request(req.requestId, req.protocol, started, req.received, req.receivedHeaderLength);
    try {
      let inputs = req.inputs;
      let requested = req.outputs;
      // A transformer sees the request as V2 JSON ({"inputs": [{name, shape, datatype, data}]}) whatever the protocol.
      if (loaded.transformer) {
        const body = asObject(await transform(loaded.transformer, 'preprocess', { id: req.requestId, inputs: inputs.map(encodeJsonOutput), ...(requested ? { outputs: requested } : {}) }), 'preprocess');
        if (!Array.isArray(body.inputs)) throw transformerError('preprocess', 'an object with "inputs" (a list of V2 tensors)', body);
        inputs = body.inputs.map((raw, i) => decodeJsonInput(raw, i));
        requested = body.outputs;
      }
      let outputNames: string[];
      if (loaded.script) {
        // A script declares no signature: it gets what was sent, and may return any outputs.
        outputNames = Array.isArray(requested) ? requested.map((o: { name?: unknown }) => String(o?.name)) : [];
      } else {
        validateAgainstMetadata(inputs, loaded.runtime.inputs, req.model);
        outputNames = selectOutputs(requested, loaded.runtime.outputs);
      }
      const run = await loaded.run(inputs, outputNames);
      let outputs = run.outputs as Tensor[];
      if (loaded.transformer) {
        const body = asObject(await transform(loaded.transformer, 'postprocess', { model_name: req.model, model_version: String(version), id: req.requestId, outputs: outputs.map(encodeJsonOutput) }), 'postprocess');
        if (!Array.isArray(body.outputs)) throw transformerError('postprocess', 'an object with "outputs" (a list of V2 tensors)', body);
        outputs = body.outputs.map((raw, i) => decodeJsonInput(raw, i));
      }
      const totalMs = performance.now() - started;
      this.recordSuccess(req.model, version, req.protocol, req.requestId, totalMs, run.queueMs, run.computeMs);
      return { model: req.model, version, outputs, timing: { queueMs: run.queueMs, computeMs: run.computeMs, totalMs }, log };
    } catch (err) {
      this.recordFailure(req.model, version, req.protocol, req.requestId, started, err);
      throw err;
    } finally {
      loaded.release();
    }
  }

  /**
   * KServe V1: `instances` (or `inputs`) through the transformer's preprocess, to a predictor script's
   * `predict` (rows batched with other requests when batching is on) or `classify`/`regress`, or
   * decoded for the ONNX sessions; then `{"predictions": [...]}` through postprocess.
   */
  async predictV1(req: V1Request, started = performance.now()): Promise<{ body: unknown; version: number; timing: InferResult['timing']; log?: InferenceLogger }> {
    const loaded = this.manager.acquire(req.model);
    const version = loaded.version;
    const log = loaded.inferenceLog;
    if (log !== undefined) log.request(req.requestId, 'v1-rest', started, req.received ?? req.body);
    try {
      let body = req.body;
      if (loaded.transformer) body = await transform(loaded.transformer, 'preprocess', body);
      let predictions: unknown[];
      let queueMs = 0;
      let computeMs = 0;
      if (loaded.script) {
        const instances = v1Instances(body);
        const methods = loaded.script.info.methods;
        if (!methods.includes(req.verb)) {
          throw invalidArgument(`${loaded.script.info.className} in ${loaded.script.scriptPath} has no "${req.verb}" method (it has: ${methods.join(', ') || 'none'})`);
        }
        if (req.verb === 'predict') {
          const r = await loaded.runRows(instances);
          ({ predictions, queueMs, computeMs } = r);
        } else {
          const r = await loaded.script.pool.call(req.verb, [instances as ScriptValue]);
          predictions = predictionsOf(r.result, instances.length, { method: req.verb });
          ({ queueMs, computeMs } = r);
        }
      } else {
        if (req.verb !== 'predict') throw invalidArgument(`":${req.verb}" needs a legacy Predict script with a ${req.verb} method; this deployment serves an ONNX model: use :predict`);
        const inputs = decodeV1Request(body, loaded.runtime.inputs);
        validateAgainstMetadata(inputs, loaded.runtime.inputs, req.model);
        const run = await loaded.run(inputs, selectOutputs(undefined, loaded.runtime.outputs));
        predictions = encodeV1Response(run.outputs as Tensor[]).predictions;
        ({ queueMs, computeMs } = run);
      }
      let response: unknown = { predictions };
      if (loaded.transformer) response = await transform(loaded.transformer, 'postprocess', response);
      const totalMs = performance.now() - started;
      this.recordSuccess(req.model, version, 'v1-rest', req.requestId, totalMs, queueMs, computeMs);
      return { body: response, version, timing: { queueMs, computeMs, totalMs }, log };
    } catch (err) {
      this.recordFailure(req.model, version, 'v1-rest', req.requestId, started, err);
      throw err;
    } finally {
      loaded.release();
    }
  }

  private recordSuccess(model: string, version: number, protocol: Protocol, requestId: string, totalMs: number, queueMs: number, computeMs: number): void {
    this.stats.recordSuccess(model, version, totalMs, queueMs, computeMs);
    const m = this.successMetricsOf(model, version, protocol);
    m.requests.inc();
    m.duration.observe(totalMs / 1000);
    m.queue.observe(queueMs / 1000);
    m.compute.observe(computeMs / 1000);
    if (this.logger.enabled('debug')) {
      this.logger.debug('inference', { deployment: model, requestId, version, protocol, latencyMs: round(totalMs), queueMs: round(queueMs), computeMs: round(computeMs) });
    }
  }

  private successMetricsOf(model: string, version: number, protocol: Protocol): SuccessMetrics {
    const key = `${model}\u0000${version}\u0000${protocol}`;
    let m = this.successMetrics.get(key);
    if (!m) {
      m = {
        requests: this.metrics.requests.labels(model, String(version), protocol, 'success'),
        duration: this.metrics.requestDuration.labels(model, protocol),
        queue: this.metrics.queueDuration.labels(model),
        compute: this.metrics.computeDuration.labels(model),
      };
      this.successMetrics.set(key, m);
    }
    return m;
  }

  private recordFailure(model: string, version: number, protocol: Protocol, requestId: string, started: number, err: unknown): void {
    const totalMs = performance.now() - started;
    const reason = err instanceof InferenceError ? err.reason : 'internal';
    this.stats.recordFailure(model, version, totalMs);
    this.metrics.requests.labels(model, String(version), protocol, reason).inc();
    this.logger.debug(`inference failed: ${(err as Error).message}`, { deployment: model, requestId, reason });
  }
}

/** Calls a transformer method; its answer as plain JSON. */
async function transform(t: ScriptRuntime, method: 'preprocess' | 'postprocess', body: unknown): Promise<unknown> {
  const r = await t.pool.call(method, [body as ScriptValue]);
  return scriptValueToJson(r.result);
}

function asObject(value: unknown, method: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw transformerError(method, 'an object', value);
  return value as Record<string, unknown>;
}

function transformerError(method: string, expected: string, got: unknown): InferenceError {
  const what = Array.isArray(got) ? `an array of ${got.length}` : got === null ? 'null' : typeof got === 'object' ? `an object with keys ${Object.keys(got as object).join(', ') || '(none)'}` : typeof got;
  return new InferenceError('internal', `transformer ${method} returned ${what}; expected ${expected}`);
}

/** The rows of a V1 body: "instances", or "inputs" (KServe accepts both). */
function v1Instances(body: unknown): unknown[] {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const rows = b.instances ?? b.inputs;
    if (Array.isArray(rows)) return rows;
  }
  throw invalidArgument('V1 request: expected an object with "instances" (or "inputs"): a list with one entry per row');
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
