// Bundles the mocha suite that runs inside the real VS Code extension host (code-server payload
// mode and @vscode/test-electron) into dist/test/index.js. Separate from esbuild.mjs on purpose:
// the extension's own build never ships it (.vscodeignore excludes dist/test/).
// mocha (ESM-only since v12) is bundled in, so the suite needs nothing from node_modules at run time.
import { build } from 'esbuild';

await build({
  entryPoints: ['test/editor/suite/index.ts'],
  outfile: 'dist/test/index.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  external: ['vscode'],
  // mocha reads its own package.json and optional reporters through dynamic requires; the ones the
  // suite uses (spec) are static imports, so the rest can stay unresolved.
  logOverride: { 'require-resolve-not-external': 'silent', 'indirect-require': 'silent', 'empty-import-meta': 'silent' },
});
