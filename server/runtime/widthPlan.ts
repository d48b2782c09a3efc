/**
 * How many sessions a model gets and how many intra-op threads each. A compute-bound model runs
 * fastest alone on one session with every core's thread, but under concurrent traffic several
 * single-thread sessions beat it (no parallel section waits for a preempted thread; bench/report.md
 * "One worker × 2 intra-op threads vs --instances 2"). Adaptive width keeps both: one wide session
 * for a run that arrives alone, up to one narrow session per core for runs that overlap, started as
 * runs overlap (workerPool.ts).
 */

/** All copies of an adaptive model together stay under this (a copy per core plus the wide one). */
export const MAX_ADAPTIVE_BYTES = 512 * 1024 * 1024;

export interface WidthInput {
  /** `resources.instances` of the deployment. */
  instances: number;
  cores: number;
  /** Size of the .onnx file (weights: what each copy holds). */
  modelBytes: number;
  /** Only the CPU provider is planned (a GPU session is never duplicated). */
  cpuOnly: boolean;
  /** `--adaptive-threads`. */
  adaptive: 'auto' | 'off';
}

export interface WidthChoice {
  /** Narrow sessions (worker threads) started with the version. */
  instances: number;
  /** Narrow sessions it may grow to under concurrent load (absent: `instances`). */
  maxInstances?: number;
  /** Intra-op threads of each narrow session. */
  intraOpThreads: number;
  /** Threads of the wide session; absent: no wide lane. */
  wideThreads?: number;
  /** Why the width is not adaptive, when it could have been asked for. */
  why?: string;
}

export function chooseWidth(o: WidthInput): WidthChoice {
  // Sessions share the cores: more instances, fewer threads each.
  const fixed: WidthChoice = { instances: o.instances, intraOpThreads: Math.max(1, Math.floor(o.cores / o.instances)) };
  if (o.adaptive === 'off') return fixed;
  if (o.instances !== 1) return fixed; // the user chose the instances
  if (o.cores < 2) return fixed;
  if (!o.cpuOnly) return { ...fixed, why: 'a GPU provider is planned' };
  const copies = o.cores + 1;
  if (copies * o.modelBytes > MAX_ADAPTIVE_BYTES) {
    return { ...fixed, why: `${copies} copies of a ${(o.modelBytes / 2 ** 20).toFixed(0)} MiB model would exceed ${MAX_ADAPTIVE_BYTES / 2 ** 20} MiB` };
  }
  // One narrow session to start with: the others start when runs overlap (a worker thread is an
  // isolate of its own, ≈ 10 MB before the model; a model that is never busy never pays for them).
  return { instances: 1, maxInstances: o.cores, intraOpThreads: 1, wideThreads: o.cores };
}
