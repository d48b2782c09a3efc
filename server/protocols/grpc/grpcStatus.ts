import { Metadata, status } from '@grpc/grpc-js';
import type { ServerErrorResponse } from '@grpc/grpc-js';
import { InferenceError } from '../../errors';
import type { InferenceErrorReason } from '../../errors';

/** gRPC status code for an error reason (the REST front end maps the same reasons to HTTP codes). */
export function grpcStatusOf(reason: InferenceErrorReason): status {
  switch (reason) {
    case 'invalid-argument':
      return status.INVALID_ARGUMENT;
    case 'not-found':
      return status.NOT_FOUND;
    case 'unavailable':
      return status.UNAVAILABLE;
    case 'resource-exhausted':
    case 'payload-too-large':
      return status.RESOURCE_EXHAUSTED;
    case 'internal':
      return status.INTERNAL;
  }
}

/**
 * The status a failed RPC answers with: an InferenceError keeps its message word for word (the
 * same text REST sends in `{"error": ...}`), anything else is INTERNAL, worded as REST words it.
 * A retry hint travels as `retry-after` trailing metadata, like REST's Retry-After header.
 */
export function toServiceError(err: unknown): ServerErrorResponse {
  if (err instanceof InferenceError) {
    const e: ServerErrorResponse = Object.assign(new Error(err.message), { code: grpcStatusOf(err.reason), details: err.message });
    if (err.retryAfterSeconds !== undefined) {
      const metadata = new Metadata();
      metadata.set('retry-after', String(err.retryAfterSeconds));
      e.metadata = metadata;
    }
    return e;
  }
  const message = `internal error: ${(err as Error)?.message ?? String(err)}`;
  return Object.assign(new Error(message), { code: status.INTERNAL, details: message });
}
