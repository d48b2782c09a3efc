import * as vscode from 'vscode';
import { httpRequest } from '../../core/kserve/remoteEndpoint';
import { parseRequestText } from '../../core/predict/requestModel';
import { UserFacingError } from '../../common/errors';
import { kserveUserError } from '../../services/kserveService';
import type { KServeCommandContext } from './kserveArgs';
import { remoteArg } from './kserveArgs';

/**
 * "Predict on KServe Deployment": sends a request to a Ready remote deployment over REST (V2
 * tensors, or V1 instances) and shows the exchange (URL, headers, status, answer) in a read-only
 * document. The request is the JSON request file in the editor when there is one, else the served
 * version's `input_example`. Goes through the ingress with a Host header when
 * `modeldeck.kserve.ingressUrl` is set; the inference token, when stored, as a bearer token.
 */
export async function predictRemote(ctx: KServeCommandContext, arg?: unknown): Promise<{ status: number; body: unknown }> {
  const { name } = await remoteArg(ctx, arg, 'send a request to');
  let target;
  try {
    target = await ctx.kserve.endpointFor(name);
  } catch (err) {
    throw kserveUserError(err);
  }
  const { endpoint, summary } = target;
  const editorText = vscode.window.activeTextEditor?.document.languageId.startsWith('json') ? vscode.window.activeTextEditor.document.getText() : undefined;
  let requestText = editorText;
  let source = vscode.window.activeTextEditor?.document.uri.fsPath ?? '';
  if (!requestText || !parseRequestText(requestText).ok) {
    const version = summary.version ? Number(summary.version) : undefined;
    const info = summary.model ? ctx.registry.find(summary.model)?.versions.find((v) => v.version === version) : undefined;
    if (!info?.metadata.input_example) {
      throw new UserFacingError(`no request to send: open a JSON request file (V2 "inputs" or V1 "instances"), or give ${summary.model ?? name} v${summary.version ?? '?'} an input_example`);
    }
    requestText = JSON.stringify(info.metadata.input_example);
    source = `${summary.model} v${summary.version} input_example`;
  }
  const parsed = parseRequestText(requestText);
  if (!parsed.ok) throw new UserFacingError(`the request cannot be read: ${parsed.problems.join('; ')}`);
  const path = parsed.request.format === 'v1' ? `/v1/models/${encodeURIComponent(name)}:predict` : `/v2/models/${encodeURIComponent(name)}/infer`;
  const url = `${endpoint.httpUrl}${path}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...endpoint.headers };
  const started = Date.now();
  let answer;
  try {
    answer = await httpRequest(url, { method: 'POST', headers, body: requestText });
  } catch (err) {
    throw new UserFacingError(`could not reach ${url}${headers.host ? ` (Host: ${headers.host})` : ''}: ${(err as Error).message}. Is modeldeck.kserve.ingressUrl the cluster's ingress address?`);
  }
  const ms = Date.now() - started;
  const text = Buffer.from(answer.body).toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: shown as is
  }
  const shownHeaders = Object.entries(headers).map(([k, v]) => `${k === 'host' ? 'Host' : k}: ${k === 'authorization' ? 'Bearer •••' : v}`);
  const doc = [
    `# ${name} on KServe (${summary.namespace}) — request from ${source}`,
    `POST ${url}`,
    ...shownHeaders,
    '',
    `HTTP ${answer.status} in ${ms} ms`,
    typeof body === 'string' ? body : JSON.stringify(body, null, 2),
    '',
  ].join('\n');
  await ctx.kserve.documents.show(kserveUriFor(summary.namespace, name), doc, 'plaintext');
  ctx.output.info(`KServe predict ${summary.namespace}/${name}: HTTP ${answer.status} in ${ms} ms`);
  if (answer.status !== 200) void vscode.window.showWarningMessage(`${name} answered HTTP ${answer.status}`);
  return { status: answer.status, body };
}

function kserveUriFor(namespace: string, name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'modeldeck-kserve', path: `/${namespace}/${name}/prediction.txt` });
}
