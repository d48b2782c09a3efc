// Starting an ONNX version's sessions: the width plan (widthPlan.ts), the worker pool, and what the log
// says about them. The model manager's other half for scripts is scriptLoading.ts.
import * as fs from 'node:fs';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import type { Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import { planProviders } from '../runtime/executionProviders';
import { chooseWidth } from '../runtime/widthPlan';
import { WorkerPool, type PoolInfo } from '../runtime/workerPool';

/** What starting ONNX sessions needs from the server. */
export interface OnnxLoadContext {
  logger: Logger;
  metrics: ServerMetrics;
  cores: number;
  /** Worker entry script (tests point at the built bundle). */
  workerScript?: string;
  inlineRuns: 'auto' | 'off';
  adaptiveThreads: 'auto' | 'off';
}

/** Starts the sessions of an ONNX version; rejects when the version has no .onnx file or none loads. */
export async function startOnnx(spec: DeploymentSpec, info: ModelVersionInfo, ctx: OnnxLoadContext): Promise<{ pool: WorkerPool; runtime: PoolInfo }> {
  // ONNX serving needs an .onnx file; a version without one is for predictor scripts only.
  if (info.modelFile === undefined) {
    throw new Error(`version ${info.version} of model "${info.model}" has no .onnx file (files: ${info.files.join(', ')}); serve it with a predictor script (modelServer "script")`);
  }
  const at = { deployment: spec.name };
  const providers = planProviders(spec.resources);
  const width = chooseWidth({
    instances: spec.resources.instances,
    cores: ctx.cores,
    modelBytes: fileSize(info.modelFile),
    cpuOnly: providers.every((p) => p === 'cpu'),
    adaptive: ctx.adaptiveThreads,
  });
  const { pool, info: runtime } = await WorkerPool.start({
    modelFile: info.modelFile,
    instances: width.instances,
    ...(width.maxInstances ? { maxInstances: width.maxInstances } : {}),
    providers,
    intraOpThreads: width.intraOpThreads,
    ...(width.wideThreads ? { wideThreads: width.wideThreads } : {}),
    ...(ctx.workerScript ? { workerScript: ctx.workerScript } : {}),
    inlineRuns: ctx.inlineRuns,
  });
  const plan = pool.plan;
  const why = width.why ?? (plan.adaptive ? undefined : plan.reason);
  if (plan.adaptive) {
    ctx.logger.info(`version ${info.version}: a run alone uses one session × ${plan.wideThreads} threads, overlapping runs up to ${plan.maxNarrow} sessions × 1 thread, started as runs overlap (--adaptive-threads off: one session × all cores)`, at);
  } else if (why) {
    ctx.logger.info(`version ${info.version}: ${width.instances} session(s) × ${width.intraOpThreads} thread(s), not adaptive: ${why}`, at);
  }
  pool.onWideLost = (reason) => {
    ctx.metrics.workerEvents.labels(spec.name, 'lost').inc();
    ctx.logger.warn(`version ${info.version}: the wide session's worker was lost (${reason}); runs use the single-thread sessions until the version is loaded again`, at);
  };
  pool.onInline = (e) => {
    if (e.on) ctx.logger.info(`version ${info.version}: runs take about ${(e.estimateMs * 1000).toFixed(0)} µs, so they run on the main thread (no worker hand-off; --inline-runs off turns this off)`, at);
    else ctx.logger.warn(`version ${info.version}: no main-thread session (${e.reason}); every run goes to a worker`, at);
  };
  for (const f of runtime.fallbacks) {
    ctx.logger.warn(`execution provider "${f.provider}" unavailable, falling back: ${f.reason}`, at);
  }
  return { pool, runtime };
}

/** Bytes of a file, 0 when it cannot be read (the load that follows reports why). */
function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
