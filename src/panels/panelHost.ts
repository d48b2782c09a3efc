import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { setupPanelPage } from './panelPage';

/**
 * The host side of one webview panel: gives the panel its title, icon and page (the bundle
 * `script`), is disposed with its panel (and disposes it), telling `onDidDispose` listeners once.
 */
export abstract class PanelHost extends Disposable {
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private isDisposed = false;

  constructor(readonly panel: vscode.WebviewPanel, page: { extensionUri: vscode.Uri; script: string; title: string }) {
    super();
    panel.title = page.title;
    panel.iconPath = vscode.Uri.joinPath(page.extensionUri, 'media', 'icons', 'modeldeck.svg');
    setupPanelPage(panel, page.extensionUri, { script: page.script, title: page.title });
    this.register(panel.onDidDispose(() => this.dispose()));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.disposed.fire();
    this.disposed.dispose();
    super.dispose();
    this.panel.dispose();
  }
}
