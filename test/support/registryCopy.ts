import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './serverProcess';

export const EXAMPLE_REGISTRY = path.join(REPO_ROOT, 'examples', 'models');
export const FIXTURE_MODELS = path.join(REPO_ROOT, 'test', 'fixtures', 'models');

/** A temp registry holding copies of the named example/fixture models (tests may change it). */
export async function tempRegistry(models: { from: string; name: string; versions?: number[] }[]): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-reg-'));
  for (const m of models) {
    const src = path.join(m.from, m.name);
    const versions = m.versions ?? (await fs.readdir(src)).filter((v) => /^\d+$/.test(v)).map(Number);
    for (const v of versions) await fs.cp(path.join(src, String(v)), path.join(root, m.name, String(v)), { recursive: true });
  }
  return root;
}

/** Copies one version folder to a new version number (a "new model version appears"). */
export async function addVersion(root: string, model: string, fromDir: string, version: number): Promise<void> {
  // Copy next to it, then rename: a version folder appears complete, as a careful user would do it.
  const staging = path.join(root, model, `.staging-${version}`);
  await fs.cp(fromDir, staging, { recursive: true });
  await fs.rename(staging, path.join(root, model, String(version)));
}
