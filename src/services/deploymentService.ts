import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeploymentSpec } from '../core/deployment/deploymentSpec';
import { DeploymentSpecError, loadDeploymentsDir, saveDeployment } from '../core/deployment/validateDeployment';
import type { RepositoryEntry, ScriptEntry } from '../core/server/serverClient';
import { Disposable } from '../common/lifecycle';
import { UserFacingError } from '../common/errors';
import type { ModelDeckOutput } from '../logs/output';
import type { LocalServer } from './localServer';
import { requireTrust } from './trust';
import { pythonHintsFor } from './pythonInterpreter';
import { withAbsoluteScriptPaths } from '../core/deployment/scriptPaths';

import { deploymentState, type DeploymentStateName } from '../core/deployment/deploymentState';

export type { DeploymentStateName };

/** A deployment as the Deployments view shows it. */
export interface DeploymentView {
  name: string;
  model: string;
  state: DeploymentStateName;
  /** Version being served. */
  version?: number;
  reason?: string;
  restUrl?: string;
  grpcUrl?: string;
  spec: DeploymentSpec;
  /** The deployment file. */
  file: string;
  folder: vscode.WorkspaceFolder;
  /** The predictor script serving it (running only). */
  predictor?: ScriptEntry;
  /** Its transformer script (running only). */
  transformer?: ScriptEntry;
}

/** The deployments folder of a workspace folder. */
export function deploymentsDirOf(folder: vscode.WorkspaceFolder): string {
  return path.join(folder.uri.fsPath, '.modeldeck', 'deployments');
}

const RUNNING_KEY = 'modeldeck.runningDeployments';
const POLL_MS = 2000;

/**
 * Deployment files of the workspace and their life on the local server: which ones the user wants
 * running (remembered per workspace), what the server says about each, and the start/stop/update
 * actions. The server only ever serves what this service loads into it.
 */
export class DeploymentService extends Disposable {
  private files: { spec: DeploymentSpec; file: string; folder: vscode.WorkspaceFolder }[] = [];
  private problems: DeploymentSpecError[] = [];
  private index = new Map<string, RepositoryEntry>();
  private readonly transient = new Map<string, { state: DeploymentStateName; reason?: string }>();
  private readonly failures = new Map<string, string>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private poll: NodeJS.Timeout | undefined;
  private readonly busy = new Set<Promise<unknown>>();

  constructor(
    private readonly server: LocalServer,
    private readonly memento: vscode.Memento,
    private readonly output: ModelDeckOutput,
  ) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/.modeldeck/deployments/*.json'));
    this.register(watcher.onDidCreate(() => void this.reloadFiles()));
    this.register(watcher.onDidChange(() => void this.reloadFiles()));
    this.register(watcher.onDidDelete(() => void this.reloadFiles()));
    this.register(server.onState(() => this.onServerState()));
    this.register(server.onRestarted(() => void this.track(this.restoreRunning())));
  }

  /** Every deployment, sorted by name. */
  list(): DeploymentView[] {
    return this.files.map((f) => this.view(f)).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): DeploymentView | undefined {
    return this.list().find((d) => d.name === name);
  }

  /** Deployment files that could not be read, for the view to show. */
  get fileProblems(): DeploymentSpecError[] {
    return this.problems;
  }

  /** Resolves when no start/stop/update is in progress (tests, commands that chain). */
  async whenIdle(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy]);
  }

  async reloadFiles(): Promise<void> {
    const next: typeof this.files = [];
    const problems: DeploymentSpecError[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const dir = deploymentsDirOf(folder);
      const { specs, errors } = await loadDeploymentsDir(dir);
      problems.push(...errors);
      for (const spec of specs) next.push({ spec, file: path.join(dir, `${spec.name}.json`), folder });
    }
    const before = new Map(this.files.map((f) => [f.spec.name, JSON.stringify(f.spec)]));
    this.files = next;
    this.problems = problems;
    this.changed.fire();
    // A running deployment whose file changed is updated in place (a version change hot-swaps).
    for (const f of next) {
      const old = before.get(f.spec.name);
      if (old !== undefined && old !== JSON.stringify(f.spec) && this.wantsRunning(f.spec.name) && this.server.running) {
        void this.track(this.load(f, 'updating'));
      }
    }
  }

  /**
   * Writes a deployment file unless one with that name exists (never overwrites). Returns the
   * spec now on disk: the existing one when there was one.
   */
  async ensureFile(spec: DeploymentSpec, folder: vscode.WorkspaceFolder): Promise<{ spec: DeploymentSpec; created: boolean; file: string }> {
    const dir = deploymentsDirOf(folder);
    try {
      const file = await saveDeployment(dir, spec, { overwrite: false });
      await this.reloadFiles();
      return { spec, created: true, file };
    } catch (err) {
      if (!(err instanceof DeploymentSpecError) || err.reason !== 'exists') throw err;
      await this.reloadFiles();
      const existing = this.files.find((f) => f.spec.name === spec.name);
      if (!existing) throw new UserFacingError(`${err.source ?? spec.name} exists but cannot be read: fix or remove it first`);
      return { spec: existing.spec, created: false, file: existing.file };
    }
  }

  /** Starts (or updates) a deployment on the local server; resolves when it serves. */
  start(name: string): Promise<DeploymentView> {
    requireTrust('start a deployment');
    const f = this.files.find((x) => x.spec.name === name);
    if (!f) throw new UserFacingError(`no deployment named "${name}" (deployments: ${this.files.map((x) => x.spec.name).join(', ') || 'none'})`);
    if (f.spec.servingTool !== 'local') {
      throw new UserFacingError(`"${name}" is a ${f.spec.servingTool} deployment; the local server serves only servingTool "local"`);
    }
    return this.track(
      (async () => {
        await this.setWanted(name, true);
        await this.load(f, 'starting');
        const v = this.get(name)!;
        if (v.state === 'failed') throw new UserFacingError(`deployment "${name}" failed to start: ${v.reason}`);
        return v;
      })(),
    );
  }

  stop(name: string): Promise<void> {
    return this.track(
      (async () => {
        await this.setWanted(name, false);
        this.failures.delete(name);
        const client = this.server.running;
        if (client && this.index.has(name)) {
          await client.unload(name);
          this.output.info(`stopped deployment "${name}"`);
        }
        this.index.delete(name);
        this.changed.fire();
      })(),
    );
  }

  private async load(f: { spec: DeploymentSpec; folder: vscode.WorkspaceFolder }, state: 'starting' | 'updating'): Promise<void> {
    // Script paths in the file are relative to its workspace folder; the server gets them absolute.
    const spec = withAbsoluteScriptPaths(f.spec, f.folder.uri.fsPath);
    this.transient.set(spec.name, { state });
    this.failures.delete(spec.name);
    this.changed.fire();
    try {
      const client = await this.server.ensureRunning();
      const usesScripts = spec.modelServer === 'script' || spec.transformer.script !== undefined;
      const entry = await client.load(spec, usesScripts ? await pythonHintsFor(f.folder) : undefined);
      this.index.set(spec.name, entry);
      this.output.info(`deployment "${spec.name}" ${state === 'updating' ? 'updated' : 'running'}: version ${entry.version} on ${entry.provider}`);
    } catch (err) {
      this.failures.set(spec.name, (err as Error).message);
      this.output.error(`deployment "${spec.name}" failed: ${(err as Error).message}`);
    } finally {
      this.transient.delete(spec.name);
      await this.refreshIndex();
    }
  }

  /** Loads every deployment the user left running (activation, server restart). */
  async restoreRunning(): Promise<void> {
    const wanted = this.files.filter((f) => this.wantsRunning(f.spec.name) && f.spec.servingTool === 'local');
    if (wanted.length === 0 || !vscode.workspace.isTrusted) return;
    await Promise.all(wanted.map((f) => this.load(f, 'starting')));
  }

  private wantsRunning(name: string): boolean {
    return this.memento.get<string[]>(RUNNING_KEY, []).includes(name);
  }

  private async setWanted(name: string, running: boolean): Promise<void> {
    const set = new Set(this.memento.get<string[]>(RUNNING_KEY, []));
    if (running) set.add(name);
    else set.delete(name);
    await this.memento.update(RUNNING_KEY, [...set].sort());
  }

  private async refreshIndex(): Promise<void> {
    const client = this.server.running;
    if (!client) {
      this.index.clear();
      this.changed.fire();
      return;
    }
    try {
      const entries = await client.index();
      this.index = new Map(entries.map((e) => [e.name, e]));
    } catch {
      // the server is going away: its state change will update the view
    }
    this.changed.fire();
  }

  private onServerState(): void {
    const running = this.server.state.state === 'running';
    if (running && !this.poll) {
      // Versions change on the server by themselves (new version folders): follow them.
      this.poll = setInterval(() => void this.refreshIndex(), POLL_MS);
    } else if (!running && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
    if (!running) this.index.clear();
    this.changed.fire();
  }

  private view(f: { spec: DeploymentSpec; file: string; folder: vscode.WorkspaceFolder }): DeploymentView {
    const name = f.spec.name;
    const transient = this.transient.get(name);
    const failure = this.failures.get(name);
    const entry = this.index.get(name);
    const state = deploymentState({
      name,
      wantsRunning: this.wantsRunning(name),
      server: this.server.state,
      ...(transient ? { transient } : {}),
      ...(failure ? { failure } : {}),
      ...(entry ? { entry } : {}),
    });
    const scripts = { ...(entry?.predictor ? { predictor: entry.predictor } : {}), ...(entry?.transformer ? { transformer: entry.transformer } : {}) };
    return { name, model: f.spec.model.name, spec: f.spec, file: f.file, folder: f.folder, ...state, ...scripts };
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.busy.add(p);
    void p.finally(() => this.busy.delete(p)).catch(() => undefined);
    return p;
  }

  override dispose(): void {
    if (this.poll) clearInterval(this.poll);
    super.dispose();
  }
}
