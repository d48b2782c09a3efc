import type { RepositoryEntry } from '../server/serverClient';

/** A deployment's state as the Deployments view shows it. */
export type DeploymentStateName = 'stopped' | 'starting' | 'running' | 'failed' | 'updating';

/** What decides a local deployment's state: the extension's own bookkeeping, the server process, the server's index. */
export interface DeploymentStateInputs {
  name: string;
  /** An action in progress (starting, updating, stopping) set by the extension. */
  transient?: { state: DeploymentStateName };
  /** Why the extension's last attempt to load it failed. */
  failure?: string;
  /** The user wants it running (remembered per workspace). */
  wantsRunning: boolean;
  /** The local server process. */
  server: { state: 'stopped' | 'starting' | 'running' | 'restarting' | 'failed'; reason?: string; httpUrl?: string; grpcUrl?: string };
  /** The server's repository index entry for it, if it has one. */
  entry?: RepositoryEntry;
}

/** The state, and what goes with it: the version served, the reason, the endpoints. */
export interface DeploymentState {
  state: DeploymentStateName;
  version?: number;
  reason?: string;
  restUrl?: string;
  grpcUrl?: string;
}

/**
 * One place that turns what the extension, the server process and the server's index say into
 * the state the user sees. Order matters: an action in progress wins, then a failed load, then
 * the user's wish, then the server process, then the index.
 */
export function deploymentState(i: DeploymentStateInputs): DeploymentState {
  if (i.transient) return { state: i.transient.state };
  if (i.failure) return { state: 'failed', reason: i.failure };
  const { server, entry: e } = i;
  if (!i.wantsRunning) return { state: 'stopped' };
  if (server.state === 'starting' || server.state === 'restarting') return { state: 'starting', ...(server.reason ? { reason: server.reason } : {}) };
  if (server.state === 'failed') return { state: 'failed', reason: server.reason ?? 'the server failed' };
  if (server.state !== 'running' || !e) return { state: 'stopped' };
  const urls = {
    ...(server.httpUrl ? { restUrl: `${server.httpUrl}/v2/models/${i.name}` } : {}),
    ...(server.grpcUrl ? { grpcUrl: server.grpcUrl } : {}),
  };
  const version = e.version ? { version: Number(e.version) } : {};
  const reason = e.reason ? { reason: e.reason } : {};
  if (e.state === 'READY') return { state: 'running', ...version, ...urls, ...reason };
  if (e.state === 'LOADING') return { state: 'starting', ...version };
  // Its inference workers died and a replacement is on its way: coming back by itself.
  if (e.state === 'UNAVAILABLE' && e.restarting) return { state: 'starting', ...version, ...reason };
  return { state: 'failed', reason: e.reason ?? e.state };
}
