/**
 * Artifact upload to s3:// through the real AWS SDK v3 client, on the wire, against s3rver on
 * 127.0.0.1 (test/support/s3Server.ts lists what s3rver does not cover): every file arrives with the
 * manifest's hash, the manifest last; the same contents are not sent again; other contents are
 * refused without the explicit overwrite, and replaced (stale files deleted) with it; storage
 * errors name their cause.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { artifactContents, artifactManifest, readManifest } from '../../src/core/artifacts/artifactPlan';
import { collectArtifactInputs } from '../../src/core/artifacts/artifactStore';
import { ARTIFACT_MANIFEST, ArtifactError } from '../../src/core/artifacts/artifactTypes';
import { uploadArtifact } from '../../src/core/artifacts/artifactUpload';
import type { UploadProgress } from '../../src/core/artifacts/artifactUpload';
import { S3Storage } from '../../src/core/artifacts/s3Storage';
import { parseStorageTarget } from '../../src/core/artifacts/storageTarget';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { downloadPrefix, S3RVER_CREDENTIALS, startS3 } from '../support/s3Server';
import type { TestS3 } from '../support/s3Server';
import { REPO_ROOT } from '../support/serverProcess';

let s3: TestS3;
let ws: string;
let info: ModelVersionInfo;

before(async () => {
  s3 = await startS3(['models']);
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-upload-'));
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'models', 'iris-sklearn'), path.join(ws, 'models', 'iris-sklearn'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'examples', 'scripts'), path.join(ws, 'scripts'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'scripts', 'requirements.txt'), 'scikit-learn\njoblib\n');
  info = await new ModelRegistry(path.join(ws, 'models')).getVersion('iris-sklearn', 1);
});
after(async () => {
  await s3?.close();
  fs.rmSync(ws, { recursive: true, force: true });
});

const spec = parseDeployment({ name: 'iris-sklearn', model: { name: 'iris-sklearn', version: 1 }, modelServer: 'script', servingTool: 'kserve', predictor: { script: 'scripts/iris_sklearn_predictor.py' } });

async function artifact(version: number) {
  const contents = artifactContents(await collectArtifactInputs(spec, info, ws));
  return { contents, manifest: artifactManifest(contents, version) };
}

function storage(uri: string, credentials = S3RVER_CREDENTIALS): S3Storage {
  const target = parseStorageTarget(uri);
  assert.equal(target.scheme, 's3');
  return new S3Storage(target as Extract<typeof target, { scheme: 's3' }>, { endpoint: s3.endpoint, credentials, env: {} });
}

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('upload to s3:// (AWS SDK v3 against s3rver)', () => {
  it('uploads every file with its hash and the manifest; progress counts to the total; the storage-initializer gets a servable folder', async () => {
    const { contents, manifest } = await artifact(1);
    const st = storage('s3://models/iris-sklearn/1/artifacts/1');
    const progress: UploadProgress[] = [];
    const result = await uploadArtifact(st, contents.files, manifest, { onProgress: (p) => progress.push(p) });
    await st.close();
    assert.equal(result.state, 'uploaded');
    assert.equal(result.files, contents.files.length);
    assert.deepEqual(progress.map((p) => p.filesDone), contents.files.map((_, i) => i + 1).concat(contents.files.length + 1));
    assert.equal(progress.at(-1)!.file, ARTIFACT_MANIFEST, 'the manifest goes last');
    assert.equal(progress.at(-1)!.bytesDone, progress.at(-1)!.bytesTotal);
    const dest = fs.mkdtempSync(path.join(ws, 'mnt-'));
    const keys = await downloadPrefix(s3.client, 'models', 'iris-sklearn/1/artifacts/1', dest);
    assert.deepEqual(keys, [...contents.files.map((f) => f.path), ARTIFACT_MANIFEST].sort());
    const remote = readManifest(JSON.parse(fs.readFileSync(path.join(dest, ARTIFACT_MANIFEST), 'utf8')))!;
    assert.deepEqual(remote, manifest);
    for (const f of remote.files) assert.equal(sha(path.join(dest, f.path)), f.sha256, f.path);
  });

  it('the same contents again: nothing is sent', async () => {
    const { contents, manifest } = await artifact(1);
    const st = storage('s3://models/iris-sklearn/1/artifacts/1');
    let calls = 0;
    const result = await uploadArtifact(st, contents.files, manifest, { onProgress: () => calls++ });
    await st.close();
    assert.equal(result.state, 'same');
    assert.equal(calls, 0);
  });

  it('other contents at the same URI: refused without overwrite (nothing changes there); replaced with it, stale files deleted', async () => {
    fs.rmSync(path.join(ws, 'scripts', 'requirements.txt'));
    fs.appendFileSync(path.join(ws, 'scripts', 'iris_sklearn_predictor.py'), '\n# v2\n');
    const { contents, manifest } = await artifact(1);
    const uri = 's3://models/iris-sklearn/1/artifacts/1';
    const st = storage(uri);
    await assert.rejects(uploadArtifact(st, contents.files, manifest), (err: unknown) => err instanceof ArtifactError && err.reason === 'differs' && /holds artifact 1 of iris-sklearn 1 with other contents \(changed: .*iris_sklearn_predictor\.py.*only there: requirements\.txt\)/.test(err.message));
    const before = fs.mkdtempSync(path.join(ws, 'mnt-'));
    await downloadPrefix(s3.client, 'models', 'iris-sklearn/1/artifacts/1', before);
    assert.ok(fs.existsSync(path.join(before, 'requirements.txt')), 'untouched');
    const result = await uploadArtifact(st, contents.files, manifest, { overwrite: true });
    await st.close();
    assert.equal(result.state, 'uploaded');
    assert.deepEqual(result.removed, ['requirements.txt']);
    const after = fs.mkdtempSync(path.join(ws, 'mnt-'));
    const keys = await downloadPrefix(s3.client, 'models', 'iris-sklearn/1/artifacts/1', after);
    assert.ok(!keys.includes('requirements.txt'));
    assert.equal(readManifest(JSON.parse(fs.readFileSync(path.join(after, ARTIFACT_MANIFEST), 'utf8')))!.contentSha256, manifest.contentSha256);
  });

  it('files that are not a ModelDeck artifact at the URI are not overwritten without asking', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: 'models', Key: 'hand/model.onnx', Body: 'not ours' }));
    const { contents, manifest } = await artifact(1);
    const st = storage('s3://models/hand');
    await assert.rejects(uploadArtifact(st, contents.files, manifest), /holds files that are not a ModelDeck artifact: model\.onnx/);
    await st.close();
  });

  it('storage errors say why: a missing bucket, refused credentials', async () => {
    const { contents, manifest } = await artifact(1);
    const missing = storage('s3://no-such-bucket/x');
    await assert.rejects(uploadArtifact(missing, contents.files, manifest), (err: unknown) => err instanceof ArtifactError && err.reason === 'storage' && /NoSuchBucket.*the bucket does not exist/.test(err.message));
    await missing.close();
    // s3rver does not check SigV4 signatures (a wrong secret passes); it refuses unknown key ids.
    const wrong = storage('s3://models/x', { accessKeyId: 'NOBODY', secretAccessKey: 'wrong' });
    await assert.rejects(uploadArtifact(wrong, contents.files, manifest), (err: unknown) => err instanceof ArtifactError && err.reason === 'storage' && /credentials were refused/.test(err.message));
    await wrong.close();
  });

  it('storage URIs: s3, gs and pvc are targets; others are refused with what to do', () => {
    assert.deepEqual(parseStorageTarget('s3://b/models/iris/2/'), { scheme: 's3', bucket: 'b', prefix: 'models/iris/2', uri: 's3://b/models/iris/2/' });
    assert.deepEqual(parseStorageTarget('pvc://model-store/models/iris'), { scheme: 'pvc', claim: 'model-store', prefix: 'models/iris', uri: 'pvc://model-store/models/iris' });
    assert.throws(() => parseStorageTarget('https://example.com/m.onnx'), (err: unknown) => err instanceof ArtifactError && err.reason === 'unsupported' && /copy the files to a https:\/\/ location yourself/.test(err.message));
    assert.throws(() => parseStorageTarget('s3://b/../x'), /".." is not allowed/);
  });
});
