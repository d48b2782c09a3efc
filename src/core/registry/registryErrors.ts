/** Typed errors for the on-disk model registry. */
import type { SchemaProblem } from '../schemaProblems';

/**
 * Why a registry operation failed:
 * - `not-found`: the registry root, model, version, metric or a source file does not exist;
 * - `invalid-metadata`: model.json is not JSON, breaks the schema, or points at files that are not there;
 * - `invalid-layout`: a version folder has no model file, or several candidates and no model.onnx;
 * - `invalid-name`: a model name (or source file name) that is not allowed;
 * - `exists`: the operation would overwrite something already registered.
 */
export type RegistryErrorReason = 'not-found' | 'invalid-metadata' | 'invalid-layout' | 'invalid-name' | 'exists';

export class RegistryError extends Error {
  /** What kind of failure this is; see {@link RegistryErrorReason}. */
  readonly reason: RegistryErrorReason;
  /** For `invalid-metadata` from the schema: each problem with its key path (the message joins them). */
  readonly problems: SchemaProblem[];

  constructor(reason: RegistryErrorReason, message: string, problems: SchemaProblem[] = []) {
    super(message);
    this.name = 'RegistryError';
    this.reason = reason;
    this.problems = problems;
  }
}
