/** Failures of the Kubernetes client library, turned into KServeErrors that say what to do. */
import { INFERENCE_SERVICE_PLURAL, KSERVE_GROUP } from './kserveTypes';
import { KServeError, type KServeErrorReason } from './kserveErrors';

/** A Kubernetes Status body, as the API server sends with every error. */
interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

/**
 * Any failure of the client library as a KServeError: HTTP errors by status (with the API
 * server's message and causes), connection failures as "unreachable" naming the server.
 */
export function toKServeError(err: unknown, what: string, server: string, context?: string): KServeError {
  if (err instanceof KServeError) return err;
  const e = err as { code?: unknown; body?: unknown; message?: string; type?: string };
  if (typeof e?.code === 'number') {
    const status = parseStatus(e.body);
    const message = status?.message ?? (typeof e.body === 'string' && e.body ? e.body : `HTTP ${e.code}`);
    const causes = (status?.details?.causes ?? []).map((c) => [c.field, c.message].filter(Boolean).join(': '));
    const reason = reasonFor(e.code);
    let text = `${what}: ${message}`;
    if (e.code === 404 && /could not find the requested resource/.test(message)) {
      text = `${what}: KServe is not installed in this cluster (the API server has no ${INFERENCE_SERVICE_PLURAL}.${KSERVE_GROUP} resource)`;
    } else if (e.code === 403 && /admission webhook/.test(message)) {
      // KServe's validating webhook denies with 403; it is about the manifest, not the credentials.
      return new KServeError('invalid', `${what}: ${message}`, { statusCode: e.code, details: causes, cause: err });
    } else if (e.code === 401 || e.code === 403) {
      text = `${what}: the API server refused the credentials of context ${context ?? '?'} (${e.code}): ${message}`;
    } else if (e.code === 409) {
      text = `${what}: conflicts with changes another tool made; apply with force to take the fields over: ${message}`;
    }
    return new KServeError(reason, text, { statusCode: e.code, details: causes, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code || e?.type === 'system' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|certificate|socket hang up/i.test(message)) {
    return new KServeError('unreachable', `${what}: cannot reach the Kubernetes API server ${server}${context ? ` (context ${context})` : ''}: ${message}`, { cause: err });
  }
  return new KServeError('api', `${what}: ${message}`, { cause: err });
}

function reasonFor(code: number): KServeErrorReason {
  if (code === 401 || code === 403) return 'unauthorized';
  if (code === 404) return 'not-found';
  if (code === 409) return 'conflict';
  if (code === 400 || code === 422) return 'invalid';
  return 'api';
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (body && typeof body === 'object') return body as StatusBody;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}
