/**
 * Finding and reading kubeconfig the way kubectl does (`KUBECONFIG`, a path list where the first
 * file to define a name wins, else `~/.kube/config`, else the pod's service account), and saying so
 * when there is none. @kubernetes/client-node's own loadFromDefault quietly falls back to
 * http://localhost:8080 when it finds nothing, which surfaces much later as a baffling
 * "connection refused"; here a missing or empty kubeconfig is an error naming where we looked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { KServeError } from './kserveErrors';

/** Where to look; defaults are the process's environment and home folder. */
export interface KubeConfigSource {
  /** Environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST from. */
  env?: NodeJS.ProcessEnv;
  /** Home folder holding .kube/config. */
  homeDir?: string;
}

/** A context as a picker shows it. */
export interface KubeContextInfo {
  name: string;
  cluster: string;
  user: string;
  /** The context's namespace, when it sets one. */
  namespace?: string;
  /** API server URL of its cluster. */
  server?: string;
}

/** A kubeconfig that was found and read. */
export interface LoadedKubeConfig {
  /** The merged configuration, as the client library takes it. */
  kc: KubeConfig;
  /** Files it came from, in precedence order ([] when in-cluster). */
  files: string[];
  /** Every context. */
  contexts: KubeContextInfo[];
  /** current-context, when set and defined. */
  currentContext?: string;
}

/** A context picked for use: a config whose current context is it, and the namespace to work in. */
export interface SelectedContext {
  kc: KubeConfig;
  context: string;
  namespace: string;
  server: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The files kubectl would read, in order: each KUBECONFIG entry, else ~/.kube/config. */
export function kubeconfigPaths(source: KubeConfigSource = {}): string[] {
  const env = source.env ?? process.env;
  const list = env.KUBECONFIG?.split(path.delimiter).filter((p) => p.trim() !== '');
  if (list && list.length > 0) return list.map((p) => path.resolve(expandHome(p, source)));
  return [path.join(source.homeDir ?? os.homedir(), '.kube', 'config')];
}

/**
 * Reads kubeconfig. Throws KServeError "no-kubeconfig" when no file exists (and this is not a pod
 * with a service account), "bad-kubeconfig" when the files exist but cannot be parsed or define no
 * context.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): LoadedKubeConfig {
  const candidates = kubeconfigPaths(source);
  const files = candidates.filter((f) => fs.existsSync(f));
  if (files.length === 0) {
    const inCluster = inClusterConfig(source);
    if (inCluster) return describe(inCluster, []);
    const env = source.env ?? process.env;
    const where = env.KUBECONFIG ? `KUBECONFIG=${env.KUBECONFIG} (${candidates.join(', ')})` : candidates[0]!;
    throw new KServeError(
      'no-kubeconfig',
      `no kubeconfig found: looked in ${where}. Get one from your cluster (e.g. "kind get kubeconfig", "gcloud container clusters get-credentials", "az aks get-credentials") and save it there, or set KUBECONFIG`,
      { details: candidates },
    );
  }
  const parts: KubeConfig[] = [];
  for (const file of files) {
    if (fs.statSync(file).size === 0) throw badConfig(file, 'the file is empty');
    const part = new KubeConfig();
    try {
      part.loadFromFile(file);
    } catch (err) {
      throw badConfig(file, `it cannot be read: ${(err as Error).message}`, err);
    }
    parts.push(part);
  }
  const kc = mergeFirstWins(parts);
  if (kc.getContexts().length === 0) {
    throw badConfig(files.join(', '), 'it defines no context (a kubeconfig needs clusters, users and contexts)');
  }
  return describe(kc, files);
}

/** The contexts a picker offers and the one kubectl would use now. Throws like {@link loadKubeConfig}. */
export function listKubeContexts(source: KubeConfigSource = {}): { contexts: KubeContextInfo[]; current?: string } {
  const loaded = loadKubeConfig(source);
  return { contexts: loaded.contexts, ...(loaded.currentContext ? { current: loaded.currentContext } : {}) };
}

/**
 * Picks a context (default: current-context) and namespace (default: the context's, else
 * "default"). Throws "unknown-context" listing the contexts there are, or "bad-kubeconfig" when
 * the context names a cluster that is not defined.
 */
export function selectContext(loaded: LoadedKubeConfig, context?: string, namespace?: string): SelectedContext {
  const name = context ?? loaded.currentContext;
  const known = loaded.contexts.map((c) => c.name);
  if (name === undefined) {
    throw new KServeError('unknown-context', `the kubeconfig sets no current-context; pick one of: ${known.join(', ')}`, { details: known });
  }
  const info = loaded.contexts.find((c) => c.name === name);
  if (!info) {
    throw new KServeError('unknown-context', `context "${name}" is not in the kubeconfig (${loaded.files.join(', ') || 'in-cluster'}); contexts: ${known.join(', ')}`, { details: known });
  }
  if (!info.server) throw badConfig(loaded.files.join(', '), `context "${name}" names cluster "${info.cluster}", which is not defined`);
  // A copy: selecting a context for one deployment must not switch it for another.
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: loaded.kc.clusters, users: loaded.kc.users, contexts: loaded.kc.contexts, currentContext: name });
  return { kc, context: name, namespace: namespace ?? info.namespace ?? 'default', server: info.server };
}

/**
 * The same context authenticating with a bearer token instead of the kubeconfig's user (a token
 * the user typed in, kept in SecretStorage by the extension, never written to a file).
 */
export function withBearerToken(selected: SelectedContext, token: string): SelectedContext {
  const ctx = selected.kc.getContextObject(selected.context)!;
  const user: User = { name: `${ctx.user}-modeldeck-token`, token };
  const contexts: Context[] = selected.kc.contexts.map((c) => (c.name === selected.context ? { ...c, user: user.name } : c));
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: selected.kc.clusters, users: [...selected.kc.users, user], contexts, currentContext: selected.context });
  return { ...selected, kc };
}

function describe(kc: KubeConfig, files: string[]): LoadedKubeConfig {
  const clusters = new Map<string, Cluster>(kc.getClusters().map((c) => [c.name, c]));
  const contexts = kc.getContexts().map((c) => {
    const info: KubeContextInfo = { name: c.name, cluster: c.cluster, user: c.user };
    if (c.namespace) info.namespace = c.namespace;
    const server = clusters.get(c.cluster)?.server;
    if (server) info.server = server;
    return info;
  });
  const current = kc.getCurrentContext();
  const loaded: LoadedKubeConfig = { kc, files, contexts };
  if (current && contexts.some((c) => c.name === current)) loaded.currentContext = current;
  return loaded;
}

// kubectl's merge rule: the first file to define a cluster, user or context name wins, and the
// first current-context set wins. (client-node's mergeConfig throws on duplicates instead.)
function mergeFirstWins(parts: KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const part of parts) {
    for (const c of part.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of part.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of part.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!currentContext && part.currentContext) currentContext = part.currentContext;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return kc;
}

// Inside a pod (code-server in the cluster): the service account, as kubectl would use it.
function inClusterConfig(source: KubeConfigSource): KubeConfig | undefined {
  const env = source.env ?? process.env;
  if (!env.KUBERNETES_SERVICE_HOST || !fs.existsSync(path.join(SERVICE_ACCOUNT_DIR, 'token'))) return undefined;
  const kc = new KubeConfig();
  kc.loadFromCluster();
  return kc;
}

function expandHome(p: string, source: KubeConfigSource): string {
  // `~/` too on Windows, where people write it as well as `~\`.
  return p === '~' || p.startsWith('~/') || p.startsWith(`~${path.sep}`) ? path.join(source.homeDir ?? os.homedir(), p.slice(1)) : p;
}

function badConfig(where: string, why: string, cause?: unknown): KServeError {
  return new KServeError('bad-kubeconfig', `kubeconfig ${where} is not usable: ${why}`, { details: [where], ...(cause ? { cause } : {}) });
}
