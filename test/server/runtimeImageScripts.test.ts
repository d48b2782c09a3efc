/**
 * The script variant of ModelDeck's KServe runtime, without Docker: the Dockerfile with Python and
 * the artifact's requirements.txt is carried out (test/support/scriptRuntimeImage.ts; Debian's
 * Python 3 stands in for the one apt-get installs in node:20-slim), and its ENTRYPOINT serves a
 * script artifact from a folder standing in for /mnt/models: the predictor runs on the image's
 * venv Python with the artifact's environment variables and answers as it does locally.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { buildArtifact, collectArtifactInputs } from '../../src/core/artifacts/artifactStore';
import { KSERVE_ARTIFACT_DEPLOYMENTS, clusterServingRuntime, runtimeDockerfile } from '../../src/core/kserve/runtimeFiles';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import { buildScriptRuntimeImage, SCRIPT_IMAGE, startScriptRuntime } from '../support/scriptRuntimeImage';
import type { BuiltScriptImage } from '../support/scriptRuntimeImage';
import { REPO_ROOT } from '../support/serverProcess';

const REQUIREMENTS = 'scikit-learn\njoblib\nnumpy\n';
let scratch: string;
let built: BuiltScriptImage;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-script-runtime-'));
  built = await buildScriptRuntimeImage(scratch, REQUIREMENTS);
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the script runtime image (Python variant)', () => {
  it('its Dockerfile installs Python only when missing, the requirements into a venv first on PATH, and checks the script host', () => {
    assert.equal(built.image.from, 'node:20-slim');
    assert.equal(built.image.platform, 'linux/amd64');
    assert.equal(built.image.user, 'node');
    assert.deepEqual(built.image.exposed, [8080, 8081]);
    assert.equal(fs.readFileSync(path.join(built.context, 'requirements.txt'), 'utf8'), REQUIREMENTS);
    assert.equal(fs.readFileSync(path.join(built.context, 'Dockerfile'), 'utf8'), runtimeDockerfile({ variant: 'python' }));
    assert.ok(built.image.env.PATH!.startsWith('/opt/modeldeck/venv/bin:'));
    const ep = built.image.entrypoint;
    assert.equal(ep[ep.indexOf('--deployments') + 1], KSERVE_ARTIFACT_DEPLOYMENTS);
    assert.ok(!ep.includes('--model-dir'));
    // Every RUN succeeded: the Python check (skipped install here), the venv + pip, the node/host check.
    assert.deepEqual(built.image.runs.map((r) => r.status), [0, 0, 0]);
    assert.match(built.image.runs[1]!.output, /Requirement already satisfied: scikit-learn/);
    for (const f of ['dist/server.js', 'dist/scriptWorker.js', 'dist/scripts/modeldeck_host.py', 'dist/onnxWorker.js']) {
      assert.ok(fs.existsSync(path.join(built.rootfs, 'opt/modeldeck', f)), `${f} is in the image`);
    }
    const runtime = clusterServingRuntime({ image: SCRIPT_IMAGE, variant: 'python' });
    assert.deepEqual(runtime.spec.supportedModelFormats, [{ name: 'modeldeck-artifact', version: '1', autoSelect: true, priority: 1 }]);
  });

  it('its ENTRYPOINT serves a script artifact from /mnt/models: the image\'s Python, the artifact\'s environment, the script\'s answers', async (t) => {
    // A workspace with the example predictor, which also prints what Hopsworks' variables say.
    const ws = path.join(scratch, 'ws');
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'models', 'iris-sklearn'), path.join(ws, 'models', 'iris-sklearn'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'examples', 'scripts'), path.join(ws, 'scripts'), { recursive: true });
    fs.appendFileSync(path.join(ws, 'scripts', 'iris_sklearn_predictor.py'), '\nprint(f"artifact {os.environ[\'ARTIFACT_VERSION\']} at {os.environ[\'ARTIFACT_FILES_PATH\']}, model files {os.environ[\'MODEL_FILES_PATH\']}")\n');
    const spec = parseDeployment({ name: 'iris-sklearn', model: { name: 'iris-sklearn', version: 'latest' }, modelServer: 'script', servingTool: 'kserve', predictor: { script: 'scripts/iris_sklearn_predictor.py', environment: '/usr/bin/python3' }, kserve: { storageUri: 's3://m/{model}/{version}/{artifact}' } });
    const info = await new ModelRegistry(path.join(ws, 'models')).getVersion('iris-sklearn', 1);
    const artifact = await buildArtifact(await collectArtifactInputs(spec, info, ws), ws);
    // The storage-initializer copies what storageUri points at into /mnt/models.
    const mnt = path.join(scratch, 'mnt-models');
    fs.cpSync(artifact.dir!, mnt, { recursive: true });
    const server = await startScriptRuntime(built, mnt);
    t.after(() => server.stop());
    const loaded = await server.waitForLog((l) => /predictor script iris_sklearn_predictor\.py loaded/.test(l.msg), 60_000);
    assert.match(loaded.msg, new RegExp(`on Python 3\\.\\d+\\.\\d+ \\(${path.join(built.rootfs, 'opt/modeldeck/venv/bin/python3').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\), chosen by PATH`));
    const env = await server.waitForLog((l) => l.msg.startsWith('artifact '));
    assert.equal(env.msg, `artifact 1 at ${mnt}, model files ${path.join(mnt, 'models', 'iris-sklearn', '1')}`);
    const body = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'examples', 'requests', 'iris-sklearn-v1.request.json'), 'utf8'));
    const res = await fetch(`${server.url}/v1/models/iris-sklearn:predict`, { method: 'POST', headers: { 'content-type': 'application/json', host: 'iris-sklearn.ml-team.example.com' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { predictions: [0, 1, 2] });
  });
});
