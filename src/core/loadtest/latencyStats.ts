import type { LatencyPercentiles } from './loadTestTypes';

/** A growable list of doubles: appending in the request loop must not allocate per request. */
export class LatencyList {
  private buf = new Float64Array(1 << 14);
  length = 0;

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  /** A sorted copy (the list keeps growing). */
  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }

  clear(): void {
    this.length = 0;
  }
}

/**
 * Nearest-rank percentiles (the same definition as bench/common.ts `summarize`, so a load test and
 * `npm run bench` name the same sample for the same p), or undefined for an empty list.
 */
export function percentiles(sorted: Float64Array | readonly number[]): LatencyPercentiles | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const at = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return { p50Ms: at(50), p90Ms: at(90), p95Ms: at(95), p99Ms: at(99), maxMs: sorted[n - 1]!, minMs: sorted[0]!, meanMs: sum / n };
}

/** Counts error messages; keeps the most frequent kinds (a server failing fast must not grow it). */
export class ErrorTally {
  private readonly counts = new Map<string, number>();
  private static readonly MAX_KINDS = 50;

  add(message: string): void {
    const key = message.length > 300 ? `${message.slice(0, 300)}…` : message;
    const n = this.counts.get(key);
    if (n !== undefined) this.counts.set(key, n + 1);
    else if (this.counts.size < ErrorTally.MAX_KINDS) this.counts.set(key, 1);
    else this.counts.set('(other errors)', (this.counts.get('(other errors)') ?? 0) + 1);
  }

  top(limit = 10): { message: string; count: number }[] {
    return [...this.counts].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count).slice(0, limit);
  }
}
