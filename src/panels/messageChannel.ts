import * as vscode from 'vscode';

/** Messages every webview protocol shares: the page says it is ready before the host posts. */
export interface ReadyMessage {
  type: 'ready';
}

/**
 * A typed two-way channel over a webview. Messages from the page are dispatched by their `type`
 * to one handler each (never by raw strings scattered around); messages to the page queue until the
 * page has said "ready", so nothing posted during load is lost.
 */
export class MessageChannel<ToPage extends { type: string }, FromPage extends { type: string }> implements vscode.Disposable {
  private ready = false;
  private readonly queue: ToPage[] = [];
  private readonly subscription: vscode.Disposable;
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  /** Fires each time the page (re)loads and says ready. */
  readonly onReady = this.readyEmitter.event;

  constructor(
    private readonly webview: vscode.Webview,
    handlers: { [K in FromPage['type']]: (msg: Extract<FromPage, { type: K }>) => unknown },
    onError: (err: unknown) => void,
  ) {
    this.subscription = webview.onDidReceiveMessage((raw: FromPage | ReadyMessage) => {
      if (raw?.type === 'ready') {
        this.ready = true;
        for (const m of this.queue.splice(0)) void this.webview.postMessage(m);
        this.readyEmitter.fire();
        return;
      }
      const handler = (handlers as Record<string, (m: unknown) => unknown>)[raw?.type];
      if (!handler) return onError(new Error(`unknown message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`));
      Promise.resolve()
        .then(() => handler(raw))
        .catch(onError);
    });
  }

  post(msg: ToPage): void {
    if (this.ready) void this.webview.postMessage(msg);
    else this.queue.push(msg);
  }

  /** The page reloaded (e.g. the panel moved): queue until it is ready again. */
  reset(): void {
    this.ready = false;
  }

  dispose(): void {
    this.subscription.dispose();
    this.readyEmitter.dispose();
  }
}
