import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';

/**
 * The host side of one webview panel: disposed with its panel (and disposing it), telling
 * `onDidDispose` listeners once.
 */
export abstract class PanelHost extends Disposable {
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private isDisposed = false;

  constructor(readonly panel: vscode.WebviewPanel) {
    super();
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
