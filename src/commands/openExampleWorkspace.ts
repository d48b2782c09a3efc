import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  copyExampleFiles,
  describePlan,
  filesToWrite,
  inspectTarget,
  listExampleFiles,
  planExampleCopy,
  type ConflictChoice,
} from '../core/examples/exampleWorkspace';
import { CancelledError, UserFacingError } from '../common/errors';
import type { CommandContext } from './context';

/** What the command did (tests and the walkthrough's first step). */
export interface ExampleWorkspaceResult {
  folder: string;
  /** Relative paths written. */
  written: string[];
  /** One line: new, overwritten or kept, already the same, skipped. */
  summary: string;
  /**
   * Only when run from the walkthrough: the folder for VS Code to open. The Getting Started page
   * opens a step command's `openFolder` itself and shows the walkthrough again in that window.
   */
  openFolder?: vscode.Uri;
}

/** Arguments a caller may pass instead of answering the folder dialog. */
interface ExampleWorkspaceArgs {
  /** Where to copy (skips the folder dialog, never the overwrite question). */
  folder?: string;
  /** Set by the walkthrough's button: return `openFolder` instead of opening the folder here. */
  fromWalkthrough?: boolean;
}

/**
 * Open Example Workspace: copies the bundled example registry (models, deployment files, request
 * files) into a folder the user picks and opens it. Files already there with other content are
 * overwritten only when the user says so; a folder or link where a file goes is never touched.
 * A folder given as argument (Uri, path or `{ folder }`) skips the folder dialog, never the
 * overwrite question.
 */
export async function openExampleWorkspace(ctx: CommandContext, arg?: unknown): Promise<ExampleWorkspaceResult> {
  const examplesRoot = path.join(ctx.extension.extensionPath, 'examples');
  const files = await listExampleFiles(examplesRoot);
  if (files.length === 0) throw new UserFacingError(`this ModelDeck install has no example workspace (nothing under ${examplesRoot})`);

  const args: ExampleWorkspaceArgs = arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) ? (arg as ExampleWorkspaceArgs) : {};
  const target = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : args.folder ?? (await pickFolder());
  let plan;
  try {
    plan = planExampleCopy(await inspectTarget(examplesRoot, target, files));
  } catch (err) {
    throw new UserFacingError(`cannot read ${target}: ${(err as Error).message}`);
  }

  let choice: ConflictChoice | undefined;
  if (plan.conflicts.length > 0) {
    const OVERWRITE = 'Overwrite Them';
    const KEEP = 'Keep Mine, Copy the Rest';
    const answer = await vscode.window.showWarningMessage(
      `${target} already has ${plan.conflicts.length === 1 ? 'an example file' : `${plan.conflicts.length} example files`} with other content. Overwrite ${plan.conflicts.length === 1 ? 'it' : 'them'}?`,
      { modal: true, detail: listed(plan.conflicts) },
      KEEP,
      OVERWRITE,
    );
    if (answer === undefined) throw new CancelledError();
    choice = answer === OVERWRITE ? 'overwrite' : 'keep';
  }

  let written: string[];
  try {
    written = await copyExampleFiles(examplesRoot, target, filesToWrite(plan, choice));
  } catch (err) {
    throw new UserFacingError(`copying the examples into ${target} failed: ${(err as Error).message}`);
  }
  const summary = describePlan(plan, choice);
  ctx.output.info(`example workspace in ${target}: ${summary}`);
  if (plan.blocked.length) ctx.output.warn(`example files skipped, something else is in their place: ${plan.blocked.join(', ')}`);

  const result: ExampleWorkspaceResult = { folder: target, written, summary };
  const uri = vscode.Uri.file(target);
  const open = vscode.workspace.workspaceFolders ?? [];
  if (open.some((f) => f.uri.scheme === 'file' && path.relative(f.uri.fsPath, target) === '')) {
    // Already the workspace: show what arrived instead of reloading the window.
    await Promise.all([ctx.registry.refresh(), ctx.deployments.reloadFiles()]);
    await vscode.commands.executeCommand('workbench.view.extension.modeldeck');
    void vscode.window.showInformationMessage(`Example workspace ready in ${target}: ${summary}.`);
  } else if (args.fromWalkthrough) {
    // The Getting Started page opens it and comes back to the walkthrough there.
    result.openFolder = uri;
  } else if (open.length === 0) {
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: false });
  } else {
    const OPEN = 'Open';
    const NEW_WINDOW = 'Open in New Window';
    const answer = await vscode.window.showInformationMessage(`Copied the example workspace into ${target} (${summary}). Open it?`, { modal: true }, OPEN, NEW_WINDOW);
    if (answer) await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: answer === NEW_WINDOW });
  }
  return result;
}

async function pickFolder(): Promise<string> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Copy Examples Here',
    title: 'Folder for the ModelDeck example workspace (models, deployments, requests)',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()),
  });
  if (!picked?.[0]) throw new CancelledError();
  return picked[0].fsPath;
}

/** The first few paths, one a line, and how many more. */
function listed(paths: readonly string[], max = 10): string {
  return [...paths.slice(0, max), ...(paths.length > max ? [`… and ${paths.length - max} more`] : [])].join('\n');
}
