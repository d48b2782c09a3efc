import * as vscode from 'vscode';
import { DashboardSeries, tableRows } from '../../core/dashboard/dashboardSeries';
import type { LoadProtocol } from '../../core/loadtest/loadTestTypes';
import { LoadTestError } from '../../core/loadtest/wirePayload';
import { exampleRequestText } from '../../core/predict/exampleRequest';
import type { InferenceClient } from '../../core/predict/inferenceClient';
import type { ModelMetadataView } from '../../core/predict/predictTypes';
import { parseRequestText } from '../../core/predict/requestModel';
import type { ModelDeckOutput } from '../../logs/output';
import { MessageChannel } from '../messageChannel';
import { PanelHost } from '../panelHost';
import { resetWhenHidden } from '../panelPage';
import type { PredictSource } from '../predict/predictSource';
import { DASHBOARD_VIEW_TYPE, type DashboardFromPage, type DashboardTarget, type DashboardToPage, type LoadForm, type LoadRequestInfo, type LoadSummary } from '../protocols/dashboardProtocol';
import { LoadTestSession } from './loadTestSession';
import { StatsScraper } from './statsScraper';

/** What a dashboard needs from the extension. */
export interface DashboardPanelDeps {
  extensionUri: vscode.Uri;
  output: ModelDeckOutput;
  client: InferenceClient;
  /** Where load tests are saved (`.modeldeck/loadtests`): the first workspace folder. */
  workspaceFolder(): string | undefined;
}

/** How often the server is scraped while the dashboard shows. */
const SCRAPE_MS = 1000;

/** The request a load test sends: its text and where it came from. */
interface LoadRequest extends LoadRequestInfo {
  text: string;
}

/**
 * The host side of one deployment's dashboard (local or on KServe): scrapes the server's `/metrics`
 * every second while visible and turns it into chart points ({@link DashboardSeries}); runs load
 * tests in their own process ({@link LoadTestSession}) and relays their progress and summary.
 */
export class DashboardPanel extends PanelHost {
  private readonly channel: MessageChannel<DashboardToPage, DashboardFromPage>;
  private readonly series = new DashboardSeries();
  private readonly scraper = new StatsScraper();
  private readonly session: LoadTestSession;
  private request: LoadRequest | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private scraping: Promise<void> | undefined;
  private lastProblem = '';

  static create(deps: DashboardPanelDeps, source: PredictSource, column: vscode.ViewColumn): DashboardPanel {
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, titleOf(source.name), { viewColumn: column }, { retainContextWhenHidden: false });
    return new DashboardPanel(panel, deps, source);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: DashboardPanelDeps,
    private readonly source: PredictSource,
  ) {
    super(panel, { extensionUri: deps.extensionUri, script: 'dashboard.js', title: titleOf(source.name) });
    this.session = new LoadTestSession(deps.extensionUri.fsPath, source.key, deps.workspaceFolder, {
      started: (form, target) => this.channel.post({ type: 'loadStarted', form, target, progress: [] }),
      progress: (progress) => this.channel.post({ type: 'loadProgress', progress }),
      done: (summary) => {
        const r = summary.record.result;
        deps.output.info(`load test ${source.key}: ${r.throughputRps.toFixed(1)} req/s, p99 ${r.latency?.p99Ms.toFixed(2) ?? '–'} ms, ${r.errors} errors`);
        this.channel.post({ type: 'loadDone', summary });
      },
      failed: (error) => this.channel.post({ type: 'loadFailed', error }),
    });
    this.channel = this.register(
      new MessageChannel<DashboardToPage, DashboardFromPage>(
        panel.webview,
        {
          startLoad: (m) => this.startLoad(m.form),
          stopLoad: () => this.session.stop(),
          saveRun: () => this.save(),
          pickRequestFile: () => this.pickRequestFile(),
          useExample: () => this.useExample(),
          openSaved: (m) => vscode.window.showTextDocument(vscode.Uri.file(m.file), { preview: false, viewColumn: vscode.ViewColumn.Beside }),
          compareWith: () => this.compareWith(),
        },
        (err) => deps.output.error(`dashboard: ${(err as Error).stack ?? String(err)}`),
      ),
    );
    this.register(
      this.channel.onReady(() => {
        void this.postTarget();
        this.postStats();
        if (this.request) this.channel.post({ type: 'request', request: info(this.request) });
        const s = this.session.state();
        if (s.running) this.channel.post({ type: 'loadStarted', ...s.running });
        else if (s.last) this.channel.post({ type: 'loadDone', summary: s.last });
      }),
    );
    this.register(resetWhenHidden(panel, this.channel));
    this.register(panel.onDidChangeViewState(() => this.schedule()));
    this.register(source.onDidChange(() => void this.postTarget()));
    this.register({ dispose: () => this.stopTimer() });
    this.register({ dispose: () => this.session.dispose() });
    this.schedule();
  }

  get deployment(): string {
    return this.source.key;
  }

  reveal(column?: vscode.ViewColumn, preserveFocus = false): void {
    this.panel.reveal(column, preserveFocus);
  }

  /** Chart points so far (tests read it through the API). */
  get pointCount(): number {
    return this.series.view().points.length;
  }

  /** The last finished load test (tests read it through the API). */
  get lastLoadTest(): LoadSummary | undefined {
    return this.session.state().last;
  }

  get loadTestRunning(): boolean {
    return this.session.running;
  }

  /** The predict panel's "Load Test…": its request (and transport) becomes the load test's. */
  useRequest(text: string, transport?: LoadProtocol): void {
    this.request = { kind: 'predict', text, description: "the predict panel's request", preview: preview(text), ...(transport ? { transport } : {}) };
    this.channel.post({ type: 'request', request: info(this.request) });
  }

  /** Scrapes once now (also what the timer does). */
  scrapeNow(): Promise<void> {
    this.scraping ??= this.scrape().finally(() => (this.scraping = undefined));
    return this.scraping;
  }

  private schedule(): void {
    if (this.panel.visible && !this.timer) {
      this.timer = setInterval(() => void this.scrapeNow(), SCRAPE_MS);
      void this.scrapeNow();
    } else if (!this.panel.visible) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async scrape(): Promise<void> {
    const t = this.source.target();
    this.series.setServing(t ? { state: t.state, ...(t.version !== undefined ? { version: String(t.version) } : {}), ...(t.reason ? { reason: t.reason } : {}) } : undefined);
    try {
      const endpoint = await this.source.endpoint();
      if (!endpoint) throw new Error(`"${this.source.name}" is ${t?.state ?? 'gone'}: statistics show while it runs`);
      this.series.add(await this.scraper.scrape(endpoint));
      this.lastProblem = '';
    } catch (err) {
      const message = (err as Error).message;
      this.series.setProblem(message);
      if (message !== this.lastProblem) this.deps.output.warn(`dashboard ${this.source.key}: ${message}`);
      this.lastProblem = message;
    }
    this.postStats();
  }

  private postStats(): void {
    const view = this.series.view();
    this.channel.post({ type: 'stats', view, rows: tableRows(view) });
  }

  private async postTarget(): Promise<void> {
    const t = this.source.target();
    const endpoint = await this.source.endpoint().catch(() => undefined);
    const protocols: LoadProtocol[] = ['rest-json', 'rest-binary', ...(endpoint?.grpcAddress ? (['grpc'] as const) : [])];
    const target: DashboardTarget = {
      key: this.source.key,
      deployment: this.source.name,
      remote: this.source.key !== this.source.name,
      state: t?.state ?? 'gone',
      protocols,
      ...(t?.version !== undefined ? { version: t.version } : {}),
      ...(t?.reason ? { reason: t.reason } : {}),
      ...(endpoint ? { url: endpoint.httpUrl } : {}),
    };
    this.channel.post({ type: 'target', target });
  }

  /** Starts a load test with the chosen request (the model's example when none was chosen). */
  async startLoad(form: LoadForm): Promise<void> {
    try {
      const endpoint = await this.source.endpoint();
      if (!endpoint) throw new LoadTestError('unreachable', `"${this.source.name}" is not running: start it first`);
      let meta: ModelMetadataView | undefined;
      try {
        meta = await this.deps.client.metadata(endpoint);
      } catch (err) {
        throw new LoadTestError('unreachable', `cannot read the model's metadata: ${(err as Error).message}`);
      }
      if (!this.request) this.setExample(meta);
      const parsed = parseRequestText(this.request!.text);
      if (!parsed.ok) throw new LoadTestError('bad-request', `${this.request!.description}: ${parsed.problems.join('; ')}`);
      this.session.start(endpoint, parsed.request, meta, form);
    } catch (err) {
      this.channel.post({ type: 'loadFailed', error: (err as Error).message });
    }
  }

  private setExample(meta: ModelMetadataView): void {
    const text = exampleRequestText(meta, this.source.inputExample(), 'v2');
    this.request = { kind: 'example', text, description: "the model's example request", preview: preview(text) };
    this.channel.post({ type: 'request', request: info(this.request) });
  }

  private async useExample(): Promise<void> {
    const endpoint = await this.source.endpoint();
    if (!endpoint) return;
    this.setExample(await this.deps.client.metadata(endpoint));
  }

  private async pickRequestFile(): Promise<void> {
    const folder = this.deps.workspaceFolder();
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Request JSON': ['json'] }, openLabel: 'Use for the load test', ...(folder ? { defaultUri: vscode.Uri.file(folder) } : {}) });
    const file = picked?.[0];
    if (!file) return;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    const parsed = parseRequestText(text);
    if (!parsed.ok) {
      this.channel.post({ type: 'loadFailed', error: `${vscode.workspace.asRelativePath(file)}: ${parsed.problems.join('; ')}` });
      return;
    }
    this.request = { kind: 'file', text, description: vscode.workspace.asRelativePath(file), preview: preview(text) };
    this.channel.post({ type: 'request', request: info(this.request) });
  }

  /** "Compare with…": any saved run of this deployment, picked by time and figures. */
  private async compareWith(): Promise<void> {
    const runs = await this.session.savedRuns();
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(`No saved load test of ${this.source.name} to compare with: Save a run first.`);
      return;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({
        label: r.startedAt,
        description: `${r.result.throughputRps.toFixed(1)} req/s · p99 ${r.result.latency?.p99Ms.toFixed(2) ?? '–'} ms`,
        detail: `${r.protocol}, concurrency ${r.concurrency}, ${r.durationS} s${r.ratePerS ? `, ${r.ratePerS} req/s` : ''}`,
        r,
      })),
      { title: `Compare the last load test of ${this.source.name} with…`, placeHolder: 'A saved run' },
    );
    if (!pick) return;
    const summary = this.session.compareWith(pick.r);
    if (summary) this.channel.post({ type: 'loadDone', summary });
  }

  private async save(): Promise<void> {
    try {
      const summary = await this.session.save();
      this.deps.output.info(`load test saved: ${summary.saved?.markdown}`);
      this.channel.post({ type: 'loadDone', summary });
    } catch (err) {
      void vscode.window.showErrorMessage(`Save load test: ${(err as Error).message}`);
    }
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}

function info(r: LoadRequest): LoadRequestInfo {
  const { text: _text, ...rest } = r;
  return rest;
}

function titleOf(name: string): string {
  return `Dashboard: ${name}`;
}
