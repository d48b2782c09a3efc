import * as vscode from 'vscode';
import { CancelledError, UserFacingError } from '../common/errors';
import { LOAD_PROTOCOLS, type LoadProtocol } from '../core/loadtest/loadTestTypes';
import { remoteKey } from '../core/predict/remoteKey';
import type { CommandContext } from './context';

/** What the predict panel's "Load Test…" hands over: its deployment key, request text and transport. */
interface LoadTestArg {
  key: string;
  text?: string;
  transport?: string;
}

/**
 * Open Dashboard: the deployment's live dashboard (statistics from its server, load tests). From the
 * Deployments view (a local deployment or a KServe service) or the palette (running ones offered).
 */
export async function openDashboard(ctx: CommandContext, arg?: unknown): Promise<string> {
  return dashboards(ctx).openDashboard(await dashboardKeyArg(ctx, arg, 'watch')).panel.title;
}

/**
 * Load Test…: the deployment's dashboard with its load test form; from the predict panel, the
 * panel's request (and transport) becomes the load test's request.
 */
export async function loadTest(ctx: CommandContext, arg?: unknown): Promise<string> {
  const handed = arg as LoadTestArg | undefined;
  const key = typeof handed === 'object' && handed !== null && typeof handed.key === 'string' ? handed.key : await dashboardKeyArg(ctx, arg, 'load test');
  const panel = dashboards(ctx).openDashboard(key);
  if (typeof handed?.text === 'string') {
    const transport = LOAD_PROTOCOLS.includes(handed.transport as LoadProtocol) ? (handed.transport as LoadProtocol) : undefined;
    panel.useRequest(handed.text, transport);
  }
  return panel.panel.title;
}

function dashboards(ctx: CommandContext): NonNullable<CommandContext['dashboards']> {
  if (!ctx.dashboards) throw new UserFacingError('the dashboard is not available');
  return ctx.dashboards;
}

/** A deployment key from a tree node or a string, or picked among running local deployments and Ready KServe services. */
async function dashboardKeyArg(ctx: CommandContext, arg: unknown, purpose: string): Promise<string> {
  if (typeof arg === 'string') return arg;
  const node = arg as { kind?: string; name?: string; namespace?: string; deployment?: string } | undefined;
  const remote = ctx.kserve.remoteState;
  if (node?.kind === 'deployment' && node.name) return node.name;
  if (node?.kind === 'endpoint' && node.deployment) return node.deployment;
  if (node?.kind === 'remote' && node.name) {
    if (remote.kind !== 'ok') throw new UserFacingError('the KServe cluster could not be read yet: try again');
    return remoteKey(remote.context, node.namespace ?? remote.namespace, node.name);
  }
  const items = [
    ...ctx.deployments.list().filter((d) => d.state === 'running').map((d) => ({ label: d.name, description: `local · ${d.model}`, key: d.name })),
    ...(remote.kind === 'ok' ? remote.items.filter((s) => s.state === 'Ready').map((s) => ({ label: s.name, description: `KServe ${remote.context}/${remote.namespace}`, key: remoteKey(remote.context, remote.namespace, s.name) })) : []),
  ];
  if (items.length === 0) throw new UserFacingError(`no running deployment to ${purpose}: start one first`);
  const pick = await vscode.window.showQuickPick(items, { title: `Deployment to ${purpose}`, placeHolder: 'Pick a running deployment' });
  if (!pick) throw new CancelledError();
  return pick.key;
}
