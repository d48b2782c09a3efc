/**
 * The pieces of pvc:// upload that run without a cluster: the ustar stream `tar xf -` reads in the
 * pod (checked with the system's tar), the upload pod's manifest, shell quoting; and the plan text
 * the deployment form shows for a script deployment. The upload through the pod and exec is
 * test/server/pvcUpload.test.ts (against the fake API with claims).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { PVC_MOUNT, shellQuote, uploadPodManifest } from '../../src/core/artifacts/pvcStorage';
import { tarStream } from '../../src/core/artifacts/tarStream';
import { imageBuildCommands, runtimeInstallCommand, scriptDeploySummary } from '../../src/core/kserve/scriptDeployPlan';

describe('tar stream for pvc:// uploads', () => {
  it('the system tar extracts it: files, nested paths, long names, text and file sources, progress per entry', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-tar-'));
    try {
      const big = path.join(dir, 'big.bin');
      fs.writeFileSync(big, Buffer.alloc(70_000, 7));
      const long = `${'d'.repeat(90)}/${'n'.repeat(90)}.txt`;
      const entries = [
        { path: 'models/iris/1/model.bin', size: 70_000, source: { file: big } },
        { path: '.modeldeck/deployments/iris.json', size: 2, source: { text: '{}' } },
        { path: long, size: 5, source: { text: 'héllo'.slice(0, 4) + 'o' } },
      ];
      entries[2]!.size = Buffer.byteLength((entries[2]!.source as { text: string }).text);
      const done: string[] = [];
      const chunks: Buffer[] = [];
      for await (const c of tarStream(entries, (e) => done.push(e.path))) chunks.push(c as Buffer);
      const tarFile = path.join(dir, 'a.tar');
      fs.writeFileSync(tarFile, Buffer.concat(chunks));
      assert.equal(fs.statSync(tarFile).size % 512, 0);
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      const r = spawnSync('tar', ['xf', tarFile, '-C', out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.readFileSync(path.join(out, 'models/iris/1/model.bin')), fs.readFileSync(big));
      assert.equal(fs.readFileSync(path.join(out, '.modeldeck/deployments/iris.json'), 'utf8'), '{}');
      assert.equal(fs.readFileSync(path.join(out, long), 'utf8'), (entries[2]!.source as { text: string }).text);
      assert.deepEqual(done, entries.map((e) => e.path));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the upload pod mounts the claim, is bounded in time and never restarts; quoting survives quotes', () => {
    const pod = uploadPodManifest('model-store', 'ml-team');
    assert.equal(pod.spec?.restartPolicy, 'Never');
    assert.equal(pod.spec?.activeDeadlineSeconds, 1800);
    assert.deepEqual(pod.spec?.volumes, [{ name: 'store', persistentVolumeClaim: { claimName: 'model-store' } }]);
    assert.equal(pod.spec?.containers[0]?.volumeMounts?.[0]?.mountPath, PVC_MOUNT);
    assert.equal(pod.metadata?.namespace, 'ml-team');
    const r = spawnSync('sh', ['-c', `printf %s ${shellQuote("it's a \"path\" $HOME")}`], { encoding: 'utf8' });
    assert.equal(r.stdout, 'it\'s a "path" $HOME');
  });
});

describe('what Deploy to KServe will upload and build (the form\'s summary)', () => {
  const base = { name: 'iris-sklearn', model: { name: 'iris-sklearn', version: 'latest' }, modelServer: 'script', servingTool: 'kserve', predictor: { script: 'scripts/iris_sklearn_predictor.py' } };
  it('a script deployment: artifact, upload by scheme, image, runtime, logger', () => {
    const lines = scriptDeploySummary(parseDeployment({ ...base, inferenceLogger: { mode: 'all', sink: 'kafka://k:9092/t' }, kserve: { storageUri: 's3://models/{model}/{version}/{artifact}', image: 'r/iris:1', kafkaLogging: 'server', kafkaSecret: 'kafka' } }), { modelVersion: 1, artifactVersion: 2 });
    assert.deepEqual(lines.map((l) => l.label), ['Artifact', 'Upload', 'Image', 'Runtime', 'Logger']);
    assert.match(lines[0]!.text, /^artifact 2: iris-sklearn version 1's files, iris_sklearn_predictor\.py, requirements\.txt/);
    assert.match(lines[1]!.text, /AWS SDK/);
    assert.match(lines[2]!.text, /^r\/iris:1: ModelDeck's server with Python/);
    assert.match(lines[4]!.text, /server in the pod writes to kafka:\/\/k:9092\/t \(credentials from Secret kafka\)/);
    assert.match(scriptDeploySummary(parseDeployment({ ...base, kserve: { storageUri: 'pvc://store/a/{artifact}' } }))[1]!.text, /short-lived pod/);
    assert.match(scriptDeploySummary(parseDeployment({ ...base, kserve: { storageUri: 'gs://b/a' } }))[1]!.text, /you copy it/);
    assert.match(scriptDeploySummary(parseDeployment({ ...base, kserve: {} }))[1]!.text, /set kserve\.storageUri/);
    assert.match(scriptDeploySummary(parseDeployment({ ...base, kserve: {} }))[2]!.text, /modeldeck-scripts runtime's image/);
  });
  it('an ONNX deployment without scripts: nothing extra', () => {
    assert.deepEqual(scriptDeploySummary(parseDeployment({ name: 'iris', model: { name: 'iris' }, servingTool: 'kserve', kserve: { storageUri: 's3://b/x' } })), []);
  });
  it('docker and kubectl commands quote a context folder with spaces', () => {
    assert.deepEqual(imageBuildCommands('/w/my ws/.modeldeck/kserve-build/x', 'r/x:1'), ['docker build --platform linux/amd64 -t r/x:1 "/w/my ws/.modeldeck/kserve-build/x"', 'docker push r/x:1']);
    assert.equal(runtimeInstallCommand('/w/c'), 'kubectl apply -f /w/c/cluster-serving-runtime.yaml');
  });
});
