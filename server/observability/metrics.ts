import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds: sub-millisecond resolution where small models live. */
const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Prometheus metrics of one server instance (its own registry, so tests can run several). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'modeldeck_inference_requests_total',
    help: 'Inference requests by model, version, protocol and outcome (success, or the error reason).',
    labelNames: ['model', 'version', 'protocol', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'modeldeck_inference_request_duration_seconds',
    help: 'Server-side time of a successful inference request, from decoding to encoding.',
    labelNames: ['model', 'protocol'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly queueDuration = new Histogram({
    name: 'modeldeck_inference_queue_duration_seconds',
    help: 'Time a request waited for a free inference worker.',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly computeDuration = new Histogram({
    name: 'modeldeck_inference_compute_duration_seconds',
    help: 'Time inside the ONNX Runtime session.run call.',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly batchRequests = new Histogram({
    name: 'modeldeck_batch_requests',
    help: 'Requests per runtime execution (1 = unbatched).',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly batchRows = new Histogram({
    name: 'modeldeck_batch_rows',
    help: 'Rows (dimension 0) per runtime execution.',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  /** Pool events off the request path (a worker thread or script host lost, replaced, given up on). */
  readonly workerEvents = new Counter({
    name: 'modeldeck_worker_events_total',
    help: 'Inference workers (threads or script hosts) lost, restarted, or given up on, by model (deployment).',
    labelNames: ['model', 'event'] as const,
    registers: [this.registry],
  });
  /** Large V2 JSON bodies (at least --decode-min-bytes) by where they were decoded. */
  readonly jsonDecodes = new Counter({
    name: 'modeldeck_json_decodes_total',
    help: 'Large V2 JSON request bodies decoded, by where: "thread" (a decode thread) or "main" (the event loop: a lone request, or threads not started).',
    labelNames: ['where'] as const,
    registers: [this.registry],
  });
  readonly modelReady = new Gauge({
    name: 'modeldeck_model_ready',
    help: '1 when the model version is loaded and serving, else 0.',
    labelNames: ['model', 'version', 'provider'] as const,
    registers: [this.registry],
  });

  readonly llmTimeToFirstToken = new Histogram({
    name: 'modeldeck_llm_time_to_first_token_seconds',
    help: 'OpenAI routes: time from the request to the first chunk (streamed) or to the whole answer.',
    labelNames: ['model', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly llmTokens = new Counter({
    name: 'modeldeck_llm_tokens_total',
    help: 'OpenAI routes: tokens the predictor reported in usage, by kind (prompt, completion).',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });
  readonly llmTokensPerSecond = new Histogram({
    name: 'modeldeck_llm_tokens_per_second',
    help: 'OpenAI routes: completion tokens per second of generation (when the predictor reports usage).',
    labelNames: ['model'] as const,
    buckets: [1, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [this.registry],
  });

  readonly inferenceLogSent = new Counter({
    name: 'modeldeck_inference_log_sent_total',
    help: 'Inference log events delivered, by deployment and sink.',
    labelNames: ['deployment', 'sink'] as const,
    registers: [this.registry],
  });
  readonly inferenceLogRetried = new Counter({
    name: 'modeldeck_inference_log_retried_total',
    help: 'Inference log events sent again after a failed attempt, by deployment and sink.',
    labelNames: ['deployment', 'sink'] as const,
    registers: [this.registry],
  });
  readonly inferenceLogDropped = new Counter({
    name: 'modeldeck_inference_log_dropped_total',
    help: 'Inference log events dropped (queue full, sink down past the retries, or not sent when closing), by deployment and sink.',
    labelNames: ['deployment', 'sink'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'modeldeck_' });
  }
}
