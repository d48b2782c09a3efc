import type { DeploymentService, DeploymentStateName } from './services/deploymentService';
import type { LocalServer, ServerState } from './services/localServer';
import type { RegistryService } from './services/registryService';
import type { ModelDeckOutput } from './logs/output';

/** What `activate()` returns: a read-only view for other extensions and for tests. */
export interface ModelDeckApi {
  serverState(): ServerState;
  deployments(): { name: string; model: string; state: DeploymentStateName; version?: number; reason?: string; restUrl?: string; grpcUrl?: string }[];
  models(): { model: string; versions: number[]; best?: number }[];
  /** Every line written to the "ModelDeck" output channel (recent ones). */
  logLines(): string[];
  /** Resolves when registry reads and deployment actions in progress are done. */
  whenIdle(): Promise<void>;
}

export function createApi(server: LocalServer, deployments: DeploymentService, registry: RegistryService, output: ModelDeckOutput): ModelDeckApi {
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
  };
}
