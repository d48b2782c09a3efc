import type { RegistrySet } from '../src/core/registry/registrySet';
import type { CompletionService } from './inference/completionService';
import type { InferenceService } from './inference/inferenceService';
import type { InferenceLogHub } from './inferenceLog/inferenceLogHub';
import type { Logger } from './observability/logger';
import type { ServerMetrics } from './observability/metrics';
import type { ModelStatsBook } from './observability/modelStats';
import type { ModelManager } from './repository/modelManager';
import type { DiscardBudget } from './protocols/rest/tooLarge';
import type { JsonDecoder } from './protocols/rest/decodePool';

/** Everything a protocol front end needs; built once in server.ts. */
export interface ServerContext {
  registry: RegistrySet;
  manager: ModelManager;
  inference: InferenceService;
  /** The OpenAI-compatible path for LLM predictors (protocols/openai/). */
  completions: CompletionService;
  /** The inference logger's live records (GET /v2/logging/{deployment}/records). */
  inferenceLog: InferenceLogHub;
  stats: ModelStatsBook;
  metrics: ServerMetrics;
  logger: Logger;
  /** Flipped by SIGTERM: readiness answers 503 from then on. */
  lifecycle: { draining: boolean; started: boolean };
  /** Server version for metadata. */
  version: string;
  /** Largest request body accepted, bytes. */
  maxBodyBytes: number;
  /** How much of an oversized body is read and discarded before the 413 goes out anyway. */
  discardBudget: DiscardBudget;
  /** V2 JSON bodies → tensors; large ones on decode threads. */
  jsonDecoder: JsonDecoder;
  /** Host header values accepted (DNS-rebinding guard); undefined = any. */
  allowedHosts?: string[];
}
