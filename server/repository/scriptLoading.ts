import * as fs from 'node:fs';
import * as path from 'node:path';
import { readManifest } from '../../src/core/artifacts/artifactPlan';
import { ARTIFACT_MANIFEST } from '../../src/core/artifacts/artifactTypes';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { InferenceError } from '../errors';
import type { Logger, LogLevel } from '../observability/logger';
import { PythonInterpreterError, resolvePythonInterpreter } from '../scripts/python/findPython';
import { ScriptPool, scriptLanguageOf } from '../scripts/scriptPool';
import type { ScriptLogLevel, ScriptRole } from '../scripts/scriptProtocol';
import type { ScriptRuntime } from './loadedVersion';

/** Interpreters the editor knows of, for Python scripts whose deployment names none. */
export interface PythonHints {
  /** The `modeldeck.python.interpreter` setting. */
  setting?: string;
  /** The VS Code Python extension's active interpreter. */
  extensionInterpreter?: string;
}

/** What loading a script needs from the server. */
export interface ScriptLoadContext {
  logger: Logger;
  python?: PythonHints;
  /** A call running longer fails and its host is replaced, ms. */
  callTimeoutMs: number;
  /** JS host entry override (tests). */
  jsWorkerScript?: string;
}

/** Default call time limit for script hosts. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 60_000;

const LOG_LEVEL: Record<ScriptLogLevel, LogLevel> = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' };

/**
 * The environment Hopsworks gives predictor and transformer scripts. A script served from an
 * artifact (a folder with modeldeck-artifact.json beside the script: the runtime image's
 * /mnt/models, or an artifact built under .modeldeck/artifacts) gets that folder as
 * ARTIFACT_FILES_PATH and its number as ARTIFACT_VERSION. A script served from the workspace has no
 * artifact folder: ARTIFACT_FILES_PATH is the version folder and ARTIFACT_VERSION "MODEL-ONLY"
 * unless the deployment has scripts (then "1": the scripts and the model together).
 */
export function scriptEnvironment(spec: DeploymentSpec, info: ModelVersionInfo, scriptPath: string, role: ScriptRole): Record<string, string> {
  const hasScripts = spec.predictor.script !== undefined || spec.transformer.script !== undefined;
  const artifact = artifactBeside(scriptPath);
  return {
    MODEL_FILES_PATH: info.dir,
    ARTIFACT_FILES_PATH: artifact?.dir ?? info.dir,
    DEPLOYMENT_NAME: spec.name,
    DEPLOYMENT_VERSION: '1',
    MODEL_NAME: info.model,
    MODEL_VERSION: String(info.version),
    ARTIFACT_VERSION: artifact ? String(artifact.version) : hasScripts ? '1' : 'MODEL-ONLY',
    SCRIPT_PATH: scriptPath,
    SCRIPT_NAME: path.basename(scriptPath),
    IS_PREDICTOR: role === 'predictor' ? 'true' : 'false',
    IS_TRANSFORMER: role === 'transformer' ? 'true' : 'false',
  };
}

// Read once per script start (not per request): a small JSON file, synchronously, like the script itself.
function artifactBeside(scriptPath: string): { dir: string; version: string | number } | undefined {
  const dir = path.dirname(scriptPath);
  try {
    const manifest = readManifest(JSON.parse(fs.readFileSync(path.join(dir, ARTIFACT_MANIFEST), 'utf8')));
    return manifest ? { dir, version: manifest.artifactVersion } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the hosts of a deployment's predictor or transformer script; rejects with the reason it cannot serve. */
export async function startScript(spec: DeploymentSpec, info: ModelVersionInfo, role: ScriptRole, ctx: ScriptLoadContext): Promise<ScriptRuntime> {
  const given = role === 'predictor' ? spec.predictor.script : spec.transformer.script;
  if (!given) throw new InferenceError('unavailable', `modelServer "script" needs predictor.script (a .py, .js or .ts file with a class Predictor)`);
  // Paths in deployment files are made absolute by whoever reads the file (the extension, --deployments).
  const scriptPath = path.resolve(given);
  const language = scriptLanguageOf(scriptPath);
  if (!language) throw new InferenceError('unavailable', `${role}.script ${given}: expected a .py, .js, .mjs, .cjs or .ts file`);
  let interpreter: ScriptRuntime['interpreter'];
  if (language === 'python') {
    try {
      const found = await resolvePythonInterpreter({ environment: spec.predictor.environment, setting: ctx.python?.setting, extensionInterpreter: ctx.python?.extensionInterpreter, cwd: path.dirname(scriptPath) });
      interpreter = { path: found.path, version: found.version, source: found.source };
    } catch (err) {
      if (err instanceof PythonInterpreterError) throw new InferenceError('unavailable', `${role} script ${path.basename(scriptPath)}: ${err.message}`);
      throw err;
    }
  }
  const at = { deployment: spec.name };
  const { pool, info: script } = await ScriptPool.start({
    scriptPath,
    role,
    env: scriptEnvironment(spec, info, scriptPath, role),
    ...(interpreter ? { interpreter: interpreter.path } : {}),
    instances: spec.resources.instances,
    callTimeoutMs: ctx.callTimeoutMs,
    onLog: (level, message, source) => ctx.logger.log(LOG_LEVEL[level], message, { ...at, script: source }),
    ...(ctx.jsWorkerScript ? { jsWorkerScript: ctx.jsWorkerScript } : {}),
  });
  const where = interpreter ? `${script.runtime}, chosen by ${interpreter.source === 'path' ? 'PATH' : interpreter.source}` : script.runtime;
  ctx.logger.info(`${role} script ${path.basename(scriptPath)} loaded: class ${script.className} on ${where}`, { ...at, script: scriptPath, loadMs: Math.round(script.loadMs) });
  return { pool, info: script, scriptPath, ...(interpreter ? { interpreter } : {}) };
}

/** A running script as the repository index reports it. */
export interface ScriptStatus {
  /** Absolute script path. */
  script: string;
  /** Class it serves. */
  className: string;
  /** "Python 3.11.2 (/usr/bin/python3)" or "Node 20.20.2 (worker thread)". */
  runtime: string;
  /** Python: which rule chose the interpreter (deployment, setting, python-extension, path). */
  interpreterSource?: string;
}

/** How the repository index shows a running script. */
export function scriptStatus(s: ScriptRuntime | undefined): ScriptStatus | undefined {
  if (!s) return undefined;
  return { script: s.scriptPath, className: s.info.className, runtime: s.info.runtime, ...(s.interpreter ? { interpreterSource: s.interpreter.source } : {}) };
}
