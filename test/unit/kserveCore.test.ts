/**
 * The pure KServe modules (status, diagnosis, diff, kubeconfig) and proof that the ESM-only
 * @kubernetes/client-node loads both ways we run it: under `node --import tsx` (these tests) and
 * bundled by esbuild into CommonJS (dist/extension.js).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { build } from 'esbuild';
import { stringify as stringifyYaml } from 'yaml';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { diagnose, formatDiagnosis } from '../../src/core/kserve/diagnosis';
import { buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { readinessVerdict, summarizeInferenceService } from '../../src/core/kserve/inferenceServiceStatus';
import { KServeClient } from '../../src/core/kserve/kserveClient';
import { KServeError } from '../../src/core/kserve/kserveErrors';
import type { InferenceServiceObject, PodObject } from '../../src/core/kserve/kserveTypes';
import { kubeconfigPaths, listKubeContexts, loadKubeConfig, selectContext, withBearerToken } from '../../src/core/kserve/kubeConfig';
import { diffManifest, formatManifestDiff, managedFieldsView, ownedPaths } from '../../src/core/kserve/manifestDiff';
import { REPO_ROOT } from '../support/serverProcess';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-kserve-unit-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Writes `doc` as YAML into the scratch folder. */
function write(name: string, doc: unknown): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, stringifyYaml(doc));
  return file;
}

/** A one-cluster kubeconfig with a token user. */
function config(cluster: string, server: string, context: string, current?: string, namespace?: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server } }],
    users: [{ name: `${cluster}-user`, user: { token: `${cluster}-token` } }],
    contexts: [{ name: context, context: { cluster, user: `${cluster}-user`, ...(namespace ? { namespace } : {}) } }],
    ...(current ? { 'current-context': current } : {}),
  };
}

function isvc(patch: { generation?: number; annotations?: Record<string, string>; status?: InferenceServiceObject['status'] } = {}): InferenceServiceObject {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: { name: 'iris', namespace: 'ml-team', generation: patch.generation ?? 1, annotations: { 'modeldeck.dev/model': 'iris', 'modeldeck.dev/version': '2', ...patch.annotations } },
    spec: { predictor: { minReplicas: 0, maxReplicas: 3 } },
    ...(patch.status ? { status: patch.status } : {}),
  };
}

function pod(name: string, containers: PodObject['status'], labels: Record<string, string> = {}): PodObject {
  return { metadata: { name, labels: { 'serving.kserve.io/inferenceservice': 'iris', component: 'predictor', ...labels } }, status: containers };
}

const READY_STATUS = {
  observedGeneration: 1,
  url: 'http://iris.ml-team.example.com',
  address: { url: 'http://iris-predictor.ml-team.svc.cluster.local' },
  conditions: [{ type: 'Ready', status: 'True' }, { type: 'PredictorReady', status: 'True' }],
  components: { predictor: { traffic: [{ revisionName: 'iris-predictor-00002', percent: 90, latestRevision: true }, { revisionName: 'iris-predictor-00001', percent: 10, latestRevision: false, tag: 'prev' }] } },
  modelStatus: { transitionStatus: 'UpToDate', states: { activeModelState: 'Loaded', targetModelState: 'Loaded' } },
};

describe('readinessVerdict and summarizeInferenceService', () => {
  it('Ready with URLs, traffic, replicas and the registry version', () => {
    const ready = pod('iris-a', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    const s = summarizeInferenceService(isvc({ status: READY_STATUS }), [ready, pod('other', { phase: 'Running' }, { 'serving.kserve.io/inferenceservice': 'digits' })]);
    assert.deepEqual(s, {
      name: 'iris',
      namespace: 'ml-team',
      state: 'Ready',
      url: 'http://iris.ml-team.example.com',
      internalUrl: 'http://iris-predictor.ml-team.svc.cluster.local',
      traffic: [
        { revision: 'iris-predictor-00002', percent: 90, latest: true },
        { revision: 'iris-predictor-00001', percent: 10, latest: false, tag: 'prev' },
      ],
      replicas: { ready: 1, total: 1, min: 0, max: 3 },
      modelState: 'Loaded',
      model: 'iris',
      version: '2',
      stopped: false,
      upToDate: true,
    });
  });

  it('does not trust a Ready status written for an older generation', () => {
    const v = readinessVerdict(isvc({ generation: 2, status: READY_STATUS }));
    assert.deepEqual(v, { kind: 'waiting', reason: 'the KServe controller has not reconciled generation 2 yet' });
    assert.equal(summarizeInferenceService(isvc({ generation: 2, status: READY_STATUS })).upToDate, false);
  });

  it('certain failures: model load, no runtime, image pull back-off, crash loop; not a first ErrImagePull', () => {
    const failed = isvc({ status: { observedGeneration: 1, modelStatus: { transitionStatus: 'BlockedByFailedLoad', lastFailureInfo: { reason: 'ModelLoadFailed', message: 'bad protobuf' } } } });
    assert.deepEqual(readinessVerdict(failed), { kind: 'failed', reasons: ['ModelLoadFailed: bad protobuf'] });
    const noRuntime = isvc({ status: { observedGeneration: 1, modelStatus: { transitionStatus: 'InvalidSpec', lastFailureInfo: { reason: 'NoSupportingRuntime', message: 'no runtime for onnx grpc-v2' } } } });
    assert.match((readinessVerdict(noRuntime) as { reasons: string[] }).reasons[0]!, /NoSupportingRuntime/);
    const waitingOn = (reason: string): PodObject => pod('p', { containerStatuses: [{ name: 'kserve-container', state: { waiting: { reason, message: 'm' } } }] });
    assert.equal(readinessVerdict(isvc({ status: { observedGeneration: 1 } }), [waitingOn('ImagePullBackOff')]).kind, 'failed');
    assert.equal(readinessVerdict(isvc({ status: { observedGeneration: 1 } }), [waitingOn('CrashLoopBackOff')]).kind, 'failed');
    const pulling = readinessVerdict(isvc({ status: { observedGeneration: 1 } }), [waitingOn('ErrImagePull')]);
    assert.deepEqual(pulling, { kind: 'waiting', reason: 'kserve-container in pod p: ErrImagePull: m' });
    // A failure of an older generation says nothing about the new one.
    assert.equal(readinessVerdict({ ...failed, metadata: { ...failed.metadata, generation: 2 } }).kind, 'waiting');
  });

  it('a previous revision\'s crash-looping pod does not fail the wait for the revision rolling out', () => {
    const rolling = isvc({ generation: 2, status: { ...READY_STATUS, observedGeneration: 2, conditions: [{ type: 'Ready', status: 'Unknown' }], components: { predictor: { latestCreatedRevision: 'iris-predictor-00002', traffic: [] } } } });
    const old = pod('old', { containerStatuses: [{ name: 'kserve-container', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { 'serving.knative.dev/revision': 'iris-predictor-00001' });
    const fresh = pod('new', { phase: 'Running', containerStatuses: [{ name: 'kserve-container', state: { running: {} } }] }, { 'serving.knative.dev/revision': 'iris-predictor-00002' });
    assert.equal(readinessVerdict(rolling, [old, fresh]).kind, 'waiting');
    const crashingNew = pod('new', { containerStatuses: [{ name: 'kserve-container', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { 'serving.knative.dev/revision': 'iris-predictor-00002' });
    assert.equal(readinessVerdict(rolling, [old, crashingNew]).kind, 'failed');
  });

  it('stopped and deleting are states of their own', () => {
    const stopped = isvc({ annotations: { 'serving.kserve.io/stop': 'true' }, status: READY_STATUS });
    assert.equal(summarizeInferenceService(stopped).state, 'Stopped');
    assert.match((readinessVerdict(stopped) as { reasons: string[] }).reasons[0]!, /stopped/);
    assert.equal(summarizeInferenceService(isvc({ annotations: { 'serving.kserve.io/stop': 'false' }, status: READY_STATUS })).state, 'Ready');
    const deleting = isvc({ status: READY_STATUS });
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    assert.equal(summarizeInferenceService(deleting).state, 'Deleting');
  });

  it('an unschedulable pod is a reason to show, not yet a failure', () => {
    const p = pod('p', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes have enough nvidia.com/gpu' }] });
    assert.deepEqual(readinessVerdict(isvc({ status: { observedGeneration: 1 } }), [p]), { kind: 'waiting', reason: 'pod p is not scheduled: 0/3 nodes have enough nvidia.com/gpu' });
  });
});

describe('diagnose', () => {
  it('turns OOMKilled, image pull and storage-initializer failures into advice', () => {
    const oom = pod('iris-p1', {
      phase: 'Running',
      initContainerStatuses: [{ name: 'storage-initializer', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'AccessDenied' } } }],
      containerStatuses: [
        { name: 'kserve-container', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        { name: 'queue-proxy', ready: true, restartCount: 0, state: { running: {} } },
      ],
    });
    const pull = pod('iris-t1', { phase: 'Pending', containerStatuses: [{ name: 'kserve-container', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x/y:1"' } } }] }, { component: 'transformer' });
    const events = [
      { involvedObject: { kind: 'Pod', name: 'iris-p1' }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting', count: 7, lastTimestamp: '2026-01-01T00:00:02Z' },
      { involvedObject: { kind: 'InferenceService', name: 'iris' }, type: 'Normal', reason: 'Updated', message: 'x', lastTimestamp: '2026-01-01T00:00:01Z' },
    ];
    const d = diagnose(isvc({ status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'False', reason: 'RevisionMissing', message: 'waiting' }] } }), [oom, pull], events);
    assert.equal(d.verdict.kind, 'failed');
    assert.ok(d.findings.some((f) => /kserve-container in iris-p1 was killed .*OOMKilled.*Raise resources\.memory/.test(f)), d.findings.join('\n'));
    assert.ok(d.findings.some((f) => /storage-initializer could not fetch the model\. Check kserve\.storageUri/.test(f)), d.findings.join('\n'));
    assert.ok(d.findings.some((f) => /kserve-container in iris-t1 cannot pull its image \(ImagePullBackOff: Back-off pulling image "x\/y:1"\)/.test(f)), d.findings.join('\n'));
    assert.deepEqual(d.events.map((e) => e.reason), ['BackOff', 'Updated'], 'newest first');
    assert.equal(d.pods[1]!.component, 'transformer');
    const text = formatDiagnosis(d);
    assert.match(text, /\| storage-initializer \(init\) \| waiting \| CrashLoopBackOff \| 2 \| Error \(exit 1\) \|/);
    assert.match(text, /Back-off restarting \(×7\)/);
  });

  it('a service the controller never touched says so', () => {
    const d = diagnose(isvc(), [], []);
    assert.deepEqual(d.findings, ['The KServe controller has not written any status. Is KServe installed in the cluster and its controller running?']);
    assert.match(formatDiagnosis(d), /No conditions yet/);
  });
});

describe('diffManifest', () => {
  const manifest = buildInferenceService(parseDeployment({ name: 'iris', model: { name: 'iris', version: 2 }, kserve: { storageUri: 's3://b/iris/2' } }));

  it('a service not in the cluster yet: every field is added', () => {
    const changes = diffManifest(manifest, undefined);
    assert.ok(changes.every((c) => c.kind === 'added'));
    assert.ok(changes.some((c) => c.path === 'spec.predictor.model.storageUri'));
    assert.ok(!changes.some((c) => c.path === 'metadata.name' || c.path === 'apiVersion'), 'identity is not content');
  });

  it('fields we owned and no longer apply are removals; other managers\' fields and cluster defaults are not ours', () => {
    const live: InferenceServiceObject = {
      ...structuredClone(manifest),
      metadata: {
        ...structuredClone(manifest.metadata),
        annotations: { ...manifest.metadata.annotations, 'team/owner': 'data' },
        managedFields: [
          { manager: 'modeldeck', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:predictor': { '.': {}, 'f:minReplicas': {}, 'f:maxReplicas': {}, 'f:timeout': {}, 'f:model': { 'f:storageUri': {}, 'f:modelFormat': { 'f:name': {} }, 'f:protocolVersion': {} } } } } },
          { manager: 'kubectl-annotate', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:team/owner': {} } } } },
          { manager: 'modeldeck', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:url': {} } } },
        ],
      },
      spec: { predictor: { ...structuredClone(manifest.spec.predictor), timeout: 30, model: { ...structuredClone(manifest.spec.predictor.model), storageUri: 's3://b/iris/1', runtime: 'kserve-tritonserver' } } },
    };
    const changes = diffManifest(manifest, live);
    assert.equal(formatManifestDiff(changes), '~ spec.predictor.model.storageUri: "s3://b/iris/1" → "s3://b/iris/2"\n- spec.predictor.timeout: 30\n');
    const view = managedFieldsView(manifest, live);
    assert.equal((view.live.spec as any).predictor.timeout, 30);
    assert.equal((view.desired.spec as any).predictor.timeout, undefined);
    assert.equal((view.live.spec as any).predictor.model.runtime, undefined, 'a runtime KServe defaulted is not in our view');
    assert.deepEqual(ownedPaths(live).map((p) => p.join('.')).sort(), ['spec.predictor.maxReplicas', 'spec.predictor.minReplicas', 'spec.predictor.model.modelFormat.name', 'spec.predictor.model.protocolVersion', 'spec.predictor.model.storageUri', 'spec.predictor.timeout']);
    assert.equal(formatManifestDiff([]), 'No changes to the fields ModelDeck manages.\n');
  });

  it('list items in FieldsV1 make the whole list the unit', () => {
    const live = { ...structuredClone(manifest), metadata: { ...manifest.metadata, managedFields: [{ manager: 'modeldeck', fieldsV1: { 'f:spec': { 'f:transformer': { 'f:containers': { 'k:{"name":"kserve-container"}': { 'f:image': {} } } } } } }] }, spec: { ...manifest.spec, transformer: { containers: [{ name: 'kserve-container', image: 'a:1' }] } } } as InferenceServiceObject;
    assert.deepEqual(diffManifest(manifest, live).map((c) => [c.kind, c.path]), [['removed', 'spec.transformer.containers']]);
  });
});

describe('kubeconfig', () => {
  it('KUBECONFIG is a path list; the first file to name a context (and current-context) wins, as in kubectl', () => {
    const a = write('a.yaml', config('prod', 'https://prod.example.com', 'prod', 'prod', 'serving'));
    const b = write('b.yaml', { ...(config('dev', 'https://dev.example.com', 'dev', 'dev') as object), contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev-user' } }, { name: 'prod', context: { cluster: 'dev', user: 'dev-user' } }] });
    const missing = path.join(scratch, 'missing.yaml');
    const env = { KUBECONFIG: [a, missing, b].join(path.delimiter) };
    assert.deepEqual(kubeconfigPaths({ env }), [a, missing, b]);
    const loaded = loadKubeConfig({ env });
    assert.deepEqual(loaded.files, [a, b]);
    assert.equal(loaded.currentContext, 'prod');
    assert.deepEqual(loaded.contexts.map((c) => [c.name, c.server, c.namespace]), [['prod', 'https://prod.example.com', 'serving'], ['dev', 'https://dev.example.com', undefined]]);
    assert.deepEqual(listKubeContexts({ env }), { contexts: loaded.contexts, current: 'prod' });
    const prod = selectContext(loaded);
    assert.deepEqual([prod.context, prod.namespace, prod.server], ['prod', 'serving', 'https://prod.example.com']);
    const dev = selectContext(loaded, 'dev', 'team-a');
    assert.deepEqual([dev.context, dev.namespace], ['dev', 'team-a']);
    assert.equal(prod.kc.getCurrentContext(), 'prod', 'selecting one context does not switch another');
  });

  it('a typed-in token replaces the context\'s user, only in memory', () => {
    const file = write('t.yaml', config('c', 'https://c.example.com', 'c', 'c'));
    const before = fs.readFileSync(file, 'utf8');
    const selected = withBearerToken(selectContext(loadKubeConfig({ env: { KUBECONFIG: file } })), 's3cret');
    assert.equal(selected.kc.getCurrentUser()?.token, 's3cret');
    assert.equal(fs.readFileSync(file, 'utf8'), before);
  });

  it('no current-context, a context naming no cluster, a file that is not YAML', () => {
    const none = loadKubeConfig({ env: { KUBECONFIG: write('n.yaml', config('c', 'https://c', 'c')) } });
    assert.throws(() => selectContext(none), (e: unknown) => e instanceof KServeError && e.reason === 'unknown-context' && /no current-context; pick one of: c/.test(e.message));
    const dangling = write('d.yaml', { apiVersion: 'v1', kind: 'Config', clusters: [], users: [{ name: 'u', user: {} }], contexts: [{ name: 'x', context: { cluster: 'gone', user: 'u' } }], 'current-context': 'x' });
    assert.throws(() => selectContext(loadKubeConfig({ env: { KUBECONFIG: dangling } })), (e: unknown) => e instanceof KServeError && e.reason === 'bad-kubeconfig' && /cluster "gone", which is not defined/.test(e.message));
    const garbage = path.join(scratch, 'g.yaml');
    fs.writeFileSync(garbage, 'clusters: [unterminated');
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: garbage } }), (e: unknown) => e instanceof KServeError && e.reason === 'bad-kubeconfig' && e.message.includes(garbage));
    const noContexts = write('e.yaml', { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] });
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: noContexts } }), (e: unknown) => e instanceof KServeError && e.reason === 'bad-kubeconfig' && /defines no context/.test(e.message));
  });
});

describe('@kubernetes/client-node (ESM-only) loads where we run it', () => {
  // Under tsx, a static import in our (CommonJS) TypeScript is compiled to require(), which tsx
  // serves by transpiling the ESM package; a dynamic import() loads the native ESM copy instead.
  // Two copies mean two KubeConfig classes, so src/core/kserve imports the package statically,
  // everywhere, and never relies on instanceof across that line (errors are duck-typed).
  it('under node --import tsx: the static import works, one copy for all of our modules', async () => {
    assert.equal(typeof KServeClient.connect, 'function');
    const selected = selectContext(loadKubeConfig({ env: { KUBECONFIG: write('esm.yaml', config('prod', 'https://prod.example.com', 'prod', 'prod')) } }));
    assert.ok(selected.kc instanceof KubeConfig, 'kubeConfig.ts and this file share the statically imported copy');
    const dynamic = await import('@kubernetes/client-node');
    assert.equal(typeof dynamic.KubeConfig, 'function', 'import() resolves the package too');
  });

  it('bundled by esbuild into CommonJS (as dist/extension.js is), it loads and runs in plain node', async () => {
    const out = path.join(scratch, 'kserveClient.cjs');
    await build({ entryPoints: [path.join(REPO_ROOT, 'src/core/kserve/kserveClient.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, logLevel: 'silent', external: ['vscode'] });
    const script = `const { KServeClient } = require(${JSON.stringify(out)});
      try { KServeClient.connect({ source: { env: { KUBECONFIG: '/nonexistent/kubeconfig' } } }); } catch (e) { console.log(e.reason); }
      const c = KServeClient.connect({ source: { env: { KUBECONFIG: ${JSON.stringify(write('cjs.yaml', config('prod', 'https://prod.example.com', 'prod', 'prod')))} } } });
      console.log(c.context, c.server);`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'no-kubeconfig\nprod https://prod.example.com');
  });
});
