/**
 * The artifact builder: contents (workspace-shaped for script deployments, the version folder for
 * MODEL-ONLY), sha256 hashes checked against the files, Hopsworks-like numbering (same contents →
 * same version, else the next), and no silent overwrite of a differing artifact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { artifactContents, chooseArtifactVersion, contentHash, readManifest } from '../../src/core/artifacts/artifactPlan';
import { buildArtifact, collectArtifactInputs, listArtifacts, verifyArtifactFolder } from '../../src/core/artifacts/artifactStore';
import { ARTIFACT_MANIFEST, ArtifactError } from '../../src/core/artifacts/artifactTypes';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { REPO_ROOT } from '../support/serverProcess';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
let ws: string;
let sklearn1: ModelVersionInfo;
let iris2: ModelVersionInfo;

before(async () => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-artifacts-'));
  fs.cpSync(path.join(EXAMPLES, 'models', 'iris-sklearn'), path.join(ws, 'models', 'iris-sklearn'), { recursive: true });
  fs.cpSync(path.join(EXAMPLES, 'models', 'iris', '2'), path.join(ws, 'models', 'iris', '2'), { recursive: true });
  fs.cpSync(path.join(EXAMPLES, 'scripts'), path.join(ws, 'scripts'), { recursive: true });
  const registry = new ModelRegistry(path.join(ws, 'models'));
  sklearn1 = await registry.getVersion('iris-sklearn', 1);
  iris2 = await registry.getVersion('iris', 2);
});
after(() => fs.rmSync(ws, { recursive: true, force: true }));

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function scriptSpec(extra: Record<string, unknown> = {}) {
  return parseDeployment({
    name: 'iris-sklearn',
    model: { name: 'iris-sklearn', version: 'latest' },
    modelServer: 'script',
    servingTool: 'kserve',
    predictor: { script: 'scripts/iris_sklearn_predictor.py', environment: '/usr/bin/python3' },
    inferenceLogger: { mode: 'all', sink: 'https://collector.example.com/e' },
    kserve: { storageUri: 's3://b/{model}/{version}/{artifact}' },
    ...extra,
  });
}

describe('artifact contents', () => {
  it('a script deployment: a small workspace with the model version, the script at the root, requirements.txt, the deployment and hashes', async () => {
    fs.writeFileSync(path.join(ws, 'scripts', 'requirements.txt'), 'scikit-learn==1.2.1\r\njoblib\r\n');
    const inputs = await collectArtifactInputs(scriptSpec(), sklearn1, ws);
    const contents = artifactContents(inputs);
    assert.deepEqual(contents.files.map((f) => [f.path, f.role]), [
      ['.modeldeck/deployments/iris-sklearn.json', 'deployment'],
      ['iris_sklearn_predictor.py', 'predictor'],
      ['models/iris-sklearn/1/labels.txt', 'model'],
      ['models/iris-sklearn/1/model.json', 'model'],
      ['models/iris-sklearn/1/model.pkl', 'model'],
      ['requirements.txt', 'requirements'],
    ]);
    assert.equal(contents.requirements, 'beside-script');
    assert.equal(contents.python, true);
    const pkl = contents.files.find((f) => f.path.endsWith('model.pkl'))!;
    assert.equal(pkl.sha256, sha(path.join(sklearn1.dir, 'model.pkl')));
    const req = contents.files.find((f) => f.role === 'requirements')!;
    assert.deepEqual(req.source, { text: 'scikit-learn==1.2.1\njoblib\n' }, 'CRLF normalised: the same requirements hash the same everywhere');
    const dep = JSON.parse((contents.files.find((f) => f.role === 'deployment')!.source as { text: string }).text);
    // Pinned version, script at the artifact root, no interpreter of this machine, logging left to the cluster.
    assert.deepEqual(dep.model, { name: 'iris-sklearn', version: 1 });
    assert.deepEqual(dep.predictor, { script: 'iris_sklearn_predictor.py' });
    assert.equal(dep.servingTool, 'local');
    assert.deepEqual(dep.inferenceLogger, { mode: 'none' });
    assert.doesNotThrow(() => parseDeployment(dep), 'the artifact deployment is a valid deployment file');
    assert.equal(contents.contentSha256, contentHash(contents.files));
    fs.rmSync(path.join(ws, 'scripts', 'requirements.txt'));
  });

  it('requirements from the environment when none lies beside the script; none at all is recorded as none', async () => {
    const fromEnv = await collectArtifactInputs(scriptSpec(), sklearn1, ws, { fromEnvironment: async () => 'numpy==1.24.2\n' });
    assert.equal(artifactContents(fromEnv).requirements, 'environment');
    const none = await collectArtifactInputs(scriptSpec(), sklearn1, ws, { fromEnvironment: async () => undefined });
    assert.equal(artifactContents(none).requirements, 'none');
    assert.ok(!artifactContents(none).files.some((f) => f.role === 'requirements'));
  });

  it('a Kafka logger written by the server itself stays in the artifact deployment', async () => {
    const spec = scriptSpec({ inferenceLogger: { mode: 'all', sink: 'kafka://kafka:9092/inference' } });
    const contents = artifactContents(await collectArtifactInputs(spec, sklearn1, ws, { keepKafkaLogger: true }));
    const dep = JSON.parse((contents.files.find((f) => f.role === 'deployment')!.source as { text: string }).text);
    assert.deepEqual(dep.inferenceLogger, { mode: 'all', sink: 'kafka://kafka:9092/inference' });
  });

  it('an ONNX deployment without scripts is MODEL-ONLY: the version folder files at the root', async () => {
    const spec = parseDeployment({ name: 'iris', model: { name: 'iris', version: 2 }, servingTool: 'kserve', kserve: { storageUri: 's3://b/iris/2' } });
    const contents = artifactContents(await collectArtifactInputs(spec, iris2, ws));
    assert.deepEqual(contents.files.map((f) => f.path), ['labels.txt', 'model.json', 'model.onnx']);
    assert.equal(chooseArtifactVersion(contents, []).version, 'MODEL-ONLY');
    assert.throws(() => chooseArtifactVersion(contents, [], { want: 2 }), /only MODEL-ONLY/);
    const built = await buildArtifact(await collectArtifactInputs(spec, iris2, ws), ws);
    assert.equal(built.version, 'MODEL-ONLY');
    assert.equal(built.dir, undefined, 'nothing is copied: the registry version is the artifact');
  });

  it('refuses two scripts with one file name, and a script named like a reserved entry', async () => {
    fs.mkdirSync(path.join(ws, 'other'), { recursive: true });
    fs.copyFileSync(path.join(ws, 'scripts', 'iris_transformer.py'), path.join(ws, 'other', 'iris_sklearn_predictor.py'));
    const spec = scriptSpec({ transformer: { script: 'other/iris_sklearn_predictor.py' } });
    await assert.rejects(async () => artifactContents(await collectArtifactInputs(spec, sklearn1, ws)), (err: unknown) => err instanceof ArtifactError && err.reason === 'invalid' && /need different names/.test(err.message));
  });
});

describe('artifact versions', () => {
  it('numbers like Hopsworks: 1 first, the same contents keep their number, a change gets the next; the files match the manifest', async () => {
    const first = await buildArtifact(await collectArtifactInputs(scriptSpec(), sklearn1, ws), ws);
    assert.equal(first.version, 1);
    assert.equal(first.reused, false);
    assert.ok(first.dir?.endsWith(path.join('.modeldeck', 'artifacts', 'iris-sklearn', '1', '1')));
    assert.deepEqual(await verifyArtifactFolder(first.dir!), []);
    const manifest = readManifest(JSON.parse(fs.readFileSync(path.join(first.dir!, ARTIFACT_MANIFEST), 'utf8')))!;
    assert.equal(manifest.artifactVersion, 1);
    assert.equal(manifest.predictor, 'iris_sklearn_predictor.py');
    assert.equal(manifest.deploymentFile, '.modeldeck/deployments/iris-sklearn.json');
    for (const f of manifest.files) assert.equal(f.sha256, sha(path.join(first.dir!, f.path)), f.path);

    const again = await buildArtifact(await collectArtifactInputs(scriptSpec(), sklearn1, ws), ws);
    assert.deepEqual([again.version, again.reused], [1, true]);

    const script = path.join(ws, 'scripts', 'iris_sklearn_predictor.py');
    fs.appendFileSync(script, '\n# changed\n');
    const changed = await buildArtifact(await collectArtifactInputs(scriptSpec(), sklearn1, ws), ws);
    assert.deepEqual([changed.version, changed.reused], [2, false]);
    assert.deepEqual((await listArtifacts(path.dirname(changed.dir!))).map((a) => a.version).sort(), [1, 2]);
  });

  it('never overwrites a differing artifact without the explicit flag; with it, replaces it', async () => {
    const script = path.join(ws, 'scripts', 'iris_sklearn_predictor.py');
    fs.appendFileSync(script, '\n# changed again\n');
    const inputs = await collectArtifactInputs(scriptSpec(), sklearn1, ws);
    const dir1 = path.join(ws, '.modeldeck', 'artifacts', 'iris-sklearn', '1', '1');
    const before = fs.readFileSync(path.join(dir1, ARTIFACT_MANIFEST), 'utf8');
    await assert.rejects(buildArtifact(inputs, ws, { want: 1 }), (err: unknown) => err instanceof ArtifactError && err.reason === 'differs' && /not replaced without asking/.test(err.message));
    assert.equal(fs.readFileSync(path.join(dir1, ARTIFACT_MANIFEST), 'utf8'), before, 'artifact 1 untouched');
    const replaced = await buildArtifact(inputs, ws, { want: 1, overwrite: true });
    assert.deepEqual([replaced.version, replaced.reused], [1, false]);
    assert.notEqual(fs.readFileSync(path.join(dir1, ARTIFACT_MANIFEST), 'utf8'), before);
    assert.deepEqual(await verifyArtifactFolder(dir1), []);
    assert.ok(!fs.readdirSync(path.dirname(dir1)).some((n) => n.includes('.partial-')), 'no staging folder left');
  });

  it('chooseArtifactVersion: a free asked-for number is taken, an equal one reused, numbers are whole from 1', () => {
    const c = { contentSha256: 'a'.repeat(64), deploymentFile: '.modeldeck/deployments/x.json' };
    assert.deepEqual(chooseArtifactVersion(c, [{ version: 1, contentSha256: 'b'.repeat(64) }], { want: 5 }), { version: 5, reuse: false });
    assert.deepEqual(chooseArtifactVersion(c, [{ version: 3, contentSha256: 'a'.repeat(64) }], { want: 3 }), { version: 3, reuse: true });
    assert.throws(() => chooseArtifactVersion(c, [], { want: 0 }), /whole numbers from 1/);
    assert.deepEqual(chooseArtifactVersion(c, [{ version: 'MODEL-ONLY', contentSha256: 'c' }, { version: 4, contentSha256: 'd' }]), { version: 5, reuse: false });
  });
});
