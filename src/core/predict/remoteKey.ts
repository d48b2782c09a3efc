/**
 * The identity of a remote (KServe) deployment's predict panel and history:
 * `kserve:<context>/<namespace>/<name>`. A local deployment's identity is its name, which can never
 * start with "kserve:" (deployment names are DNS labels). Pure, no vscode.
 */
const REMOTE_PREFIX = 'kserve:';

export function remoteKey(context: string, namespace: string, name: string): string {
  return `${REMOTE_PREFIX}${context}/${namespace}/${name}`;
}

/** Splits a remote key; undefined for a local deployment's name. Context names may contain '/', namespaces and names may not. */
export function parseRemoteKey(key: string): { context: string; namespace: string; name: string } | undefined {
  if (!key.startsWith(REMOTE_PREFIX)) return undefined;
  const parts = key.slice(REMOTE_PREFIX.length).split('/');
  if (parts.length < 3 || parts.some((p, i) => i >= parts.length - 2 && p === '')) return undefined;
  const name = parts.pop()!;
  const namespace = parts.pop()!;
  const context = parts.join('/');
  return context ? { context, namespace, name } : undefined;
}
