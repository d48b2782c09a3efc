/**
 * A script deployment on KServe end to end without a cluster: its artifact is built and uploaded to
 * s3:// (s3rver on 127.0.0.1, through the AWS SDK), the InferenceService is applied with the real
 * client library to the fake Kubernetes API, the pod's storage-initializer step copies the
 * storageUri's objects into a folder standing in for /mnt/models, and ModelDeck starts there the way
 * the script runtime image starts it (its ENTRYPOINT, emulated build with Python and
 * requirements.txt). The fake turns the service Ready when that server serves the deployment, its
 * ingress routes the service's Host to it, and the predict panel's client gets the script's answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { buildArtifact, collectArtifactInputs } from '../../src/core/artifacts/artifactStore';
import type { BuiltArtifact } from '../../src/core/artifacts/artifactStore';
import { uploadArtifact } from '../../src/core/artifacts/artifactUpload';
import { S3Storage } from '../../src/core/artifacts/s3Storage';
import { parseStorageTarget } from '../../src/core/artifacts/storageTarget';
import { MODELDECK_SCRIPT_RUNTIME, buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeClient } from '../../src/core/kserve/kserveClient';
import type { InferenceServiceManifest } from '../../src/core/kserve/kserveTypes';
import { remoteEndpoint } from '../../src/core/kserve/remoteEndpoint';
import { InferenceClient } from '../../src/core/predict/inferenceClient';
import type { PredictEndpoint } from '../../src/core/predict/inferenceClient';
import { parseRequestText } from '../../src/core/predict/requestModel';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { startPodServerShim } from '../support/podServerShim';
import type { PodServerShim } from '../support/podServerShim';
import { downloadPrefix, S3RVER_CREDENTIALS, startS3 } from '../support/s3Server';
import type { TestS3 } from '../support/s3Server';
import { buildScriptRuntimeImage, SCRIPT_IMAGE, startScriptRuntime } from '../support/scriptRuntimeImage';
import { REPO_ROOT } from '../support/serverProcess';
import type { ServerProcess } from '../support/serverProcess';

const NS = 'ml-team';
const NAME = 'iris-sklearn';
const PROTO = path.join(REPO_ROOT, 'server/protocols/grpc/proto/open_inference_grpc.proto');

let scratch: string;
let s3: TestS3;
let artifact: BuiltArtifact;
let manifest: InferenceServiceManifest;
let pod: ServerProcess;
let shim: PodServerShim;
let fake: FakeKubeApi;
let kube: KServeClient;
let mnt: string;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-kserve-scripts-'));
  s3 = await startS3(['models']);
  const ws = path.join(scratch, 'ws');
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'models', 'iris-sklearn'), path.join(ws, 'models', 'iris-sklearn'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'scripts'), path.join(ws, 'scripts'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'scripts', 'requirements.txt'), 'scikit-learn\njoblib\nnumpy\n');
  const spec = parseDeployment({
    name: NAME,
    model: { name: 'iris-sklearn', version: 'latest' },
    modelServer: 'script',
    servingTool: 'kserve',
    predictor: { script: 'scripts/iris_sklearn_predictor.py' },
    kserve: { namespace: NS, storageUri: 's3://models/{model}/{version}/artifacts/{artifact}', image: SCRIPT_IMAGE },
  });
  const info = await new ModelRegistry(path.join(ws, 'models')).getVersion('iris-sklearn', 1);
  artifact = await buildArtifact(await collectArtifactInputs(spec, info, ws), ws);
  manifest = buildInferenceService(spec, { modelVersion: info, artifact: { version: artifact.version, contentSha256: artifact.manifest.contentSha256 } });
  // Upload, then what the pod does: storage-initializer, then the image's ENTRYPOINT.
  const target = parseStorageTarget(manifest.spec.predictor.model.storageUri);
  assert.equal(target.scheme, 's3');
  const storage = new S3Storage(target as Extract<typeof target, { scheme: 's3' }>, { endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, env: {} });
  await uploadArtifact(storage, artifact.contents.files, artifact.manifest);
  await storage.close();
  const built = await buildScriptRuntimeImage(path.join(scratch, 'image'), fs.readFileSync(path.join(artifact.dir!, 'requirements.txt'), 'utf8'));
  mnt = path.join(scratch, 'mnt-models');
  await downloadPrefix(s3.client, (target as { bucket: string }).bucket, target.prefix, mnt);
  pod = await startScriptRuntime(built, mnt);
  shim = await startPodServerShim(pod.url);
  fake = await FakeKubeApi.start({ modelServerUrl: shim.url });
  kube = KServeClient.connect({ source: { env: { KUBECONFIG: fake.writeKubeconfig(scratch, { namespace: NS }) } } });
});

after(async () => {
  await fake?.close();
  await shim?.close();
  await pod?.stop();
  await s3?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('a script deployment on (fake) KServe', () => {
  it('the artifact at the storage URI is what the pod serves; the InferenceService names the script runtime and the artifact', () => {
    assert.equal(manifest.spec.predictor.model.storageUri, 's3://models/iris-sklearn/1/artifacts/1');
    assert.equal(manifest.spec.predictor.model.runtime, MODELDECK_SCRIPT_RUNTIME);
    assert.equal(manifest.spec.predictor.model.image, SCRIPT_IMAGE);
    assert.equal(manifest.metadata.annotations?.['modeldeck.dev/artifact-version'], '1');
    assert.ok(fs.existsSync(path.join(mnt, '.modeldeck', 'deployments', `${NAME}.json`)));
    assert.ok(pod.logs.some((l) => /predictor script iris_sklearn_predictor\.py loaded: class Predictor on Python/.test(l.msg)));
  });

  it('turns Ready, and the predict panel\'s client gets the script\'s answer through the ingress', async () => {
    await kube.apply(manifest);
    const result = await kube.waitUntilReady(NAME, { timeoutMs: 40_000 });
    assert.equal(result.ready, true, JSON.stringify(result));
    const status = await kube.status(NAME);
    const e = remoteEndpoint(status.url, { ingressUrl: fake.ingressUrl });
    const endpoint: PredictEndpoint = { httpUrl: e.httpUrl, model: NAME, headers: e.headers };
    const client = new InferenceClient(PROTO);
    try {
      const meta = await client.metadata(endpoint);
      assert.equal(meta.name, NAME);
      const req = parseRequestText(fs.readFileSync(path.join(REPO_ROOT, 'examples', 'requests', 'iris-sklearn-v1.request.json'), 'utf8'));
      assert.ok(req.ok);
      const outcome = await client.send(endpoint, req.request, 'rest-json', meta);
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.deepEqual(outcome.predictions, [0, 1, 2], 'setosa, versicolor, virginica: the predictor\'s answer');
      assert.equal(outcome.modelName, NAME);
    } finally {
      client.dispose();
    }
    assert.ok(pod.logs.some((l) => /predicting 3 rows/.test(l.msg)), 'the script ran in the pod\'s server');
  });
});
