import * as path from 'node:path';
import type { DeploymentSpec } from './deploymentSpec';

/**
 * The folder a deployment file's relative paths are resolved against: the workspace folder that
 * holds `.modeldeck/` (`<ws>/.modeldeck/deployments/<name>.json` → `<ws>`).
 */
export function workspaceOfDeploymentsDir(deploymentsDir: string): string {
  return path.resolve(deploymentsDir, '..', '..');
}

/** Whether an environment setting names a path (a venv folder, an interpreter file) rather than a command on PATH. */
function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.startsWith('.') || path.isAbsolute(value);
}

/** Whether an inference logger sink is a plain file path (not a URL such as http://, kafka:// or file://). */
function isPlainPathSink(sink: string | undefined): sink is string {
  return sink !== undefined && sink.trim() !== '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(sink);
}

/**
 * The spec with its script paths (and a path-like Python environment, and a relative file sink of
 * the inference logger) made absolute against `baseDir`, so the server runs and writes the files
 * the deployment file means wherever it was started.
 */
export function withAbsoluteScriptPaths(spec: DeploymentSpec, baseDir: string): DeploymentSpec {
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(baseDir, p));
  const environment = spec.predictor.environment;
  return {
    ...spec,
    predictor: {
      ...spec.predictor,
      ...(spec.predictor.script !== undefined ? { script: abs(spec.predictor.script) } : {}),
      ...(environment !== undefined && looksLikePath(environment) ? { environment: abs(environment) } : {}),
    },
    transformer: { ...spec.transformer, ...(spec.transformer.script !== undefined ? { script: abs(spec.transformer.script) } : {}) },
    inferenceLogger: { ...spec.inferenceLogger, ...(isPlainPathSink(spec.inferenceLogger.sink) ? { sink: abs(spec.inferenceLogger.sink) } : {}) },
  };
}
