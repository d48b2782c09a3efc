import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelVersionInfo } from '../core/registry/modelRegistry';
import { describeSignature, readOnnxSignature } from '../core/registry/onnxSignature';
import { versionDescription, versionTooltipLines } from '../core/registry/versionSummary';
import type { ModelEntry, RegistryEntry, RegistryService } from '../services/registryService';

export type ModelsNode =
  | { kind: 'registry'; entry: RegistryEntry }
  | { kind: 'model'; model: ModelEntry }
  | { kind: 'version'; model: ModelEntry; info: ModelVersionInfo }
  | { kind: 'file'; info: ModelVersionInfo; file: string };

/** Models view: registry → model → versions (key metric, best marked) → files. */
export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelsNode> {
  private readonly changed = new vscode.EventEmitter<ModelsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly signatures = new Map<string, string>();

  constructor(private readonly registry: RegistryService) {
    registry.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: ModelsNode): ModelsNode[] | Promise<ModelsNode[]> {
    if (!node) {
      const existing = this.registry.registries.filter((r) => r.exists && r.models.length > 0);
      // With one registry the models are the top level; several get a level each.
      if (existing.length === 1) return existing[0]!.models.map((model) => ({ kind: 'model', model }));
      return existing.map((entry) => ({ kind: 'registry', entry }));
    }
    switch (node.kind) {
      case 'registry':
        return node.entry.models.map((model) => ({ kind: 'model', model }));
      case 'model':
        return [...node.model.versions].reverse().map((info) => ({ kind: 'version', model: node.model, info }));
      case 'version':
        return listFiles(node.info);
      case 'file':
        return [];
    }
  }

  getTreeItem(node: ModelsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'registry': {
        const item = new vscode.TreeItem(path.relative(node.entry.folder.uri.fsPath, node.entry.registry.root) || node.entry.registry.root, vscode.TreeItemCollapsibleState.Expanded);
        item.description = node.entry.folder.name;
        item.iconPath = new vscode.ThemeIcon('database');
        item.tooltip = node.entry.registry.root;
        item.contextValue = 'registry';
        return item;
      }
      case 'model': {
        const m = node.model;
        const item = new vscode.TreeItem(m.model, vscode.TreeItemCollapsibleState.Expanded);
        const count = m.versions.length;
        item.description = `${count} version${count === 1 ? '' : 's'}${m.best ? ` · best v${m.best}` : ''}`;
        item.iconPath = new vscode.ThemeIcon('package');
        item.contextValue = 'model';
        item.id = `model:${m.registry.root}:${m.model}`;
        return item;
      }
      case 'version': {
        const { info, model } = node;
        const isBest = model.best === info.version;
        const item = new vscode.TreeItem(`v${info.version}`, vscode.TreeItemCollapsibleState.Collapsed);
        // A version without an .onnx file is served only by a predictor script (modelServer "script").
        item.description = `${versionDescription(info, model.keyMetric)}${info.modelFile === undefined ? ' · no ONNX' : ''}${isBest ? ' ★ best' : ''}`;
        item.iconPath = new vscode.ThemeIcon(isBest ? 'star-full' : 'versions');
        // Not "modelVersion…" for a version without ONNX: Serve (ONNX only) is not offered on it; Deploy… is.
        const kind = info.modelFile === undefined ? 'scriptVersion' : 'modelVersion';
        item.contextValue = info.metadataFile ? `${kind}.withJson` : kind;
        item.resourceUri = vscode.Uri.file(info.dir);
        item.id = `version:${info.dir}`;
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(vscode.Uri.file(node.file), vscode.TreeItemCollapsibleState.None);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
        item.contextValue = node.file.endsWith('.onnx') ? 'modelFile.onnx' : 'modelFile';
        return item;
      }
    }
  }

  /** Tooltips are built on hover: reading the ONNX signature costs a file read. */
  async resolveTreeItem(item: vscode.TreeItem, node: ModelsNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'version') return item;
    // No ONNX file, no signature: the tooltip lists the version's files instead.
    const file = node.info.modelFile;
    let signature = file === undefined ? undefined : this.signatures.get(file);
    if (file !== undefined && signature === undefined) {
      try {
        signature = describeSignature(await readOnnxSignature(file));
      } catch (err) {
        signature = `unreadable (${(err as Error).message})`;
      }
      this.signatures.set(file, signature);
    }
    item.tooltip = new vscode.MarkdownString(versionTooltipLines(node.info, signature, node.model.best === node.info.version).join('\n\n'));
    return item;
  }

  refresh(): void {
    this.signatures.clear();
    this.changed.fire(undefined);
  }
}

async function listFiles(info: ModelVersionInfo): Promise<ModelsNode[]> {
  const { readdir } = await import('node:fs/promises');
  const names = (await readdir(info.dir)).filter((n) => !n.startsWith('.')).sort();
  return names.map((n) => ({ kind: 'file', info, file: path.join(info.dir, n) }));
}
