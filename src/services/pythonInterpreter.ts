import * as vscode from 'vscode';
import { readSettings } from '../common/config';
import type { PythonHints } from '../core/server/serverClient';

/** The parts of the Python extension's API (ms-python.python) this extension reads. */
interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
}

/**
 * Interpreters the editor knows of, for Python scripts whose deployment names none: the
 * `modeldeck.python.interpreter` setting and the Python extension's active interpreter for the
 * folder. The Python extension is optional: when it is absent or fails, only the setting is given
 * (the server then falls back to python3 on PATH).
 */
export async function pythonHintsFor(folder: vscode.WorkspaceFolder): Promise<PythonHints> {
  const setting = readSettings().pythonInterpreter.trim();
  let extensionInterpreter: string | undefined;
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      extensionInterpreter = api?.environments?.getActiveEnvironmentPath(folder.uri)?.path;
    } catch {
      // The Python extension is there but its API failed: the setting and PATH still work.
    }
  }
  return { ...(setting ? { setting } : {}), ...(extensionInterpreter ? { extensionInterpreter } : {}) };
}
