import * as vscode from 'vscode';

/** Scheme of ModelDeck's read-only KServe documents: manifests, diffs, "Why not ready?", pod logs. */
export const KSERVE_SCHEME = 'modeldeck-kserve';

/** The last line of the rendered diagnosis: where its Markdown text is. */
const DIAGNOSIS_FOOTER = '*Read-only. **Open Source File** in the editor toolbar shows this page as Markdown text; **Why Not Ready?** again refreshes it.*';

/** Most lines a live log document keeps (older ones are dropped from the top). */
const MAX_LOG_LINES = 20_000;

/** A followed log: its lines and how to stop following. */
interface LiveLog {
  lines: string[];
  stop: AbortController;
}

/**
 * Serves every KServe document from memory under `modeldeck-kserve:` (virtual, so VS Code opens
 * them read-only and never asks to save them):
 * - `/<name>/manifest.yaml`: the InferenceService a first apply creates;
 * - `/<name>/cluster.yaml`, `/<name>/deployment.yaml`: the two sides of an update's diff;
 * - `/<namespace>/<name>/why-not-ready.md`: the diagnosis;
 * - `/<namespace>/<name>/logs.log`: a live log, followed until the document is closed.
 */
export class KServeDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, string>();
  private readonly logs = new Map<string, LiveLog>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    // Closing a log document stops following it (VS Code closes a document some time after its
    // last editor goes; the stream ends then).
    this.subscriptions.push(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme !== KSERVE_SCHEME) return;
        const key = doc.uri.toString();
        const live = this.logs.get(key);
        if (live) {
          live.stop.abort();
          this.logs.delete(key);
        }
      }),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const key = uri.toString();
    const live = this.logs.get(key);
    if (live) return live.lines.length ? `${live.lines.join('\n')}\n` : 'Waiting for log lines…\n';
    return this.texts.get(key) ?? 'This document is no longer available (it was closed or the window reloaded).\n';
  }

  /** Opens (or refreshes) a read-only document with `text`. */
  async show(uri: vscode.Uri, text: string, language: string, column = besideOrActive()): Promise<vscode.TextEditor> {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, language);
    return vscode.window.showTextDocument(doc, { viewColumn: column, preview: false });
  }

  /** The YAML a first apply creates. */
  showManifest(name: string, yaml: string): Promise<vscode.TextEditor> {
    return this.show(kserveUri(`/${name}/manifest.yaml`), yaml, 'yaml');
  }

  /** The diff editor: the cluster's managed fields (left) against the deployment file's manifest (right). */
  async showDiff(name: string, liveYaml: string, desiredYaml: string, title: string): Promise<void> {
    const left = kserveUri(`/${name}/cluster.yaml`);
    const right = kserveUri(`/${name}/deployment.yaml`);
    this.texts.set(left.toString(), liveYaml);
    this.texts.set(right.toString(), desiredYaml);
    this.changed.fire(left);
    this.changed.fire(right);
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: false, viewColumn: besideOrActive() });
  }

  /**
   * "Why not ready?" rendered: the read-only markdown document is opened (it stays among the open
   * documents) and shown in the built-in Markdown preview, which renders documents of any scheme and
   * refreshes when the provider reports a change, so a second diagnosis updates the open preview.
   * The preview's own "Open Source File" button (editor toolbar) shows the Markdown text. Command
   * links would not help here: the preview's webview does not enable them.
   */
  async showDiagnosis(namespace: string, name: string, markdown: string): Promise<vscode.Uri> {
    const uri = kserveUri(`/${namespace}/${name}/why-not-ready.md`);
    this.texts.set(uri.toString(), `${markdown.trimEnd()}\n\n---\n\n${DIAGNOSIS_FOOTER}\n`);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    const column = besideOrActive();
    try {
      await vscode.commands.executeCommand(column === vscode.ViewColumn.Beside ? 'markdown.showPreviewToSide' : 'markdown.showPreview', uri);
    } catch {
      // The built-in Markdown extension is disabled: the source is still readable.
      await vscode.window.showTextDocument(doc, { viewColumn: column, preview: false });
    }
    return uri;
  }

  /**
   * A live log document: `follow` is started with a signal that aborts when the document is closed
   * (or when it is opened again, which starts afresh); `append` adds lines to it.
   */
  async showLog(namespace: string, name: string, follow: (append: (line: string) => void, signal: AbortSignal) => Promise<void>): Promise<vscode.TextEditor> {
    const uri = kserveUri(`/${namespace}/${name}/logs.log`);
    const key = uri.toString();
    this.logs.get(key)?.stop.abort();
    const live: LiveLog = { lines: [], stop: new AbortController() };
    this.logs.set(key, live);
    const append = (line: string): void => {
      if (live.stop.signal.aborted) return;
      live.lines.push(line);
      if (live.lines.length > MAX_LOG_LINES) live.lines.splice(0, live.lines.length - MAX_LOG_LINES);
      this.pending.add(key);
      this.timer ??= setTimeout(() => this.flush(), 200);
    };
    void follow(append, live.stop.signal).then(
      () => append(`--- stopped following ${namespace}/${name} ---`),
      (err: unknown) => append(`--- stopped following ${namespace}/${name}: ${(err as Error).message} ---`),
    );
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'log');
    return vscode.window.showTextDocument(doc, { viewColumn: besideOrActive(), preview: false });
  }

  /** Whether a log is being followed into `uri` (tests). */
  isFollowing(namespace: string, name: string): boolean {
    const live = this.logs.get(kserveUri(`/${namespace}/${name}/logs.log`).toString());
    return live !== undefined && !live.stop.signal.aborted;
  }

  /** Lines of a followed log (tests and the API). */
  logLines(namespace: string, name: string): string[] {
    return [...(this.logs.get(kserveUri(`/${namespace}/${name}/logs.log`).toString())?.lines ?? [])];
  }

  private flush(): void {
    this.timer = undefined;
    for (const key of this.pending) this.changed.fire(vscode.Uri.parse(key));
    this.pending.clear();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const live of this.logs.values()) live.stop.abort();
    this.logs.clear();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** `modeldeck-kserve:<path>` */
export function kserveUri(path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: KSERVE_SCHEME, path });
}

/**
 * Beside what is in front (a text editor or a panel such as the deployment form, which must stay in
 * view), or in the editor area when nothing is open (no empty group on the left).
 */
function besideOrActive(): vscode.ViewColumn {
  return vscode.window.tabGroups.activeTabGroup.activeTab ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
}
