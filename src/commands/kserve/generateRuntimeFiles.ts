import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODELDECK_RUNTIME } from '../../core/kserve/inferenceServiceBuilder';
import { RUNTIME_CONTEXT_FILES, writeRuntimeBuildContext } from '../../core/kserve/runtimeFiles';
import { CancelledError, UserFacingError } from '../../common/errors';
import type { KServeCommandContext } from './kserveArgs';

/**
 * "Generate KServe Runtime Files": the Dockerfile and ClusterServingRuntime that run ModelDeck's own
 * server as a KServe runtime, plus the built server it copies (from the installed extension), in a
 * folder the user picks. Existing files are never overwritten without asking.
 */
export async function generateRuntimeFiles(ctx: KServeCommandContext, arg?: unknown): Promise<string[]> {
  let outDir: string;
  // Tests and other extensions: { folder, image } skips both prompts (never the overwrite question).
  const given = arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) ? (arg as { folder?: string; image?: string }) : undefined;
  if (arg instanceof vscode.Uri) outDir = arg.fsPath;
  else if (typeof arg === 'string') outDir = arg;
  else if (given?.folder) outDir = given.folder;
  else {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Write Runtime Files Here',
      title: 'Folder for the KServe runtime image build context',
      ...(base ? { defaultUri: base } : {}),
    });
    if (!picked?.[0]) throw new CancelledError();
    outDir = picked[0].fsPath;
  }
  const image = given?.image ?? await vscode.window.showInputBox({
    title: 'KServe runtime image',
    prompt: 'The image reference the ClusterServingRuntime runs (you build and push it from this folder)',
    value: `registry.example.com/ml/modeldeck-runtime:${(ctx.extension.extension.packageJSON as { version?: string }).version ?? 'latest'}`,
    validateInput: (v) => (/^[^\s]+$/.test(v.trim()) ? undefined : 'an image reference such as registry.example.com/ml/modeldeck-runtime:0.1.0'),
  });
  if (!image) throw new CancelledError();
  const existing: string[] = [];
  for (const rel of ['Dockerfile', '.dockerignore', 'cluster-serving-runtime.yaml', ...RUNTIME_CONTEXT_FILES]) {
    if (await exists(path.join(outDir, rel))) existing.push(rel);
  }
  if (existing.length > 0) {
    const choice = await vscode.window.showWarningMessage(
      `${outDir} already has ${existing.length} of the runtime files. Overwrite them?`,
      { modal: true, detail: existing.slice(0, 10).join('\n') },
      'Overwrite',
    );
    if (choice !== 'Overwrite') throw new CancelledError();
  }
  let written: string[];
  try {
    written = await writeRuntimeBuildContext(outDir, ctx.extension.extensionPath, { image: image.trim() });
  } catch (err) {
    throw new UserFacingError((err as Error).message);
  }
  ctx.output.info(`KServe runtime files written to ${outDir}: ${written.join(', ')}`);
  const doc = await vscode.workspace.openTextDocument(path.join(outDir, 'cluster-serving-runtime.yaml'));
  await vscode.window.showTextDocument(doc, { preview: false });
  void vscode.window.showInformationMessage(
    `KServe runtime files in ${outDir}. Build and push: docker build --platform linux/amd64 -t ${image.trim()} ${outDir} && docker push ${image.trim()}; then kubectl apply -f cluster-serving-runtime.yaml and set "runtime": "${MODELDECK_RUNTIME}".`,
  );
  return written;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}
