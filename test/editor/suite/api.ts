// The extension's public contract as the editor tests see it (declared here, not imported from src/,
// so a drift between the two shows up as a failing assertion in the real editor, not as a type
// that silently follows the implementation). Shared by the in-host suite and the Playwright flow.

export const EXTENSION_ID = 'modeldeck.modeldeck';

export interface ServerStateView {
  state: 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';
  httpUrl?: string;
  grpcUrl?: string;
  pid?: number;
  restarts: number;
  reason?: string;
}

export interface DeploymentView {
  name: string;
  model: string;
  state: 'stopped' | 'starting' | 'running' | 'failed' | 'updating';
  version?: number;
  reason?: string;
  restUrl?: string;
  grpcUrl?: string;
}

export interface ModelView {
  model: string;
  versions: number[];
  best?: number;
}

/** What `activate()` returns. */
export interface ModelDeckApi {
  serverState(): ServerStateView;
  deployments(): DeploymentView[];
  models(): ModelView[];
  /** Every line written to the "ModelDeck" output channel. */
  logLines(): string[];
  whenIdle(): Promise<void>;
  /** Open ModelDeck webview panels. */
  panels(): { viewType: string; title: string; deployment?: string; visible: boolean }[];
  /** What a deployment's predict panel last showed. */
  lastPrediction(deployment: string): { ok: boolean; transport: string; outputs: string[]; error?: string; source: string } | undefined;
}

/** Every command the contract names. */
export const CONTRACT_COMMANDS = [
  'modeldeck.serveModel',
  'modeldeck.stopDeployment',
  'modeldeck.startDeployment',
  'modeldeck.showLogs',
  'modeldeck.registerModelVersion',
  'modeldeck.deployBestVersion',
  'modeldeck.refresh',
  'modeldeck.openPredictPanel',
  'modeldeck.copyCurl',
  'modeldeck.server.restart',
  'modeldeck.server.stop',
] as const;

/**
 * The OIP V2 infer URL of a deployment, from whatever form of REST URL the extension shows:
 * `.../infer`, `.../v2/models/<m>[/versions/<v>]`, or the server's base URL.
 */
export function inferUrlOf(restUrl: string, servedName: string): string {
  const u = restUrl.replace(/\/+$/, '');
  if (/\/infer$/.test(u)) return u;
  if (/\/v2\/models\/[^/]+/.test(u)) return `${u}/infer`;
  return `${u}/v2/models/${encodeURIComponent(servedName)}/infer`;
}
