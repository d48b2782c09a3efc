import type * as vscode from 'vscode';
import type { ModelDeckOutput } from '../logs/output';
import type { Dashboards } from '../panels/dashboard/dashboards';
import type { Panels } from '../panels/panels';
import type { DeploymentService } from '../services/deploymentService';
import type { KServeService } from '../services/kserveService';
import type { LocalServer } from '../services/localServer';
import type { RegistryService } from '../services/registryService';
import type { DeploymentsNode, DeploymentsTreeProvider } from '../views/deploymentsTree';
import type { ModelsTreeProvider } from '../views/modelsTree';

/** What commands work with; built once in extension.ts. */
export interface CommandContext {
  extension: vscode.ExtensionContext;
  output: ModelDeckOutput;
  registry: RegistryService;
  deployments: DeploymentService;
  server: LocalServer;
  modelsTree: ModelsTreeProvider;
  deploymentsTree: DeploymentsTreeProvider;
  deploymentsView: vscode.TreeView<DeploymentsNode>;
  panels: Panels;
  kserve: KServeService;
  /** Deployment dashboards (statistics, load tests). */
  dashboards?: Dashboards;
}
