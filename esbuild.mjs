// Bundles the extension host code, the standalone inference server and its worker-thread entry.
// onnxruntime-node is a native addon: it cannot be bundled and stays external.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
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
]);

// The gRPC front end loads its .proto files at run time from proto/ next to the bundle.
const protoSrc = 'server/protocols/grpc/proto';
mkdirSync('dist/proto', { recursive: true });
for (const f of readdirSync(protoSrc).filter((n) => n.endsWith('.proto'))) copyFileSync(`${protoSrc}/${f}`, `dist/proto/${f}`);
