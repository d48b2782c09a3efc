import * as path from 'node:path';

/**
 * The `predictor.script` / `transformer.script` value the form writes for a file the user picked or
 * created: relative to `deploymentFolder`, the workspace folder that holds the deployment's
 * `.modeldeck/` (the extension and the server resolve it against that folder, see
 * core/deployment/scriptPaths.ts), with forward slashes so the file reads the same on every OS.
 * A file in another folder of a multi-root workspace gets a `../` path from there; a file outside
 * every workspace folder is refused (returned as `undefined`), as is one on another drive.
 * Node's path only (no vscode), so it is unit-tested; `p` is path.win32 in tests of Windows paths.
 */
export function scriptPathForDeployment(file: string, deploymentFolder: string, workspaceFolders: readonly string[], p: path.PlatformPath = path): string | undefined {
  const inside = (folder: string) => {
    const rel = p.relative(folder, file);
    return rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel);
  };
  if (!inside(deploymentFolder) && !workspaceFolders.some(inside)) return undefined;
  const rel = p.relative(deploymentFolder, file);
  if (p.isAbsolute(rel)) return undefined;
  return rel.split(p.sep).join('/');
}
