import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeploymentSpec } from '../../core/deployment/deploymentSpec';
import { deploymentFilePath, parseDeploymentText, saveDeployment } from '../../core/deployment/validateDeployment';
import { CancelledError, UserFacingError } from '../../common/errors';
import { deploymentsDirOf, type DeploymentService } from '../../services/deploymentService';
import type { RegistryService } from '../../services/registryService';

/** What the form knows about the file it edits. */
export interface FormOrigin {
  mode: 'new' | 'edit';
  /** Name of the deployment the form was opened on (edit mode). */
  editing?: string;
  /** The edited deployment's spec as it was on disk when editing began (JSON), to notice outside edits. */
  baseline?: string;
}

export interface SavedDeployment {
  name: string;
  file: string;
  folder: vscode.WorkspaceFolder;
  /** The deployment was running and its spec changed: the server is applying it in place (hot swap). */
  hotSwapped: boolean;
}

/**
 * Writes `.modeldeck/deployments/<name>.json` for a validated spec. It asks before replacing a
 * file, except the one the form was opened on when nobody changed it meanwhile (saving an edit is
 * what the user asked for). Never overwrites without one of the two.
 */
export async function saveDeploymentForm(
  spec: DeploymentSpec,
  origin: FormOrigin,
  deps: { deployments: DeploymentService; registry: RegistryService },
): Promise<SavedDeployment> {
  const folder = deploymentFolderFor(spec.model.name, origin, deps);
  const file = deploymentFilePath(folder.uri.fsPath, spec.name);
  const onDisk = await readSpec(file);
  let overwrite = false;
  if (onDisk !== undefined) {
    const ownFile = origin.mode === 'edit' && origin.editing === spec.name && onDisk === origin.baseline;
    if (!ownFile) {
      const why = origin.mode === 'edit' && origin.editing === spec.name ? 'was changed on disk since this form opened' : 'already exists';
      const choice = await vscode.window.showWarningMessage(
        `The deployment "${spec.name}" ${why} (${vscode.workspace.asRelativePath(file)}). Overwrite it?`,
        { modal: true },
        'Overwrite',
      );
      if (choice !== 'Overwrite') throw new CancelledError();
    }
    overwrite = true;
  }
  const before = deps.deployments.get(spec.name);
  const wasRunning = before !== undefined && (before.state === 'running' || before.state === 'updating');
  const changed = onDisk !== JSON.stringify(spec);
  await saveDeployment(deploymentsDirOf(folder), spec, { overwrite });
  // The file watcher would notice too, but later; reloading now makes a running deployment pick up
  // the change at once (DeploymentService applies changed specs of running deployments in place).
  await deps.deployments.reloadFiles();
  return { name: spec.name, file, folder, hotSwapped: wasRunning && changed };
}

/**
 * The workspace folder whose `.modeldeck/deployments/` gets the file: the edited deployment's
 * folder; else the folder of the model's registry; else the first workspace folder. Script paths
 * the form writes are relative to it too.
 */
export function deploymentFolderFor(modelName: string, origin: FormOrigin, deps: { deployments: DeploymentService; registry: RegistryService }): vscode.WorkspaceFolder {
  const edited = origin.editing ? deps.deployments.get(origin.editing) : undefined;
  const folder = edited?.folder ?? deps.registry.find(modelName.trim())?.folder ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new UserFacingError('open a folder first: deployments are saved in its .modeldeck/deployments/');
  return folder;
}

/** The spec in a deployment file as normalized JSON; undefined when there is no file; the raw text when it does not parse. */
async function readSpec(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.stringify(parseDeploymentText(text, path.basename(file)));
  } catch {
    return text;
  }
}
