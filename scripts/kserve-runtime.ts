// `npm run kserve:runtime -- --image REF [--out DIR] [--name NAME] [--base-image IMAGE] [--auto-select]
//   [--variant python [--requirements FILE]]`:
// writes the Docker build context of ModelDeck's KServe runtime (Dockerfile, the server bundle,
// onnxruntime-node, cluster-serving-runtime.yaml) from this built repository; `--variant python` is the
// script runtime (Python + requirements.txt, serving an artifact). See README "Deploy to KServe" and
// "Deploy scripts to KServe".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRuntimeBuildContext } from '../src/core/kserve/runtimeFiles';

const root = path.resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    out: { type: 'string', default: 'build/kserve-runtime' },
    name: { type: 'string' },
    'base-image': { type: 'string' },
    'auto-select': { type: 'boolean', default: false },
    variant: { type: 'string', default: 'onnx' },
    requirements: { type: 'string' },
  },
});
if (!values.image) {
  process.stderr.write('kserve:runtime: --image REF is required: the image you will push, e.g. --image registry.example.com/ml/modeldeck-runtime:0.1.0\n');
  process.exit(2);
}
if (values.variant !== 'onnx' && values.variant !== 'python') {
  process.stderr.write(`kserve:runtime: --variant is onnx or python (got ${values.variant})\n`);
  process.exit(2);
}
const out = path.resolve(values.out!);
writeRuntimeBuildContext(out, root, {
  image: values.image,
  ...(values.name ? { name: values.name } : {}),
  ...(values['base-image'] ? { baseImage: values['base-image'] } : {}),
  autoSelect: values['auto-select'],
  variant: values.variant,
  ...(values.requirements ? { requirements: fs.readFileSync(values.requirements, 'utf8') } : {}),
})
  .then(() => {
    const rel = path.relative(process.cwd(), out) || '.';
    process.stdout.write(
      `Wrote the runtime build context to ${rel}. Next:\n` +
        `  docker build --platform linux/amd64 -t ${values.image} ${rel}\n` +
        `  docker push ${values.image}\n` +
        `  kubectl apply -f ${path.join(rel, 'cluster-serving-runtime.yaml')}\n`,
    );
  })
  .catch((err: Error) => {
    process.stderr.write(`kserve:runtime: ${err.message}\n`);
    process.exit(1);
  });
