import * as vscode from 'vscode';

/** Typed view of the `modeldeck.*` settings. */
export interface ModelDeckSettings {
  /** Registry folders, relative to each workspace folder or absolute. */
  registryPaths: string[];
  server: { host: string; httpPort: number; grpcPort: number; logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' };
  /** Batcher written into new deployment files. */
  batching: { enabled: boolean; maxBatchSize: number; maxLatencyMs: number; maxQueueSize: number };
  /** Python interpreter for predictor/transformer scripts ('' = auto). */
  pythonInterpreter: string;
}

export function readSettings(): ModelDeckSettings {
  const c = vscode.workspace.getConfiguration('modeldeck');
  return {
    registryPaths: c.get<string[]>('registryPaths', ['models']),
    server: {
      host: c.get('server.host', '127.0.0.1'),
      httpPort: c.get('server.httpPort', 8080),
      grpcPort: c.get('server.grpcPort', 8081),
      logLevel: c.get('server.logLevel', 'debug'),
    },
    batching: {
      enabled: c.get('batching.enabled', false),
      maxBatchSize: c.get('batching.maxBatchSize', 32),
      maxLatencyMs: c.get('batching.maxLatencyMs', 5),
      maxQueueSize: c.get('batching.maxQueueSize', 1024),
    },
    pythonInterpreter: c.get('python.interpreter', ''),
  };
}

/** Fires when any `modeldeck.*` setting in `section` changes. */
export function onSettingsChanged(section: string, fn: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`modeldeck.${section}`)) fn();
  });
}
