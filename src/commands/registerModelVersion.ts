import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_NAME_PATTERN } from '../core/registry/modelRegistry';
import { ModelRegistry } from '../core/registry/modelRegistry';
import type { ModelMetadata } from '../core/registry/modelMetadata';
import { CancelledError, UserFacingError } from '../common/errors';
import { parseMetrics } from '../core/deployment/naming';
import type { CommandContext } from './context';

/**
 * Register Model Version…: copies an .onnx file into a registry as the next version of an existing
 * or new model, with a model.json; never overwrites (the registry reserves the folder atomically).
 */
export async function registerModelVersion(ctx: CommandContext, arg?: unknown): Promise<{ model: string; version: number } | undefined> {
  let source = arg instanceof vscode.Uri ? arg : undefined;
  if (!source) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, title: 'ONNX file to register' });
    if (!picked?.[0]) throw new CancelledError();
    source = picked[0];
  }
  if (!source.fsPath.endsWith('.onnx')) throw new UserFacingError(`${source.fsPath} is not an .onnx file`);
  const roots = ctx.registry.roots();
  if (roots.length === 0) throw new UserFacingError('open a folder first: the registry lives in the workspace (setting modeldeck.registryPaths)');
  let root = roots[0]!.root;
  if (roots.length > 1) {
    const pick = await vscode.window.showQuickPick(roots.map((r) => ({ label: r.root, root: r.root })), { title: 'Registry to register into' });
    if (!pick) throw new CancelledError();
    root = pick.root;
  }
  await ctx.registry.settled();
  const existing = ctx.registry.models.filter((m) => m.registry.root === root);
  const NEW = '$(add) New model…';
  const choice = await vscode.window.showQuickPick(
    [{ label: NEW, name: '' }, ...existing.map((m) => ({ label: m.model, description: `next version: ${Math.max(...m.versions.map((v) => v.version)) + 1}`, name: m.model }))],
    { title: `Register ${path.basename(source.fsPath)} as a version of…` },
  );
  if (!choice) throw new CancelledError();
  let model = choice.name;
  if (!model) {
    const suggested = path.basename(source.fsPath, '.onnx').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'model';
    const typed = await vscode.window.showInputBox({
      title: 'New model name',
      value: suggested,
      validateInput: (v) => (MODEL_NAME_PATTERN.test(v) ? undefined : 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
    });
    if (!typed) throw new CancelledError();
    model = typed;
  }
  const metricsText = await vscode.window.showInputBox({
    title: 'Metrics (optional)',
    prompt: 'name=value pairs separated by commas, e.g. accuracy=0.93, f1=0.91',
    validateInput: (v) => {
      const r = parseMetrics(v);
      return typeof r === 'string' ? r : undefined;
    },
  });
  if (metricsText === undefined) throw new CancelledError();
  const metrics = parseMetrics(metricsText) as Record<string, number>;
  const metadata: ModelMetadata = { framework: 'onnx', description: `Registered from ${path.basename(source.fsPath)}`, ...(Object.keys(metrics).length ? { metrics } : {}) };
  const info = await new ModelRegistry(root).registerVersion(model, source.fsPath, metadata);
  await ctx.registry.refresh();
  ctx.output.info(`registered ${model} version ${info.version} at ${info.dir}`);
  void vscode.window.showInformationMessage(`Registered ${model} version ${info.version}.`);
  return { model, version: info.version };
}
