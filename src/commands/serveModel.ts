import * as vscode from 'vscode';
import type { VersionSelector } from '../core/deployment/deploymentSpec';
import { parseDeployment } from '../core/deployment/validateDeployment';
import { curlForDeployment } from '../core/deployment/curlCommand';
import { readSettings } from '../common/config';
import { externalGrpcAddress, externalUrl } from '../common/externalUrl';
import { CancelledError, UserFacingError } from '../common/errors';
import { CommandIds } from '../common/commandIds';
import { requireTrust } from '../services/trust';
import type { ModelEntry } from '../services/registryService';
import type { ModelsNode } from '../views/modelsTree';
import type { CommandContext } from './context';
import { deploymentNameFor } from '../core/deployment/naming';
import { modelArg } from './pickers';

/** What to serve: a model and, optionally, one pinned version. */
interface ServeTarget {
  model: ModelEntry;
  version?: number;
}

async function targetOf(ctx: CommandContext, arg: unknown): Promise<ServeTarget> {
  await ctx.registry.settled();
  if (arg instanceof vscode.Uri) {
    const where = ctx.registry.locate(arg.fsPath);
    const model = where ? where.entry.models.find((m) => m.model === where.model) : undefined;
    if (!model) {
      if (arg.fsPath.endsWith('.onnx')) {
        const choice = await vscode.window.showInformationMessage(
          `${vscode.workspace.asRelativePath(arg)} is not in a model registry. Register it as a model version first?`,
          { modal: true },
          'Register and Serve',
        );
        if (choice !== 'Register and Serve') throw new CancelledError();
        const registered = (await vscode.commands.executeCommand(CommandIds.registerModelVersion, arg)) as { model: string; version: number } | undefined;
        if (!registered) throw new CancelledError();
        await ctx.registry.refresh();
        const m = ctx.registry.find(registered.model);
        if (!m) throw new UserFacingError(`registered ${registered.model} v${registered.version} but cannot find it in the registry`);
        return { model: m };
      }
      throw new UserFacingError(`${arg.fsPath} is not inside a model registry (${ctx.registry.roots().map((r) => r.root).join(', ')})`);
    }
    return { model, ...(where?.version !== undefined ? { version: where.version } : {}) };
  }
  const node = arg as ModelsNode | undefined;
  if (node?.kind === 'version') return { model: node.model, version: node.info.version };
  return { model: await modelArg(ctx, arg, 'Model to serve') };
}

/**
 * Serve This Model: a deployment file for the model (latest version, or the clicked version when it
 * is not the latest), started on the local server, revealed in Deployments.
 */
export async function serveModel(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  requireTrust('serve a model');
  const target = await targetOf(ctx, arg);
  const latest = Math.max(...target.model.versions.map((v) => v.version));
  const pinned = target.version !== undefined && target.version !== latest ? target.version : undefined;
  const selector: VersionSelector = pinned ?? 'latest';
  const name = deploymentNameFor(target.model.model, pinned);
  const spec = parseDeployment({ name, model: { name: target.model.model, version: selector }, batcher: readSettings().batching });
  const { created, file } = await ctx.deployments.ensureFile(spec, target.model.folder);
  ctx.output.info(`${created ? 'created' : 'reusing'} deployment file ${file}`);
  const view = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Serving ${target.model.model}…` },
    () => ctx.deployments.start(name),
  );
  await ctx.deploymentsView.reveal(ctx.deploymentsTree.node(name), { select: true, focus: false, expand: true }).then(undefined, () => undefined);
  const [restUrl, grpcUrl] = await Promise.all([view.restUrl ? externalUrl(view.restUrl) : '', view.grpcUrl ? externalGrpcAddress(view.grpcUrl) : '']);
  void vscode.window
    .showInformationMessage(`${name} is running: ${restUrl}${grpcUrl ? ` (gRPC ${grpcUrl})` : ''}`, 'Open Predict Panel', 'Copy curl')
    .then(async (choice) => {
      if (choice === 'Open Predict Panel') await vscode.commands.executeCommand(CommandIds.openPredictPanel, name);
      if (choice === 'Copy curl') await vscode.env.clipboard.writeText(await curlFor(ctx, name));
    });
  return name;
}

/** curl for a running deployment (at the URL the user reaches), with its version's input example when it has one. */
export async function curlFor(ctx: CommandContext, name: string): Promise<string> {
  const d = ctx.deployments.get(name);
  const http = ctx.server.state.httpUrl;
  if (!d || !http) throw new UserFacingError(`deployment "${name}" is not running`);
  const info = ctx.registry.find(d.model)?.versions.find((v) => v.version === d.version);
  return curlForDeployment(await externalUrl(http), name, info?.metadata.input_example);
}
