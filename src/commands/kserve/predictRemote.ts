import * as vscode from 'vscode';
import { parseRequestText } from '../../core/predict/requestModel';
import { UserFacingError } from '../../common/errors';
import type { HistoryEntry } from '../../panels/protocols/predictProtocol';
import type { KServeCommandContext } from './kserveArgs';
import { remoteArg } from './kserveArgs';

/**
 * "Predict on KServe Deployment": opens the predict panel of a remote deployment (the same panel
 * as a local one: REST JSON, REST binary, gRPC where the service speaks it, history, compare,
 * copy as) and sends a request: the JSON request file in the editor when there is one, else the
 * served version's `input_example`. Requests go to status.url, or through the ingress of the
 * setting `modeldeck.kserve.ingressUrl` with the service's host in the Host header; the stored
 * inference token as a bearer token. Resolves with what came back.
 */
export async function predictRemote(ctx: KServeCommandContext, arg?: unknown): Promise<HistoryEntry> {
  const { name, namespace } = await remoteArg(ctx, arg, 'send a request to');
  await ctx.kserve.refresh();
  const state = ctx.kserve.remoteState;
  if (state.kind === 'error') throw new UserFacingError(state.message);
  if (state.kind !== 'ok') throw new UserFacingError('the KServe cluster could not be read yet: try again');
  if (namespace && namespace !== state.namespace) {
    throw new UserFacingError(`${name} is in namespace ${namespace}, but KServe now shows ${state.context}/${state.namespace}: select ${namespace} first`);
  }
  const summary = ctx.kserve.summary(name);
  if (!summary) throw new UserFacingError(`no InferenceService "${name}" in ${state.context}/${state.namespace}`);
  if (summary.state !== 'Ready') throw new UserFacingError(`${name} is not Ready (${summary.state}${summary.reason ? `: ${summary.reason}` : ''}); "Why Not Ready?" says more`);

  const editor = vscode.window.activeTextEditor;
  const fromEditor = editor?.document.languageId.startsWith('json') ? editor.document.getText() : undefined;
  const panel = ctx.panels.openRemotePredict(state.context, state.namespace, name, {
    preserveFocus: fromEditor !== undefined,
    ...(editor?.viewColumn !== undefined && fromEditor !== undefined ? { beside: editor.viewColumn } : {}),
  });
  const entry =
    fromEditor !== undefined && parseRequestText(fromEditor).ok
      ? await panel.runRequest(fromEditor, vscode.workspace.asRelativePath(editor!.document.uri))
      : await panel.runExample();
  ctx.output.info(`KServe predict ${state.namespace}/${name}: ${entry.summary}`);
  if (!entry.outcome.ok) void vscode.window.showWarningMessage(`ModelDeck: ${name} on KServe: ${entry.outcome.error}`);
  return entry;
}
