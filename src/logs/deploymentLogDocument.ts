import * as vscode from 'vscode';
import type { ModelDeckOutput } from './output';

/** Scheme of the read-only, live-updating per-deployment log documents. */
export const LOG_SCHEME = 'modeldeck-logs';

/** `modeldeck-logs:/<deployment>.log` */
export function logUri(deployment: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${deployment}.log` });
}

/**
 * Serves one deployment's lines of the ModelDeck output as a document that refreshes as new lines
 * arrive (debounced), so "Show Logs" follows only that deployment.
 */
export class DeploymentLogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly output: ModelDeckOutput) {
    this.subscription = output.onLine((l) => {
      if (!l.deployment) return;
      this.pending.add(l.deployment);
      this.timer ??= setTimeout(() => this.flush(), 200);
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const name = uri.path.replace(/^\//, '').replace(/\.log$/, '');
    const lines = this.output.lines(name);
    return lines.length ? lines.join('\n') + '\n' : `No log lines for deployment "${name}" yet.\n`;
  }

  private flush(): void {
    this.timer = undefined;
    const open = new Set(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === LOG_SCHEME).map((d) => d.uri.toString()));
    for (const name of this.pending) {
      const uri = logUri(name);
      if (open.has(uri.toString())) this.changed.fire(uri);
    }
    this.pending.clear();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
