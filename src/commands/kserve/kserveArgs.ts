import * as vscode from 'vscode';
import { CancelledError, UserFacingError } from '../../common/errors';
import type { KServeService } from '../../services/kserveService';
import type { CommandContext } from '../context';

/** What KServe commands work with: the shared command context plus the KServe service. */
export type KServeCommandContext = CommandContext & { kserve: KServeService };

/** A remote deployment (InferenceService) in the Deployments view. */
export interface RemoteNodeArg {
  kind: 'remote';
  name: string;
  namespace: string;
}

/** The InferenceService a command acts on: a tree node, a name, or picked from the namespace's list. */
export async function remoteArg(ctx: KServeCommandContext, arg: unknown, purpose: string): Promise<{ name: string; namespace?: string }> {
  if (typeof arg === 'string') return { name: arg };
  const node = arg as { kind?: string; name?: string; namespace?: string; deployment?: string } | undefined;
  if (node?.kind === 'remote' && node.name) return { name: node.name, ...(node.namespace ? { namespace: node.namespace } : {}) };
  if (node?.kind === 'remoteEndpoint' && node.deployment) return { name: node.deployment };
  if (node?.kind === 'deployment' && node.name) return { name: node.name };
  await ctx.kserve.refresh();
  const state = ctx.kserve.remoteState;
  if (state.kind === 'error') throw new UserFacingError(state.message);
  const items = state.kind === 'ok' ? state.items : [];
  if (items.length === 0) throw new UserFacingError(`no InferenceService to ${purpose} in ${state.kind === 'ok' ? `${state.context}/${state.namespace}` : 'the chosen namespace'}`);
  const pick = await vscode.window.showQuickPick(
    items.map((s) => ({ label: s.name, description: `${s.state}${s.url ? ` · ${s.url}` : ''}`, s })),
    { title: `InferenceService to ${purpose}`, placeHolder: 'Pick an InferenceService' },
  );
  if (!pick) throw new CancelledError();
  return { name: pick.s.name, namespace: pick.s.namespace };
}

/** A deployment file with servingTool "kserve": from a tree node or name, or picked. */
export async function kserveDeploymentArg(ctx: KServeCommandContext, arg: unknown): Promise<string> {
  if (typeof arg === 'string') return arg;
  const node = arg as { kind?: string; name?: string } | undefined;
  if ((node?.kind === 'deployment' || node?.kind === 'remote') && node.name) return node.name;
  if (arg instanceof vscode.Uri) {
    const d = ctx.deployments.list().find((x) => x.file === arg.fsPath);
    if (d) return d.name;
  }
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const candidates = ctx.deployments.list().filter((d) => d.spec.servingTool === 'kserve');
  const inEditor = candidates.find((d) => d.file === active);
  if (inEditor) return inEditor.name;
  if (candidates.length === 0) {
    throw new UserFacingError('no deployment with "servingTool": "kserve" in .modeldeck/deployments/ (create one with Deploy… and the KServe serving tool, or set it in a deployment file)');
  }
  if (candidates.length === 1) return candidates[0]!.name;
  const pick = await vscode.window.showQuickPick(
    candidates.map((d) => ({ label: d.name, description: `${d.model} · ${d.spec.kserve.namespace ?? 'chosen namespace'}`, name: d.name })),
    { title: 'Deploy to KServe', placeHolder: 'Pick a KServe deployment' },
  );
  if (!pick) throw new CancelledError();
  return pick.name;
}
