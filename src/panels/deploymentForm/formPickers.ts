import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../../common/config';
import { CancelledError, UserFacingError } from '../../common/errors';
import { scriptPathForDeployment } from './scriptLocation';

type ScriptKey = 'predictor.script' | 'transformer.script';

const SCRIPT_GLOB = '**/*.{py,ts,js,mjs}';
const EXCLUDE = '{**/node_modules/**,**/.venv/**,**/venv/**,**/dist/**,**/.git/**}';

/**
 * "Pick…" next to a script: the workspace's Python/TypeScript/JavaScript files, "Browse…", or
 * "None". Returns the path relative to `folder`, the workspace folder that holds the deployment's
 * `.modeldeck/` ('' for none); throws CancelledError on dismiss.
 */
export async function pickScript(key: ScriptKey, folder: vscode.WorkspaceFolder): Promise<string> {
  const files = await vscode.workspace.findFiles(SCRIPT_GLOB, EXCLUDE, 500);
  type Item = vscode.QuickPickItem & { value?: string; browse?: boolean };
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const rels = files.flatMap((u) => scriptPathForDeployment(u.fsPath, folder.uri.fsPath, roots) ?? []);
  const items: Item[] = [
    ...rels.sort().map((rel) => ({ label: rel, value: rel })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-opened) Browse…', browse: true },
    { label: '$(close) None', value: '' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `${key === 'predictor.script' ? 'Predictor' : 'Transformer'} script`, placeHolder: 'A file of this workspace' });
  if (!pick) throw new CancelledError();
  if (!pick.browse) return pick.value ?? '';
  const [uri] = (await vscode.window.showOpenDialog({
    canSelectMany: false,
    defaultUri: folder.uri,
    filters: { Scripts: ['py', 'ts', 'js', 'mjs'] },
    openLabel: 'Use Script',
  })) ?? [];
  if (!uri) throw new CancelledError();
  return deploymentRelative(uri, folder);
}

/**
 * "New from template…": a predictor or transformer script from the templates that ship in media/,
 * saved where the user says (inside the workspace; `scripts/` of `folder` by default) and opened
 * beside. Returns its path relative to `folder`, the workspace folder that holds the deployment's
 * `.modeldeck/`.
 */
export async function newScriptFromTemplate(extensionUri: vscode.Uri, key: ScriptKey, baseName: string, folder: vscode.WorkspaceFolder): Promise<string> {
  const role = key === 'predictor.script' ? 'predictor' : 'transformer';
  const choices = [
    { label: 'Python', description: `${role}.py`, template: `${role}.py`, ext: 'py' },
    { label: 'TypeScript', description: `${role}.ts`, template: `${role}.ts`, ext: 'ts' },
    ...(role === 'predictor' ? [{ label: 'Python, older Predict class', description: 'predict_legacy.py (predict, classify, regress)', template: 'predict_legacy.py', ext: 'py' }] : []),
    // LLMs (Hopsworks' vLLM form): served on /openai/v1, with the predict panel's Chat tab.
    ...(role === 'predictor'
      ? [
          { label: 'Python, vLLM predictor (LLM)', description: 'llm_predictor.py (apply_chat_template, create_completion)', template: 'llm_predictor.py', ext: 'py' },
          { label: 'TypeScript, LLM predictor', description: 'llmPredictor.ts (applyChatTemplate, createCompletion)', template: 'llmPredictor.ts', ext: 'ts' },
        ]
      : []),
  ];
  const pick = await vscode.window.showQuickPick(choices, { title: `New ${role} script from a template` });
  if (!pick) throw new CancelledError();
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(folder.uri, 'scripts', `${baseName || 'model'}_${role}.${pick.ext}`),
    filters: { [pick.label]: [pick.ext] },
    saveLabel: `Create ${role}`,
  });
  if (!target) throw new CancelledError();
  const rel = deploymentRelative(target, folder);
  const template = vscode.Uri.joinPath(extensionUri, 'media', 'templates', pick.template);
  await fs.mkdir(path.dirname(target.fsPath), { recursive: true });
  // The save dialog already asked about replacing an existing file.
  await fs.copyFile(template.fsPath, target.fsPath);
  await vscode.window.showTextDocument(target, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
  return rel;
}

/**
 * "Pick…" next to the Python environment: the `modeldeck.python.interpreter` setting, virtual
 * environments in the workspace folders, python3 on PATH and Debian's /usr/bin/python3, or Browse….
 */
export async function pickEnvironment(): Promise<string> {
  const seen = new Set<string>();
  type Item = vscode.QuickPickItem & { value?: string; browse?: boolean };
  const items: Item[] = [];
  const add = (value: string, description: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    items.push({ label: value, description, value });
  };
  const configured = readSettings().pythonInterpreter;
  if (configured) add(configured, 'setting modeldeck.python.interpreter');
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    for (const venv of ['.venv', 'venv', 'env']) {
      for (const bin of ['bin/python', 'Scripts/python.exe']) {
        const p = path.join(f.uri.fsPath, venv, bin);
        if (existsSync(p)) add(vscode.workspace.asRelativePath(p, false), `virtual environment in ${f.name}`);
      }
    }
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'python3');
    if (dir && existsSync(p)) add(p, 'python3 on PATH');
  }
  if (existsSync('/usr/bin/python3')) add('/usr/bin/python3', 'system Python');
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Browse…', browse: true }, { label: '$(close) None (the server decides)', value: '' });
  const pick = await vscode.window.showQuickPick(items, { title: 'Python environment for the predictor script' });
  if (!pick) throw new CancelledError();
  if (!pick.browse) return pick.value ?? '';
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use Interpreter' })) ?? [];
  if (!uri) throw new CancelledError();
  return uri.fsPath;
}

/** Scripts are stored relative to the deployment's workspace folder (the schema says so); files outside the workspace are refused. */
function deploymentRelative(uri: vscode.Uri, folder: vscode.WorkspaceFolder): string {
  const rel = scriptPathForDeployment(uri.fsPath, folder.uri.fsPath, (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
  if (rel === undefined) throw new UserFacingError(`${uri.fsPath} is outside the workspace; scripts must live in it (their path is stored relative to ${folder.uri.fsPath}, which holds .modeldeck/)`);
  return rel;
}
