/**
 * Typed inference errors. Every protocol front end maps `reason` to its own status
 * (REST: HTTP code; gRPC: status code) so that messages stay identical across protocols.
 */
export type InferenceErrorReason =
  | 'invalid-argument' // 400 / INVALID_ARGUMENT: bad JSON, shape, datatype, name, byte size
  | 'not-found' // 404 / NOT_FOUND: unknown model or version
  | 'unavailable' // 503 / UNAVAILABLE: model not ready, server shutting down, queue full
  | 'resource-exhausted' // 503 / RESOURCE_EXHAUSTED: queue full
  | 'payload-too-large' // 413 / RESOURCE_EXHAUSTED: body over the configured limit
  | 'internal'; // 500 / INTERNAL: the runtime failed

export class InferenceError extends Error {
  constructor(
    readonly reason: InferenceErrorReason,
    message: string,
    /** Seconds a client should wait before retrying (503 only). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}

export const invalidArgument = (message: string): InferenceError => new InferenceError('invalid-argument', message);
export const notFound = (message: string): InferenceError => new InferenceError('not-found', message);
export const unavailable = (message: string, retryAfterSeconds?: number): InferenceError =>
  new InferenceError('unavailable', message, retryAfterSeconds);

/** HTTP status for an error reason. */
export function httpStatusOf(reason: InferenceErrorReason): number {
  switch (reason) {
    case 'invalid-argument':
      return 400;
    case 'not-found':
      return 404;
    case 'unavailable':
    case 'resource-exhausted':
      return 503;
    case 'payload-too-large':
      return 413;
    case 'internal':
      return 500;
  }
}
