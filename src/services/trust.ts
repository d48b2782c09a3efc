import * as vscode from 'vscode';
import { UserFacingError } from '../common/errors';

/**
 * Models run code paths of their own (custom ops, later Python scripts): nothing is served in an
 * untrusted workspace (Restricted Mode). Browsing the registry stays available.
 */
export function requireTrust(action: string): void {
  if (vscode.workspace.isTrusted) return;
  throw new UserFacingError(`ModelDeck cannot ${action} in Restricted Mode: serving a model loads and runs files from this workspace. Trust the workspace to serve models.`, [
    { label: 'Manage Workspace Trust', run: () => vscode.commands.executeCommand('workbench.trust.manage') },
  ]);
}
