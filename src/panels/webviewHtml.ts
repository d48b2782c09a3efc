import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Folders a ModelDeck webview may load from: the webview bundles and media. Nothing else. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Options every ModelDeck webview panel is created with. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: webviewRoots(extensionUri) };
}

/**
 * The page of a webview: CSP `default-src 'none'`, scripts only with this page's nonce, styles and
 * fonts only from the extension (codicons for the vscode-elements icons), no network at all.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, opts: { script: string; title: string }): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(opts.title)}</title>
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${asset('dist', 'webview', 'codicon.css')}" nonce="${nonce}">
<link rel="stylesheet" href="${asset('media', 'webview.css')}" nonce="${nonce}">
</head>
<body>
<div id="root" data-nonce="${nonce}"></div>
<script nonce="${nonce}" src="${asset('dist', 'webview', opts.script)}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
