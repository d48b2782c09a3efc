/** Typed errors for everything KServe: building manifests, reaching the cluster, waiting for it. */

/**
 * Why a KServe operation failed:
 * - `invalid-deployment`: the deployment cannot become an InferenceService (missing storageUri,
 *   a name KServe refuses, a transformer without an image, …);
 * - `no-kubeconfig`: no kubeconfig file was found where Kubernetes tools look;
 * - `bad-kubeconfig`: a kubeconfig exists but is empty, unreadable or has no usable context;
 * - `unknown-context`: the asked-for context is not in the kubeconfig;
 * - `unreachable`: the API server could not be reached (connection refused, DNS, TLS);
 * - `unauthorized`: 401/403 from the API server;
 * - `not-found`: the InferenceService (or its CRD) does not exist;
 * - `invalid`: the API server refused the manifest (400/422) — `details` carries its causes;
 * - `conflict`: server-side apply conflicts with fields another manager owns (apply again with force);
 * - `api`: any other API error;
 * - `timeout`: it did not become Ready in time;
 * - `cancelled`: the caller aborted.
 */
export type KServeErrorReason =
  | 'invalid-deployment'
  | 'no-kubeconfig'
  | 'bad-kubeconfig'
  | 'unknown-context'
  | 'unreachable'
  | 'unauthorized'
  | 'not-found'
  | 'invalid'
  | 'conflict'
  | 'api'
  | 'timeout'
  | 'cancelled';

export class KServeError extends Error {
  /** What kind of failure this is; see {@link KServeErrorReason}. */
  readonly reason: KServeErrorReason;
  /** HTTP status from the API server, when there was one. */
  readonly statusCode?: number;
  /** Extra lines a person can act on (API causes, conflicting fields, where kubeconfig was looked for). */
  readonly details: string[];

  constructor(reason: KServeErrorReason, message: string, opts: { statusCode?: number; details?: string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KServeError';
    this.reason = reason;
    this.details = opts.details ?? [];
    if (opts.statusCode !== undefined) this.statusCode = opts.statusCode;
  }
}
