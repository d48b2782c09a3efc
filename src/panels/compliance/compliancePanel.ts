/**
 * The compliance report panel: runs the check against one endpoint in the extension host (plain
 * HTTP and gRPC calls; nothing heavy) and streams each verdict to the page as it comes, then the
 * whole report; Export Markdown saves it; Run Again repeats it. One panel per endpoint.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { reportMarkdown } from '../../core/compliance/complianceMarkdown';
import type { ComplianceReport, ComplianceTarget } from '../../core/compliance/complianceTypes';
import { runComplianceCheck } from '../../core/compliance/runCompliance';
import type { ModelDeckOutput } from '../../logs/output';
import { MessageChannel } from '../messageChannel';
import { PanelHost } from '../panelHost';
import { resetWhenHidden } from '../panelPage';
import { COMPLIANCE_VIEW_TYPE, type ComplianceFromPage, type ComplianceToPage } from '../protocols/complianceProtocol';

export interface CompliancePanelDeps {
  extensionUri: vscode.Uri;
  output: ModelDeckOutput;
  protoFile: string;
}

export class CompliancePanel extends PanelHost {
  private static readonly open = new Map<string, CompliancePanel>();
  private readonly channel: MessageChannel<ComplianceToPage, ComplianceFromPage>;
  /** The last finished report (tests read it; the export writes it). */
  report: ComplianceReport | undefined;
  private running: Promise<ComplianceReport | undefined> | undefined;

  /** Opens (or reveals) the panel of this endpoint and runs the check; resolves with the report. */
  static show(deps: CompliancePanelDeps, target: ComplianceTarget, label: string): { panel: CompliancePanel; done: Promise<ComplianceReport | undefined> } {
    const key = `${target.url} ${target.headers?.host ?? ''} ${target.grpc ?? ''} ${target.model ?? ''}`;
    let panel = CompliancePanel.open.get(key);
    if (panel) panel.panel.reveal();
    else {
      const webview = vscode.window.createWebviewPanel(COMPLIANCE_VIEW_TYPE, `Compliance: ${label}`, vscode.ViewColumn.Active, { retainContextWhenHidden: false });
      panel = new CompliancePanel(webview, deps, target, label);
      CompliancePanel.open.set(key, panel);
      const created = panel;
      panel.onDidDispose(() => CompliancePanel.open.get(key) === created && CompliancePanel.open.delete(key));
    }
    return { panel, done: panel.run() };
  }

  static panels(): CompliancePanel[] {
    return [...CompliancePanel.open.values()];
  }

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: CompliancePanelDeps,
    readonly target: ComplianceTarget,
    private readonly label: string,
  ) {
    super(panel, { extensionUri: deps.extensionUri, script: 'compliance.js', title: `Compliance: ${label}` });
    this.channel = this.register(
      new MessageChannel<ComplianceToPage, ComplianceFromPage>(
        panel.webview,
        { rerun: () => this.run(), exportMarkdown: () => this.exportMarkdown() },
        (err) => deps.output.error(`compliance panel: ${(err as Error).stack ?? String(err)}`),
      ),
    );
    this.register(resetWhenHidden(panel, this.channel));
    // A page that reloads (hidden, then shown) gets the whole report again.
    this.register(
      this.channel.onReady(() => {
        if (this.report && !this.running) {
          this.channel.post({ type: 'start', target: this.target, label: this.label });
          this.channel.post({ type: 'done', report: this.report });
        }
      }),
    );
  }

  run(): Promise<ComplianceReport | undefined> {
    if (this.running) return this.running;
    this.channel.post({ type: 'start', target: this.target, label: this.label });
    this.running = runComplianceCheck(this.target, { protoFile: this.deps.protoFile, onResult: (result) => this.channel.post({ type: 'result', result }) })
      .then(
        (report) => {
          this.report = report;
          this.channel.post({ type: 'done', report });
          this.deps.output.info(`Compliance check of ${this.target.url}: ${report.counts.pass} passed, ${report.counts.fail} failed, ${report.counts.skipped} skipped`);
          return report;
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          this.channel.post({ type: 'failed', message });
          this.deps.output.error(`compliance check of ${this.target.url}: ${message}`);
          return undefined;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async exportMarkdown(): Promise<void> {
    if (!this.report) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `compliance-${this.label.replace(/[^A-Za-z0-9._-]+/g, '-')}.md`;
    const uri = await vscode.window.showSaveDialog({ ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}), filters: { Markdown: ['md'] }, title: 'Save the compliance report' });
    if (!uri) return;
    await fs.writeFile(uri.fsPath, reportMarkdown(this.report));
    this.channel.post({ type: 'exported', file: vscode.workspace.asRelativePath(uri) });
    void vscode.window.showTextDocument(uri, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }
}
