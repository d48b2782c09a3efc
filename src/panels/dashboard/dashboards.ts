import * as vscode from 'vscode';
import { Disposable } from '../../common/lifecycle';
import { parseRemoteKey } from '../../core/predict/remoteKey';
import type { PredictSources } from '../panels';
import type { PredictSource } from '../predict/predictSource';
import { DASHBOARD_VIEW_TYPE, type DashboardPageState } from '../protocols/dashboardProtocol';
import { DashboardPanel, type DashboardPanelDeps } from './dashboardPanel';

/**
 * The open dashboards: one per deployment (local, or remote by its `kserve:` key), revealed when
 * opened again, and the serializer that brings them back after a window reload.
 */
export class Dashboards extends Disposable {
  private readonly open = new Map<string, DashboardPanel>();

  constructor(
    private readonly deps: DashboardPanelDeps,
    private readonly sources: PredictSources,
    /** Resolves once deployment files and registries are read (restored panels need them). */
    private readonly loaded: () => Promise<void>,
  ) {
    super();
    // Registered during activation, before any await: VS Code restores panels right after.
    this.register(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: DashboardPageState | undefined) => {
          if (!state?.deployment) {
            panel.dispose();
            return;
          }
          await this.loaded();
          this.track(new DashboardPanel(panel, this.deps, this.sourceFor(state.deployment)));
        },
      }),
    );
  }

  /** The deployment's dashboard (created beside the editor when needed, else revealed). */
  openDashboard(key: string): DashboardPanel {
    const open = this.open.get(key);
    if (open) {
      open.reveal(open.panel.viewColumn);
      return open;
    }
    const empty = vscode.window.tabGroups.all.every((g) => g.tabs.length === 0);
    return this.track(DashboardPanel.create(this.deps, this.sourceFor(key), empty ? vscode.ViewColumn.Active : vscode.ViewColumn.Beside));
  }

  get(key: string): DashboardPanel | undefined {
    return this.open.get(key);
  }

  list(): DashboardPanel[] {
    return [...this.open.values()];
  }

  private sourceFor(key: string): PredictSource {
    const remote = parseRemoteKey(key);
    return remote ? this.sources.remote(remote.context, remote.namespace, remote.name) : this.sources.local(key);
  }

  private track(panel: DashboardPanel): DashboardPanel {
    this.open.get(panel.deployment)?.dispose();
    this.open.set(panel.deployment, panel);
    panel.onDidDispose(() => {
      if (this.open.get(panel.deployment) === panel) this.open.delete(panel.deployment);
    });
    return panel;
  }

  override dispose(): void {
    for (const p of [...this.open.values()]) p.dispose();
    super.dispose();
  }
}
