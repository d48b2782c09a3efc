/** Cumulative count and duration, as in Triton's statistics extension. */
export interface StatDuration {
  count: number;
  /** Nanoseconds in total. */
  ns: number;
}

/** Per model version statistics. */
export interface ModelVersionStats {
  name: string;
  version: string;
  /** Unix ms of the last inference, 0 if none. */
  last_inference: number;
  /** Requests received (each counts once, whatever its batch size). */
  inference_count: number;
  /** Runtime executions (a batch of requests counts once). */
  execution_count: number;
  inference_stats: {
    success: StatDuration;
    fail: StatDuration;
    queue: StatDuration;
    compute_infer: StatDuration;
  };
}

const zero = (): StatDuration => ({ count: 0, ns: 0 });
const ns = (ms: number): number => Math.round(ms * 1e6);

/** Collects statistics for every model version ever served since start. */
export class ModelStatsBook {
  private readonly entries = new Map<string, ModelVersionStats>();

  private entry(name: string, version: number): ModelVersionStats {
    const key = `${name}\u0000${version}`;
    let e = this.entries.get(key);
    if (!e) {
      e = {
        name,
        version: String(version),
        last_inference: 0,
        inference_count: 0,
        execution_count: 0,
        inference_stats: { success: zero(), fail: zero(), queue: zero(), compute_infer: zero() },
      };
      this.entries.set(key, e);
    }
    return e;
  }

  recordSuccess(name: string, version: number, totalMs: number, queueMs: number, computeMs: number): void {
    const e = this.entry(name, version);
    e.last_inference = Date.now();
    e.inference_count++;
    e.inference_stats.success.count++;
    e.inference_stats.success.ns += ns(totalMs);
    e.inference_stats.queue.count++;
    e.inference_stats.queue.ns += ns(queueMs);
    e.inference_stats.compute_infer.count++;
    e.inference_stats.compute_infer.ns += ns(computeMs);
  }

  recordExecution(name: string, version: number): void {
    this.entry(name, version).execution_count++;
  }

  recordFailure(name: string, version: number, totalMs: number): void {
    const e = this.entry(name, version);
    e.last_inference = Date.now();
    e.inference_count++;
    e.inference_stats.fail.count++;
    e.inference_stats.fail.ns += ns(totalMs);
  }

  /** Stats for one model (all versions seen) or every model. */
  list(name?: string, version?: number): ModelVersionStats[] {
    return [...this.entries.values()].filter(
      (e) => (name === undefined || e.name === name) && (version === undefined || e.version === String(version)),
    );
  }
}
