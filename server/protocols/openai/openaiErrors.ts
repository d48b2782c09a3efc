/**
 * Errors on the OpenAI-compatible routes. OpenAI clients (the `openai` Python package, LangChain …)
 * read `{"error": {"message", "type", "param", "code"}}`, not the OIP `{"error": "..."}`: the same
 * InferenceError reasons, told in OpenAI's shape.
 */
import { InferenceError, httpStatusOf, type InferenceErrorReason } from '../../errors';

/** A bad OpenAI request, naming the field (`param`) that is wrong. */
export class OpenAIRequestError extends InferenceError {
  constructor(
    message: string,
    /** The request field at fault ("messages[1].role", "temperature"), as OpenAI's `param`. */
    readonly param: string | null,
    /** OpenAI's machine-readable code, when one fits ("model_not_found"). */
    readonly code: string | null = null,
    reason: InferenceErrorReason = 'invalid-argument',
  ) {
    super(reason, message);
    this.name = 'OpenAIRequestError';
  }
}

/** The OpenAI error body. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error `type` for an HTTP status. */
function typeOf(status: number): string {
  if (status === 404) return 'not_found_error';
  if (status < 500) return 'invalid_request_error';
  return status === 503 ? 'service_unavailable_error' : 'server_error';
}

/** Status, body and Retry-After of any error thrown while answering an OpenAI route. */
export function openAIErrorAnswer(err: unknown): { status: number; body: OpenAIErrorBody; retryAfter?: string } {
  if (err instanceof InferenceError) {
    const status = httpStatusOf(err.reason);
    const param = err instanceof OpenAIRequestError ? err.param : null;
    const code = err instanceof OpenAIRequestError ? err.code : status === 404 ? 'model_not_found' : null;
    return {
      status,
      body: { error: { message: err.message, type: typeOf(status), param: status === 404 && param === null ? 'model' : param, code } },
      ...(err.retryAfterSeconds !== undefined ? { retryAfter: String(err.retryAfterSeconds) } : {}),
    };
  }
  const message = `internal error: ${(err as Error)?.message ?? String(err)}`;
  return { status: 500, body: { error: { message, type: 'server_error', param: null, code: null } } };
}
