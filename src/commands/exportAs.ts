/**
 * Export as…: a deployment (from the Deployments view) or a model file (from the model view or the
 * Explorer) written as another server's model repository: Triton (config.pbtxt + model) or MLServer
 * (model-settings.json + model + runtime). The mapping is pure (src/core/export/); this command
 * resolves what to export, asks where, never overwrites without asking, and lists what did not map.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { applyDeploymentDefaults, type DeploymentSpec } from '../core/deployment/deploymentSpec';
import { deploymentNameFor } from '../core/deployment/naming';
import { ExportError, type ExportInput, type ExportResult } from '../core/export/exportTypes';
import { resolveSelector } from '../core/export/exportVersion';
import { mlserverExport } from '../core/export/mlserverSettings';
import { tritonExport } from '../core/export/tritonConfig';
import { readOnnxSummary } from '../core/onnx/onnxSummary';
import type { ModelVersionInfo } from '../core/registry/modelRegistry';
import { CancelledError, UserFacingError } from '../common/errors';
import type { DeploymentsNode } from '../views/deploymentsTree';
import type { CommandContext } from './context';
import { deploymentArg } from './pickers';

export async function exportAs(ctx: CommandContext, arg?: unknown): Promise<string[] | undefined> {
  await ctx.registry.settled();
  const input = await exportInputOf(ctx, arg);
  const target = await vscode.window.showQuickPick(
    [
      { label: 'Triton Inference Server', description: 'config.pbtxt + <version>/model.onnx', id: 'triton' as const },
      { label: 'MLServer', description: 'model-settings.json + model.onnx + an onnxruntime runtime', id: 'mlserver' as const },
    ],
    { title: `Export ${input.spec.name} (version ${input.version}) as…` },
  );
  if (!target) throw new CancelledError();
  let result: ExportResult;
  try {
    const labels = input.labelsFile ? (await fs.readFile(input.labelsFile, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '').length : undefined;
    result = target.id === 'triton' ? tritonExport(input, labels !== undefined ? { labelCount: labels } : {}) : mlserverExport(input);
  } catch (e) {
    if (e instanceof ExportError) throw new UserFacingError(e.message);
    throw e;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export here', title: `Model repository folder for ${target.label}` });
  if (!picked?.[0]) throw new CancelledError();
  const written = await writeExport(picked[0].fsPath, result);
  ctx.output.info(`Exported ${input.spec.name} v${input.version} for ${target.label} to ${picked[0].fsPath}: ${written.join(', ')}`);
  for (const n of result.notes) ctx.output.info(`  note: ${n}`);
  const config = written[0]!;
  void vscode.window
    .showInformationMessage(`Exported ${input.spec.name} for ${target.label}${result.notes.length ? ` (${result.notes.length} note(s) in the output)` : ''}.`, 'Open Config', ...(result.notes.length ? ['Show Notes'] : []))
    .then((choice) => {
      if (choice === 'Open Config') void vscode.window.showTextDocument(vscode.Uri.file(config));
      else if (choice === 'Show Notes') ctx.output.show();
    });
  return written;
}

/** Writes the files (asking once before replacing any); returns their absolute paths, config first. */
async function writeExport(root: string, result: ExportResult): Promise<string[]> {
  const existing: string[] = [];
  for (const f of result.files) {
    if (await fs.stat(path.join(root, f.path)).then(() => true, () => false)) existing.push(f.path);
  }
  if (existing.length > 0) {
    const ok = await vscode.window.showWarningMessage(`Replace ${existing.join(', ')}?`, { modal: true }, 'Replace');
    if (ok !== 'Replace') throw new CancelledError();
  }
  const written: string[] = [];
  for (const f of result.files) {
    const to = path.join(root, f.path);
    await fs.mkdir(path.dirname(to), { recursive: true });
    if ('text' in f) await fs.writeFile(to, f.text);
    else await fs.copyFile(f.copyFrom, to);
    written.push(to);
  }
  return written;
}

async function exportInputOf(ctx: CommandContext, arg: unknown): Promise<ExportInput> {
  if (arg instanceof vscode.Uri) return fromFile(ctx, arg);
  const node = arg as DeploymentsNode | undefined;
  if (typeof arg === 'string' || node?.kind === 'deployment') return fromDeployment(ctx, await deploymentArg(ctx, arg, 'export'));
  // The palette: a deployment, or an .onnx file when there is none.
  if (ctx.deployments.list().length > 0) return fromDeployment(ctx, await deploymentArg(ctx, undefined, 'export'));
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, title: 'ONNX model to export' });
  if (!picked?.[0]) throw new CancelledError();
  return fromFile(ctx, picked[0]);
}

function fromDeployment(ctx: CommandContext, name: string): ExportInput {
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  const model = ctx.registry.find(d.spec.model.name);
  if (!model) throw new UserFacingError(`${name} serves model "${d.spec.model.name}", which is not in the registry`);
  const info = (d.version !== undefined ? model.versions.find((v) => v.version === d.version) : undefined) ?? resolveSelector(d.spec.model.version, model.versions);
  if (!info) throw new UserFacingError(`${name}: no version of "${model.model}" with an .onnx file matches ${JSON.stringify(d.spec.model.version)}`);
  return inputFor(d.spec, info);
}

function fromFile(ctx: CommandContext, uri: vscode.Uri): ExportInput {
  const where = ctx.registry.locate(uri.fsPath);
  const model = where ? ctx.registry.find(where.model) : undefined;
  const info = model?.versions.find((v) => v.version === where?.version);
  if (model && info?.modelFile) {
    // The model's own deployment when it has exactly one: its batching and instances are what to carry over.
    const own = ctx.deployments.list().filter((d) => d.model === model.model);
    const spec = own.length === 1 ? own[0]!.spec : applyDeploymentDefaults({ name: deploymentNameFor(model.model), model: { name: model.model, version: info.version } });
    return inputFor(spec, info);
  }
  const base = path.basename(uri.fsPath, '.onnx');
  const spec = applyDeploymentDefaults({ name: deploymentNameFor(base), model: { name: base, version: 1 } });
  const summary = readOnnxSummary(uri.fsPath);
  return { spec, version: 1, inputs: summary.inputs, outputs: summary.outputs, modelFile: uri.fsPath };
}

function inputFor(spec: DeploymentSpec, info: ModelVersionInfo): ExportInput {
  if (!info.modelFile) throw new UserFacingError(`${info.model} v${info.version} has no .onnx file to export`);
  const summary = readOnnxSummary(info.modelFile);
  const labels = typeof info.metadata.labels === 'string' ? path.join(info.dir, info.metadata.labels) : undefined;
  return { spec, version: info.version, inputs: summary.inputs, outputs: summary.outputs, modelFile: info.modelFile, ...(labels ? { labelsFile: labels } : {}) };
}
