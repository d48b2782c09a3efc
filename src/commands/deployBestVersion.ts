import * as vscode from 'vscode';
import { parseDeployment, saveDeployment } from '../core/deployment/validateDeployment';
import { deploymentsDirOf } from '../services/deploymentService';
import { bestVersionOf, formatMetric, metricDirection } from '../core/registry/versionSummary';
import { readSettings } from '../common/config';
import { CancelledError, UserFacingError } from '../common/errors';
import { requireTrust } from '../services/trust';
import type { CommandContext } from './context';
import { deploymentNameFor } from '../core/deployment/naming';
import { modelArg } from './pickers';

/**
 * Deploy Best Version…: a deployment whose version is "best by <metric>" (re-resolved when the
 * registry changes, like Hopsworks get_best_model), started on the local server.
 */
export async function deployBestVersion(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  requireTrust('serve a model');
  const model = await modelArg(ctx, arg, 'Deploy the best version of…');
  const metrics = [...new Set(model.versions.flatMap((v) => Object.keys(v.metadata.metrics ?? {})))].sort();
  if (metrics.length === 0) throw new UserFacingError(`no version of ${model.model} has metrics in its model.json`);
  const metric = await vscode.window.showQuickPick(
    metrics.map((m) => ({ label: m, description: model.versions.map((v) => `v${v.version} ${v.metadata.metrics?.[m] !== undefined ? formatMetric(v.metadata.metrics[m]!) : '–'}`).join(' · ') })),
    { title: `Metric to rank ${model.model} versions by` },
  );
  if (!metric) throw new CancelledError();
  const suggested = metricDirection(metric.label);
  const direction = await vscode.window.showQuickPick(
    [
      { label: 'max', description: 'higher is better', direction: 'max' as const },
      { label: 'min', description: 'lower is better', direction: 'min' as const },
    ].sort((a) => (a.direction === suggested ? -1 : 1)),
    { title: `Best ${metric.label} is…` },
  );
  if (!direction) throw new CancelledError();
  const best = bestVersionOf(model.versions, metric.label, direction.direction);
  const name = deploymentNameFor(`${model.model}-best`);
  const spec = parseDeployment({
    name,
    model: { name: model.model, version: { best: { metric: metric.label, direction: direction.direction } } },
    batcher: readSettings().batching,
  });
  const existing = await ctx.deployments.ensureFile(spec, model.folder);
  if (!existing.created && JSON.stringify(existing.spec.model) !== JSON.stringify(spec.model)) {
    const replace = await vscode.window.showWarningMessage(
      `${existing.file} already deploys ${existing.spec.model.name} (${JSON.stringify(existing.spec.model.version)}). Replace its model and version?`,
      { modal: true },
      'Replace',
    );
    if (replace !== 'Replace') throw new CancelledError();
    await saveDeployment(deploymentsDirOf(model.folder), { ...existing.spec, model: spec.model }, { overwrite: true });
    await ctx.deployments.reloadFiles();
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Serving ${model.model} v${best}…` }, () => ctx.deployments.start(name));
  await ctx.deploymentsView.reveal(ctx.deploymentsTree.node(name), { select: true, expand: true }).then(undefined, () => undefined);
  return name;
}
