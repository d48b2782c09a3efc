/** Typed errors for deployment specs, carrying every problem found rather than the first. */

/** One thing wrong with a deployment spec. */
export interface DeploymentProblem {
  /** Key path such as "batcher.maxBatchSize" or "resources.executionProviders[1]"; "" for the whole file. */
  path: string;
  /** Human message naming the path, what is allowed and what was found. */
  message: string;
}

/**
 * Why a deployment could not be read or written:
 * - `invalid`: the spec (or its JSON text) breaks the schema or a cross-field rule;
 * - `duplicate-name`: another file in the same folder already declares this name;
 * - `exists`: saving would overwrite an existing file and overwrite was not asked for;
 * - `unreadable`: the file could not be read at all.
 */
export type DeploymentErrorReason = 'invalid' | 'duplicate-name' | 'exists' | 'unreadable';

export class DeploymentSpecError extends Error {
  /** Every problem found, in schema order then cross-field rules. */
  readonly problems: DeploymentProblem[];
  /** File (or other origin) the spec came from, when known. */
  readonly source?: string;
  /** What kind of failure this is; see {@link DeploymentErrorReason}. */
  readonly reason: DeploymentErrorReason;

  constructor(problems: DeploymentProblem[], opts: { source?: string; reason?: DeploymentErrorReason } = {}) {
    super(summarize(problems, opts.source));
    this.name = 'DeploymentSpecError';
    this.problems = problems;
    this.reason = opts.reason ?? 'invalid';
    if (opts.source !== undefined) this.source = opts.source;
  }
}

function summarize(problems: readonly DeploymentProblem[], source: string | undefined): string {
  const origin = source ?? 'deployment spec';
  if (problems.length === 0) return `${origin}: invalid deployment spec`;
  if (problems.length === 1) return `${origin}: ${problems[0].message}`;
  return `${origin} has ${problems.length} problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
}
