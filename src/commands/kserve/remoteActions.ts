import * as vscode from 'vscode';
import { formatDiagnosis } from '../../core/kserve/diagnosis';
import { CancelledError } from '../../common/errors';
import { kserveUserError } from '../../services/kserveService';
import type { KServeCommandContext } from './kserveArgs';
import { remoteArg } from './kserveArgs';

async function client(ctx: KServeCommandContext, namespace?: string) {
  try {
    const c = await ctx.kserve.connect({ ...ctx.kserve.target(), ...(namespace ? { namespace } : {}) });
    return c;
  } catch (err) {
    throw kserveUserError(err);
  }
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw kserveUserError(err);
  }
}

/** "Why not ready?": conditions, model status, events, pods in one read-only markdown document, shown rendered. */
export async function whyNotReady(ctx: KServeCommandContext, arg?: unknown): Promise<string> {
  const { name, namespace } = await remoteArg(ctx, arg, 'diagnose');
  const c = await client(ctx, namespace);
  const markdown = formatDiagnosis(await guarded(() => c.diagnose(name)));
  await ctx.kserve.documents.showDiagnosis(c.namespace, name, markdown);
  return markdown;
}

/** Stop: sets serving.kserve.io/stop so KServe removes the pods but keeps the service. */
export async function stopRemote(ctx: KServeCommandContext, arg?: unknown): Promise<void> {
  const { name, namespace } = await remoteArg(ctx, arg, 'stop');
  const c = await client(ctx, namespace);
  await guarded(() => c.stop(name));
  ctx.output.info(`KServe: stopped ${c.namespace}/${name}`);
  await ctx.kserve.refresh();
  void vscode.window.setStatusBarMessage(`ModelDeck: ${name} stopped on KServe`, 5000);
}

/** Start: clears the stop annotation and waits until Ready. */
export async function startRemote(ctx: KServeCommandContext, arg?: unknown): Promise<void> {
  const { name, namespace } = await remoteArg(ctx, arg, 'start');
  const c = await client(ctx, namespace);
  await guarded(() => c.start(name));
  ctx.output.info(`KServe: started ${c.namespace}/${name}`);
  void ctx.kserve.refresh();
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting ${name} on KServe…` }, () =>
    guarded(() => c.waitUntilReady(name, { timeoutMs: 5 * 60_000 })),
  );
  await ctx.kserve.refresh();
  if (!result.ready) throw kserveUserError(new Error(`${name} is not Ready: ${result.reasons.join('; ')}`));
  void vscode.window.setStatusBarMessage(`ModelDeck: ${name} Ready on KServe`, 5000);
}

/** Delete, after a modal confirmation. */
export async function deleteRemote(ctx: KServeCommandContext, arg?: unknown): Promise<void> {
  const { name, namespace } = await remoteArg(ctx, arg, 'delete');
  const c = await client(ctx, namespace);
  const choice = await vscode.window.showWarningMessage(
    `Delete InferenceService ${name} from ${c.context}/${c.namespace}?`,
    { modal: true, detail: 'Its pods stop and its URL stops answering. The deployment file stays; Deploy to KServe creates it again.' },
    'Delete',
  );
  if (choice !== 'Delete') throw new CancelledError();
  const deleted = await guarded(() => c.delete(name));
  ctx.output.info(`KServe: ${deleted ? 'deleted' : 'already gone:'} ${c.namespace}/${name}`);
  await ctx.kserve.refresh();
}

/** Show Logs of a remote deployment: every pod and container, followed until the document closes. */
export async function showRemoteLogs(ctx: KServeCommandContext, arg?: unknown): Promise<void> {
  const { name, namespace } = await remoteArg(ctx, arg, 'show the logs of');
  const c = await client(ctx, namespace);
  await ctx.kserve.documents.showLog(c.namespace, name, (append, signal) =>
    c.followLogs(name, {
      signal,
      onLine: (l) => append(`${l.prefix} ${l.text}`),
      onStatus: (m) => append(`--- ${m} ---`),
    }),
  );
}

/** Refresh the remote rows now. */
export async function refreshRemote(ctx: KServeCommandContext): Promise<void> {
  await ctx.kserve.refresh();
}
