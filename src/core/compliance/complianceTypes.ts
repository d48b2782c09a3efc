/**
 * The endpoint compliance check's data: what each check tested (and against which section of the
 * Open Inference Protocol or KServe V1), its verdict, and every exchange it made. Plain data shared
 * by the runner, the CLI, the Markdown export and the report webview.
 */

export type CheckStatus = 'pass' | 'fail' | 'skipped';

/** One request and its answer, as the report shows them (bodies truncated). */
export interface Exchange {
  /** "GET", "POST", or "gRPC". */
  method: string;
  /** URL, or the gRPC method (`inference.GRPCInferenceService/ServerLive`). */
  target: string;
  requestBody?: string;
  /** HTTP status ("200"), or the gRPC status name ("OK", "NOT_FOUND"). */
  status?: string;
  responseBody?: string;
  /** The connection failed (refused, timed out). */
  error?: string;
}

export interface CheckResult {
  /** Stable id, e.g. `rest.health.live`, `rest.datatype.FP32`, `grpc.infer.raw`. */
  id: string;
  title: string;
  /** The spec section it tests, e.g. "OIP REST · Health". */
  section: string;
  /** Link to that section. */
  sectionUrl: string;
  status: CheckStatus;
  /** Why it passed, what was missing or wrong, or why it was skipped. One or two sentences. */
  detail: string;
  exchanges: Exchange[];
}

/** What is checked. */
export interface ComplianceTarget {
  /** REST base URL (http://host:port, with any path prefix). */
  url: string;
  /** gRPC host:port; gRPC checks are skipped without it. */
  grpc?: string;
  /** gRPC :authority to send (a KServe service behind an ingress is routed by it). */
  grpcAuthority?: string;
  /** The model; when absent, the first ready model of the repository index. */
  model?: string;
  /** Sent with every request (Host, Authorization). */
  headers?: Record<string, string>;
  /** A V2 request body (or V1 instances) to infer with instead of a generated example. */
  example?: unknown;
}

export interface ComplianceReport {
  target: ComplianceTarget;
  /** The model checked (resolved from the index when not given). */
  model?: string;
  startedAt: string;
  durationMs: number;
  results: CheckResult[];
  counts: Record<CheckStatus, number>;
}

/** A check's verdict before the runner adds its id, title and exchanges. */
export interface Verdict {
  status: CheckStatus;
  detail: string;
}

export const pass = (detail: string): Verdict => ({ status: 'pass', detail });
export const fail = (detail: string): Verdict => ({ status: 'fail', detail });
export const skip = (detail: string): Verdict => ({ status: 'skipped', detail });

const REST_SPEC = 'https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md';
const GRPC_SPEC = 'https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_grpc.md';

/** The spec sections the checks cite. */
export const SECTIONS = {
  health: { section: 'OIP REST · Health', url: `${REST_SPEC}#health` },
  serverMetadata: { section: 'OIP REST · Server Metadata', url: `${REST_SPEC}#server-metadata` },
  modelMetadata: { section: 'OIP REST · Model Metadata', url: `${REST_SPEC}#model-metadata` },
  inference: { section: 'OIP REST · Inference', url: `${REST_SPEC}#inference` },
  tensorData: { section: 'OIP REST · Tensor Data / Tensor Data Types', url: `${REST_SPEC}#tensor-data` },
  errors: { section: 'OIP REST · Errors (HTTP status codes)', url: `${REST_SPEC}#httprest` },
  binary: { section: 'Binary Tensor Data extension', url: 'https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_binary_data.md' },
  v1: { section: 'KServe V1 protocol', url: 'https://kserve.github.io/website/latest/modelserving/data_plane/v1_protocol/' },
  grpcHealth: { section: 'OIP gRPC · Health', url: `${GRPC_SPEC}#health` },
  grpcMetadata: { section: 'OIP gRPC · Server / Model Metadata', url: `${GRPC_SPEC}#server-metadata` },
  grpcInfer: { section: 'OIP gRPC · Inference', url: `${GRPC_SPEC}#inference` },
  grpcErrors: { section: 'OIP gRPC · Errors (status codes)', url: `${GRPC_SPEC}#grpc` },
} as const;

export type SectionKey = keyof typeof SECTIONS;
