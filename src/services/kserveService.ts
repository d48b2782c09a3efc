import * as path from 'node:path';
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import type { DeploymentSpec } from '../core/deployment/deploymentSpec';
import { buildInferenceService, deploysAsArtifact } from '../core/kserve/inferenceServiceBuilder';
import type { InferenceServiceContext } from '../core/kserve/inferenceServiceBuilder';
import type { InferenceServiceSummary } from '../core/kserve/inferenceServiceStatus';
import { KServeClient } from '../core/kserve/kserveClient';
import type { WaitResult } from '../core/kserve/kserveClient';
import { KServeError } from '../core/kserve/kserveErrors';
import type { InferenceServiceManifest } from '../core/kserve/kserveTypes';
import { listKubeContexts } from '../core/kserve/kubeConfig';
import type { KubeConfigSource, KubeContextInfo } from '../core/kserve/kubeConfig';
import { diffManifest, formatManifestDiff, managedFieldsView } from '../core/kserve/manifestDiff';
import type { ModelVersionInfo } from '../core/registry/modelRegistry';
import { remoteEndpoint } from '../core/kserve/remoteEndpoint';
import type { RemoteEndpoint } from '../core/kserve/remoteEndpoint';
import { Disposable } from '../common/lifecycle';
import { CancelledError, UserFacingError } from '../common/errors';
import type { ModelDeckOutput } from '../logs/output';
import type { DeploymentService } from './deploymentService';
import type { RegistryService } from './registryService';
import { KServeDocuments } from '../logs/kserveDocuments';
import { prepareArtifactDeployment } from './kserveArtifactDeploy';
import { requireTrust } from './trust';

/** The cluster and namespace KServe commands work in (remembered per workspace). */
export interface KServeTarget {
  context?: string;
  namespace?: string;
}

/** What the Deployments view shows under "KServe". */
export type RemoteListState =
  | { kind: 'hidden' }
  | { kind: 'error'; message: string }
  | { kind: 'loading'; context?: string; namespace?: string }
  | { kind: 'ok'; context: string; namespace: string; items: InferenceServiceSummary[] };

const TARGET_KEY = 'modeldeck.kserve.target';
const TOKEN_KEY_PREFIX = 'modeldeck.kserve.token/';
const INFERENCE_TOKEN_KEY_PREFIX = 'modeldeck.kserve.inferenceToken/';
/** The Deployments view's remote rows are refreshed this often while the view is visible. */
const REFRESH_MS = 3000;

/**
 * KServe for the extension: which cluster (kubeconfig from the setting `modeldeck.kserve.kubeconfig`,
 * else KUBECONFIG, else ~/.kube/config; context and namespace remembered per workspace; a typed
 * token in SecretStorage), the remote deployments of the chosen namespace for the tree, and the
 * deploy flow (build → diff or preview → server-side apply → watch until Ready). Pure KServe logic
 * lives in src/core/kserve; this class only adds VS Code prompts, documents and progress.
 */
export class KServeService extends Disposable {
  private remote: RemoteListState = { kind: 'hidden' };
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  /** Bumped whenever how requests reach a service may have changed (ingress setting, a token). */
  accessGeneration = 0;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly secrets: vscode.SecretStorage,
    private readonly deployments: DeploymentService,
    private readonly registry: RegistryService,
    private readonly output: ModelDeckOutput,
    readonly documents: KServeDocuments,
  ) {
    super();
    this.register(deployments.onDidChange(() => this.onFilesChanged()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modeldeck.kserve')) {
          this.accessGeneration++;
          void this.refresh();
        }
      }),
    );
  }

  /** Where kubeconfig is read from: the setting, else the process's KUBECONFIG / ~/.kube/config. */
  source(): KubeConfigSource {
    const setting = vscode.workspace.getConfiguration('modeldeck').get<string>('kserve.kubeconfig', '').trim();
    if (!setting) return {};
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    // path.delimiter / path.isAbsolute: ';' and drive or UNC paths (\\server\share) on Windows.
    const resolved = setting
      .split(path.delimiter)
      .map((p) => (folder && p && !path.isAbsolute(p) && !p.startsWith('~') ? path.join(folder, p) : p))
      .join(path.delimiter);
    return { env: { ...process.env, KUBECONFIG: resolved } };
  }

  /** The remembered context and namespace (undefined parts: kubeconfig's current context / its namespace). */
  target(): KServeTarget {
    return this.memento.get<KServeTarget>(TARGET_KEY, {});
  }

  async setTarget(target: KServeTarget): Promise<void> {
    await this.memento.update(TARGET_KEY, target);
    await this.refresh();
  }

  /** Contexts of the kubeconfig; throws KServeError no-kubeconfig / bad-kubeconfig. */
  contexts(): { contexts: KubeContextInfo[]; current?: string } {
    return listKubeContexts(this.source());
  }

  /** A client for `target` (default: the remembered one), with the stored token of its context. */
  async connect(target: KServeTarget = this.target()): Promise<KServeClient> {
    const probe = KServeClient.connect({ ...this.connectTarget(target), source: this.source() });
    const token = await this.secrets.get(TOKEN_KEY_PREFIX + probe.context);
    if (!token) return probe;
    return KServeClient.connect({ ...this.connectTarget(target), token, source: this.source() });
  }

  /** Stores (or with '' removes) the bearer token used for `context`. Never written to settings or files. */
  async setToken(context: string, token: string): Promise<void> {
    if (token) await this.secrets.store(TOKEN_KEY_PREFIX + context, token);
    else await this.secrets.delete(TOKEN_KEY_PREFIX + context);
    await this.refresh();
  }

  async hasToken(context: string): Promise<boolean> {
    return (await this.secrets.get(TOKEN_KEY_PREFIX + context)) !== undefined;
  }

  /** Stores (or with '' removes) the bearer token sent with inference requests to `context`'s services. */
  async setInferenceToken(context: string, token: string): Promise<void> {
    if (token) await this.secrets.store(INFERENCE_TOKEN_KEY_PREFIX + context, token);
    else await this.secrets.delete(INFERENCE_TOKEN_KEY_PREFIX + context);
    this.accessGeneration++;
    this.changed.fire();
  }

  /**
   * Where to send predictions for a remote deployment: status.url, or the ingress address of the
   * setting `modeldeck.kserve.ingressUrl` with the service's host in the Host header; the inference
   * token of its context as a bearer token. Throws when it is not known or has no URL.
   */
  async endpointFor(name: string): Promise<{ endpoint: RemoteEndpoint; summary: InferenceServiceSummary; context: string }> {
    const client = await this.connect();
    const summary = await client.status(name);
    const ingressUrl = vscode.workspace.getConfiguration('modeldeck').get<string>('kserve.ingressUrl', '').trim();
    const token = await this.secrets.get(INFERENCE_TOKEN_KEY_PREFIX + client.context);
    const live = await client.get(name);
    const grpc = (live?.spec as { predictor?: { model?: { protocolVersion?: string } } } | undefined)?.predictor?.model?.protocolVersion === 'grpc-v2';
    const endpoint = remoteEndpoint(summary.url, { ...(ingressUrl ? { ingressUrl } : {}), ...(token ? { token } : {}), grpc });
    return { endpoint, summary, context: client.context };
  }

  // ---------------------------------------------------------------------------------------------
  // The Deployments view's remote rows.
  // ---------------------------------------------------------------------------------------------

  get remoteState(): RemoteListState {
    return this.remote;
  }

  /** One remote deployment of the list as last read. */
  summary(name: string): InferenceServiceSummary | undefined {
    return this.remote.kind === 'ok' ? this.remote.items.find((s) => s.name === name) : undefined;
  }

  /** Whether the tree shows a KServe group: a kserve deployment file exists or a target was picked. */
  private wanted(): boolean {
    return this.deployments.list().some((d) => d.spec.servingTool === 'kserve') || this.memento.get(TARGET_KEY) !== undefined;
  }

  /** Keeps the remote rows fresh while the Deployments view is visible. */
  setVisible(visible: boolean): void {
    if (visible && !this.timer) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    } else if (!visible && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Re-reads the remote list now (one at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.readRemote().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private onFilesChanged(): void {
    const wanted = this.wanted();
    if (!wanted && this.remote.kind !== 'hidden') this.setRemote({ kind: 'hidden' });
    else if (wanted && this.remote.kind === 'hidden') void this.refresh();
  }

  private async readRemote(): Promise<void> {
    if (!this.wanted()) return this.setRemote({ kind: 'hidden' });
    let client: KServeClient;
    try {
      client = await this.connect();
    } catch (err) {
      return this.setRemote({ kind: 'error', message: (err as Error).message });
    }
    if (this.remote.kind !== 'ok' || this.remote.context !== client.context || this.remote.namespace !== client.namespace) {
      this.setRemote({ kind: 'loading', context: client.context, namespace: client.namespace });
    }
    try {
      const items = await client.listSummaries();
      items.sort((a, b) => a.name.localeCompare(b.name));
      this.setRemote({ kind: 'ok', context: client.context, namespace: client.namespace, items });
    } catch (err) {
      this.setRemote({ kind: 'error', message: (err as Error).message });
    }
  }

  private setRemote(next: RemoteListState): void {
    if (JSON.stringify(next) === JSON.stringify(this.remote)) return;
    this.remote = next;
    this.changed.fire();
  }

  // ---------------------------------------------------------------------------------------------
  // Deploy.
  // ---------------------------------------------------------------------------------------------

  /** The manifest for a kserve deployment file, its version resolved against the registry now. */
  async manifestFor(name: string, namespace?: string, extra: Pick<InferenceServiceContext, 'artifact' | 'artifactImage'> = {}): Promise<{ spec: DeploymentSpec; manifest: InferenceServiceManifest }> {
    const d = this.deployments.get(name);
    if (!d) throw new UserFacingError(`no deployment named "${name}"`);
    if (d.spec.servingTool !== 'kserve') {
      throw new UserFacingError(`"${name}" is a ${d.spec.servingTool} deployment: set "servingTool": "kserve" (and kserve.storageUri) to deploy it to KServe`);
    }
    const entry = this.registry.find(d.spec.model.name);
    let modelVersion: ModelVersionInfo | undefined;
    if (entry) modelVersion = await entry.registry.resolve(d.spec.model.name, d.spec.model.version);
    // The namespace it goes to names the KafkaSink a Kafka logger posts to, when the spec names none.
    return { spec: d.spec, manifest: buildInferenceService(d.spec, { ...extra, ...(modelVersion ? { modelVersion } : {}), ...(namespace ? { namespace } : {}) }) };
  }

  /**
   * "Deploy to KServe": builds the InferenceService, shows what will change (a diff against the
   * cluster for an update; the YAML for a first apply) and asks, applies server-side (asks before
   * forcing on a conflict), then watches until Ready with a progress notification. Resolves with
   * the result; throws CancelledError when the user said no.
   */
  async deployToKServe(name: string, opts: { confirm?: boolean } = {}): Promise<WaitResult & { url?: string }> {
    const spec = this.deployments.get(name)?.spec;
    if (!spec) throw new UserFacingError(`no deployment named "${name}"`);
    const client = await this.connect({ ...this.target(), ...(spec.kserve.context ? { context: spec.kserve.context } : {}), ...(spec.kserve.namespace ? { namespace: spec.kserve.namespace } : {}) });
    // A deployment with scripts goes as an artifact: built, uploaded, its image built by the user, then applied.
    const extra = deploysAsArtifact(spec) ? await this.prepareArtifact(name, spec, client, opts.confirm !== false) : {};
    const { manifest } = await this.manifestFor(name, client.namespace, extra);
    const namespace = manifest.metadata.namespace ?? client.namespace;
    const live = await client.get(manifest.metadata.name, namespace);
    const where = `${client.context}/${namespace}`;
    if (opts.confirm !== false) {
      if (live) {
        const changes = diffManifest(manifest, live);
        if (changes.length === 0) {
          const choice = await vscode.window.showInformationMessage(`${name} in ${where} already has this manifest: nothing to change.`, 'Wait Until Ready', 'Cancel');
          if (choice !== 'Wait Until Ready') throw new CancelledError();
        } else {
          const view = managedFieldsView(manifest, live);
          await this.documents.showDiff(name, stringify(view.live, { lineWidth: 0 }), stringify(view.desired, { lineWidth: 0 }), `${name}: ${where} ↔ deployment file`);
          this.output.info(`KServe: changes to ${where}/${name}:\n${formatManifestDiff(changes)}`);
          const choice = await vscode.window.showInformationMessage(
            `Update InferenceService ${name} in ${where}? ${changes.length} field(s) change (see the diff).`,
            { modal: true, detail: formatManifestDiff(changes) },
            'Apply',
          );
          if (choice !== 'Apply') throw new CancelledError();
        }
      } else {
        await this.documents.showManifest(name, stringify({ ...manifest, metadata: { ...manifest.metadata, namespace } }, { lineWidth: 0 }));
        const choice = await vscode.window.showInformationMessage(
          `Create InferenceService ${name} in ${where}?`,
          { modal: true, detail: `The manifest is open beside. ModelDeck applies it server-side (field manager "modeldeck") to ${client.server}.` },
          'Apply',
        );
        if (choice !== 'Apply') throw new CancelledError();
      }
    }
    const body = { ...manifest, metadata: { ...manifest.metadata, namespace } };
    try {
      await client.apply(body);
    } catch (err) {
      if (!(err instanceof KServeError) || err.reason !== 'conflict') throw err;
      const force = await vscode.window.showWarningMessage(
        `Another tool changed fields of ${name} that ModelDeck applies. Take them over?`,
        { modal: true, detail: err.message },
        'Apply with Force',
      );
      if (force !== 'Apply with Force') throw new CancelledError();
      await client.apply(body, { force: true });
    }
    this.output.info(`KServe: applied InferenceService ${where}/${name}`);
    void this.refresh();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KServe ${name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        progress.report({ message: 'applied; waiting until Ready…' });
        try {
          return await client.waitUntilReady(name, {
            namespace,
            signal: abort.signal,
            onProgress: (p) => {
              const text = p.verdict.kind === 'waiting' ? p.verdict.reason : p.verdict.kind;
              progress.report({ message: `${text} (${Math.round(p.elapsedMs / 1000)} s)` });
              void this.refresh();
            },
          });
        } catch (err) {
          if (err instanceof KServeError && err.reason === 'cancelled') throw new CancelledError();
          throw err;
        }
      },
    );
    await this.refresh();
    if (result.ready) {
      this.output.info(`KServe: ${where}/${name} is Ready at ${result.summary.url ?? '(no URL)'}`);
      return { ...result, ...(result.summary.url ? { url: result.summary.url } : {}) };
    }
    this.output.warn(`KServe: ${where}/${name} is not Ready: ${result.reasons.join('; ')}`);
    return result;
  }

  private async prepareArtifact(name: string, spec: DeploymentSpec, client: KServeClient, confirm: boolean): Promise<Pick<InferenceServiceContext, 'artifact' | 'artifactImage'>> {
    // It may run the deployment's Python (pip freeze) and sends workspace files to storage.
    requireTrust('deploy scripts to KServe');
    const d = this.deployments.get(name)!;
    const entry = this.registry.find(spec.model.name);
    if (!entry) throw new UserFacingError(`model "${spec.model.name}" is not in the registry: its files go into ${name}'s artifact`);
    const modelVersion = await entry.registry.resolve(spec.model.name, spec.model.version);
    const extensionPath = vscode.extensions.getExtension('modeldeck.modeldeck')?.extensionPath ?? path.resolve(__dirname, '..');
    return prepareArtifactDeployment(
      { output: this.output, memento: this.memento, extensionPath, kube: { kc: client.kubeConfig, namespace: spec.kserve.namespace ?? client.namespace } },
      spec,
      d.folder.uri.fsPath,
      modelVersion,
      { confirm },
    );
  }

  private connectTarget(t: KServeTarget): { context?: string; namespace?: string } {
    return { ...(t.context ? { context: t.context } : {}), ...(t.namespace ? { namespace: t.namespace } : {}) };
  }

  override dispose(): void {
    if (this.timer) clearInterval(this.timer);
    super.dispose();
  }
}

/** A KServeError as a message for the user: what failed and, for kubeconfig problems, what to do. */
export function kserveUserError(err: unknown): unknown {
  if (!(err instanceof KServeError)) return err;
  const actions: { label: string; run: () => unknown }[] = [];
  if (err.reason === 'no-kubeconfig' || err.reason === 'bad-kubeconfig' || err.reason === 'unknown-context') {
    actions.push({ label: 'Choose Context…', run: () => vscode.commands.executeCommand('modeldeck.kserve.selectContext') });
  }
  if (err.reason === 'unauthorized') actions.push({ label: 'Set Token…', run: () => vscode.commands.executeCommand('modeldeck.kserve.setToken') });
  const details = err.details.length && err.reason !== 'no-kubeconfig' ? ` (${err.details.slice(0, 3).join('; ')})` : '';
  return new UserFacingError(`${err.message}${details}`, actions);
}
