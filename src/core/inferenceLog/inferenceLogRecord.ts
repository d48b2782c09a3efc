/**
 * One logged inference event, as the file sink writes it (one JSON object per line), as the Kafka
 * sink sends it (the message value) and as the server's live stream serves it. Field names follow
 * Hopsworks' `inferencelog` record (modelName, modelVersion, requestTimestamp, responseHttpCode,
 * inferenceId, messageType, payload); the rest are ModelDeck's. Shared by the server (which writes
 * them) and the extension (whose Inference Log reads them): pure, no I/O.
 */
export interface InferenceLogRecord {
  /** The request id: shared by a request and its response (CloudEvents `ce-id`). */
  inferenceId: string;
  messageType: 'request' | 'response';
  /** The deployment (served name). */
  modelName: string;
  /** The version that answered. */
  modelVersion: number;
  /** When the request arrived, ms since the epoch (a response carries its request's time). */
  requestTimestamp: number;
  /** Responses only: the HTTP status (200; only answered requests log a response). */
  responseHttpCode?: number;
  /** v2-rest | v2-rest-binary | v1-rest | grpc | openai (the /openai/v1 routes of LLM predictors) */
  protocol: string;
  /** Responses only: server-side latency, ms. */
  latencyMs?: number;
  /** Content type of the payload as received / as answered ("application/json", "application/octet-stream", "application/grpc+json"). */
  contentType: string;
  /**
   * The payload: the JSON body as received / answered; a binary body (REST binary extension) as
   * `{"base64": "..."}`; a gRPC message as its JSON form (bytes fields in base64, as protobuf's JSON mapping does).
   */
  payload: unknown;
  /** REST binary extension only: the JSON header's length inside the payload's bytes (Inference-Header-Content-Length), to split it for a replay. */
  binaryHeaderLength?: number;
  /** Set when the payload was cut at the configured size: its original size in bytes. */
  truncatedFrom?: number;
}

/** Parses one JSON line of a file sink; undefined for lines that are not records (a partial last line). */
export function parseInferenceLogLine(line: string): InferenceLogRecord | undefined {
  if (!line.trim()) return undefined;
  try {
    const r = JSON.parse(line) as Partial<InferenceLogRecord>;
    if (typeof r.inferenceId !== 'string' || (r.messageType !== 'request' && r.messageType !== 'response') || typeof r.modelName !== 'string') return undefined;
    return r as InferenceLogRecord;
  } catch {
    return undefined;
  }
}
