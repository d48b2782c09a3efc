/**
 * ModelDeck's script runtime image (the Python variant of runtimeFiles.ts), built without Docker
 * (dockerfileEmulator.ts) and started the way a KServe pod starts it: its ENTRYPOINT, with the
 * ClusterServingRuntime's args, serving the artifact the storage-initializer put in /mnt/models.
 *
 * The emulation runs on this machine, so: the base image's Python is Debian's /usr/bin/python3 here
 * (the Dockerfile installs it only when missing, as in node:20-slim), ports become free ones,
 * /mnt/models a folder, 0.0.0.0 becomes 127.0.0.1 with --any-host (what binding 0.0.0.0 means for
 * the Host check), and the image's absolute paths (PATH's venv) are mapped under the root file system.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KSERVE_ARTIFACT_DEPLOYMENTS, KSERVE_MODEL_DIR, clusterServingRuntime, writeRuntimeBuildContext } from '../../src/core/kserve/runtimeFiles';
import { emulateDockerfile } from './dockerfileEmulator';
import type { EmulatedImage } from './dockerfileEmulator';
import { REPO_ROOT, startServerProcess } from './serverProcess';
import type { ServerProcess } from './serverProcess';

export const SCRIPT_IMAGE = 'registry.example.com/ml/modeldeck-runtime-scripts:0.1.0';

export interface BuiltScriptImage {
  context: string;
  rootfs: string;
  image: EmulatedImage;
}

/** Writes the Python variant's build context (with `requirements`) from this built repository and "builds" it. */
export async function buildScriptRuntimeImage(scratch: string, requirements: string): Promise<BuiltScriptImage> {
  const context = path.join(scratch, 'context');
  const rootfs = path.join(scratch, 'rootfs');
  await writeRuntimeBuildContext(context, REPO_ROOT, { image: SCRIPT_IMAGE, variant: 'python', requirements });
  const image = emulateDockerfile(fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8'), context, rootfs);
  return { context, rootfs, image };
}

/** The container's command as KServe starts it (ENTRYPOINT + the runtime's args), mapped onto this machine. */
export function mappedCommand(built: BuiltScriptImage, mnt: string): { args: string[]; env: Record<string, string>; bundle: string; cwd: string } {
  const runtime = clusterServingRuntime({ image: SCRIPT_IMAGE, variant: 'python' });
  const command = [...built.image.entrypoint, ...runtime.spec.containers[0]!.args];
  const mapped = command.map((a, i) => {
    if (command[i - 1] === '--http-port' || command[i - 1] === '--grpc-port') return '0';
    if (a === KSERVE_ARTIFACT_DEPLOYMENTS) return path.join(mnt, '.modeldeck', 'deployments');
    if (a === KSERVE_MODEL_DIR) return mnt;
    if (a === '0.0.0.0') return '127.0.0.1';
    return a;
  });
  mapped.push('--any-host');
  if (mapped[0] !== 'node') throw new Error(`the entrypoint does not start node: ${JSON.stringify(command)}`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(built.image.env)) {
    env[k] = k === 'PATH' ? v.split(':').map((p) => (p.startsWith('/opt/') ? path.join(built.rootfs, p) : p)).join(':') : v;
  }
  const cwd = path.join(built.rootfs, built.image.workdir);
  return { args: mapped.slice(2), env, bundle: path.join(cwd, mapped[1]!), cwd };
}

/** Starts the image's server on `mnt` (what the storage-initializer filled). */
export function startScriptRuntime(built: BuiltScriptImage, mnt: string): Promise<ServerProcess> {
  const { args, env, bundle, cwd } = mappedCommand(built, mnt);
  return startServerProcess(args, { bundle, cwd, env });
}
