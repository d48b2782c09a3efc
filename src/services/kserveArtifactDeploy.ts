import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildArtifact, collectArtifactInputs, describeRequirements, previewArtifact } from '../core/artifacts/artifactStore';
import type { BuiltArtifact } from '../core/artifacts/artifactStore';
import { ArtifactError } from '../core/artifacts/artifactTypes';
import type { ArtifactVersion } from '../core/artifacts/artifactTypes';
import { uploadArtifact } from '../core/artifacts/artifactUpload';
import type { RemoteArtifactStorage, UploadResult } from '../core/artifacts/artifactUpload';
import { requirementsFromEnvironment } from '../core/artifacts/requirementsFromEnvironment';
import { S3Storage } from '../core/artifacts/s3Storage';
import { parseStorageTarget } from '../core/artifacts/storageTarget';
import type { StorageTarget } from '../core/artifacts/storageTarget';
import type { DeploymentSpec } from '../core/deployment/deploymentSpec';
import { buildInferenceService, serverWritesKafka } from '../core/kserve/inferenceServiceBuilder';
import type { InferenceServiceContext } from '../core/kserve/inferenceServiceBuilder';
import { imageBuildCommands, runtimeInstallCommand } from '../core/kserve/scriptDeployPlan';
import { writeRuntimeBuildContext } from '../core/kserve/runtimeFiles';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ModelVersionInfo } from '../core/registry/modelRegistry';
import { CancelledError, UserFacingError } from '../common/errors';
import type { ModelDeckOutput } from '../logs/output';
import { PvcStorage } from '../core/artifacts/pvcStorage';

/** What the artifact steps give the InferenceService builder. */
export type ArtifactContext = Required<Pick<InferenceServiceContext, 'artifact'>> & Pick<InferenceServiceContext, 'artifactImage'>;

/** What a script deployment's walk to KServe needs from the extension. */
export interface ArtifactDeployDeps {
  output: ModelDeckOutput;
  memento: vscode.Memento;
  /** The installed extension's folder: the server bundle the runtime image copies. */
  extensionPath: string;
  /** For pvc:// uploads: the cluster the short-lived pod runs in. */
  kube: { kc: KubeConfig; namespace: string };
}

const BUILT_IMAGE_KEY = 'modeldeck.kserve.builtImage/';

/**
 * Deploy to KServe, for a deployment with scripts, before the apply: build (or find) the artifact,
 * upload it to storageUri (asking before replacing different contents), write the runtime image's
 * build context and have the user build and push the image (Docker is the user's, not the
 * extension's: the commands are shown and can be run in a terminal). `confirm: false` (API, tests)
 * asks nothing: it never overwrites and assumes the image is pushed.
 */
export async function prepareArtifactDeployment(
  deps: ArtifactDeployDeps,
  spec: DeploymentSpec,
  folder: string,
  modelVersion: ModelVersionInfo,
  opts: { confirm: boolean },
): Promise<ArtifactContext> {
  const name = spec.name;
  const built = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KServe ${name}: building the artifact…` }, async () =>
    buildArtifact(await artifactInputs(spec, folder, modelVersion), folder),
  );
  const m = built.manifest;
  deps.output.info(
    `KServe: artifact ${m.artifactVersion} of ${m.model} version ${m.modelVersion} ${built.reused ? '(unchanged, reused)' : '(new)'} at ${built.dir}: ` +
      `${m.files.length} files, requirements: ${describeRequirements(m.requirements)}, sha256 ${m.contentSha256.slice(0, 12)}…`,
  );
  const artifact = { version: built.version, contentSha256: m.contentSha256 };
  const uri = buildInferenceService(spec, { modelVersion, artifact, namespace: deps.kube.namespace }).spec.predictor.model.storageUri;
  await upload(deps, built, uri, opts);
  const image = spec.kserve.image;
  if (image) await buildImage(deps, spec, folder, built, image, opts);
  else if (m.requirements !== 'none') {
    deps.output.warn(`KServe: ${name} has requirements.txt but no kserve.image: the scripts run on the modeldeck-scripts runtime's own image, without those packages`);
  }
  return { artifact, ...(image ? { artifactImage: image } : {}) };
}

/** The artifact version a preview shows (built or not yet): nothing is written. */
export async function previewArtifactVersion(spec: DeploymentSpec, folder: string, modelVersion: ModelVersionInfo): Promise<{ version: ArtifactVersion; contentSha256: string }> {
  const p = await previewArtifact(await artifactInputs(spec, folder, modelVersion), folder);
  return { version: p.version, contentSha256: p.contents.contentSha256 };
}

function artifactInputs(spec: DeploymentSpec, folder: string, modelVersion: ModelVersionInfo) {
  return collectArtifactInputs(spec, modelVersion, folder, {
    fromEnvironment: (s) => requirementsFromEnvironment(s, folder),
    keepKafkaLogger: serverWritesKafka(spec),
  });
}

async function upload(deps: ArtifactDeployDeps, built: BuiltArtifact, uri: string, opts: { confirm: boolean }): Promise<UploadResult | undefined> {
  let target: StorageTarget;
  try {
    target = parseStorageTarget(uri);
  } catch (err) {
    throw new UserFacingError(`${(err as Error).message} (artifact folder: ${built.dir})`);
  }
  if (target.scheme === 'gs') {
    // No Google Cloud Storage client is bundled (see README: "Deploy scripts to KServe"): the user copies it.
    const command = `gsutil -m rsync -r -d "${built.dir}" ${uri}`;
    deps.output.info(`KServe: copy the artifact to ${uri}: ${command}`);
    if (!opts.confirm) throw new UserFacingError(`ModelDeck does not upload to gs:// itself: copy the artifact with ${command}, then deploy again`);
    const choice = await vscode.window.showInformationMessage(
      `Copy artifact ${built.version} to ${uri}, then continue.`,
      { modal: true, detail: `ModelDeck does not upload to Google Cloud Storage itself. Run:\n${command}` },
      'Copy Command',
      'Copied, Continue',
    );
    if (choice === 'Copy Command') {
      await vscode.env.clipboard.writeText(command);
      return upload(deps, built, uri, opts);
    }
    if (choice !== 'Copied, Continue') throw new CancelledError();
    return undefined;
  }
  const setting = vscode.workspace.getConfiguration('modeldeck').get<string>('kserve.s3Endpoint', '').trim();
  const run = async (overwrite: boolean): Promise<UploadResult> => {
    const storage: RemoteArtifactStorage =
      target.scheme === 's3' ? new S3Storage(target, setting ? { endpoint: setting } : {}) : new PvcStorage(target, deps.kube);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `KServe: uploading artifact ${built.version} to ${uri}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          let last = 0;
          return uploadArtifact(storage, built.contents.files, built.manifest, {
            overwrite,
            signal: abort.signal,
            onProgress: (p) => {
              const pct = p.bytesTotal > 0 ? Math.round((100 * p.bytesDone) / p.bytesTotal) : 100;
              progress.report({ increment: pct - last, message: `${p.filesDone}/${p.filesTotal} files (${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}): ${p.file}` });
              last = pct;
            },
          });
        },
      );
    } finally {
      await storage.close();
    }
  };
  let result: UploadResult;
  try {
    result = await run(false);
  } catch (err) {
    if (!(err instanceof ArtifactError)) throw err;
    if (err.reason !== 'differs' || !opts.confirm) throw new UserFacingError(err.message);
    const choice = await vscode.window.showWarningMessage(`Replace what is at ${uri}?`, { modal: true, detail: err.message }, 'Overwrite');
    if (choice !== 'Overwrite') throw new CancelledError();
    try {
      result = await run(true);
    } catch (again) {
      throw again instanceof ArtifactError ? new UserFacingError(again.message) : again;
    }
  }
  deps.output.info(
    result.state === 'same'
      ? `KServe: ${uri} already holds artifact ${built.version} (same sha256): nothing uploaded`
      : `KServe: uploaded artifact ${built.version} to ${uri}: ${result.files + 1} files, ${formatBytes(result.bytes)}${result.removed.length ? `; removed ${result.removed.join(', ')}` : ''}`,
  );
  return result;
}

/**
 * The image holds ModelDeck's server and the artifact's requirements (not the scripts or the model:
 * those come from storageUri), so it is rebuilt only when the requirements or the extension change.
 */
async function buildImage(deps: ArtifactDeployDeps, spec: DeploymentSpec, folder: string, built: BuiltArtifact, image: string, opts: { confirm: boolean }): Promise<void> {
  const requirements = built.dir ? await fs.readFile(path.join(built.dir, 'requirements.txt'), 'utf8').catch(() => undefined) : undefined;
  const version = String((vscode.extensions.getExtension('modeldeck.modeldeck')?.packageJSON as { version?: string } | undefined)?.version ?? '0');
  const key = createHash('sha256').update(`${version}\n${requirements ?? ''}`).digest('hex').slice(0, 12);
  const contextDir = path.join(folder, '.modeldeck', 'kserve-build', `${spec.name}-${key}`);
  const exists = await fs.stat(path.join(contextDir, 'Dockerfile')).then(() => true, () => false);
  // A folder named by its inputs: written once, never over something else.
  if (!exists) {
    try {
      // Generated, large (the server and onnxruntime-node's runtime): kept out of the user's git.
      const ignore = path.join(folder, '.modeldeck', 'kserve-build', '.gitignore');
      await fs.mkdir(path.dirname(ignore), { recursive: true });
      await fs.writeFile(ignore, '# Written by ModelDeck: runtime image build contexts (regenerated by Deploy to KServe)\n*\n', { flag: 'wx' }).catch(() => undefined);
      await writeRuntimeBuildContext(contextDir, deps.extensionPath, { image, variant: 'python', ...(requirements !== undefined ? { requirements } : {}) });
    } catch (err) {
      throw new UserFacingError(`cannot write the runtime image's build context: ${(err as Error).message}`);
    }
  }
  const commands = [...imageBuildCommands(contextDir, image), runtimeInstallCommand(contextDir)];
  deps.output.info(`KServe: the image for ${spec.name} is built from ${contextDir}:\n  ${commands.join('\n  ')}`);
  if (deps.memento.get<string>(BUILT_IMAGE_KEY + image) === key || !opts.confirm) return;
  for (;;) {
    const choice = await vscode.window.showInformationMessage(
      `Build and push ${image} for ${spec.name}, then continue.`,
      { modal: true, detail: `ModelDeck's server with Python and the artifact's requirements.txt. Docker runs on your side; in ${contextDir}:\n\n${commands.join('\n')}` },
      'Run in Terminal',
      'Image Is Pushed',
    );
    if (choice === 'Image Is Pushed') break;
    if (choice !== 'Run in Terminal') throw new CancelledError();
    const terminal = vscode.window.createTerminal({ name: `ModelDeck image ${spec.name}`, cwd: contextDir });
    terminal.show();
    terminal.sendText(commands.slice(0, 2).join(' && '), true);
  }
  await deps.memento.update(BUILT_IMAGE_KEY + image, key);
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
