import * as vscode from 'vscode';
import { CancelledError } from '../../common/errors';
import { kserveUserError } from '../../services/kserveService';
import type { KServeCommandContext } from './kserveArgs';

/**
 * "ModelDeck: Select KServe Context and Namespace…": a context of the kubeconfig, then a namespace
 * (the context's own, default, or typed), remembered for this workspace.
 */
export async function selectKServeContext(ctx: KServeCommandContext): Promise<void> {
  let found;
  try {
    found = ctx.kserve.contexts();
  } catch (err) {
    throw kserveUserError(err);
  }
  const current = ctx.kserve.target();
  const pick = await vscode.window.showQuickPick(
    found.contexts.map((c) => ({
      label: c.name,
      description: [c.name === found.current ? 'current-context' : '', c.name === current.context ? 'chosen' : ''].filter(Boolean).join(', '),
      detail: `${c.server ?? '?'} · user ${c.user}${c.namespace ? ` · namespace ${c.namespace}` : ''}`,
      c,
    })),
    { title: 'KServe: Kubernetes context', placeHolder: 'Pick the cluster to deploy to' },
  );
  if (!pick) throw new CancelledError();
  const suggested = [...new Set([current.context === pick.c.name ? current.namespace : undefined, pick.c.namespace, 'default'].filter((n): n is string => !!n))];
  const items: (vscode.QuickPickItem & { value?: string })[] = [
    ...suggested.map((n) => ({ label: n, value: n, description: n === pick.c.namespace ? "the context's namespace" : '' })),
    { label: 'Other namespace…' },
  ];
  const ns = await vscode.window.showQuickPick(items, { title: `KServe: namespace in ${pick.c.name}`, placeHolder: 'Namespace of the InferenceServices' });
  if (!ns) throw new CancelledError();
  let namespace = ns.value;
  if (!namespace) {
    namespace = await vscode.window.showInputBox({
      title: 'KServe namespace',
      prompt: 'A Kubernetes namespace (DNS-1123 label)',
      validateInput: (v) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= 63 ? undefined : 'lowercase letters, digits and "-", at most 63'),
    });
    if (!namespace) throw new CancelledError();
  }
  await ctx.kserve.setTarget({ context: pick.c.name, namespace });
  void vscode.window.setStatusBarMessage(`ModelDeck: KServe ${pick.c.name}/${namespace}`, 5000);
}

/**
 * "ModelDeck: Set KServe Token…": a bearer token for the chosen context, kept in SecretStorage
 * (never in settings or files); an empty value removes it.
 */
export async function setKServeToken(ctx: KServeCommandContext): Promise<void> {
  let context: string;
  try {
    context = (await ctx.kserve.connect()).context;
  } catch (err) {
    throw kserveUserError(err);
  }
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Kubernetes API', description: `instead of the kubeconfig user of ${context}`, value: 'api' as const },
      { label: 'Inference requests', description: `Authorization: Bearer on predictions sent to ${context}'s services`, value: 'inference' as const },
    ],
    { title: 'KServe: which token?', placeHolder: 'Where the token is used' },
  );
  if (!kind) throw new CancelledError();
  const token = await vscode.window.showInputBox({
    title: `KServe: ${kind.label.toLowerCase()} token for context ${context}`,
    prompt: 'Stored in VS Code\'s secret storage, never in settings or files. Leave empty to remove a stored token.',
    password: true,
    ignoreFocusOut: true,
  });
  if (token === undefined) throw new CancelledError();
  if (kind.value === 'api') await ctx.kserve.setToken(context, token.trim());
  else await ctx.kserve.setInferenceToken(context, token.trim());
  void vscode.window.showInformationMessage(token.trim() ? `KServe ${kind.label.toLowerCase()} token for ${context} saved in secret storage.` : `KServe ${kind.label.toLowerCase()} token for ${context} removed.`);
}
