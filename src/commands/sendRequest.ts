import * as vscode from 'vscode';
import type { Transport } from '../core/predict/predictTypes';
import { parseRequestText } from '../core/predict/requestModel';
import { CancelledError, UserFacingError } from '../common/errors';
import type { HistoryEntry } from '../panels/protocols/predictProtocol';
import type { SendRequestArg } from '../views/requestCodeLens';
import type { CommandContext } from './context';

/**
 * Send Request: sends the current JSON file, or the selection in it, to a running deployment and
 * shows the answer in that deployment's predict panel beside the editor (focus stays in the
 * file). The "Predict with <deployment>" CodeLens calls it with the file and the deployment;
 * the Explorer and editor menus with the file's URI. Resolves with what came back.
 */
export async function sendRequest(ctx: CommandContext, arg?: unknown): Promise<HistoryEntry> {
  const given = argOf(arg);
  const editor = vscode.window.activeTextEditor;
  let doc: vscode.TextDocument;
  let text: string;
  if (given.uri) {
    doc = await vscode.workspace.openTextDocument(given.uri);
    // The selection counts only when it is in that very file.
    const sel = editor && editor.document.uri.toString() === doc.uri.toString() && !editor.selection.isEmpty ? editor.selection : undefined;
    text = sel ? doc.getText(sel) : doc.getText();
  } else {
    if (!editor) throw new UserFacingError('open a request JSON file (OIP V2 "inputs" or V1 "instances") first');
    doc = editor.document;
    text = editor.selection.isEmpty ? doc.getText() : doc.getText(editor.selection);
  }
  const target: Target = given.deployment ? { name: given.deployment } : await pickDeployment(ctx, text);
  const name = target.name;
  const source = doc.isUntitled ? doc.uri.toString() : vscode.workspace.asRelativePath(doc.uri);
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === doc.uri.toString());
  const where = { preserveFocus: true, ...(shown?.viewColumn !== undefined ? { beside: shown.viewColumn } : {}) };
  const panel = target.remote ? ctx.panels.openRemotePredict(target.remote.context, target.remote.namespace, name, where) : ctx.panels.openPredict(name, where);
  const entry = await panel.runRequest(text, source, given.transport);
  if (!entry.outcome.ok) void vscode.window.setStatusBarMessage(`ModelDeck: ${name}: ${entry.outcome.error}`, 6000);
  return entry;
}

function argOf(arg: unknown): { uri?: vscode.Uri; deployment?: string; transport?: Transport } {
  if (arg instanceof vscode.Uri) return { uri: arg };
  const a = arg as (SendRequestArg & { transport?: Transport }) | undefined;
  if (a && typeof a === 'object' && typeof a.uri === 'string') {
    return { uri: vscode.Uri.parse(a.uri), ...(a.deployment ? { deployment: a.deployment } : {}), ...(a.transport ? { transport: a.transport } : {}) };
  }
  return {};
}

/** A local deployment, or an InferenceService on KServe. */
interface Target {
  name: string;
  remote?: { context: string; namespace: string };
}

/**
 * Running deployments, those whose model takes the request's inputs first, then the Ready
 * InferenceServices of the KServe namespace the Deployments view shows.
 */
async function pickDeployment(ctx: CommandContext, text: string): Promise<Target> {
  const running = ctx.deployments.list().filter((d) => d.state === 'running');
  const state = ctx.kserve.remoteState;
  const remote = state.kind === 'ok' ? state.items.filter((s) => s.state === 'Ready').map((s) => ({ s, context: state.context, namespace: state.namespace })) : [];
  if (running.length === 0 && remote.length === 0) throw new UserFacingError('no deployment is running: start one (or Serve This Model) first');
  const parsed = parseRequestText(text);
  const inputs = parsed.ok && parsed.request.format === 'v2' ? parsed.request.body.inputs.map((i) => i.name) : [];
  const items = running.map((d) => {
    const example = ctx.registry.find(d.model)?.versions.find((v) => v.version === d.version)?.metadata.input_example;
    const fits = inputs.length > 0 && example !== undefined && inputs.every((n) => example.inputs.some((i) => i.name === n));
    return { label: d.name, description: `${d.model} v${d.version}${fits ? ' · takes these inputs' : ''}`, name: d.name, fits };
  });
  items.sort((a, b) => Number(b.fits) - Number(a.fits));
  const remoteItems = remote.map(({ s, context, namespace }) => ({
    label: s.name,
    description: `KServe ${context}/${namespace}${s.model ? ` · ${s.model}${s.version ? ` v${s.version}` : ''}` : ''}`,
    target: { name: s.name, remote: { context, namespace } } as Target,
  }));
  const pick = await vscode.window.showQuickPick<{ label: string; description: string; target: Target } | vscode.QuickPickItem>(
    [
      ...items.map((i) => ({ label: i.label, description: i.description, target: { name: i.name } as Target })),
      ...(remoteItems.length ? [{ label: 'KServe', kind: vscode.QuickPickItemKind.Separator }, ...remoteItems] : []),
    ],
    { title: 'Send the request to…', placeHolder: 'A running deployment, or a Ready one on KServe' },
  );
  if (!pick || !('target' in pick)) throw new CancelledError();
  return pick.target;
}
