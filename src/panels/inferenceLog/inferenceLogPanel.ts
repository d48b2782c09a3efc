import * as vscode from 'vscode';
import { InferenceLogStore, type LogFilter } from '../../core/inferenceLog/inferenceLogView';
import { fileSinkPath, JsonLinesTail, LiveStream, StreamNotFoundError, type LogSource } from '../../core/inferenceLog/logSources';
import { replayText } from '../../core/inferenceLog/replayRequest';
import { parseSink } from '../../core/inferenceLog/sinkForms';
import type { ModelDeckOutput } from '../../logs/output';
import type { DeploymentService } from '../../services/deploymentService';
import type { LocalServer } from '../../services/localServer';
import { MessageChannel } from '../messageChannel';
import { PanelHost } from '../panelHost';
import { resetWhenHidden } from '../panelPage';
import { INFERENCE_LOG_VIEW_TYPE, type InferenceLogFromPage, type InferenceLogToPage, type LogSourceInfo } from '../protocols/inferenceLogProtocol';

/** What an Inference Log panel needs from the extension. */
export interface InferenceLogPanelDeps {
  extensionUri: vscode.Uri;
  output: ModelDeckOutput;
  deployments: DeploymentService;
  server: LocalServer;
  /** Replay: the deployment's predict panel with this request text in it (not sent). */
  openPredictWithRequest(deployment: string, text: string): void;
}

/** How often the source is read while the panel is visible. */
const POLL_MS = 1000;
/** Rows sent to the page at most (the filter narrows the rest). */
const ROW_LIMIT = 500;

/**
 * The host side of one deployment's Inference Log. It owns the records: it reads them from the
 * deployment's file sink (tailed) or, for an HTTP or Kafka sink (or none), from the local server's
 * live stream, every second while the panel is visible; pairs and filters them
 * ({@link InferenceLogStore}); answers the page's filter, selection and Replay.
 */
export class InferenceLogPanel extends PanelHost {
  private readonly channel: MessageChannel<InferenceLogToPage, InferenceLogFromPage>;
  private readonly records = new InferenceLogStore();
  private source: LogSource | undefined;
  /** What the source was made for (kind + path/sink): a change of sink makes a new one. */
  private sourceKey = '';
  private info: LogSourceInfo;
  /** The source as the deployment makes it, before read errors. */
  private baseInfo: LogSourceInfo;
  private filter: LogFilter = {};
  private selected: string | undefined;
  /** What the page last got: rows are re-sent only when records or the filter changed. */
  private sentVersion = -1;
  private sentDetail = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling: Promise<void> | undefined;
  private lastError = '';

  static create(deps: InferenceLogPanelDeps, deployment: string, column: vscode.ViewColumn): InferenceLogPanel {
    const panel = vscode.window.createWebviewPanel(INFERENCE_LOG_VIEW_TYPE, titleOf(deployment), { viewColumn: column }, { retainContextWhenHidden: false });
    return new InferenceLogPanel(panel, deps, deployment);
  }

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: InferenceLogPanelDeps,
    readonly deployment: string,
  ) {
    super(panel, { extensionUri: deps.extensionUri, script: 'inferenceLog.js', title: titleOf(deployment) });
    this.info = { deployment, kind: 'stream', where: '', mode: 'none' };
    this.baseInfo = this.info;
    this.channel = this.register(
      new MessageChannel<InferenceLogToPage, InferenceLogFromPage>(
        panel.webview,
        {
          filter: (m) => this.setFilter(m.filter),
          select: (m) => this.select(m.id),
          replay: (m) => this.replay(m.id),
          clear: () => this.clear(),
        },
        (err) => deps.output.error(`inference log panel: ${(err as Error).stack ?? String(err)}`),
      ),
    );
    this.register(
      this.channel.onReady(() => {
        // A (re)loaded page has nothing: send everything again.
        this.sentVersion = -1;
        this.sentDetail = '';
        this.channel.post({ type: 'source', source: this.info });
        void this.pollNow();
      }),
    );
    this.register(resetWhenHidden(panel, this.channel));
    this.register(panel.onDidChangeViewState(() => this.schedule()));
    this.register(deps.deployments.onDidChange(() => this.updateSource()));
    this.register({ dispose: () => this.stopTimer() });
    this.updateSource();
    this.schedule();
  }

  reveal(column?: vscode.ViewColumn, preserveFocus = false): void {
    this.panel.reveal(column, preserveFocus);
  }

  /** Rows held now (tests read it through the API). */
  get entryCount(): number {
    return this.records.size;
  }

  /** Reads the source once now (also what the timer does). */
  pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** Polls while the page can be seen; a hidden panel reads nothing (the file and the server keep the records). */
  private schedule(): void {
    if (this.panel.visible && !this.timer) this.timer = setInterval(() => void this.pollNow(), POLL_MS);
    else if (!this.panel.visible) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Picks the source from the deployment's sink; a different sink starts afresh. */
  private updateSource(): void {
    const d = this.deps.deployments.get(this.deployment);
    const mode = d?.spec.inferenceLogger.mode ?? 'none';
    const sink = d?.spec.inferenceLogger.sink;
    const parsed = sink !== undefined ? parseSink(sink) : undefined;
    let info: LogSourceInfo;
    let key: string;
    let make: () => LogSource | undefined;
    if (parsed?.ok && parsed.sink.kind === 'file' && d) {
      const file = fileSinkPath(parsed.sink, d.folder.uri.fsPath);
      info = { deployment: this.deployment, kind: 'file', where: file, mode };
      key = `file ${file}`;
      make = () => new JsonLinesTail(file);
    } else {
      const url = this.deps.server.state.httpUrl;
      info = { deployment: this.deployment, kind: 'stream', where: url ?? 'the local server (not running)', mode };
      key = 'stream';
      make = () => new LiveStream(() => this.deps.server.state.httpUrl, this.deployment);
    }
    if (!d) info.problem = `no deployment named "${this.deployment}" (its file is gone)`;
    else if (mode === 'none') info.problem = `its inferenceLogger mode is "none": nothing is logged (set it in the deployment form)`;
    else if (parsed && !parsed.ok) info.problem = `inferenceLogger.sink: ${parsed.message}`;
    else if (info.kind === 'stream' && d.state !== 'running') info.problem = `"${this.deployment}" is ${d.state}: the live stream shows records while it runs`;
    if (key !== this.sourceKey) {
      this.sourceKey = key;
      this.source = make();
      this.records.clear();
      this.lastError = '';
    }
    this.setInfo(info);
  }

  /** The header's line: the source, and what keeps it from being read (the deployment's state first, then a read error). */
  private setInfo(info: LogSourceInfo): void {
    this.baseInfo = info;
    const shown: LogSourceInfo = { ...info, ...(info.problem === undefined && this.lastError ? { problem: this.lastError } : {}) };
    if (JSON.stringify(shown) === JSON.stringify(this.info)) return;
    this.info = shown;
    this.channel.post({ type: 'source', source: shown });
  }

  private async poll(): Promise<void> {
    const source = this.source;
    if (source) {
      try {
        const records = await source.poll();
        // A file may be shared by several deployments; the stream is this deployment's own.
        if (source === this.source) this.records.add(this.info.kind === 'file' ? records.filter((r) => r.modelName === this.deployment) : records);
        if (this.lastError) {
          this.lastError = '';
          this.setInfo(this.baseInfo);
        }
      } catch (err) {
        const message = err instanceof StreamNotFoundError ? err.message : `cannot read ${source.description}: ${(err as Error).message}`;
        if (message !== this.lastError) {
          this.lastError = message;
          this.deps.output.warn(`inference log ${this.deployment}: ${message}`);
          this.setInfo(this.baseInfo);
        }
      }
    }
    this.postRows();
  }

  private postRows(force = false): void {
    if (force || this.records.version !== this.sentVersion) {
      this.sentVersion = this.records.version;
      const { rows, total, protocols } = this.records.rows(this.filter, ROW_LIMIT);
      this.channel.post({ type: 'rows', rows, total, count: this.records.size, protocols });
    }
    // The selected entry's response may arrive after it was selected: show it when it does.
    if (this.selected) {
      const e = this.records.get(this.selected);
      const key = `${this.selected} ${!!e?.request} ${!!e?.response}`;
      if (key !== this.sentDetail) this.postDetail(this.selected);
    }
  }

  private setFilter(filter: LogFilter): void {
    this.filter = filter;
    this.postRows(true);
  }

  private select(id: string): void {
    this.selected = id;
    this.postDetail(id);
  }

  private postDetail(id: string): void {
    const e = this.records.get(id);
    this.sentDetail = `${id} ${!!e?.request} ${!!e?.response}`;
    const detail = this.records.detail(id);
    this.channel.post({ type: 'detail', id, ...(detail ? { detail } : {}) });
  }

  private replay(id: string): void {
    const request = this.records.get(id)?.request;
    const r = request ? replayText(request) : ({ ok: false, reason: 'the request was not logged' } as const);
    if (!r.ok) {
      this.channel.post({ type: 'replayed', id, error: r.reason });
      return;
    }
    this.deps.openPredictWithRequest(this.deployment, r.text);
    this.channel.post({ type: 'replayed', id });
  }

  private clear(): void {
    this.records.clear();
    this.selected = undefined;
    this.postRows(true);
  }
}

function titleOf(deployment: string): string {
  return `Inference Log: ${deployment}`;
}
