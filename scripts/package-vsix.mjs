#!/usr/bin/env node
// `npm run package`: builds once, then writes one platform-specific VSIX per target at the repo root:
// modeldeck-<version>-<target>.vsix (vsce --target), for linux-x64, linux-arm64, darwin-x64,
// darwin-arm64 and win32-x64.
//
//   npm run package                          every target
//   npm run package -- --target linux-x64    one target (repeat --target, or comma-separate, for more)
//   npm run package -- --no-build            package what dist/ holds now
//   npm run package -- --out-dir DIR         write the VSIXs to DIR instead of the repo root
//
// onnxruntime-node must be inside the VSIX (a native addon cannot be bundled), so vsce runs with
// dependency detection (`npm list --production`, offline: it only reads node_modules). .vscodeignore
// keeps the VSIX lean (the bundles in dist/, media/, schemas/, the .proto files, onnxruntime-node's JS +
// onnxruntime-common) and ships no native binaries; for each target this script writes a copy of it
// with that target's binary folder, node_modules/onnxruntime-node/bin/napi-v6/<os>/<arch>/ (everything
// in it: the addon, libonnxruntime, DirectML on Windows, the CUDA/TensorRT providers when they were
// installed with --onnxruntime-node-install=cuda12), and packages with `--ignoreFile` that copy.
//
// A target whose binaries onnxruntime-node does not ship is not packaged (a VSIX without them cannot
// serve a model): it is reported, and `--target` naming it fails. onnxruntime-node 1.24+ has no
// darwin/x64 build (the last one with it is 1.23.2).
//
// ONNXRUNTIME_NODE_INSTALL=skip: nothing here may trigger its CUDA download.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };

/** vsce target → onnxruntime-node's binary folder (bin/napi-v6/<os>/<arch>). */
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-x64': 'darwin/x64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
};
const ORT = 'node_modules/onnxruntime-node';
const ORT_BIN = `${ORT}/bin/napi-v6`;

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { build: true, targets: [], outDir: root };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--no-build') opts.build = false;
    else if (a === '--target' || a.startsWith('--target=')) opts.targets.push(...value().split(',').filter(Boolean));
    else if (a === '--out-dir' || a.startsWith('--out-dir=')) opts.outDir = resolve(value());
    else fail(`unknown argument ${a} (use --target <${Object.keys(TARGETS).join('|')}>, --no-build, --out-dir <dir>)`);
  }
  for (const t of opts.targets) if (!(t in TARGETS)) fail(`unknown target ${t}; targets: ${Object.keys(TARGETS).join(', ')}`);
  return opts;
}

function run(cmd, args) {
  // npm is npm.cmd on Windows, which spawn only runs through a shell.
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' && cmd === 'npm' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message})`);
}

/** The files of a target's binary folder; empty when onnxruntime-node does not ship that platform. */
function binariesOf(target) {
  const dir = join(root, ORT_BIN, TARGETS[target]);
  if (!existsSync(join(dir, 'onnxruntime_binding.node'))) return [];
  return readdirSync(dir).sort();
}

const opts = parseArgs(process.argv.slice(2));
const started = Date.now();
const baseIgnore = join(root, '.vscodeignore');
if (!existsSync(baseIgnore)) fail('.vscodeignore is missing'); // vsce would then ship every production dependency and all sources
const ortVersion = JSON.parse(readFileSync(join(root, ORT, 'package.json'), 'utf8')).version;

const wanted = opts.targets.length ? [...new Set(opts.targets)] : Object.keys(TARGETS);
const missing = wanted.filter((t) => binariesOf(t).length === 0);
const why = (t) => `onnxruntime-node ${ortVersion} ships no ${TARGETS[t]} binaries (${ORT_BIN}/${TARGETS[t]}/onnxruntime_binding.node)`;
if (opts.targets.length && missing.length) fail(`cannot package ${missing.join(', ')}: ${missing.map(why).join('; ')}`);
const targets = wanted.filter((t) => !missing.includes(t));

if (opts.build) run('npm', ['run', '--silent', 'build']);
// Not in dist/: everything the build puts there ships.
const ignoreDir = join(root, 'build', 'package-vsix');
mkdirSync(ignoreDir, { recursive: true });
mkdirSync(opts.outDir, { recursive: true });
const base = readFileSync(baseIgnore, 'utf8').replace(/\s*$/, '\n');

const written = [];
for (const target of targets) {
  const t0 = Date.now();
  const ignoreFile = join(ignoreDir, `${target}.vscodeignore`);
  writeFileSync(ignoreFile, `${base}# ${target}: onnxruntime-node's own binaries only (written by scripts/package-vsix.mjs)\n!${ORT_BIN}/${TARGETS[target]}/**\n`);
  const out = join(opts.outDir, `${pkg.name}-${pkg.version}-${target}.vsix`);
  run(process.execPath, [
    join(root, 'node_modules/@vscode/vsce/vsce'), 'package',
    '--target', target,
    '--ignoreFile', ignoreFile,
    '--out', out,
    // no prompts (CI has no TTY): a missing repository/LICENSE must not stop the build
    '--allow-missing-repository', '--skip-license',
    // README links stay relative (there is no public repository URL to rewrite them against)
    '--no-rewrite-relative-links',
  ]);
  const size = statSync(out).size;
  written.push(out);
  console.log(`package: ${relative(root, out) || out} ${(size / 1024 / 1024).toFixed(1)} MiB (${binariesOf(target).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
for (const t of missing) console.warn(`package: WARNING: no VSIX for ${t}: ${why(t)}`);
console.log(`package: ${written.length} VSIX${written.length === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
