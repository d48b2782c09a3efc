// "Export as…" (src/core/export/): deployments of the example models mapped to a Triton
// config.pbtxt (read back with a protobuf text-format parser) and an MLServer model-settings.json
// (read back as JSON; its runtime file compiled by Python), for batching on and off, GPUs and
// TensorRT, a model that cannot batch, and a script deployment that cannot be exported.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { applyDeploymentDefaults, type DeploymentInput } from '../../src/core/deployment/deploymentSpec';
import { ExportError, type ExportInput, type ExportResult } from '../../src/core/export/exportTypes';
import { mlserverExport, type MlserverModelSettings } from '../../src/core/export/mlserverSettings';
import { tritonExport } from '../../src/core/export/tritonConfig';
import { readOnnxSummary } from '../../src/core/onnx/onnxSummary';
import { one, parsePbtxt, type PbMessage } from '../support/pbtxt';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'models');

function exportInput(model: string, version: number, deployment: Partial<DeploymentInput> = {}): ExportInput {
  const modelFile = path.join(EXAMPLES, model, String(version), 'model.onnx');
  const s = readOnnxSummary(modelFile);
  return {
    spec: applyDeploymentDefaults({ name: `${model}-dep`, model: { name: model, version }, ...deployment }),
    version,
    inputs: s.inputs,
    outputs: s.outputs,
    modelFile,
    labelsFile: path.join(EXAMPLES, model, String(version), 'labels.txt'),
  };
}

function fileText(r: ExportResult, name: string): string {
  const f = r.files.find((x) => x.path.endsWith(name));
  assert.ok(f && 'text' in f, `${name} is written`);
  return f.text;
}

const tensors = (cfg: PbMessage, kind: string) => (cfg[kind] as PbMessage[]).map((t) => ({ name: one(t, 'name'), type: one(t, 'data_type'), dims: t.dims, reshape: t.reshape, label: t.label_filename }));

describe('Triton config.pbtxt', () => {
  it('iris with the batcher on: batch dimension dropped, dynamic batching from the batcher, CPU instances', () => {
    const r = tritonExport(exportInput('iris', 2, { batcher: { enabled: true, maxBatchSize: 16, maxLatencyMs: 2.5, maxQueueSize: 300 }, resources: { instances: 3 } }), { labelCount: 3 });
    assert.deepEqual(r.files.map((f) => f.path), ['iris-dep/config.pbtxt', 'iris-dep/2/model.onnx', 'iris-dep/labels.txt']);
    const cfg = parsePbtxt(fileText(r, 'config.pbtxt'));
    assert.equal(one(cfg, 'name'), 'iris-dep');
    assert.equal(one(cfg, 'platform'), 'onnxruntime_onnx');
    assert.equal(one(cfg, 'max_batch_size'), 16);
    assert.deepEqual(((one(cfg, 'version_policy') as PbMessage).specific![0] as PbMessage).versions, [2]);
    assert.deepEqual(tensors(cfg, 'input'), [{ name: 'float_input', type: 'TYPE_FP32', dims: [4], reshape: undefined, label: undefined }]);
    assert.deepEqual(tensors(cfg, 'output'), [
      // label is [batch]: nothing left once the batch dimension goes, so [1] reshaped to a scalar
      { name: 'label', type: 'TYPE_INT64', dims: [1], reshape: [{ shape: [] }], label: undefined },
      { name: 'probabilities', type: 'TYPE_FP32', dims: [3], reshape: undefined, label: ['labels.txt'] },
    ]);
    const db = one(cfg, 'dynamic_batching') as PbMessage;
    assert.equal(one(db, 'max_queue_delay_microseconds'), 2500);
    assert.equal(one(one(db, 'default_queue_policy') as PbMessage, 'max_queue_size'), 300);
    const group = (cfg.instance_group as PbMessage[])[0]!;
    assert.equal(one(group, 'count'), 3);
    assert.equal(one(group, 'kind'), 'KIND_CPU');
    assert.equal(group.gpus, undefined);
    assert.equal(cfg.optimization, undefined);
  });

  it('batcher off: max_batch_size 0, full shapes with -1, no dynamic batching', () => {
    const r = tritonExport(exportInput('digits-cnn', 1));
    const cfg = parsePbtxt(fileText(r, 'config.pbtxt'));
    assert.equal(one(cfg, 'max_batch_size'), 0);
    assert.equal(cfg.dynamic_batching, undefined);
    assert.deepEqual(tensors(cfg, 'input')[0]!.dims, [-1, 1, 8, 8]);
    assert.deepEqual(tensors(cfg, 'output').map((t) => t.dims), [[-1], [-1, 10]]);
    assert.ok(!r.files.some((f) => f.path.endsWith('labels.txt')), 'no labels without a label count');
  });

  it('GPUs and TensorRT: KIND_GPU on gpus 0..n-1, the TensorRT accelerator', () => {
    const r = tritonExport(exportInput('digits', 1, { resources: { gpu: 2, instances: 2, executionProviders: ['tensorrt', 'cuda', 'cpu'] } }));
    const cfg = parsePbtxt(fileText(r, 'config.pbtxt'));
    const group = (cfg.instance_group as PbMessage[])[0]!;
    assert.equal(one(group, 'kind'), 'KIND_GPU');
    assert.deepEqual(group.gpus, [0, 1]);
    const acc = one(one(cfg, 'optimization') as PbMessage, 'execution_accelerators') as PbMessage;
    assert.equal(one((acc.gpu_execution_accelerator as PbMessage[])[0]!, 'name'), 'tensorrt');
  });

  it('a model with a fixed first dimension cannot batch: max_batch_size 0 and a note', () => {
    const input: ExportInput = { ...exportInput('iris', 1, { batcher: { enabled: true } }), inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }] };
    const r = tritonExport(input);
    assert.equal(one(parsePbtxt(fileText(r, 'config.pbtxt')), 'max_batch_size'), 0);
    assert.ok(r.notes.some((n) => /fixed first dimension/.test(n)));
  });

  it('names are quoted safely; BYTES is TYPE_STRING; a type Triton lacks is refused', () => {
    const base = exportInput('iris', 1, { name: 'odd' } as Partial<DeploymentInput>);
    const r = tritonExport({ ...base, inputs: [{ name: 'a "quoted"\\name', datatype: 'BYTES', shape: ['n', 2] }] });
    const cfg = parsePbtxt(fileText(r, 'config.pbtxt'));
    assert.deepEqual(tensors(cfg, 'input')[0]!.name, 'a "quoted"\\name');
    assert.equal(tensors(cfg, 'input')[0]!.type, 'TYPE_STRING');
    assert.throws(() => tritonExport({ ...base, inputs: [{ name: 'c', datatype: 'ONNX:COMPLEX64', shape: [1] }] }), ExportError);
  });

  it('notes what does not map: transformer, logger, replicas, container limits', () => {
    const r = tritonExport(exportInput('iris', 2, { transformer: { script: 't.py' }, inferenceLogger: { mode: 'all' }, resources: { minReplicas: 0, maxReplicas: 3, cpu: '1' } }));
    for (const re of [/transformer/, /inferenceLogger/, /replicas/, /resources\.cpu/]) assert.ok(r.notes.some((n) => re.test(n)), `a note matches ${re}`);
  });

  it('a script deployment cannot be exported', () => {
    assert.throws(() => tritonExport(exportInput('iris', 1, { modelServer: 'script', predictor: { script: 'p.py' } })), (e: Error) => e instanceof ExportError && /predictor script/.test(e.message));
    assert.throws(() => mlserverExport(exportInput('iris', 1, { modelServer: 'script', predictor: { script: 'p.py' } })), ExportError);
  });
});

describe('MLServer model-settings.json', () => {
  it('batcher on: max_batch_size, max_batch_time in seconds, parallel_workers, tensors with -1', () => {
    const r = mlserverExport(exportInput('iris', 2, { batcher: { enabled: true, maxBatchSize: 8, maxLatencyMs: 20 }, resources: { instances: 4, executionProviders: ['cuda', 'cpu'] } }));
    assert.deepEqual(r.files.map((f) => f.path), ['iris-dep/model-settings.json', 'iris-dep/model.onnx', 'iris-dep/modeldeck_onnx_runtime.py']);
    const s = JSON.parse(fileText(r, 'model-settings.json')) as MlserverModelSettings;
    assert.equal(s.name, 'iris-dep');
    assert.equal(s.implementation, 'modeldeck_onnx_runtime.OnnxRuntimeModel');
    assert.equal(s.max_batch_size, 8);
    assert.equal(s.max_batch_time, 0.02);
    assert.equal(s.parallel_workers, 4);
    assert.deepEqual(s.inputs, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(s.outputs.map((o) => [o.name, o.datatype, o.shape]), [['label', 'INT64', [-1]], ['probabilities', 'FP32', [-1, 3]]]);
    assert.deepEqual(s.parameters, { uri: './model.onnx', version: '2', extra: { providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'] } });
  });

  it('batcher off: adaptive batching off (0 and 0)', () => {
    const s = JSON.parse(fileText(mlserverExport(exportInput('digits', 1)), 'model-settings.json')) as MlserverModelSettings;
    assert.equal(s.max_batch_size, 0);
    assert.equal(s.max_batch_time, 0);
    assert.equal(s.parallel_workers, 1);
  });

  it('the custom runtime file is valid Python', (t) => {
    const py = fileText(mlserverExport(exportInput('iris', 1)), 'modeldeck_onnx_runtime.py');
    const dir = mkdtempSync(path.join(tmpdir(), 'modeldeck-export-'));
    try {
      writeFileSync(path.join(dir, 'rt.py'), py);
      const r = spawnSync('/usr/bin/python3', ['-m', 'py_compile', path.join(dir, 'rt.py')], { encoding: 'utf8' });
      if (r.error) return t.skip('no /usr/bin/python3');
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
