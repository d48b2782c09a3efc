import type { DeploymentService, DeploymentStateName } from './services/deploymentService';
import type { LocalServer, ServerState } from './services/localServer';
import type { RegistryService } from './services/registryService';
import type { ModelDeckOutput } from './logs/output';
import type { PanelInfo, Panels } from './panels/panels';
import type { KServeService } from './services/kserveService';

/** What `activate()` returns: a read-only view for other extensions and for tests. */
export interface ModelDeckApi {
  serverState(): ServerState;
  deployments(): { name: string; model: string; state: DeploymentStateName; version?: number; reason?: string; restUrl?: string; grpcUrl?: string }[];
  models(): { model: string; versions: number[]; best?: number }[];
  /** Every line written to the "ModelDeck" output channel (recent ones). */
  logLines(): string[];
  /** Resolves when registry reads and deployment actions in progress are done. */
  whenIdle(): Promise<void>;
  /** Open ModelDeck panels (deployment forms, predict panels). */
  panels(): PanelInfo[];
  /** What the deployment's predict panel last showed: the answer (or why there was none). */
  lastPrediction(deployment: string): { ok: boolean; transport: string; outputs: string[]; error?: string; source: string } | undefined;
  /** KServe: the remote deployments the Deployments view shows (re-read now), and a followed log's lines. */
  kserve: {
    remote(): Promise<{ kind: string; context?: string; namespace?: string; message?: string; items: { name: string; state: string; url?: string; reason?: string; replicas: { ready: number; total: number } }[] }>;
    logLines(namespace: string, name: string): string[];
    /** Deploy to KServe without the confirmation prompts (tests, other extensions): applied and watched until Ready or failed. */
    deploy(name: string): Promise<{ ready: boolean; url?: string; reasons?: string[] }>;
    /** Stores (or with '' removes) the inference bearer token of the current context, as "Set KServe Token…" does. */
    setInferenceToken(token: string): Promise<void>;
  };
}

export function createApi(server: LocalServer, deployments: DeploymentService, registry: RegistryService, output: ModelDeckOutput, panels: Panels, kserve: KServeService): ModelDeckApi {
  return {
    serverState: () => ({ ...server.state }),
    deployments: () =>
      deployments.list().map((d) => ({
        name: d.name,
        model: d.model,
        state: d.state,
        ...(d.version !== undefined ? { version: d.version } : {}),
        ...(d.reason ? { reason: d.reason } : {}),
        ...(d.restUrl ? { restUrl: d.restUrl } : {}),
        ...(d.grpcUrl ? { grpcUrl: d.grpcUrl } : {}),
      })),
    models: () => registry.models.map((m) => ({ model: m.model, versions: m.versions.map((v) => v.version), ...(m.best ? { best: m.best } : {}) })),
    logLines: () => output.lines(),
    whenIdle: async () => {
      await registry.settled();
      await deployments.whenIdle();
    },
    panels: () => panels.list(),
    lastPrediction: (deployment) => {
      const e = panels.predictPanel(deployment)?.lastEntry;
      if (!e) return undefined;
      const o = e.outcome;
      return { ok: o.ok, transport: e.transport, source: e.source, outputs: o.ok ? o.outputs.map((t) => t.name) : [], ...(o.ok ? {} : { error: o.error }) };
    },
    kserve: {
      remote: async () => {
        await kserve.refresh();
        const r = kserve.remoteState;
        if (r.kind === 'ok') return { kind: r.kind, context: r.context, namespace: r.namespace, items: r.items.map((i) => ({ name: i.name, state: i.state, replicas: { ready: i.replicas.ready, total: i.replicas.total }, ...(i.url ? { url: i.url } : {}), ...(i.reason ? { reason: i.reason } : {}) })) };
        return { kind: r.kind, items: [], ...(r.kind === 'error' ? { message: r.message } : {}) };
      },
      logLines: (namespace, name) => kserve.documents.logLines(namespace, name),
      deploy: async (name) => {
        const r = await kserve.deployToKServe(name, { confirm: false });
        return r.ready ? { ready: true, ...(r.url ? { url: r.url } : {}) } : { ready: false, reasons: r.reasons };
      },
      setInferenceToken: async (token) => kserve.setInferenceToken((await kserve.connect()).context, token),
    },
  };
}
