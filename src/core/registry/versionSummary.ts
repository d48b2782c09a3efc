import type { ModelVersionInfo } from './modelRegistry';

/** Metrics shown first when a version has several (higher is better for all of them). */
const PREFERRED_METRICS = ['accuracy', 'f1_macro', 'f1', 'auc', 'roc_auc', 'r2', 'precision', 'recall'];
/** Metrics where lower is better. */
const LOWER_IS_BETTER = /loss|error|mse|rmse|mae|latency|perplexity/i;

/** The metric that names a version in the tree: a well-known one if present, else the first. */
export function keyMetric(versions: ModelVersionInfo[]): string | undefined {
  const names = new Set(versions.flatMap((v) => Object.keys(v.metadata.metrics ?? {})));
  return PREFERRED_METRICS.find((m) => names.has(m)) ?? [...names].sort()[0];
}

/** Direction a metric is optimised in, by its name. */
export function metricDirection(metric: string): 'max' | 'min' {
  return LOWER_IS_BETTER.test(metric) ? 'min' : 'max';
}

/** The best version by `metric` (ties: the newer one), or undefined when none has it. */
export function bestVersionOf(versions: ModelVersionInfo[], metric: string, direction = metricDirection(metric)): number | undefined {
  let best: ModelVersionInfo | undefined;
  for (const v of versions) {
    const value = v.metadata.metrics?.[metric];
    if (typeof value !== 'number') continue;
    const bestValue = best?.metadata.metrics?.[metric] as number | undefined;
    if (
      best === undefined ||
      (direction === 'max' ? value > bestValue! : value < bestValue!) ||
      (value === bestValue && v.version > best.version)
    ) {
      best = v;
    }
  }
  return best?.version;
}

/** "accuracy 0.9111" — a version's description in the tree. */
export function versionDescription(v: ModelVersionInfo, metric: string | undefined): string {
  const value = metric ? v.metadata.metrics?.[metric] : undefined;
  return value === undefined ? (v.metadata.framework ?? '') : `${metric} ${formatMetric(value)}`;
}

export function formatMetric(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4).replace(/\.?0+$/, '');
}

/** Markdown lines for a version's tooltip: every metric, framework, created date, signature (or the files of a version without ONNX). */
export function versionTooltipLines(v: ModelVersionInfo, signature?: string, isBest?: boolean): string[] {
  const lines = [`**${v.model}** version ${v.version}${isBest ? ' (best)' : ''}`];
  if (v.metadata.description) lines.push(v.metadata.description);
  const metrics = Object.entries(v.metadata.metrics ?? {});
  if (metrics.length) lines.push(`Metrics: ${metrics.map(([k, n]) => `${k} ${formatMetric(n)}`).join(', ')}`);
  if (v.metadata.framework) lines.push(`Framework: ${v.metadata.framework}`);
  if (v.metadata.created) lines.push(`Created: ${v.metadata.created}`);
  if (v.metadata.tags?.length) lines.push(`Tags: ${v.metadata.tags.join(', ')}`);
  if (signature) lines.push(`Signature: ${signature}`);
  if (v.modelFile === undefined) {
    lines.push(`No .onnx file (files: ${v.files.join(', ') || 'none'}): serve it with a predictor script (modelServer "script")`);
  }
  return lines;
}
