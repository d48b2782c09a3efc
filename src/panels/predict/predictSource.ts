import * as vscode from 'vscode';
import type { PredictEndpoint } from '../../core/predict/inferenceClient';
import type { Transport } from '../../core/predict/predictTypes';
import type { InferenceServiceSummary } from '../../core/kserve/inferenceServiceStatus';
import { CommandIds } from '../../common/commandIds';
import type { DeploymentService } from '../../services/deploymentService';
import type { KServeService } from '../../services/kserveService';
import type { LocalServer } from '../../services/localServer';
import type { RegistryService } from '../../services/registryService';
import { remoteKey } from '../../core/predict/remoteKey';
import type { PredictTarget } from '../protocols/predictProtocol';

/**
 * What a predict panel talks to: a local deployment (the bundled server) or a remote one (an
 * InferenceService on KServe). The panel, its history and its checks are the same for both; only
 * where requests go and how the state reads differ.
 */
export interface PredictSource {
  /** Panel and history identity: the deployment name, or `kserve:<context>/<namespace>/<name>`. */
  readonly key: string;
  /** The deployment (or InferenceService) name: the served model name in requests. */
  readonly name: string;
  readonly onDidChange: vscode.Event<void>;
  /** Its state now; undefined when it no longer exists. */
  target(): PredictTarget | undefined;
  /** Where requests go while it is running. */
  endpoint(): Promise<PredictEndpoint | undefined>;
  /** The served version's `input_example` from the registry, when known. */
  inputExample(): unknown;
  defaultTransport(): Transport;
  /** Starts it (the panel's "Start deployment" button). */
  start(): Thenable<unknown>;
  /** Reads its state again now (a remote list is otherwise refreshed only while the view shows it). */
  refresh(): Promise<void>;
}

/** A deployment served by the local server. */
export class LocalPredictSource implements PredictSource {
  readonly key: string;
  readonly onDidChange: vscode.Event<void>;

  constructor(
    readonly name: string,
    private readonly deployments: DeploymentService,
    private readonly server: LocalServer,
    private readonly registry: RegistryService,
  ) {
    this.key = name;
    this.onDidChange = deployments.onDidChange;
  }

  target(): PredictTarget | undefined {
    const d = this.deployments.get(this.name);
    if (!d) return undefined;
    return {
      key: this.key,
      deployment: d.name,
      model: d.model,
      state: d.state,
      protocol: d.spec.protocol,
      ...(d.version !== undefined ? { version: d.version } : {}),
      ...(d.reason ? { reason: d.reason } : {}),
      ...(d.restUrl ? { restUrl: d.restUrl } : {}),
      ...(d.grpcUrl ? { grpcUrl: d.grpcUrl } : {}),
    };
  }

  async endpoint(): Promise<PredictEndpoint | undefined> {
    const s = this.server.state;
    if (!s.httpUrl) return undefined;
    return { httpUrl: s.httpUrl, model: this.name, ...(s.grpcUrl ? { grpcAddress: s.grpcUrl } : {}) };
  }

  inputExample(): unknown {
    const d = this.deployments.get(this.name);
    return d ? this.registry.find(d.model)?.versions.find((v) => v.version === d.version)?.metadata.input_example : undefined;
  }

  defaultTransport(): Transport {
    return this.deployments.get(this.name)?.spec.protocol === 'grpc' ? 'grpc' : 'rest-json';
  }

  start(): Thenable<unknown> {
    return vscode.commands.executeCommand(CommandIds.startDeployment, this.name);
  }

  async refresh(): Promise<void> {
    // The deployment service keeps local state current by itself.
  }
}

/** An InferenceService on the KServe cluster and namespace it was opened for. */
export class RemotePredictSource implements PredictSource {
  readonly key: string;
  readonly onDidChange: vscode.Event<void>;
  /** The endpoint read for the service's URL (reading it costs API calls), until the URL, a token or the ingress setting changes. */
  private cached: { url: string; generation: number; endpoint: PredictEndpoint } | undefined;

  constructor(
    readonly context: string,
    readonly namespace: string,
    readonly name: string,
    private readonly kserve: KServeService,
    private readonly registry: RegistryService,
  ) {
    this.key = remoteKey(context, namespace, name);
    this.onDidChange = kserve.onDidChange;
  }

  /** The service as last listed, or why it cannot be seen from the current selection. */
  private summary(): { summary?: InferenceServiceSummary; problem?: string } {
    const state = this.kserve.remoteState;
    if (state.kind === 'error') return { problem: state.message };
    if (state.kind !== 'ok') return { problem: 'reading the cluster…' };
    if (state.context !== this.context || state.namespace !== this.namespace) {
      return { problem: `KServe now shows ${state.context}/${state.namespace}: select ${this.context}/${this.namespace} again to use this panel` };
    }
    const summary = state.items.find((s) => s.name === this.name);
    return summary ? { summary } : { problem: `no InferenceService "${this.name}" in ${this.context}/${this.namespace} (deleted?)` };
  }

  target(): PredictTarget {
    const { summary, problem } = this.summary();
    const base = { key: this.key, deployment: this.name, remote: { context: this.context, namespace: this.namespace } };
    if (!summary) return { ...base, model: '', state: 'stopped', protocol: 'rest', reason: problem ?? 'unknown', startable: false };
    const state: PredictTarget['state'] =
      summary.state === 'Ready' ? 'running' : summary.state === 'Progressing' ? 'starting' : summary.state === 'Failed' ? 'failed' : 'stopped';
    const endpoint = this.cached && this.cached.url === summary.url && this.cached.generation === this.kserve.accessGeneration ? this.cached.endpoint : undefined;
    const host = endpoint?.headers?.host;
    return {
      ...base,
      remote: { ...base.remote, ...(host ? { host } : {}), ...(endpoint?.headers?.authorization ? { token: true } : {}) },
      model: summary.model ?? '',
      state,
      protocol: endpoint?.grpcAddress ? 'grpc' : 'rest',
      startable: summary.stopped,
      ...(summary.version !== undefined && /^\d+$/.test(summary.version) ? { version: Number(summary.version) } : {}),
      ...(summary.reason ? { reason: summary.reason } : {}),
      ...(endpoint ? { restUrl: endpoint.httpUrl } : summary.url ? { restUrl: summary.url } : {}),
      ...(endpoint?.grpcAddress ? { grpcUrl: endpoint.grpcAddress } : {}),
    };
  }

  async endpoint(): Promise<PredictEndpoint | undefined> {
    const { summary } = this.summary();
    if (!summary?.url || summary.state !== 'Ready') return undefined;
    if (this.cached?.url !== summary.url || this.cached.generation !== this.kserve.accessGeneration) {
      const { endpoint } = await this.kserve.endpointFor(this.name);
      this.cached = {
        url: summary.url,
        generation: this.kserve.accessGeneration,
        endpoint: {
          httpUrl: endpoint.httpUrl,
          model: this.name,
          headers: endpoint.headers,
          ...(endpoint.grpcAddress ? { grpcAddress: endpoint.grpcAddress } : {}),
          ...(endpoint.grpcAuthority ? { grpcAuthority: endpoint.grpcAuthority } : {}),
        },
      };
    }
    return this.cached.endpoint;
  }

  inputExample(): unknown {
    const { summary } = this.summary();
    if (!summary?.model || summary.version === undefined) return undefined;
    return this.registry.find(summary.model)?.versions.find((v) => String(v.version) === summary.version)?.metadata.input_example;
  }

  defaultTransport(): Transport {
    return this.cached?.endpoint.grpcAddress ? 'grpc' : 'rest-json';
  }

  start(): Thenable<unknown> {
    return vscode.commands.executeCommand(CommandIds.kserveStart, { kind: 'remote', name: this.name, namespace: this.namespace });
  }

  refresh(): Promise<void> {
    return this.kserve.refresh();
  }
}
