/**
 * pvc:// upload through the real Kubernetes client library against the fake API with claims
 * (test/support/fakePodExec.ts lists what the double covers: pod create/delete, the exec WebSocket
 * protocol with v5 stdin close; the command runs on this machine with the claim's mount path mapped to a
 * folder, not in busybox). The artifact arrives byte for byte in the claim's folder, the upload pod
 * is deleted afterwards, the overwrite rule holds, and a claim that does not exist says so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { artifactContents, artifactManifest, readManifest } from '../../src/core/artifacts/artifactPlan';
import { collectArtifactInputs } from '../../src/core/artifacts/artifactStore';
import { ARTIFACT_MANIFEST, ArtifactError } from '../../src/core/artifacts/artifactTypes';
import { uploadArtifact } from '../../src/core/artifacts/artifactUpload';
import { PvcStorage } from '../../src/core/artifacts/pvcStorage';
import { parseStorageTarget } from '../../src/core/artifacts/storageTarget';
import { KServeClient } from '../../src/core/kserve/kserveClient';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { REPO_ROOT } from '../support/serverProcess';

const NS = 'ml-team';
let scratch: string;
let volume: string;
let fake: FakeKubeApi;
let kc: KubeConfig;
let ws: string;
let info: ModelVersionInfo;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-pvc-'));
  volume = path.join(scratch, 'volume');
  fs.mkdirSync(volume);
  fake = await FakeKubeApi.start({ modelServerUrl: 'http://127.0.0.1:9', claims: { 'model-store': volume } });
  kc = KServeClient.connect({ source: { env: { KUBECONFIG: fake.writeKubeconfig(scratch, { namespace: NS }) } } }).kubeConfig;
  ws = path.join(scratch, 'ws');
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'models', 'iris-sklearn'), path.join(ws, 'models', 'iris-sklearn'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'scripts'), path.join(ws, 'scripts'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'scripts', 'requirements.txt'), 'scikit-learn\n');
  info = await new ModelRegistry(path.join(ws, 'models')).getVersion('iris-sklearn', 1);
});
after(async () => {
  await fake?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const spec = parseDeployment({ name: 'iris-sklearn', model: { name: 'iris-sklearn', version: 1 }, modelServer: 'script', servingTool: 'kserve', predictor: { script: 'scripts/iris_sklearn_predictor.py' } });
const URI = 'pvc://model-store/models/iris-sklearn/1/artifacts/1';

async function artifact() {
  const contents = artifactContents(await collectArtifactInputs(spec, info, ws));
  return { contents, manifest: artifactManifest(contents, 1) };
}
function storage(uri = URI, readyTimeoutMs?: number): PvcStorage {
  const t = parseStorageTarget(uri);
  assert.equal(t.scheme, 'pvc');
  return new PvcStorage(t as Extract<typeof t, { scheme: 'pvc' }>, { kc, namespace: NS, ...(readyTimeoutMs ? { readyTimeoutMs } : {}) });
}
const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const podRequests = () => fake.requests.filter((r) => r.path.startsWith(`/api/v1/namespaces/${NS}/pods`) && r.method !== 'GET');

describe('upload to pvc:// (a short-lived pod, tar over exec)', () => {
  it('the artifact lands in the claim byte for byte, manifest included; the pod is created once and deleted', async () => {
    const { contents, manifest } = await artifact();
    const st = storage();
    const done: string[] = [];
    const result = await uploadArtifact(st, contents.files, manifest, { onProgress: (p) => done.push(p.file) });
    await st.close();
    assert.equal(result.state, 'uploaded');
    const dir = path.join(volume, 'models/iris-sklearn/1/artifacts/1');
    const remote = readManifest(JSON.parse(fs.readFileSync(path.join(dir, ARTIFACT_MANIFEST), 'utf8')))!;
    assert.deepEqual(remote, manifest);
    for (const f of remote.files) assert.equal(sha(path.join(dir, f.path)), f.sha256, f.path);
    assert.equal(done.at(-1), ARTIFACT_MANIFEST);
    assert.deepEqual(podRequests().map((r) => r.method), ['POST', 'DELETE'], 'one pod, deleted on close');
  });

  it('the same contents again: nothing written; other contents refused without overwrite, replaced with it', async () => {
    const { contents, manifest } = await artifact();
    const st = storage();
    assert.equal((await uploadArtifact(st, contents.files, manifest)).state, 'same');
    fs.rmSync(path.join(ws, 'scripts', 'requirements.txt'));
    const changed = await artifact();
    await assert.rejects(uploadArtifact(st, changed.contents.files, changed.manifest), (err: unknown) => err instanceof ArtifactError && err.reason === 'differs');
    const result = await uploadArtifact(st, changed.contents.files, changed.manifest, { overwrite: true });
    await st.close();
    assert.deepEqual(result.removed, ['requirements.txt']);
    assert.ok(!fs.existsSync(path.join(volume, 'models/iris-sklearn/1/artifacts/1/requirements.txt')));
  });

  it('a claim that does not exist: the pod never starts, the error says why, the pod is removed', async () => {
    const { contents, manifest } = await artifact();
    const before = podRequests().length;
    const st = storage('pvc://no-such-claim/x', 1_000);
    await assert.rejects(uploadArtifact(st, contents.files, manifest), (err: unknown) => err instanceof ArtifactError && err.reason === 'storage' && /did not start \(0\/1 nodes are available: persistentvolumeclaim "no-such-claim" not found\.\)/.test(err.message));
    await st.close();
    assert.deepEqual(podRequests().slice(before).map((r) => r.method), ['POST', 'DELETE']);
  });
});
