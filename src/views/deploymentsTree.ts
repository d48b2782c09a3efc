import * as path from 'node:path';
import * as vscode from 'vscode';
import { externalGrpcAddressNow, externalUrlNow, onDidResolveExternalUrl } from '../common/externalUrl';
import { describeVersionSelector } from '../core/deployment/deploymentSpec';
import type { ScriptEntry } from '../core/server/serverClient';
import type { DeploymentSpecError } from '../core/deployment/validateDeployment';
import type { DeploymentService, DeploymentStateName, DeploymentView } from '../services/deploymentService';
import type { KServeService } from '../services/kserveService';
import { KServeNodes, type KServeNode } from './kserveNodes';

export type DeploymentsNode =
  | { kind: 'deployment'; name: string }
  | { kind: 'endpoint'; deployment: string; label: string; url: string }
  | { kind: 'script'; deployment: string; label: 'Predictor' | 'Transformer'; entry: ScriptEntry }
  | { kind: 'problem'; error: DeploymentSpecError }
  | KServeNode;

const ICONS: Record<DeploymentStateName, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  starting: new vscode.ThemeIcon('loading~spin'),
  updating: new vscode.ThemeIcon('sync~spin'),
  stopped: new vscode.ThemeIcon('circle-outline'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/** Deployments view: each deployment with its state; running ones show their endpoints. */
export class DeploymentsTreeProvider implements vscode.TreeDataProvider<DeploymentsNode> {
  private readonly changed = new vscode.EventEmitter<DeploymentsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly nodes = new Map<string, DeploymentsNode>();
  /** The remote (KServe) group, when the extension has a KServe service. */
  readonly kserve: KServeNodes | undefined;

  constructor(
    private readonly deployments: DeploymentService,
    kserve?: KServeService,
  ) {
    deployments.onDidChange(() => this.changed.fire(undefined));
    // URLs are shown as the user reaches them (forwarded in remote development), once resolved.
    onDidResolveExternalUrl(() => this.changed.fire(undefined));
    if (kserve) {
      this.kserve = new KServeNodes(kserve);
      kserve.onDidChange(() => this.changed.fire(undefined));
    }
  }

  /** The stable node of a deployment (TreeView.reveal needs the same object). */
  node(name: string): DeploymentsNode {
    let n = this.nodes.get(name);
    if (!n) {
      n = { kind: 'deployment', name };
      this.nodes.set(name, n);
    }
    return n;
  }

  getChildren(node?: DeploymentsNode): DeploymentsNode[] {
    if (!node) {
      return [
        ...this.deployments.list().map((d) => this.node(d.name)),
        ...this.deployments.fileProblems.map((error) => ({ kind: 'problem' as const, error })),
        ...(this.kserve?.roots() ?? []),
      ];
    }
    if (isKServeNode(node)) return this.kserve?.children(node) ?? [];
    if (node.kind !== 'deployment') return [];
    const d = this.deployments.get(node.name);
    if (!d || d.state !== 'running') return [];
    const out: DeploymentsNode[] = [];
    const rest = d.restUrl && externalUrlNow(d.restUrl);
    const grpc = d.grpcUrl && externalGrpcAddressNow(d.grpcUrl);
    if (rest) out.push({ kind: 'endpoint', deployment: d.name, label: 'REST', url: rest });
    if (grpc) out.push({ kind: 'endpoint', deployment: d.name, label: 'gRPC', url: grpc });
    if (d.predictor) out.push({ kind: 'script', deployment: d.name, label: 'Predictor', entry: d.predictor });
    if (d.transformer) out.push({ kind: 'script', deployment: d.name, label: 'Transformer', entry: d.transformer });
    return out;
  }

  getParent(node: DeploymentsNode): DeploymentsNode | undefined {
    if (isKServeNode(node)) return this.kserve?.parent(node);
    return node.kind === 'endpoint' || node.kind === 'script' ? this.node(node.deployment) : undefined;
  }

  getTreeItem(node: DeploymentsNode): vscode.TreeItem {
    if (isKServeNode(node)) return this.kserve!.item(node);
    if (node.kind === 'problem') {
      const item = new vscode.TreeItem(node.error.source ?? 'deployment file', vscode.TreeItemCollapsibleState.None);
      item.description = node.error.message;
      item.tooltip = node.error.message;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      if (node.error.source) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.error.source)] };
      return item;
    }
    if (node.kind === 'endpoint') {
      const item = new vscode.TreeItem(`${node.label}: ${node.url}`, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.label === 'REST' ? 'globe' : 'plug');
      item.tooltip = `Click to copy ${node.url}`;
      item.command = { command: 'modeldeck.copyText', title: 'Copy', arguments: [node.url] };
      item.contextValue = 'endpoint';
      return item;
    }
    if (node.kind === 'script') {
      // "Predictor: predictor.py · Python 3.11.2 (/usr/bin/python3)": which file and which interpreter serve.
      const item = new vscode.TreeItem(`${node.label}: ${path.basename(node.entry.script)}`, vscode.TreeItemCollapsibleState.None);
      item.description = node.entry.runtime;
      item.tooltip = new vscode.MarkdownString(
        [`**${node.entry.className}** in ${node.entry.script}`, `Runs on ${node.entry.runtime}${node.entry.interpreterSource ? ` (interpreter chosen by ${node.entry.interpreterSource})` : ''}`, 'Saving the script reloads the deployment.'].join('\n\n'),
      );
      item.iconPath = new vscode.ThemeIcon(node.entry.script.endsWith('.py') ? 'symbol-class' : 'symbol-method');
      item.command = { command: 'vscode.open', title: 'Open Script', arguments: [vscode.Uri.file(node.entry.script)] };
      item.contextValue = 'script';
      return item;
    }
    const d = this.deployments.get(node.name);
    if (!d) return new vscode.TreeItem(node.name);
    const item = new vscode.TreeItem(d.name, d.state === 'running' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `deployment:${d.name}`;
    item.iconPath = ICONS[d.state];
    item.description = describe(d);
    item.tooltip = tooltip(d);
    // A KServe deployment file is deployed with "Deploy to KServe", not started on the local server.
    // ".logged": it logs its inferences, so "Show Inference Log" is offered on it.
    item.contextValue = d.spec.servingTool === 'kserve' ? 'kserveDeployment' : `deployment.${d.state}${d.spec.inferenceLogger.mode !== 'none' ? '.logged' : ''}`;
    if (d.spec.servingTool === 'kserve') {
      item.iconPath = new vscode.ThemeIcon('cloud-upload');
      item.description = `KServe · ${d.model} ${describeVersionSelector(d.spec.model.version)}${d.spec.kserve.namespace ? ` → ${d.spec.kserve.namespace}` : ''}`;
    }
    return item;
  }
}

function describe(d: DeploymentView): string {
  switch (d.state) {
    case 'running': {
      const url = d.restUrl && externalUrlNow(d.restUrl);
      return `running · ${d.model} v${d.version ?? '?'}${url ? ` · ${url}` : ''}`;
    }
    case 'failed':
      return `failed: ${d.reason ?? 'unknown reason'}`;
    case 'starting':
      return d.reason ? `starting… (${d.reason})` : 'starting…';
    case 'updating':
      return 'updating…';
    case 'stopped':
      return `stopped · ${d.model} ${describeVersionSelector(d.spec.model.version)}`;
  }
}

function tooltip(d: DeploymentView): vscode.MarkdownString {
  const lines = [
    `**${d.name}** (${d.spec.servingTool}) — ${d.state}`,
    `Model: ${d.model}, ${describeVersionSelector(d.spec.model.version)}${d.version ? ` → v${d.version}` : ''}`,
    `Protocol: ${d.spec.protocol}; instances: ${d.spec.resources.instances}; batching: ${d.spec.batcher.enabled ? `up to ${d.spec.batcher.maxBatchSize}, ${d.spec.batcher.maxLatencyMs} ms` : 'off'}`,
  ];
  const rest = d.restUrl && externalUrlNow(d.restUrl);
  const grpc = d.grpcUrl && externalGrpcAddressNow(d.grpcUrl);
  if (rest) lines.push(`REST: ${rest}`);
  if (grpc) lines.push(`gRPC: ${grpc}`);
  if (d.spec.predictor.script) lines.push(`Predictor script: ${d.predictor ? `${d.predictor.script} on ${d.predictor.runtime}` : d.spec.predictor.script}`);
  if (d.spec.transformer.script) lines.push(`Transformer script: ${d.transformer ? `${d.transformer.script} on ${d.transformer.runtime}` : d.spec.transformer.script}`);
  if (d.reason) lines.push(`Reason: ${d.reason}`);
  lines.push(`File: ${d.file}`);
  return new vscode.MarkdownString(lines.join('\n\n'));
}

function isKServeNode(node: DeploymentsNode): node is KServeNode {
  return node.kind === 'kserveRoot' || node.kind === 'remote' || node.kind === 'remoteEndpoint';
}
