/** Quotes a string for a POSIX shell (single quotes, with embedded quotes escaped). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A ready-to-paste curl for a deployment's V2 infer endpoint; without an example, its metadata. */
export function curlForDeployment(httpUrl: string, name: string, inputExample?: unknown): string {
  const base = `${httpUrl}/v2/models/${encodeURIComponent(name)}`;
  if (inputExample === undefined) return `curl -s ${base}`;
  return `curl -s -X POST ${base}/infer -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(inputExample))}`;
}
