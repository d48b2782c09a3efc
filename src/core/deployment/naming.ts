/** A DNS-1123 label for a deployment name (KServe needs one): "My_Model" → "my-model". */
export function deploymentNameFor(model: string, version?: number): string {
  const base = model.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  const suffix = version === undefined ? '' : `-v${version}`;
  return `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** "accuracy=0.93, f1=0.9" → {accuracy: 0.93, f1: 0.9}; a message saying what is wrong otherwise. */
export function parseMetrics(text: string): Record<string, number> | string {
  const metrics: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w.-]*)\s*[=:]\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i.exec(part);
    if (!m) return `"${part}" is not name=number (e.g. accuracy=0.93)`;
    metrics[m[1]!] = Number(m[2]);
  }
  return metrics;
}
