/**
 * `--registry` mode (no deployment files) serves every model with an ONNX file; a version without
 * one (a pickle) needs a predictor script, which only a deployment file names, so it is skipped with
 * one info line. DeploymentSync runs for real against a registry on disk; the manager is a recorder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { RegistrySet } from '../../src/core/registry/registrySet';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/config';
import type { Logger, LogLevel } from '../../server/observability/logger';
import { DeploymentSync } from '../../server/repository/deploymentSync';
import type { ModelManager } from '../../server/repository/modelManager';

let root: string;
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-registry-mode-'));
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function writeVersion(model: string, version: number, files: Record<string, string>): Promise<void> {
  const dir = path.join(root, model, String(version));
  await fs.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
}

/** What the sync asks of the manager, in order; `has` answers for what it applied. */
function recordingManager(): { manager: ModelManager; applied: DeploymentSpec[]; removed: string[] } {
  const applied: DeploymentSpec[] = [];
  const removed: string[] = [];
  const names = new Set<string>();
  const fake = {
    has: (name: string) => names.has(name),
    apply: async (spec: DeploymentSpec) => {
      applied.push(spec);
      names.add(spec.name);
    },
    remove: async (name: string) => {
      removed.push(name);
      names.delete(name);
    },
    refresh: async () => undefined,
  };
  return { manager: fake as unknown as ModelManager, applied, removed };
}

function recordingLogger(): { logger: Logger; lines: { level: LogLevel; msg: string }[] } {
  const lines: { level: LogLevel; msg: string }[] = [];
  const log = (level: LogLevel, msg: string) => lines.push({ level, msg });
  const logger: Logger = {
    log,
    trace: (m) => log('trace', m),
    debug: (m) => log('debug', m),
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
    enabled: () => true,
  };
  return { logger, lines };
}

describe('--registry mode and versions without an .onnx file', () => {
  it('serves ONNX models at latest, skips a pickle-only model with one info line, and serves the newest ONNX version of a mixed model', async () => {
    await writeVersion('iris', 1, { 'model.onnx': 'onnx' });
    await writeVersion('iris', 2, { 'model.onnx': 'onnx' });
    await writeVersion('iris-sklearn', 1, { 'model.pkl': 'pickle', 'model.json': '{"framework": "sklearn"}' });
    await writeVersion('mixed', 1, { 'model.onnx': 'onnx' });
    await writeVersion('mixed', 2, { 'model.pt': 'torchscript' });
    const config: ServerConfig = { ...DEFAULT_CONFIG, registries: [root], pollIntervalMs: 0 };
    const { manager, applied, removed } = recordingManager();
    const { logger, lines } = recordingLogger();
    const sync = new DeploymentSync(config, manager, new RegistrySet([root]), logger);

    await sync.initial();
    assert.deepEqual(applied.map((s) => [s.name, s.model.version, s.modelServer]), [
      ['iris', 'latest', 'onnx'],
      ['mixed', 1, 'onnx'],
    ]);
    assert.deepEqual(lines, [
      { level: 'info', msg: 'model "iris-sklearn" has no .onnx file: not served without a deployment file (it needs a predictor script)' },
      { level: 'info', msg: 'model "mixed": version 2 has no .onnx file (it needs a predictor script): serving version 1, the newest with one' },
    ]);

    // A second scan changes nothing and says nothing again.
    await (sync as unknown as { scan(refresh: boolean): Promise<void> }).scan(true);
    assert.equal(applied.length, 2);
    assert.equal(lines.length, 2);

    // An ONNX version on top makes "latest" right again; the pickle-only model still stays out.
    await writeVersion('mixed', 3, { 'model.onnx': 'onnx' });
    await (sync as unknown as { scan(refresh: boolean): Promise<void> }).scan(true);
    assert.deepEqual(applied.slice(2).map((s) => [s.name, s.model.version]), [['mixed', 'latest']]);
    assert.deepEqual(removed, []);
    assert.equal(lines.length, 2);
  });
});
