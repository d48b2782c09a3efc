/**
 * Check Endpoint Compliance…: the compliance report for a running local deployment (REST, gRPC,
 * and the served version's own input_example from model.json) or any endpoint the user types in
 * (ModelDeck, KServe, Triton, MLServer, …). The checks are pure (src/core/compliance/); the panel
 * streams them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ComplianceReport, ComplianceTarget } from '../core/compliance/complianceTypes';
import { CancelledError, UserFacingError } from '../common/errors';
import { CompliancePanel } from '../panels/compliance/compliancePanel';
import type { DeploymentsNode } from '../views/deploymentsTree';
import type { CommandContext } from './context';

/** An endpoint given directly (tests, other extensions): `{ url, grpc?, model? }`. */
function isTarget(arg: unknown): arg is ComplianceTarget {
  return typeof arg === 'object' && arg !== null && typeof (arg as { url?: unknown }).url === 'string';
}

export async function checkCompliance(ctx: CommandContext, arg?: unknown): Promise<ComplianceReport | undefined> {
  const { target, label } = await targetOf(ctx, arg);
  const { done } = CompliancePanel.show({ extensionUri: ctx.extension.extensionUri, output: ctx.output, protoFile: path.join(ctx.extension.extensionPath, 'dist', 'proto', 'open_inference_grpc.proto') }, target, label);
  return done;
}

async function targetOf(ctx: CommandContext, arg: unknown): Promise<{ target: ComplianceTarget; label: string }> {
  if (isTarget(arg)) return { target: arg, label: typedLabel(arg) };
  const node = arg as DeploymentsNode | undefined;
  if (typeof arg === 'string') return localTarget(ctx, arg);
  if (node?.kind === 'deployment') return localTarget(ctx, node.name);
  const remoteNode = arg as { kind?: string; name?: string } | undefined;
  if (remoteNode?.kind === 'remote' && remoteNode.name) return remoteTarget(ctx, remoteNode.name);
  const running = ctx.deployments.list().filter((d) => d.state === 'running');
  const ready = ctx.kserve.remoteState.kind === 'ok' ? ctx.kserve.remoteState.items.filter((s) => s.state === 'Ready') : [];
  const OTHER = '$(globe) Another endpoint…';
  const pick = await vscode.window.showQuickPick(
    [
      ...running.map((d) => ({ label: d.name, description: `local · ${d.model}`, name: d.name, remote: false })),
      ...ready.map((s) => ({ label: s.name, description: 'KServe · Ready', name: s.name, remote: true })),
      { label: OTHER, description: 'any Open Inference Protocol server', name: '', remote: false },
    ],
    { title: 'Endpoint to check' },
  );
  if (!pick) throw new CancelledError();
  if (pick.remote) return remoteTarget(ctx, pick.name);
  if (pick.name) return localTarget(ctx, pick.name);
  return askTarget();
}

/** A Ready InferenceService, reached like the predict panel reaches it (ingress, Host, token, :authority). */
async function remoteTarget(ctx: CommandContext, name: string): Promise<{ target: ComplianceTarget; label: string }> {
  const { endpoint, context } = await ctx.kserve.endpointFor(name);
  return {
    target: {
      url: endpoint.httpUrl,
      model: name,
      headers: endpoint.headers,
      ...(endpoint.grpcAddress ? { grpc: endpoint.grpcAddress } : {}),
      ...(endpoint.grpcAuthority ? { grpcAuthority: endpoint.grpcAuthority } : {}),
    },
    label: `${name} (KServe ${context})`,
  };
}

function localTarget(ctx: CommandContext, name: string): { target: ComplianceTarget; label: string } {
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  if (d.state !== 'running' || !d.restUrl) throw new UserFacingError(`${name} is not running: start it first`);
  // restUrl is the model's URL (…/v2/models/<name>); the check wants the server's base.
  const url = d.restUrl.replace(/\/v2\/models\/.*$/, '');
  const version = d.version !== undefined ? ctx.registry.find(d.spec.model.name)?.versions.find((v) => v.version === d.version) : undefined;
  const example = version?.metadata.input_example;
  return {
    target: { url, model: name, ...(d.grpcUrl ? { grpc: d.grpcUrl.replace(/^grpc:\/\//, '') } : {}), ...(example !== undefined ? { example } : {}) },
    label: name,
  };
}

async function askTarget(): Promise<{ target: ComplianceTarget; label: string }> {
  const url = await vscode.window.showInputBox({
    title: 'Endpoint to check (1/3): REST base URL',
    placeHolder: 'http://127.0.0.1:8080',
    validateInput: (v) => (/^https?:\/\/[^\s]+$/.test(v.trim()) ? undefined : 'an http:// or https:// URL'),
  });
  if (!url) throw new CancelledError();
  const grpc = await vscode.window.showInputBox({
    title: 'Endpoint to check (2/3): gRPC HOST:PORT (empty: REST only)',
    placeHolder: '127.0.0.1:8081',
    validateInput: (v) => (v.trim() === '' || /^[^:\s]+:\d+$/.test(v.trim().replace(/^grpc:\/\//, '')) ? undefined : 'HOST:PORT, or empty'),
  });
  if (grpc === undefined) throw new CancelledError();
  const model = await vscode.window.showInputBox({ title: 'Endpoint to check (3/3): model name (empty: the first ready model of the repository index)' });
  if (model === undefined) throw new CancelledError();
  const target: ComplianceTarget = { url: url.trim().replace(/\/+$/, ''), ...(grpc.trim() ? { grpc: grpc.trim().replace(/^grpc:\/\//, '') } : {}), ...(model.trim() ? { model: model.trim() } : {}) };
  return { target, label: typedLabel(target) };
}

/** "iris @ 10.0.0.5:8080": the model and where it was checked. */
function typedLabel(t: ComplianceTarget): string {
  return `${t.model ?? 'first ready model'} @ ${new URL(t.url).host}`;
}
