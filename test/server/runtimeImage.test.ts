/**
 * The generated KServe custom runtime, run without Docker: the build context is written from this
 * built repository, the Dockerfile's COPY and RUN instructions are carried out into a temporary
 * root file system (test/support/dockerfileEmulator.ts), and the ENTRYPOINT, with the
 * ClusterServingRuntime's args as KServe would pass them, serves a model from a folder standing in
 * for /mnt/models. The ClusterServingRuntime CRD is not in test/specs, so its manifest is
 * checked against the shape of the fields it uses (KServe's v1alpha1 ServingRuntimeSpec).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { MODELDECK_RUNTIME, buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { KSERVE_MODEL_DIR, clusterServingRuntime, clusterServingRuntimeYaml, runtimeDockerfile, writeRuntimeBuildContext } from '../../src/core/kserve/runtimeFiles';
import { emulateDockerfile } from '../support/dockerfileEmulator';
import type { EmulatedImage } from '../support/dockerfileEmulator';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';
import { REPO_ROOT } from '../support/serverProcess';

const IMAGE = 'registry.example.com/ml/modeldeck-runtime:0.1.0';
let scratch: string;
let context: string;
let image: EmulatedImage;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-runtime-'));
  context = path.join(scratch, 'context');
  await writeRuntimeBuildContext(context, REPO_ROOT, { image: IMAGE });
  // The root file system lives outside the repository: nothing can resolve from its node_modules.
  image = emulateDockerfile(fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8'), context, path.join(scratch, 'rootfs'));
});

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// The fields of KServe's ServingRuntimeSpec that the manifest uses, closed against typos.
const SERVING_RUNTIME_SHAPE = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'serving.kserve.io/v1alpha1' },
    kind: { const: 'ClusterServingRuntime' },
    metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' }, labels: { type: 'object', additionalProperties: { type: 'string' } } } },
    spec: {
      type: 'object',
      required: ['supportedModelFormats', 'containers'],
      additionalProperties: false,
      properties: {
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
        supportedModelFormats: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, version: { type: 'string' }, autoSelect: { type: 'boolean' }, priority: { type: 'integer', minimum: 1 } } },
        },
        protocolVersions: { type: 'array', items: { enum: ['v1', 'v2', 'grpc-v1', 'grpc-v2'] } },
        multiModel: { type: 'boolean' },
        containers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'image'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              image: { type: 'string', minLength: 1 },
              args: { type: 'array', items: { type: 'string' } },
              resources: { type: 'object', additionalProperties: false, properties: { requests: { $ref: '#/$defs/quantities' }, limits: { $ref: '#/$defs/quantities' } } },
            },
          },
        },
      },
    },
  },
  $defs: { quantities: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$' } } },
};

describe('ClusterServingRuntime', () => {
  it('has the shape KServe reads, serves onnx over v1, v2 and grpc-v2, and names the container kserve-container', () => {
    const validate = new Ajv({ allErrors: true }).compile(SERVING_RUNTIME_SHAPE);
    for (const manifest of [clusterServingRuntime({ image: IMAGE }), clusterServingRuntime({ image: IMAGE, name: 'modeldeck-gpu', autoSelect: true })]) {
      assert.ok(validate(manifest), JSON.stringify(validate.errors));
    }
    const runtime = clusterServingRuntime({ image: IMAGE });
    assert.equal(runtime.metadata.name, MODELDECK_RUNTIME);
    assert.deepEqual(runtime.spec.supportedModelFormats, [{ name: 'onnx', version: '1', autoSelect: false }]);
    assert.deepEqual([...runtime.spec.protocolVersions].sort(), ['grpc-v2', 'v1', 'v2']);
    assert.equal(runtime.spec.containers[0]!.name, 'kserve-container');
    assert.deepEqual(runtime.spec.containers[0]!.args, ['--model-name', '{{.Name}}']);
    assert.equal(clusterServingRuntime({ image: IMAGE, autoSelect: true }).spec.supportedModelFormats[0]!.priority, 1);
    const yamlText = clusterServingRuntimeYaml({ image: IMAGE });
    assert.match(yamlText, /^# .*\n#   kubectl apply -f cluster-serving-runtime\.yaml\n/);
    assert.deepEqual(parseYaml(yamlText), runtime);
    assert.equal(fs.readFileSync(path.join(context, 'cluster-serving-runtime.yaml'), 'utf8'), yamlText);
  });

  it('matches what the builder asks of it: format, protocol, and the gRPC port the image listens on', () => {
    const runtime = clusterServingRuntime({ image: IMAGE });
    for (const protocol of ['rest', 'grpc'] as const) {
      const isvc = buildInferenceService(parseDeployment({ name: 'iris', model: { name: 'iris', version: 1 }, protocol, kserve: { storageUri: 's3://b/iris/1', runtime: MODELDECK_RUNTIME } }));
      const model = isvc.spec.predictor.model;
      assert.ok(runtime.spec.supportedModelFormats.some((f) => f.name === model.modelFormat.name));
      assert.ok(runtime.spec.protocolVersions.includes(model.protocolVersion));
      if (protocol === 'grpc') {
        const grpcPort = image.entrypoint[image.entrypoint.indexOf('--grpc-port') + 1];
        assert.equal(String(model.ports?.[0]?.containerPort), grpcPort);
      }
    }
  });
});

describe('Dockerfile of the runtime image', () => {
  it('builds from node:20-slim for linux/amd64 and follows KServe\'s conventions', () => {
    assert.equal(image.from, 'node:20-slim');
    assert.equal(image.platform, 'linux/amd64');
    assert.deepEqual(image.exposed, [8080, 8081]);
    assert.equal(image.user, 'node');
    const ep = image.entrypoint;
    const flag = (name: string): string | undefined => ep[ep.indexOf(name) + 1];
    assert.deepEqual(ep.slice(0, 2), ['node', 'dist/server.js']);
    assert.equal(flag('--host'), '0.0.0.0');
    assert.equal(flag('--http-port'), '8080');
    assert.equal(flag('--grpc-port'), '8081');
    assert.equal(flag('--model-dir'), KSERVE_MODEL_DIR);
    assert.deepEqual(image.cmd, ['--model-name', 'model']);
    assert.equal(fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8'), runtimeDockerfile());
  });

  it('its RUN check passes: the copied files load onnxruntime-node and the server', () => {
    assert.deepEqual(image.runs.map((r) => r.status), [0]);
    assert.match(image.runs[0]!.command, /require\('onnxruntime-node'\)/);
  });

  it('the ENTRYPOINT, with the runtime\'s args for an InferenceService named iris, serves the model in /mnt/models', async (t) => {
    const mnt = path.join(scratch, 'mnt-models');
    // storageUri pointed at a version folder: the storage-initializer copies its files into /mnt/models.
    fs.cpSync(path.join(EXAMPLE_REGISTRY, 'iris', '2'), mnt, { recursive: true });
    const runtime = clusterServingRuntime({ image: IMAGE });
    // Kubernetes: container args replace CMD; KServe fills {{.Name}}.
    const args = runtime.spec.containers[0]!.args.map((a) => a.replace('{{.Name}}', 'iris'));
    const command = [...image.entrypoint, ...args];
    // The emulation runs on this machine: ports become free ones, /mnt/models the folder above, and
    // 0.0.0.0 becomes 127.0.0.1 with --any-host (tests listen on loopback only; --any-host is what
    // binding 0.0.0.0 means for the Host check).
    const mapped = command.map((a, i) => {
      if (command[i - 1] === '--http-port' || command[i - 1] === '--grpc-port') return '0';
      if (a === KSERVE_MODEL_DIR) return mnt;
      if (a === '0.0.0.0') return '127.0.0.1';
      return a;
    });
    mapped.push('--any-host');
    assert.equal(mapped[0], 'node');
    const child = spawn(process.execPath, mapped.slice(1), { cwd: path.join(scratch, 'rootfs', image.workdir), env: { ...process.env, ...image.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    const logs: Record<string, unknown>[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            logs.push(parsed);
            if (parsed.msg === 'ready') resolve();
          } catch {
            logs.push({ raw: line });
          }
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited ${code}: ${JSON.stringify(logs)}`)));
      setTimeout(() => reject(new Error(`not ready in 30 s: ${JSON.stringify(logs)}`)), 30_000).unref();
    });
    await ready;
    const rest = logs.find((l) => l.msg === 'listening' && l.protocol === 'rest');
    assert.ok(logs.some((l) => l.msg === 'listening' && l.protocol === 'grpc'), 'gRPC is on');
    const base = `http://127.0.0.1:${rest!.httpPort as number}`;
    const meta = (await (await fetch(`${base}/v2/models/iris`)).json()) as { name: string; versions: string[] };
    assert.deepEqual([meta.name, meta.versions], ['iris', ['1']]);
    const example = JSON.parse(fs.readFileSync(path.join(mnt, 'model.json'), 'utf8')).input_example;
    const res = await fetch(`${base}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json', host: 'iris.ml-team.example.com' }, body: JSON.stringify(example) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { model_name: string; outputs: { name: string; shape: number[] }[] };
    assert.equal(body.model_name, 'iris');
    assert.ok(body.outputs.length > 0);
    assert.equal(body.outputs[0]!.shape[0], 2, 'one prediction per row of the example');
  });

  it('a build context without a built server says what to do', async () => {
    const empty = fs.mkdtempSync(path.join(scratch, 'src-'));
    await assert.rejects(writeRuntimeBuildContext(path.join(scratch, 'ctx2'), empty, { image: IMAGE }), /dist\/server\.js is missing \(run "npm run build" first\)/);
  });
});
