import * as vscode from 'vscode';
import { externalUrlNow } from '../common/externalUrl';
import type { InferenceServiceState, InferenceServiceSummary } from '../core/kserve/inferenceServiceStatus';
import type { KServeService } from '../services/kserveService';

/** Nodes of the Deployments view's "KServe" group. */
export type KServeNode =
  | { kind: 'kserveRoot' }
  | { kind: 'remote'; name: string; namespace: string }
  | { kind: 'remoteEndpoint'; deployment: string; label: string; url: string };

const ICONS: Record<InferenceServiceState, vscode.ThemeIcon> = {
  Ready: new vscode.ThemeIcon('cloud', new vscode.ThemeColor('testing.iconPassed')),
  Progressing: new vscode.ThemeIcon('loading~spin'),
  Failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  Stopped: new vscode.ThemeIcon('debug-pause'),
  Deleting: new vscode.ThemeIcon('trash'),
};

/**
 * The remote half of the Deployments view: one "KServe · context/namespace" group whose children
 * are the namespace's InferenceServices with state, replicas, traffic and URLs.
 */
export class KServeNodes {
  private readonly root: KServeNode = { kind: 'kserveRoot' };
  private readonly remotes = new Map<string, KServeNode>();

  constructor(private readonly kserve: KServeService) {}

  /** The group node, or nothing when the workspace has no KServe deployments and no chosen target. */
  roots(): KServeNode[] {
    return this.kserve.remoteState.kind === 'hidden' ? [] : [this.root];
  }

  /** The stable node of an InferenceService (TreeView.reveal needs the same object). */
  remote(name: string, namespace: string): KServeNode {
    const key = `${namespace}/${name}`;
    let n = this.remotes.get(key);
    if (!n) {
      n = { kind: 'remote', name, namespace };
      this.remotes.set(key, n);
    }
    return n;
  }

  children(node: KServeNode): KServeNode[] {
    const state = this.kserve.remoteState;
    if (node.kind === 'kserveRoot') return state.kind === 'ok' ? state.items.map((s) => this.remote(s.name, s.namespace)) : [];
    if (node.kind !== 'remote') return [];
    const s = this.kserve.summary(node.name);
    if (!s) return [];
    const out: KServeNode[] = [];
    // The service's URL as the user reaches it (a loopback ingress is forwarded in remote development;
    // the Deployments view renders again when it is resolved). The in-cluster URL is the cluster's own.
    const url = s.url && externalUrlNow(s.url);
    if (url) out.push({ kind: 'remoteEndpoint', deployment: s.name, label: 'URL', url });
    if (s.internalUrl) out.push({ kind: 'remoteEndpoint', deployment: s.name, label: 'Cluster', url: s.internalUrl });
    return out;
  }

  parent(node: KServeNode): KServeNode | undefined {
    if (node.kind === 'remote') return this.root;
    if (node.kind === 'remoteEndpoint') {
      const s = this.kserve.summary(node.deployment);
      return s ? this.remote(s.name, s.namespace) : undefined;
    }
    return undefined;
  }

  item(node: KServeNode): vscode.TreeItem {
    const state = this.kserve.remoteState;
    if (node.kind === 'kserveRoot') {
      const item = new vscode.TreeItem('KServe', vscode.TreeItemCollapsibleState.Expanded);
      item.id = 'kserve:root';
      item.iconPath = new vscode.ThemeIcon('server-environment');
      item.contextValue = 'kserveRoot';
      if (state.kind === 'ok') {
        item.description = `${state.context} · ${state.namespace}${state.items.length === 0 ? ' · no InferenceServices' : ''}`;
        item.tooltip = `InferenceServices of namespace ${state.namespace} in context ${state.context}. Change with "ModelDeck: Select KServe Context and Namespace…".`;
      } else if (state.kind === 'loading') {
        item.description = `${state.context ?? ''} · ${state.namespace ?? ''} · loading…`;
      } else if (state.kind === 'error') {
        item.description = state.message;
        item.tooltip = state.message;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.command = { command: 'modeldeck.kserve.selectContext', title: 'Select KServe Context' };
      }
      return item;
    }
    if (node.kind === 'remoteEndpoint') {
      const item = new vscode.TreeItem(`${node.label}: ${node.url}`, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.label === 'URL' ? 'globe' : 'lock');
      item.tooltip = `Click to copy ${node.url}`;
      item.command = { command: 'modeldeck.copyText', title: 'Copy', arguments: [node.url] };
      item.contextValue = 'remoteEndpoint';
      return item;
    }
    const s = this.kserve.summary(node.name);
    if (!s) return new vscode.TreeItem(node.name);
    // Always expandable: a row created before the service had a URL must still open when it gets one.
    const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `kserve:${s.namespace}/${s.name}`;
    item.iconPath = ICONS[s.state];
    item.description = describe(s);
    item.tooltip = tooltip(s);
    item.contextValue = `remote.${s.state}`;
    return item;
  }
}

function describe(s: InferenceServiceSummary): string {
  const parts: string[] = [s.state];
  if (s.model) parts.push(`${s.model}${s.version ? ` v${s.version}` : ''}`);
  parts.push(`${s.replicas.ready}/${s.replicas.total} ready`);
  const traffic = s.traffic.map((t) => `${t.percent}%${t.latest ? '' : ` ${t.revision}`}`).join(' ');
  if (traffic && s.traffic.length > 1) parts.push(`traffic ${traffic}`);
  const url = s.url && externalUrlNow(s.url);
  if (s.state === 'Ready' && url) parts.push(url);
  else if (s.reason && s.state !== 'Ready') parts.push(s.reason);
  return parts.join(' · ');
}

function tooltip(s: InferenceServiceSummary): vscode.MarkdownString {
  const range = s.replicas.min !== undefined || s.replicas.max !== undefined ? ` (min ${s.replicas.min ?? '?'}, max ${s.replicas.max ?? '?'})` : '';
  const lines = [
    `**${s.name}** (KServe, ${s.namespace}) — ${s.state}${s.upToDate ? '' : ' (the controller has not caught up with the latest change yet)'}`,
    ...(s.model ? [`Model: ${s.model}${s.version ? ` v${s.version}` : ''}${s.modelState ? ` (${s.modelState})` : ''}`] : []),
    `Replicas: ${s.replicas.ready} ready of ${s.replicas.total}${range}`,
    ...(s.traffic.length ? [`Traffic: ${s.traffic.map((t) => `${t.revision} ${t.percent}%${t.latest ? ' (latest)' : ''}${t.tag ? ` tag ${t.tag}` : ''}`).join(', ')}`] : []),
    ...(s.url && externalUrlNow(s.url) ? [`URL: ${externalUrlNow(s.url)}`] : []),
    ...(s.internalUrl ? [`In the cluster: ${s.internalUrl}`] : []),
    ...(s.reason ? [`Reason: ${s.reason}`] : []),
  ];
  return new vscode.MarkdownString(lines.join('\n\n'));
}
