/**
 * `npm run package` (scripts/package-vsix.mjs) writes one platform-specific VSIX per target. This runs
 * the real script once for every target (one build), then once more with --no-build for one target,
 * and reads each VSIX's zip listing and manifest: what the extension needs is there, the target's
 * own onnxruntime-node binaries and no other platform's, no sources, the manifest's TargetPlatform,
 * extensionKind "workspace".
 * A target whose binaries onnxruntime-node does not ship (darwin-x64 since onnxruntime-node 1.24)
 * must be reported and not packaged, and asking for it by name must fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts', 'package-vsix.mjs');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const TARGETS: Record<string, string> = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-x64': 'darwin/x64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
};
/** Every platform folder onnxruntime-node has (win32/arm64 too), for "no other platform's binaries". */
const ALL_PLATFORM_DIRS = readdirSync(path.join(ROOT, ORT_BIN)).flatMap((os) => readdirSync(path.join(ROOT, ORT_BIN, os)).map((arch) => `${os}/${arch}`));
const shipped = (target: string) => existsSync(path.join(ROOT, ORT_BIN, TARGETS[target]!, 'onnxruntime_binding.node'));

/** Files under dir, relative with forward slashes. */
function filesUnder(rel: string): string[] {
  const walk = (dir: string, prefix: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
  const abs = path.join(ROOT, rel);
  return existsSync(abs) ? walk(abs, `${rel}/`) : [];
}

function packageScript(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function zipListing(vsix: string): string[] {
  const r = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(r.status, 0, `unzip -Z1 ${vsix}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

function unzipText(vsix: string, entry: string): string {
  const r = spawnSync('unzip', ['-p', vsix, entry], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(r.status, 0, `unzip -p ${vsix} ${entry}: ${r.stderr}`);
  return r.stdout;
}

const vsixName = (target: string) => `${PKG.name}-${PKG.version}-${target}.vsix`;

describe('npm run package: one VSIX per target', () => {
  let work: string;
  let all: { status: number | null; output: string; dir: string };

  before(() => {
    mkdirSync(path.join(ROOT, 'build'), { recursive: true });
    work = mkdtempSync(path.join(ROOT, 'build', 'vsix-test-'));
    const dir = path.join(work, 'all');
    all = { ...packageScript(['--out-dir', dir]), dir };
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('packaging every target succeeds and writes exactly the targets onnxruntime-node has binaries for', () => {
    assert.equal(all.status, 0, all.output);
    const expected = Object.keys(TARGETS).filter(shipped).map(vsixName).sort();
    assert.ok(expected.length >= 4, `onnxruntime-node ships binaries for ${expected.length} of the targets`);
    assert.deepEqual(readdirSync(all.dir).sort(), expected);
    for (const t of Object.keys(TARGETS).filter((t) => !shipped(t))) {
      assert.match(all.output, new RegExp(`WARNING: no VSIX for ${t}: onnxruntime-node \\S+ ships no ${TARGETS[t]} binaries`));
    }
  });

  for (const target of Object.keys(TARGETS)) {
    if (!shipped(target)) {
      it(`${target}: onnxruntime-node ships no ${TARGETS[target]} binaries, so --target ${target} fails and says why`, () => {
        const r = packageScript(['--no-build', '--target', target, '--out-dir', path.join(work, `refused-${target}`)]);
        assert.notEqual(r.status, 0);
        assert.match(r.output, new RegExp(`cannot package ${target}: onnxruntime-node \\S+ ships no ${TARGETS[target]} binaries`));
        assert.ok(!existsSync(path.join(work, `refused-${target}`, vsixName(target))));
      });
      continue;
    }
    it(`${target}: the extension, its own ${TARGETS[target]} binaries, nothing else; manifest TargetPlatform ${target}`, () => {
      const vsix = path.join(all.dir, vsixName(target));
      const files = zipListing(vsix);
      const has = new Set(files);
      const must = [
        'extension.vsixmanifest',
        'extension/package.json',
        'extension/readme.md',
        'extension/dist/extension.js',
        'extension/dist/server.js',
        'extension/dist/onnxWorker.js',
        'extension/dist/proto/open_inference_grpc.proto',
        'extension/dist/webview/codicon.css',
        'extension/dist/webview/codicon.ttf',
        'extension/schemas/deployment.schema.json',
        'extension/schemas/model.schema.json',
        'extension/node_modules/onnxruntime-node/package.json',
        'extension/node_modules/onnxruntime-node/dist/index.js',
        'extension/node_modules/onnxruntime-node/dist/binding.js',
        'extension/node_modules/onnxruntime-common/package.json',
        `extension/${ORT_BIN}/${TARGETS[target]}/onnxruntime_binding.node`,
        // Everything the build writes (bundles, .proto files, webview scripts, script hosts) but the
        // editor-test bundle and source maps.
        ...filesUnder('dist').filter((f) => !/^dist\/test\//.test(f) && !/\.map$/.test(f)).map((f) => `extension/${f}`),
        ...filesUnder('media').map((f) => `extension/${f}`),
        ...filesUnder('schemas').map((f) => `extension/${f}`),
        ...filesUnder('node_modules/onnxruntime-node/dist').map((f) => `extension/${f}`),
        ...filesUnder('node_modules/onnxruntime-common/dist/cjs').map((f) => `extension/${f}`),
        // The whole platform folder: the addon, libonnxruntime, DirectML/dxcompiler on Windows,
        // CUDA/TensorRT providers when they were installed.
        ...filesUnder(`${ORT_BIN}/${TARGETS[target]}`).map((f) => `extension/${f}`),
      ];
      assert.ok(filesUnder('dist/webview').some((f) => f.endsWith('.js')), 'the build wrote webview bundles');
      assert.deepEqual([...new Set(must)].filter((f) => !has.has(f)), [], `missing from ${vsixName(target)}`);
      const others = ALL_PLATFORM_DIRS.filter((d) => d !== TARGETS[target]);
      const forbidden = files.filter(
        (f) =>
          others.some((d) => f.startsWith(`extension/${ORT_BIN}/${d}/`)) ||
          /^extension\/(src|server|test|webview|bench|scripts|build|\.ci)\//.test(f) ||
          /^extension\/examples\/(?!models\/|\.modeldeck\/|requests\/|scripts\/)/.test(f) || // the example workspace ships (its predictor/transformer scripts too), make_models.py does not
          /^extension\/dist\/test\//.test(f) ||
          /^extension\/dist\/.*\.map$/.test(f) ||
          (/\.ts$/.test(f) && !/\.d\.ts$/.test(f) && !/^extension\/media\//.test(f)) || // media/templates/*.ts are user scaffolds
          /^extension\/node_modules\/(?!onnxruntime-node\/|onnxruntime-common\/)/.test(f) ||
          /^extension\/node_modules\/onnxruntime-node\/(script|lib)\//.test(f),
      );
      assert.deepEqual(forbidden, [], `${vsixName(target)} ships files it should not`);
      // Runs where the workspace is (Remote-SSH, Dev Containers, WSL): beside the server and the files.
      const manifest = JSON.parse(unzipText(vsix, 'extension/package.json')) as { extensionKind?: string[] };
      assert.deepEqual(manifest.extensionKind, ['workspace']);
      const identity = /<Identity\b[^>]*>/.exec(unzipText(vsix, 'extension.vsixmanifest'))?.[0] ?? '';
      assert.match(identity, new RegExp(`TargetPlatform="${target}"`));
      assert.match(identity, new RegExp(`Version="${PKG.version.replace(/\./g, '\\.')}"`));
    });
  }

  it('--no-build --target linux-x64 packages that one target only, with the same files as the full run', () => {
    const dir = path.join(work, 'one');
    const r = packageScript(['--no-build', '--target', 'linux-x64', '--out-dir', dir]);
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(readdirSync(dir), [vsixName('linux-x64')]);
    assert.deepEqual(zipListing(path.join(dir, vsixName('linux-x64'))).sort(), zipListing(path.join(all.dir, vsixName('linux-x64'))).sort());
  });

  it('an unknown target is refused with the list of targets', () => {
    const r = packageScript(['--no-build', '--target', 'solaris-sparc', '--out-dir', path.join(work, 'unknown')]);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /unknown target solaris-sparc; targets: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64/);
    assert.ok(!existsSync(path.join(work, 'unknown')));
  });
});
