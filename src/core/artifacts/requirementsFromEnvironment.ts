/**
 * requirements.txt from a deployment's Python environment (`predictor.environment`): what
 * `python -m pip freeze` lists there. Only a deployment that names an environment gets one (the
 * interpreter on PATH or the editor's is a shared one, whose packages say nothing about this
 * script). Plain Node; no vscode.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DeploymentSpec } from '../deployment/deploymentSpec';

/**
 * `pip freeze --exclude-editable` of the deployment's environment, with relative environment paths
 * resolved against `baseDir`; undefined when it names none or pip cannot run there (the caller
 * then records "none"). Lines pip prints for packages installed from local paths (`@ file://`)
 * are dropped: they cannot be installed in an image.
 */
export async function requirementsFromEnvironment(spec: DeploymentSpec, baseDir: string): Promise<string | undefined> {
  const environment = spec.predictor.environment;
  if (environment === undefined) return undefined;
  const looksLikePath = environment.includes('/') || environment.includes('\\') || environment.startsWith('.');
  // The same forms the server accepts (findPython.ts): an interpreter, a venv/conda folder, a command.
  let python = looksLikePath ? path.resolve(baseDir, environment) : environment;
  const stat = await fs.stat(python).catch(() => undefined);
  if (stat?.isDirectory()) {
    const candidates = process.platform === 'win32' ? ['Scripts/python.exe', 'python.exe'] : ['bin/python3', 'bin/python'];
    const found = await firstExisting(candidates.map((c) => path.join(python, c)));
    if (!found) return undefined;
    python = found;
  }
  const out = await new Promise<string | undefined>((resolve) => {
    execFile(python, ['-m', 'pip', 'freeze', '--exclude-editable', '--disable-pip-version-check'], { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
  if (out === undefined) return undefined;
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.includes(' @ file://'))
    .join('\n')
    .concat('\n');
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await fs.stat(p).then(() => true, () => false)) return p;
  return undefined;
}
