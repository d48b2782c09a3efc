import * as vscode from 'vscode';
import type { MessageChannel } from './messageChannel';
import { webviewHtml, webviewOptions } from './webviewHtml';

/**
 * Gives a panel (new, or handed back by a serializer after a reload) its options and page. A
 * restored panel keeps its old options, so they are set again: the resource roots must stay
 * limited to the bundle and media whatever an older version allowed.
 */
export function setupPanelPage(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, opts: { script: string; title: string }): void {
  panel.webview.options = webviewOptions(extensionUri);
  panel.webview.html = webviewHtml(panel.webview, extensionUri, opts);
}

/**
 * Hidden panels lose their page (retainContextWhenHidden is off: it costs memory per panel), and the
 * page says "ready" again when shown: until then messages must queue, not go to the old page.
 */
export function resetWhenHidden<A extends { type: string }, B extends { type: string }>(panel: vscode.WebviewPanel, channel: MessageChannel<A, B>): vscode.Disposable {
  return panel.onDidChangeViewState(() => {
    if (!panel.visible) channel.reset();
  });
}
