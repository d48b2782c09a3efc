import * as vscode from 'vscode';
import { CommandIds } from '../common/commandIds';
import { externalUrlNow, onDidResolveExternalUrl } from '../common/externalUrl';
import type { LocalServer, ServerState } from '../services/localServer';

/** Status-bar item for the local server: its state, and a click for actions. */
export function createServerStatusBar(server: LocalServer): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('modeldeck.server', vscode.StatusBarAlignment.Left, 10);
  item.name = 'ModelDeck Server';
  item.command = CommandIds.serverActions;
  const render = (s: ServerState) => {
    // Where the user reaches it (forwarded in remote development), once known.
    const url = s.httpUrl && externalUrlNow(s.httpUrl);
    const port = url ? ` ${url.replace(/^https?:\/\//, '')}` : '';
    const text: Record<ServerState['state'], string> = {
      stopped: '$(server) ModelDeck: stopped',
      starting: '$(loading~spin) ModelDeck: starting',
      running: `$(server) ModelDeck:${port}`,
      restarting: '$(loading~spin) ModelDeck: restarting',
      failed: '$(error) ModelDeck: failed',
    };
    item.text = text[s.state];
    item.tooltip = `ModelDeck local server: ${s.state}${s.reason ? ` (${s.reason})` : ''}${s.restarts ? `; restarted ${s.restarts}×` : ''}. Click for actions.`;
    item.backgroundColor = s.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  };
  render(server.state);
  const sub = server.onState(render);
  const resolved = onDidResolveExternalUrl(() => render(server.state));
  return vscode.Disposable.from(item, sub, resolved);
}
