/**
 * KServe end to end without a cluster: the real @kubernetes/client-node (through KServeClient)
 * talks HTTP to the fake Kubernetes API (test/support/fakeKubeApi.ts), whose simulated controller
 * loads models into a real ModelDeck server, so status.url serves real predictions. Each test
 * fails when the feature it names breaks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { formatDiagnosis } from '../../src/core/kserve/diagnosis';
import { buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeClient } from '../../src/core/kserve/kserveClient';
import type { WaitProgress } from '../../src/core/kserve/kserveClient';
import { KServeError } from '../../src/core/kserve/kserveErrors';
import type { InferenceServiceManifest } from '../../src/core/kserve/kserveTypes';
import { formatManifestDiff } from '../../src/core/kserve/manifestDiff';
import type { PodLogLine } from '../../src/core/kserve/podLogs';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';
import { startServerProcess } from '../support/serverProcess';
import type { ServerProcess } from '../support/serverProcess';

const NS = 'ml-team';

let registry: string;
let server: ServerProcess;
let fake: FakeKubeApi;
let scratch: string;
let client: KServeClient;
let iris2: ModelVersionInfo;

before(async () => {
  registry = await tempRegistry([
    { from: EXAMPLE_REGISTRY, name: 'iris' },
    { from: FIXTURE_MODELS, name: 'broken' },
  ]);
  // --any-host: requests arrive with the service's Host header (iris.ml-team.example.com), as they
  // do in the cluster, where the runtime binds 0.0.0.0 and so accepts any Host.
  server = await startServerProcess(['--registry', registry, '--model-control', 'explicit', '--any-host']);
  fake = await FakeKubeApi.start({ modelServerUrl: server.url });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-kserve-'));
  client = KServeClient.connect({ source: { env: { KUBECONFIG: fake.writeKubeconfig(scratch, { namespace: NS }) } } });
  iris2 = await new ModelRegistry(registry).getVersion('iris', 2);
});

after(async () => {
  await fake?.close();
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(registry, { recursive: true, force: true });
});

/** The manifest ModelDeck builds for an iris deployment named `name`, with `patch` on the deployment. */
function manifestFor(name: string, patch: Record<string, unknown> = {}, modelVersion: ModelVersionInfo | undefined = iris2): InferenceServiceManifest {
  const spec = parseDeployment({
    name,
    model: { name: 'iris', version: 2 },
    servingTool: 'kserve',
    kserve: { namespace: NS, storageUri: 's3://models/{model}/{version}' },
    ...patch,
  });
  return buildInferenceService(spec, modelVersion ? { modelVersion } : {});
}

async function deploy(manifest: InferenceServiceManifest): Promise<void> {
  await client.apply(manifest);
  const result = await client.waitUntilReady(manifest.metadata.name, { timeoutMs: 20_000 });
  assert.equal(result.ready, true, JSON.stringify(result));
}

/** POST through the ingress gateway with status.url's host in the Host header (a cluster without DNS). */
function postViaIngress(statusUrl: string, urlPath: string, body: unknown): Promise<{ status: number; body: any }> {
  const target = new URL(fake.ingressUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: urlPath, method: 'POST', headers: { Host: new URL(statusUrl).host, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON (the gateway's own 404/503)
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Waits (bounded) until `check` holds; for effects the fake applies asynchronously. */
async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// One story, in order: each step builds on the service the previous one left.
describe('KServe: apply, watch, status and predict', () => {
  it('applies server-side with field manager "modeldeck", recorded in managedFields', async () => {
    const before = fake.requests.length;
    const applied = await client.apply(manifestFor('iris-a'));
    const patch = fake.requests.slice(before).find((r) => r.method === 'PATCH');
    assert.ok(patch, 'a PATCH was sent');
    assert.equal(patch.path, `/apis/serving.kserve.io/v1beta1/namespaces/${NS}/inferenceservices/iris-a`);
    assert.equal(patch.contentType, 'application/apply-patch+yaml');
    assert.equal(patch.query.fieldManager, 'modeldeck');
    assert.equal(patch.query.fieldValidation, 'Strict');
    const entry = applied.metadata.managedFields?.find((m) => m.manager === 'modeldeck');
    assert.equal(entry?.operation, 'Apply');
    const fields = entry?.fieldsV1 as Record<string, any>;
    assert.ok(fields['f:spec']['f:predictor']['f:model']['f:storageUri'], 'storageUri is owned by modeldeck');
    assert.ok(fields['f:metadata']['f:annotations']['f:modeldeck.dev/model']);
    assert.equal(applied.metadata.generation, 1);
    assert.deepEqual((await client.get('iris-a'))?.spec, JSON.parse(JSON.stringify(manifestFor('iris-a').spec)));
  });

  it('watches (does not poll) until Ready, reporting progress, and the status has the URL, traffic and replicas', async () => {
    const progress: WaitProgress[] = [];
    const before = fake.requests.length;
    const result = await client.waitUntilReady('iris-a', { onProgress: (p) => progress.push(p), timeoutMs: 20_000 });
    assert.equal(result.ready, true);
    assert.ok(progress.length >= 2, `progress: ${JSON.stringify(progress)}`);
    assert.equal(progress[0]!.verdict.kind, 'waiting');
    assert.match((progress[0]!.verdict as { reason: string }).reason, /RevisionMissing|PodInitializing|not reconciled/);
    assert.equal(progress.at(-1)!.verdict.kind, 'ready');
    const during = fake.requests.slice(before);
    assert.ok(during.some((r) => r.query.watch === 'true' && r.path.endsWith('/inferenceservices')), 'the InferenceService is watched');
    assert.ok(during.some((r) => r.query.watch === 'true' && r.path.endsWith('/pods')), 'its pods are watched');
    assert.ok(during.filter((r) => r.query.watch !== 'true').length <= 2, `one list of each, no polling: ${JSON.stringify(during)}`);

    const status = await client.status('iris-a');
    assert.equal(status.state, 'Ready');
    assert.equal(status.url, `http://iris-a.${NS}.example.com`);
    assert.equal(status.internalUrl, `http://iris-a-predictor.${NS}.svc.cluster.local`);
    assert.deepEqual(status.traffic, [{ revision: 'iris-a-predictor-00001', percent: 100, latest: true }]);
    assert.deepEqual(status.replicas, { ready: 1, total: 1, min: 1, max: 1 });
    assert.equal(status.model, 'iris');
    assert.equal(status.version, '2');
    assert.equal(status.modelState, 'Loaded');
    const rows = await client.listSummaries();
    assert.deepEqual(rows.map((r) => [r.name, r.state]), [['iris-a', 'Ready']]);
  });

  it('serves a real V2 prediction at status.url (through the ingress, with the Host header)', async () => {
    const status = await client.status('iris-a');
    const viaCluster = await postViaIngress(status.url!, '/v2/models/iris-a/infer', iris2.metadata.input_example);
    assert.equal(viaCluster.status, 200, JSON.stringify(viaCluster.body));
    assert.equal(viaCluster.body.model_name, 'iris-a');
    assert.equal(viaCluster.body.model_version, '2');
    // The same answer the ModelDeck server gives directly: the request really ran the model.
    const direct = await (await fetch(`${server.url}/v2/models/iris-a/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(iris2.metadata.input_example) })).json() as { outputs: unknown };
    assert.deepEqual(viaCluster.body.outputs, direct.outputs);
    const v1 = await postViaIngress(status.url!, '/v1/models/iris-a:predict', { instances: [[5.1, 3.5, 1.4, 0.2]] });
    assert.equal(v1.status, 200);
    assert.equal(v1.body.predictions.length, 1);
    const unknownHost = await postViaIngress('http://nothing.ml-team.example.com', '/v2/models/iris-a/infer', {});
    assert.equal(unknownHost.status, 404, 'the gateway routes by Host');
  });

  it('an update shows exactly the managed fields that change, then rolls out a new revision', async () => {
    const updated = manifestFor('iris-a', { resources: { minReplicas: 1, maxReplicas: 3, cpu: '500m' }, batcher: { enabled: true, maxBatchSize: 8 }, model: { name: 'iris', version: 1 } }, await new ModelRegistry(registry).getVersion('iris', 1));
    // Another tool's field (not ours): never part of our diff.
    fake.editAs('kubectl-annotate', NS, 'iris-a', (o) => (o.metadata.annotations.owner = 'data-team'));
    const changes = await client.diff(updated);
    const text = formatManifestDiff(changes);
    assert.deepEqual(
      changes.map((c) => `${c.kind} ${c.path}`),
      [
        'changed metadata.annotations["modeldeck.dev/version"]',
        'changed metadata.annotations["modeldeck.dev/version-selector"]',
        'changed metadata.labels["modeldeck.dev/version"]',
        'added spec.predictor.batcher.maxBatchSize',
        'added spec.predictor.batcher.maxLatency',
        'changed spec.predictor.maxReplicas',
        'added spec.predictor.model.resources.limits.cpu',
        'added spec.predictor.model.resources.requests.cpu',
        'changed spec.predictor.model.storageUri',
      ],
      text,
    );
    assert.match(text, /~ spec\.predictor\.maxReplicas: 1 → 3/);
    assert.match(text, /~ spec\.predictor\.model\.storageUri: "s3:\/\/models\/iris\/2" → "s3:\/\/models\/iris\/1"/);
    assert.doesNotMatch(text, /owner/);

    await client.apply(updated);
    const result = await client.waitUntilReady('iris-a', { timeoutMs: 20_000 });
    assert.equal(result.ready, true);
    assert.deepEqual(result.summary.traffic.map((t) => t.revision), ['iris-a-predictor-00002']);
    assert.equal(result.summary.version, '1');
    assert.deepEqual(await client.diff(updated), [], 'nothing left to change');
    const prediction = await postViaIngress(result.summary.url!, '/v2/models/iris-a/infer', iris2.metadata.input_example);
    assert.equal(prediction.body.model_version, '1');

    // Going back removes what we no longer apply (the batcher, the cpu) and keeps the other tool's annotation.
    const back = manifestFor('iris-a');
    const removals = (await client.diff(back)).filter((c) => c.kind === 'removed').map((c) => c.path);
    assert.deepEqual(removals, ['spec.predictor.batcher.maxBatchSize', 'spec.predictor.batcher.maxLatency', 'spec.predictor.model.resources.limits.cpu', 'spec.predictor.model.resources.requests.cpu']);
    const applied = await client.apply(back);
    assert.equal((applied.spec as any).predictor.batcher, undefined);
    assert.equal(applied.metadata.annotations?.owner, 'data-team');
    assert.equal((await client.waitUntilReady('iris-a', { timeoutMs: 20_000 })).ready, true);
  });

  it('does not silently overwrite a field someone edited: a conflict, until applied with force', async () => {
    fake.editAs('kubectl-edit', NS, 'iris-a', (o) => (o.spec.predictor.maxReplicas = 5));
    const manifest = manifestFor('iris-a', { resources: { maxReplicas: 2 } });
    await assert.rejects(client.apply(manifest), (err: unknown) => {
      assert.ok(err instanceof KServeError, String(err));
      assert.equal(err.reason, 'conflict');
      assert.equal(err.statusCode, 409);
      assert.match(err.message, /apply with force/);
      assert.ok(err.details.some((d) => d.includes('.spec.predictor.maxReplicas') && d.includes('kubectl-edit')), err.details.join('\n'));
      return true;
    });
    const forced = await client.apply(manifest, { force: true });
    assert.equal((forced.spec as any).predictor.maxReplicas, 2);
    assert.ok(!forced.metadata.managedFields?.some((m) => m.manager === 'kubectl-edit' && JSON.stringify(m.fieldsV1).includes('maxReplicas')));
    assert.equal((await client.waitUntilReady('iris-a', { timeoutMs: 20_000 })).ready, true);
    // Now ours again: the plain apply goes through without force.
    await deploy(manifestFor('iris-a'));
  });

  it('gets the API server\'s refusal of an invalid manifest with its causes', async () => {
    const bad = manifestFor('iris-bad') as any;
    bad.spec.predictor.scaleMetric = 'gpu';
    await assert.rejects(client.apply(bad), (err: unknown) => {
      assert.ok(err instanceof KServeError);
      assert.equal(err.reason, 'invalid');
      assert.equal(err.statusCode, 422);
      assert.ok(err.details.some((d) => d.startsWith('spec.predictor.scaleMetric') && d.includes('"rps"')), err.details.join('\n'));
      return true;
    });
    const typo = manifestFor('iris-bad') as any;
    typo.spec.predictor.minReplica = 0;
    await assert.rejects(client.apply(typo), (err: unknown) => err instanceof KServeError && err.reason === 'invalid' && err.statusCode === 400 && /minReplica: field not declared/.test(err.message));
    assert.equal(await client.get('iris-bad'), undefined, 'nothing was created');
  });
});

describe('KServe: a model that fails to load', () => {
  it('ends the wait with the failure, and "why not ready" gathers conditions, lastFailureInfo, events and container states', async () => {
    const spec = parseDeployment({ name: 'broken', model: { name: 'broken', version: 1 }, servingTool: 'kserve', kserve: { namespace: NS, storageUri: 'gs://models/broken/1' } });
    await client.apply(buildInferenceService(spec));
    const result = await client.waitUntilReady('broken', { timeoutMs: 20_000 });
    assert.equal(result.ready, false);
    if (result.ready) return;
    // Whichever the watch sees first ends the wait: the crash-looping container or the status.
    assert.ok(result.reasons.some((r) => r.startsWith('ModelLoadFailed: ') || /kserve-container in pod broken-predictor-.*CrashLoopBackOff/.test(r)), result.reasons.join('\n'));
    assert.equal(result.summary.state, 'Failed');

    const d = await client.diagnose('broken');
    assert.equal(d.verdict.kind, 'failed');
    const ready = d.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'RevisionFailed');
    assert.match(ready?.message ?? '', /Container failed with/);
    assert.equal(d.conditions[d.conditions.length - 1]?.status !== 'True' || d.conditions[0]?.status !== 'True', true, 'not-True conditions first');
    const failure = d.modelStatus?.lastFailureInfo;
    assert.equal(failure?.reason, 'ModelLoadFailed');
    assert.equal(d.modelStatus?.transitionStatus, 'BlockedByFailedLoad');
    assert.equal(d.modelStatus?.states?.activeModelState, 'FailedToLoad');
    // The message is the ModelDeck server's own load error, passed through the cluster.
    assert.match(failure?.message ?? '', /broken/);
    assert.match(failure?.location ?? '', /^broken-predictor-00001-deployment-/);

    assert.equal(d.pods.length, 1);
    const [pod] = d.pods;
    const init = pod!.containers.find((c) => c.name === 'storage-initializer');
    assert.deepEqual([init?.init, init?.state, init?.reason, init?.exitCode], [true, 'terminated', 'Completed', 0]);
    const kserve = pod!.containers.find((c) => c.name === 'kserve-container');
    assert.equal(kserve?.state, 'waiting');
    assert.equal(kserve?.reason, 'CrashLoopBackOff');
    assert.equal(kserve?.restarts, 3);
    assert.deepEqual([kserve?.lastTermination?.reason, kserve?.lastTermination?.exitCode], ['Error', 1]);

    const reasons = d.events.map((e) => `${e.object} ${e.type} ${e.reason}`);
    assert.ok(reasons.includes(`Pod/${pod!.name} Warning BackOff`), reasons.join('\n'));
    assert.ok(reasons.includes('InferenceService/broken Warning InternalError'), reasons.join('\n'));
    assert.ok(reasons.includes(`Pod/${pod!.name} Normal Scheduled`), reasons.join('\n'));

    assert.match(d.findings[0] ?? '', /^The model failed to load in broken-predictor-.*Check that storageUri holds a model\.onnx/);
    assert.ok(d.findings.some((f) => /kserve-container in broken-predictor-.* keeps crashing \(restarted 3 times; last exit 1 Error\)/.test(f)), d.findings.join('\n'));
    const text = formatDiagnosis(d);
    for (const heading of ['## Findings', '## Conditions', '## Model status', '## Pods', '## Recent events']) assert.ok(text.includes(heading), heading);
    assert.match(text, /\| kserve-container \| waiting \| CrashLoopBackOff/);
    assert.match(text, /last failure: ModelLoadFailed in broken-predictor-/);

    const summary = await client.status('broken');
    assert.equal(summary.state, 'Failed');
    assert.match(summary.reason ?? '', /ModelLoadFailed/);

    // The fix rolls out while the old pod still crash-loops: the wait is for the new revision.
    const fixed = buildInferenceService(parseDeployment({ name: 'broken', model: { name: 'iris', version: 2 }, servingTool: 'kserve', kserve: { namespace: NS, storageUri: 'gs://models/iris/2' } }), { modelVersion: iris2 });
    await client.apply(fixed);
    const afterFix = await client.waitUntilReady('broken', { timeoutMs: 20_000 });
    assert.equal(afterFix.ready, true, JSON.stringify(afterFix));
    assert.deepEqual(afterFix.summary.traffic.map((tr) => tr.revision), ['broken-predictor-00002']);
    assert.ok(await client.delete('broken'));
  });
});

describe('KServe: stop, start, scale to zero, delete', () => {
  it('stops and starts through the serving.kserve.io/stop annotation, which a re-apply leaves alone', async () => {
    await deploy(manifestFor('iris-stop'));
    const stopped = await client.stop('iris-stop');
    assert.equal(stopped.metadata.annotations?.['serving.kserve.io/stop'], 'true');
    assert.ok(stopped.metadata.managedFields?.some((m) => m.manager === 'modeldeck-stop' && JSON.stringify(m.fieldsV1).includes('serving.kserve.io/stop')));
    await eventually('the pods to go', async () => (await client.pods('iris-stop')).length === 0);
    const status = await eventually('the Stopped state', async () => {
      const s = await client.status('iris-stop');
      return s.state === 'Stopped' ? s : undefined;
    });
    assert.equal(status.stopped, true);
    assert.deepEqual(status.replicas, { ready: 0, total: 0, min: 1, max: 1 });
    assert.equal((await postViaIngress(`http://iris-stop.${NS}.example.com`, '/v2/models/iris-stop/infer', iris2.metadata.input_example)).status, 404);
    const waited = await client.waitUntilReady('iris-stop', { timeoutMs: 5000 });
    assert.equal(waited.ready, false);
    if (!waited.ready) assert.match(waited.reasons[0]!, /stopped/);

    // The deployment applied again does not mention the annotation: it stays stopped.
    const reapplied = await client.apply(manifestFor('iris-stop'));
    assert.equal(reapplied.metadata.annotations?.['serving.kserve.io/stop'], 'true');

    const started = await client.start('iris-stop');
    assert.equal(started.metadata.annotations?.['serving.kserve.io/stop'], 'false');
    const result = await client.waitUntilReady('iris-stop', { timeoutMs: 20_000 });
    assert.equal(result.ready, true);
    const prediction = await postViaIngress(result.summary.url!, '/v2/models/iris-stop/infer', iris2.metadata.input_example);
    assert.equal(prediction.status, 200);
    await client.delete('iris-stop');
    await assert.rejects(client.stop('nothing-here'), (err: unknown) => err instanceof KServeError && err.reason === 'not-found');
  });

  it('scales to zero when idle (minReplicas 0) and wakes up for a request', async () => {
    await deploy(manifestFor('iris-zero', { resources: { minReplicas: 0, maxReplicas: 2 } }));
    const idle = await eventually('scale to zero', async () => {
      const s = await client.status('iris-zero');
      return s.replicas.total === 0 ? s : undefined;
    });
    assert.equal(idle.state, 'Ready', 'a service scaled to zero is still Ready');
    assert.deepEqual(idle.replicas, { ready: 0, total: 0, min: 0, max: 2 });
    // The model is really unloaded: the server no longer serves it until the request wakes it.
    assert.equal((await fetch(`${server.url}/v2/models/iris-zero/ready`)).status, 404);
    const woke = await postViaIngress(idle.url!, '/v2/models/iris-zero/infer', iris2.metadata.input_example);
    assert.equal(woke.status, 200, JSON.stringify(woke.body));
    assert.equal((await client.status('iris-zero')).replicas.total, 1);
    await client.delete('iris-zero');
  });

  it('deletes: the service and its pods go, and a waiter hears it', async () => {
    await deploy(manifestFor('iris-del'));
    // An update rolls out; a waiter is watching it when the service is deleted.
    await client.apply(manifestFor('iris-del', { resources: { maxReplicas: 4 } }));
    const rollingOut = client.waitUntilReady('iris-del', { timeoutMs: 20_000 });
    assert.equal(await client.delete('iris-del'), true);
    const ended = await rollingOut;
    assert.equal(ended.ready, false);
    if (!ended.ready) assert.deepEqual(ended.reasons, ['it was deleted']);
    assert.equal(await client.get('iris-del'), undefined);
    await eventually('the pods to go', async () => (await client.pods('iris-del')).length === 0);
    assert.equal(await client.delete('iris-del'), false, 'deleting again says it was gone');
    await assert.rejects(client.status('iris-del'), (err: unknown) => err instanceof KServeError && err.reason === 'not-found');
  });

  it('a wait can be cancelled', async () => {
    await client.apply(manifestFor('iris-cancel'));
    const cancel = new AbortController();
    const waiting = client.waitUntilReady('iris-cancel', { signal: cancel.signal });
    cancel.abort();
    await assert.rejects(waiting, (err: unknown) => err instanceof KServeError && err.reason === 'cancelled');
    await client.delete('iris-cancel');
  });
});

describe('KServe: following logs', () => {
  it('follows every container with prefixes, across a pod restart and a watch that must relist (410 Gone)', async (t) => {
    const lines: PodLogLine[] = [];
    const statuses: string[] = [];
    const stop = new AbortController();
    await deploy(manifestFor('iris-logs'));
    const following = client.followLogs('iris-logs', { signal: stop.signal, onLine: (l) => lines.push(l), onStatus: (s) => statuses.push(s) });
    t.after(() => stop.abort());
    const [first] = await client.pods('iris-logs');
    assert.ok(first);
    const podA = first.metadata.name;
    const from = (pod: string, container: string): PodLogLine[] => lines.filter((l) => l.pod === pod && l.container === container);
    await eventually('lines of every container of the first pod', () => ['storage-initializer', 'kserve-container', 'queue-proxy'].every((c) => from(podA, c).length > 0));
    assert.ok(from(podA, 'storage-initializer').some((l) => /Successfully copied s3:\/\/models\/iris\/2 to \/mnt\/models/.test(l.text)));
    assert.equal(from(podA, 'kserve-container')[0]!.prefix, `[${podA}/kserve-container]`);

    // Only some containers, and only the last line of what they already wrote.
    const picked: PodLogLine[] = [];
    const stopPicked = new AbortController();
    t.after(() => stopPicked.abort());
    const pickedDone = client.followLogs('iris-logs', { signal: stopPicked.signal, containers: ['kserve-container'], tailLines: 1, onLine: (l) => picked.push(l) });
    await eventually('the tail of kserve-container', () => picked.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(picked.map((l) => l.text), [from(podA, 'kserve-container').at(-1)!.text]);
    stopPicked.abort();
    await pickedDone;

    // Let the server close the pod watch once (it does every 1.5 s) so it must resume. Then the
    // restart happens while no watch is open, and the history is lost: the resumed watch gets
    // 410 Gone, and only a new list shows the replacement pod.
    await new Promise((r) => setTimeout(r, 1700));
    fake.pauseWatches();
    const podB = await fake.controller.restartPod(NS, podA);
    assert.notEqual(podB, podA);
    fake.compactHistory();
    fake.resumeWatches();
    await eventually('lines from the replacement pod', () => from(podB, 'kserve-container').length > 0 && from(podB, 'storage-initializer').length > 0);
    const status = await client.status('iris-logs');
    await postViaIngress(status.url!, '/v2/models/iris-logs/infer', iris2.metadata.input_example);
    await eventually('the request in queue-proxy\'s log of the new pod', () => from(podB, 'queue-proxy').some((l) => l.text.includes('/v2/models/iris-logs/infer')));
    assert.ok(statuses.includes(`pod ${podB} appeared`), statuses.join('\n'));
    assert.ok(statuses.includes(`pod ${podA} is gone`), statuses.join('\n'));
    const podWatches = fake.requests.filter((r) => r.path === `/api/v1/namespaces/${NS}/pods` && r.query.labelSelector === 'serving.kserve.io/inferenceservice=iris-logs');
    assert.ok(podWatches.filter((r) => r.query.watch === 'true').length >= 2, 'the watch was resumed');
    assert.ok(podWatches.filter((r) => r.query.watch !== 'true').length >= 2, 'and relisted after 410');

    stop.abort();
    await following;
    const count = lines.length;
    await postViaIngress(status.url!, '/v2/models/iris-logs/infer', iris2.metadata.input_example);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(lines.length, count, 'nothing arrives after cancelling');
    await client.delete('iris-logs');
  });
});

describe('KServe: cluster access errors', () => {
  it('says where it looked when there is no kubeconfig', () => {
    const missing = path.join(scratch, 'nope', 'config');
    assert.throws(() => KServeClient.connect({ source: { env: { KUBECONFIG: missing } } }), (err: unknown) => {
      assert.ok(err instanceof KServeError);
      assert.equal(err.reason, 'no-kubeconfig');
      assert.ok(err.message.includes(missing), err.message);
      assert.match(err.message, /set KUBECONFIG/);
      return true;
    });
    const home = fs.mkdtempSync(path.join(scratch, 'home-'));
    assert.throws(() => KServeClient.connect({ source: { env: {}, homeDir: home } }), (err: unknown) => err instanceof KServeError && err.reason === 'no-kubeconfig' && err.message.includes(path.join(home, '.kube', 'config')));
  });

  it('refuses an empty kubeconfig and an unknown context, naming the contexts there are', () => {
    const empty = path.join(scratch, 'empty-config');
    fs.writeFileSync(empty, '');
    assert.throws(() => KServeClient.connect({ source: { env: { KUBECONFIG: empty } } }), (err: unknown) => err instanceof KServeError && err.reason === 'bad-kubeconfig' && /empty/.test(err.message));
    const kubeconfig = fake.writeKubeconfig(scratch, { file: 'ctx-config' });
    assert.throws(() => KServeClient.connect({ context: 'prod', source: { env: { KUBECONFIG: kubeconfig } } }), (err: unknown) => err instanceof KServeError && err.reason === 'unknown-context' && /"prod".*contexts: fake-kserve/.test(err.message));
    const noNamespace = KServeClient.connect({ source: { env: { KUBECONFIG: kubeconfig } } });
    assert.equal(noNamespace.namespace, 'default', 'a context without a namespace works in "default"');
    assert.equal(KServeClient.connect({ namespace: NS, source: { env: { KUBECONFIG: kubeconfig } } }).namespace, NS);
  });

  it('reports a wrong token as unauthorized, a token from SecretStorage works, and a dead server is unreachable', async () => {
    const wrong = fake.writeKubeconfig(scratch, { file: 'wrong-token', token: 'not-the-token', namespace: NS });
    await assert.rejects(KServeClient.connect({ source: { env: { KUBECONFIG: wrong } } }).list(), (err: unknown) => err instanceof KServeError && err.reason === 'unauthorized' && err.statusCode === 401);
    const withToken = KServeClient.connect({ token: fake.token, source: { env: { KUBECONFIG: wrong } } });
    assert.ok(Array.isArray(await withToken.list()), 'the typed-in token replaces the kubeconfig user');
    const deadDir = path.join(scratch, 'dead');
    fs.mkdirSync(deadDir);
    const dead = path.join(deadDir, 'config');
    fs.writeFileSync(dead, fs.readFileSync(wrong, 'utf8').replace(fake.url, 'http://127.0.0.1:9'));
    await assert.rejects(KServeClient.connect({ source: { env: { KUBECONFIG: dead } } }).list(), (err: unknown) => {
      assert.ok(err instanceof KServeError);
      assert.equal(err.reason, 'unreachable');
      assert.match(err.message, /cannot reach the Kubernetes API server http:\/\/127\.0\.0\.1:9 \(context fake-kserve\)/);
      return true;
    });
  });

  it('says KServe is not installed when the API has no InferenceServices, and a missing namespace is not found', async () => {
    await assert.rejects(client.list('no-such-namespace'), (err: unknown) => err instanceof KServeError && err.reason === 'not-found' && /namespaces "no-such-namespace" not found/.test(err.message));
    fake.kserveInstalled = false;
    try {
      for (const call of [() => client.list(), () => client.get('iris-a'), () => client.apply(manifestFor('iris-a'))]) {
        await assert.rejects(call(), (err: unknown) => err instanceof KServeError && err.reason === 'not-found' && /KServe is not installed in this cluster/.test(err.message));
      }
    } finally {
      fake.kserveInstalled = true;
    }
  });
});
