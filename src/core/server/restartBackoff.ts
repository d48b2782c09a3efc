/**
 * Restart delays for a server that keeps dying: 0.5 s, 1 s, 2 s … capped at 30 s; a run that
 * stayed up for `stableMs` resets the count, so a crash a day is always restarted quickly.
 */
export class RestartBackoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly stableMs = 60_000,
    /** After this many quick deaths in a row, give up and let the user decide. */
    readonly maxAttempts = 6,
  ) {}

  /** Delay before the next start, or undefined to give up. `uptimeMs` is how long the last run lived. */
  next(uptimeMs: number): number | undefined {
    if (uptimeMs >= this.stableMs) this.failures = 0;
    if (this.failures >= this.maxAttempts) return undefined;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** this.failures);
    this.failures++;
    return delay;
  }

  /** Attempts used since the last stable run. */
  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
