/**
 * Builds what the model view shows for one .onnx file: the structure-only summary (weights never
 * read), the registry version it belongs to with its model.json metrics, and the deployments of
 * that model.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readOnnxSummary } from '../../core/onnx/onnxSummary';
import type { DeploymentService } from '../../services/deploymentService';
import type { RegistryService } from '../../services/registryService';
import type { ModelViewData, RegistryVersionView } from '../protocols/modelViewProtocol';

export function modelViewData(file: vscode.Uri, registry: RegistryService, deployments: DeploymentService): ModelViewData {
  const data: ModelViewData = { file: vscode.workspace.asRelativePath(file, false), deployments: [] };
  try {
    data.summary = readOnnxSummary(file.fsPath);
  } catch (e) {
    data.error = e instanceof Error ? e.message : String(e);
  }
  const reg = registryVersion(file.fsPath, registry);
  if (reg) {
    data.registry = reg;
    data.deployments = deployments
      .list()
      .filter((d) => d.model === reg.model)
      .map((d) => ({ name: d.name, running: d.state === 'running' }));
  }
  return data;
}

function registryVersion(fsPath: string, registry: RegistryService): RegistryVersionView | undefined {
  const where = registry.locate(fsPath);
  if (!where || where.version === undefined) return undefined;
  const model = where.entry.models.find((m) => m.model === where.model);
  const info = model?.versions.find((v) => v.version === where.version);
  if (!model || !info) return undefined;
  // Only the served file of the version is "the" registry model (a stray .onnx beside it is not).
  if (info.modelFile && path.resolve(info.modelFile) !== path.resolve(fsPath)) return undefined;
  const { metrics, description, framework, input_example: _example, ...rest } = info.metadata as Record<string, unknown> & { metrics?: Record<string, number>; description?: string; framework?: string };
  return {
    model: model.model,
    version: info.version,
    metrics: metrics ?? {},
    ...(model.keyMetric ? { keyMetric: model.keyMetric } : {}),
    best: model.best === info.version,
    ...(description ? { description } : {}),
    ...(framework ? { framework } : {}),
    details: Object.entries(rest).map(([key, v]) => ({ key, value: (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 300) })),
  };
}
