import * as path from 'node:path';
import * as vscode from 'vscode';
import { ModelRegistry, type ModelVersionInfo } from '../core/registry/modelRegistry';
import type { RegistryError } from '../core/registry/registryErrors';
import { bestVersionOf, keyMetric } from '../core/registry/versionSummary';
import { Disposable } from '../common/lifecycle';
import { onSettingsChanged, readSettings } from '../common/config';

/** One model of one registry, with everything the tree and commands need. */
export interface ModelEntry {
  registry: ModelRegistry;
  /** Workspace folder the registry belongs to. */
  folder: vscode.WorkspaceFolder;
  model: string;
  versions: ModelVersionInfo[];
  /** Metric the tree shows and ranks by. */
  keyMetric?: string;
  /** Best version by the key metric. */
  best?: number;
}

/** One configured registry folder and what was read from it. */
export interface RegistryEntry {
  registry: ModelRegistry;
  folder: vscode.WorkspaceFolder;
  exists: boolean;
  models: ModelEntry[];
  problems: RegistryError[];
}

/**
 * The registries of the workspace (setting `modeldeck.registryPaths`, relative to each folder),
 * re-read when files under them change.
 */
export class RegistryService extends Disposable {
  private entries: RegistryEntry[] = [];
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private refreshTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor() {
    super();
    // Any file: a version may hold a pickle, a TorchScript file or weights of any name (events outside registries are ignored).
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*'));
    const schedule = (uri: vscode.Uri) => {
      if (this.isUnderRegistry(uri.fsPath)) this.scheduleRefresh();
    };
    this.register(watcher.onDidCreate(schedule));
    this.register(watcher.onDidChange(schedule));
    this.register(watcher.onDidDelete(schedule));
    this.register(onSettingsChanged('registryPaths', () => this.scheduleRefresh()));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRefresh()));
  }

  /** Registry folders in lookup order (what the server is started with). */
  roots(): { root: string; folder: vscode.WorkspaceFolder }[] {
    const paths = readSettings().registryPaths;
    return (vscode.workspace.workspaceFolders ?? []).flatMap((folder) =>
      paths.map((p) => ({ root: path.resolve(folder.uri.fsPath, p), folder })),
    );
  }

  get registries(): RegistryEntry[] {
    return this.entries;
  }

  get models(): ModelEntry[] {
    return this.entries.flatMap((e) => e.models);
  }

  /** Re-reads every registry now. */
  refresh(): Promise<void> {
    this.loading = this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Waits for a refresh in progress. */
  async settled(): Promise<void> {
    while (this.loading || this.refreshTimer) {
      await (this.loading ?? new Promise((r) => setTimeout(r, 50)));
    }
  }

  find(model: string): ModelEntry | undefined {
    return this.models.find((m) => m.model === model);
  }

  /** The registry, model and version a path inside a registry points at (a version folder or a file in it). */
  locate(fsPath: string): { entry: RegistryEntry; model: string; version?: number } | undefined {
    for (const entry of this.entries) {
      const rel = path.relative(entry.registry.root, fsPath);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const [model, version] = rel.split(path.sep);
      if (!model) continue;
      return { entry, model, ...(version && /^[1-9]\d*$/.test(version) ? { version: Number(version) } : {}) };
    }
    return undefined;
  }

  private isUnderRegistry(p: string): boolean {
    return this.roots().some(({ root }) => p === root || p.startsWith(root + path.sep));
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    // Debounced: copying a version writes several files in a burst.
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 300);
  }

  private async load(): Promise<void> {
    const next: RegistryEntry[] = [];
    for (const { root, folder } of this.roots()) {
      const registry = new ModelRegistry(root);
      let listing: { versions: ModelVersionInfo[]; problems: RegistryError[] };
      try {
        listing = await registry.listAllWithProblems();
      } catch {
        next.push({ registry, folder, exists: false, models: [], problems: [] });
        continue;
      }
      const byModel = new Map<string, ModelVersionInfo[]>();
      for (const v of listing.versions) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
      const models = [...byModel].map(([model, versions]) => {
        const metric = keyMetric(versions);
        const best = metric ? bestVersionOf(versions, metric) : undefined;
        return { registry, folder, model, versions, ...(metric ? { keyMetric: metric } : {}), ...(best ? { best } : {}) };
      });
      next.push({ registry, folder, exists: true, models, problems: listing.problems });
    }
    this.entries = next;
    this.changed.fire();
  }
}
