import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CommandIds } from '../../common/commandIds';
import { externalGrpcAddress, externalUrl } from '../../common/externalUrl';
import { copyAs, type CopyKind } from '../../core/predict/copyAs';
import { compareOutcomes } from '../../core/predict/compareOutcomes';
import { outcomeSummary } from '../../core/predict/history';
import { exampleRequestText, scriptExample } from '../../core/predict/exampleRequest';
import type { InferenceClient, PredictEndpoint } from '../../core/predict/inferenceClient';
import type { InferOutcome, ModelMetadataView, RequestFormat, Transport } from '../../core/predict/predictTypes';
import { formatsFor, parseRequestText, scriptDefined, scriptNote } from '../../core/predict/requestModel';
import type { ModelDeckOutput } from '../../logs/output';
import { MessageChannel } from '../messageChannel';
import { PanelHost } from '../panelHost';
import { resetWhenHidden } from '../panelPage';
import { PREDICT_VIEW_TYPE, type HistoryEntry, type PredictFromPage, type PredictTarget, type PredictToPage } from '../protocols/predictProtocol';
import { ChatController } from './chatController';
import type { PredictHistoryStore } from './predictHistoryStore';
import type { PredictSource } from './predictSource';

/** What a predict panel needs from the extension (where requests go comes with its {@link PredictSource}). */
export interface PredictPanelDeps {
  extensionUri: vscode.Uri;
  client: InferenceClient;
  history: PredictHistoryStore;
  output: ModelDeckOutput;
}

/**
 * The host side of one deployment's predict panel, local or on KServe: it reads the served model's
 * metadata, prefills the example, checks and sends requests (REST JSON, REST binary, gRPC), keeps
 * the history, builds the "copy as" texts and comparisons. The page only edits text and shows what
 * it is sent.
 */
export class PredictPanel extends PanelHost {
  private metadata: ModelMetadataView | undefined;
  private metadataError: string | undefined;
  /** What the metadata was read for (URL + version): a change means reading it again. */
  private metadataKey: string | undefined;
  private lastTarget = '';
  /** The last answer shown (tests read it through the API). */
  lastEntry: HistoryEntry | undefined;
  private readonly channel: MessageChannel<PredictToPage, PredictFromPage>;
  /** The Chat tab (deployments that answer on /openai/v1). */
  readonly chat: ChatController;

  static create(deps: PredictPanelDeps, source: PredictSource, column: vscode.ViewColumn, preserveFocus = false): PredictPanel {
    const panel = vscode.window.createWebviewPanel(PREDICT_VIEW_TYPE, titleOf(source), { viewColumn: column, preserveFocus }, { retainContextWhenHidden: false });
    return new PredictPanel(panel, deps, source);
  }

  /** The panel's identity (deployment name, or the remote key): also the history's key. */
  readonly deployment: string;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: PredictPanelDeps,
    readonly source: PredictSource,
  ) {
    super(panel, { extensionUri: deps.extensionUri, script: 'predict.js', title: titleOf(source) });
    const deployment = source.key;
    this.deployment = deployment;
    this.chat = new ChatController(source, deps.history.memento, (m) => this.channel.post(m), deps.output);
    this.register({ dispose: () => this.chat.dispose() });
    this.channel = this.register(
      new MessageChannel<PredictToPage, PredictFromPage>(
        panel.webview,
        {
          send: (m) => this.send(m.text, m.transport, 'panel'),
          example: (m) => this.postExample(m.format),
          replay: (m) => this.replay(m.id),
          compare: (m) => this.compare(m.a, m.b),
          copyAs: (m) => this.copy(m.kind, m.text, m.transport),
          clearHistory: () => this.clearHistory(),
          startDeployment: () => source.start(),
          chatSend: (m) => this.chat.send(m.question, m.settings),
          chatStop: () => this.chat.stop(),
          chatCopy: (m) => this.chat.copy(m.kind, m.question, m.settings),
          chatClear: () => this.chat.clear(),
          loadTest: (m) => vscode.commands.executeCommand(CommandIds.loadTest, { key: deployment, text: m.text, transport: m.transport }),
        },
        (err) => deps.output.error(`predict panel: ${(err as Error).stack ?? String(err)}`),
      ),
    );
    this.register(
      this.channel.onReady(async () => {
        this.lastTarget = '';
        await source.refresh().catch(() => undefined);
        await this.postTarget();
        this.channel.post({ type: 'history', entries: deps.history.list(deployment) });
        await this.chat.onReady();
      }),
    );
    this.register(resetWhenHidden(panel, this.channel));
    this.register(source.onDidChange(() => void this.postTarget().then(() => this.chat.refreshAvailability())));
  }

  reveal(column?: vscode.ViewColumn, preserveFocus = false): void {
    this.panel.reveal(column, preserveFocus);
  }

  /** Puts a request in the panel without sending it (the Inference Log's Replay); the user presses Send. */
  showRequest(text: string): void {
    const parsed = parseRequestText(text);
    const format: RequestFormat = parsed.ok ? parsed.request.format : 'v2';
    this.channel.post({ type: 'request', text, format, transport: format === 'v1' ? 'rest-json' : this.defaultTransport() });
  }

  /**
   * Puts a request (from a file or selection) in the panel and sends it: "Send Request" and the
   * "Predict with" CodeLens land here. Resolves with what came back.
   */
  async runRequest(text: string, source: string, transport?: Transport): Promise<HistoryEntry> {
    const parsed = parseRequestText(text);
    const format: RequestFormat = parsed.ok ? parsed.request.format : 'v2';
    const chosen = transport ?? (format === 'v1' ? 'rest-json' : this.defaultTransport());
    this.channel.post({ type: 'request', text, format, transport: chosen });
    return this.send(text, chosen, source);
  }

  /**
   * Sends the served version's example request (model.json `input_example`, else one built from
   * the metadata), putting it in the panel first.
   */
  async runExample(): Promise<HistoryEntry> {
    const target = this.target();
    if (target) await this.refreshMetadata(target);
    if (!this.metadata) {
      const error = `could not read the model's metadata: ${this.metadataError ?? `"${this.source.name}" is not running`}`;
      return this.show({ id: `unsent-${randomUUID()}`, at: new Date().toISOString(), transport: 'rest-json', format: 'v2', requestText: '', source: 'example', summary: error, outcome: { ok: false, transport: 'rest-json', format: 'v2', error } });
    }
    // A script deployment starts with V1 (its main protocol), other models with V2 tensors.
    const format = formatsFor(this.metadata)[0] ?? 'v2';
    return this.runRequest(exampleRequestText(this.metadata, this.source.inputExample(), format), `${this.source.name} example`);
  }

  private defaultTransport(): Transport {
    return this.source.defaultTransport();
  }

  private target(): PredictTarget | undefined {
    return this.source.target();
  }

  /** Where requests go now; undefined when not running or (remote) not reachable yet. */
  private async endpoint(): Promise<PredictEndpoint | undefined> {
    try {
      return await this.source.endpoint();
    } catch (err) {
      this.metadataError = (err as Error).message;
      return undefined;
    }
  }

  /** Sends the deployment's state (and metadata, read again when the version or server changed) to the page. */
  private async postTarget(): Promise<void> {
    const target = this.target() ?? { key: this.deployment, deployment: this.source.name, model: '', state: 'stopped' as const, protocol: 'rest' as const, reason: 'its deployment file is gone' };
    await this.refreshMetadata(target);
    // The page shows the URLs as the user reaches them (forwarded in remote development); requests
    // from the panel go from the extension host to the internal ones.
    const shown: PredictTarget = {
      ...target,
      ...(target.restUrl ? { restUrl: await externalUrl(target.restUrl) } : {}),
      ...(target.grpcUrl ? { grpcUrl: await externalGrpcAddress(target.grpcUrl) } : {}),
    };
    const snapshot = JSON.stringify([shown, this.metadata, this.metadataError]);
    if (snapshot === this.lastTarget) return;
    this.lastTarget = snapshot;
    const note = this.metadata ? scriptNote(this.metadata) : undefined;
    this.channel.post({
      type: 'target',
      target: shown,
      ...(this.metadata ? { metadata: this.metadata } : {}),
      ...(this.metadataError ? { metadataError: this.metadataError } : {}),
      formats: this.metadata ? formatsFor(this.metadata) : ['v2'],
      ...(note ? { scriptNote: note } : {}),
    });
  }

  private async refreshMetadata(target: PredictTarget): Promise<void> {
    const endpoint = target.state === 'running' ? await this.endpoint() : undefined;
    if (!endpoint) {
      this.metadataKey = undefined;
      return; // keep the last metadata: it still describes the request the user is editing
    }
    const key = `${endpoint.httpUrl} ${target.version}`;
    if (key === this.metadataKey) return;
    this.metadataKey = key;
    try {
      this.metadata = await this.deps.client.metadata(endpoint);
      this.metadataError = undefined;
    } catch (err) {
      this.metadataKey = undefined;
      this.metadataError = (err as Error).message;
    }
  }

  /** The example request of the served version (model.json `input_example`), else one built from the metadata. */
  private postExample(format: RequestFormat): void {
    if (!this.metadata) return;
    const text = exampleRequestText(this.metadata, this.source.inputExample(), format);
    const placeholder = scriptDefined(this.metadata) && scriptExample(this.source.inputExample(), format).placeholder;
    this.channel.post({ type: 'request', text, format, ...(placeholder ? { placeholder } : {}) });
  }

  private async send(text: string, transport: Transport, source: string): Promise<HistoryEntry> {
    const parsed = parseRequestText(text);
    const format: RequestFormat = parsed.ok ? parsed.request.format : 'v2';
    const unsent = (outcome: InferOutcome): HistoryEntry =>
      this.show({ id: `unsent-${randomUUID()}`, at: new Date().toISOString(), transport, format, requestText: text, source, summary: outcomeSummary(outcome), outcome });
    if (!parsed.ok) return unsent({ ok: false, transport, format, error: 'the request cannot be read (not sent)', problems: parsed.problems });
    await this.source.refresh().catch(() => undefined);
    const target = this.target();
    const endpoint = target?.state === 'running' ? await this.endpoint() : undefined;
    if (!target || target.state !== 'running' || !endpoint) {
      const why = target?.state === 'running' ? `its address is not known: ${this.metadataError ?? 'unknown error'}` : `${target?.state ?? 'no deployment file'}${target?.reason ? `: ${target.reason}` : ''}`;
      return unsent({ ok: false, transport, format, error: `"${this.source.name}" is not running (${why})${target?.remote ? '' : ': start it first'}` });
    }
    await this.refreshMetadata(target);
    if (!this.metadata) return unsent({ ok: false, transport, format, error: `could not read the model's metadata: ${this.metadataError ?? 'unknown error'}` });
    this.channel.post({ type: 'sending', transport });
    const outcome = await this.deps.client.send(endpoint, parsed.request, transport, this.metadata);
    const entry: HistoryEntry = {
      id: randomUUID(),
      at: new Date().toISOString(),
      transport,
      format,
      requestText: text,
      source,
      ...(outcome.ok && outcome.modelVersion ? { version: outcome.modelVersion } : {}),
      summary: outcomeSummary(outcome),
      outcome,
    };
    // Requests refused by the checks (failures with problems) never left the editor: shown, not recorded.
    if (!outcome.ok && outcome.problems) return unsent(outcome);
    const stored = await this.deps.history.add(this.deployment, entry);
    this.deps.output.info(
      `predict ${this.deployment} over ${transport}: ${outcome.ok ? `ok in ${outcome.timing.clientMs} ms` : `failed: ${outcome.error}`}`,
    );
    this.channel.post({ type: 'history', entries: this.deps.history.list(this.deployment) });
    return this.show(stored);
  }

  private show(entry: HistoryEntry): HistoryEntry {
    this.lastEntry = entry;
    this.channel.post({ type: 'outcome', entry });
    return entry;
  }

  private async replay(id: string): Promise<void> {
    const entry = this.deps.history.find(this.deployment, id);
    if (!entry) return;
    this.channel.post({ type: 'request', text: entry.requestText, format: entry.format, transport: entry.transport });
    await this.send(entry.requestText, entry.transport, entry.source);
  }

  private compare(a: string, b: string): void {
    const ea = this.deps.history.find(this.deployment, a);
    const eb = this.deps.history.find(this.deployment, b);
    if (!ea?.outcome.ok || !eb?.outcome.ok) {
      this.channel.post({ type: 'comparison', a, b, rows: [], error: 'pick two requests that were answered to compare them' });
      return;
    }
    this.channel.post({ type: 'comparison', a, b, rows: compareOutcomes(ea.outcome, eb.outcome) });
  }

  private async copy(kind: CopyKind, text: string, transport: Transport): Promise<void> {
    const parsed = parseRequestText(text);
    const endpoint = await this.endpoint();
    if (!parsed.ok) {
      void vscode.window.showErrorMessage(`ModelDeck: cannot copy: ${parsed.problems.join('; ')}`);
      return;
    }
    if (!endpoint || !this.metadata) {
      void vscode.window.showErrorMessage(`ModelDeck: cannot copy: "${this.source.name}" is not running, so its address is unknown`);
      return;
    }
    // Pasted into the user's terminal: the URLs as the user reaches them.
    const snippet = copyAs(kind, parsed.request, transport, {
      httpUrl: await externalUrl(endpoint.httpUrl),
      ...(endpoint.grpcAddress ? { grpcAddress: await externalGrpcAddress(endpoint.grpcAddress) } : {}),
      ...(endpoint.grpcAuthority ? { grpcAuthority: endpoint.grpcAuthority } : {}),
      ...(endpoint.headers ? { headers: endpoint.headers } : {}),
      model: this.source.name,
      protoDir: path.join(this.deps.extensionUri.fsPath, 'dist', 'proto'),
      meta: this.metadata,
    });
    await vscode.env.clipboard.writeText(snippet);
    const what = kind === 'python' ? 'Python requests' : kind;
    void vscode.window.setStatusBarMessage(`ModelDeck: copied the request as ${what}`, 4000);
  }

  private async clearHistory(): Promise<void> {
    await this.deps.history.clear(this.deployment);
    this.channel.post({ type: 'history', entries: [] });
  }

}

function titleOf(source: PredictSource): string {
  return source.key === source.name ? `Predict: ${source.name}` : `Predict: ${source.name} (KServe)`;
}
