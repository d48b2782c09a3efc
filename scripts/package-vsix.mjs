#!/usr/bin/env node
// `npm run package`: builds, then writes modeldeck-<version>.vsix (target linux-x64) at the repo root.
//
// onnxruntime-node must be inside the VSIX (a native addon cannot be bundled), so vsce runs with
// dependency detection (`npm list --production`, offline: it only reads node_modules) and
// .vscodeignore keeps the VSIX lean: the bundles in dist/, media/, schemas/, the .proto files and
// onnxruntime-node's linux-x64 binaries + onnxruntime-common. Everything else is bundled by esbuild.
// ONNXRUNTIME_NODE_INSTALL=skip: nothing here may trigger its CUDA download.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${pkg.name}-${pkg.version}.vsix`);
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`package: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const started = Date.now();
if (!existsSync(join(root, '.vscodeignore'))) {
  // vsce would then ship every production dependency and all sources.
  console.error('package: .vscodeignore is missing');
  process.exit(1);
}
if (!process.argv.includes('--no-build')) run('npm', ['run', '--silent', 'build']);

const args = [
  join(root, 'node_modules/@vscode/vsce/vsce'), 'package',
  '--target', 'linux-x64',
  '--out', out,
  // no prompts (CI has no TTY): a missing repository/LICENSE must not stop the build
  '--allow-missing-repository', '--skip-license',
  // README links stay relative (there is no public repository URL to rewrite them against)
  '--no-rewrite-relative-links',
];
run(process.execPath, args);

const size = statSync(out).size;
console.log(`package: ${relative(root, out)} ${(size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
