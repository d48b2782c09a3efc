// Bundles the extension host code, the standalone inference server and its worker-thread entry.
// onnxruntime-node is a native addon: it cannot be bundled and stays external.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['onnxruntime-node', 'vscode'],
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['server/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: ['server/runtime/onnxWorker.ts'], outfile: 'dist/onnxWorker.js' }),
  // Large V2 JSON bodies are parsed here, off the server's event loop (server/protocols/rest/decodePool.ts).
  build({ ...common, entryPoints: ['server/protocols/rest/decodeWorker.ts'], outfile: 'dist/decodeWorker.js' }),
  build({ ...common, entryPoints: ['server/inferenceLog/sinkWorker.ts'], outfile: 'dist/sinkWorker.js' }),
  // `modeldeck` (package.json bin): the terminal front end (check, loadtest).
  build({ ...common, entryPoints: ['src/cli/modeldeckCli.ts'], outfile: 'dist/modeldeck.js', banner: { js: '#!/usr/bin/env node' } }),
  // The load test's own process (src/core/loadtest): load never comes from the extension host or the server.
  build({ ...common, entryPoints: ['src/core/loadtest/loadProcessMain.ts'], outfile: 'dist/loadtest.js' }),
  // The JS/TS script host (sucrase, which compiles TypeScript scripts, is bundled in: plain JavaScript).
  build({ ...common, entryPoints: ['server/scripts/js/scriptWorker.ts'], outfile: 'dist/scriptWorker.js' }),
]);

// Webviews: browser bundles, one per panel, minified (each panel open loads one); codicons are
// copied beside them for vscode-elements.
const webviews = readdirSync('webview').filter((d) => d !== 'common' && existsSync(`webview/${d}/main.ts`));
await Promise.all(
  webviews.map((d) =>
    build({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', minify: true, sourcemap: true, logLevel: 'warning', entryPoints: [`webview/${d}/main.ts`], outfile: `dist/webview/${d}.js` }),
  ),
);
mkdirSync('dist/webview', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);
// uPlot's stylesheet for the dashboard's charts (the page links it; the CSP allows the extension's styles).
copyFileSync('node_modules/uplot/dist/uPlot.min.css', 'dist/webview/uPlot.min.css');

// The gRPC front end loads its .proto files at run time from proto/ next to the bundle.
const protoSrc = 'server/protocols/grpc/proto';
mkdirSync('dist/proto', { recursive: true });
for (const f of readdirSync(protoSrc).filter((n) => n.endsWith('.proto'))) copyFileSync(`${protoSrc}/${f}`, `dist/proto/${f}`);

// The Python script host runs as `<python> dist/scripts/modeldeck_host.py` (pythonProcess.ts looks there).
mkdirSync('dist/scripts', { recursive: true });
copyFileSync('server/scripts/python/modeldeck_host.py', 'dist/scripts/modeldeck_host.py');
