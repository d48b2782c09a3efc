// The model view's ONNX summary (src/core/onnx/): the example models (checked against the onnx
// Python package when Debian's has it), generated models that onnxruntime really loads (inline and
// external weights), a generated 512 MB model read with only its structure fetched from disk, and
// files that are not ONNX.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readOnnxSummary, summariseOnnxBytes, OnnxSummaryError, formatBytes } from '../../src/core/onnx/onnxSummary';
import { parseOnnxSignature } from '../../src/core/registry/onnxSignature';
import { writeChainModel } from '../support/onnxWriter';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'models');
const MODELS = ['iris/1', 'iris/2', 'digits/1', 'digits-cnn/1'];

/** The onnx package's view of a model (the reference), or undefined when Debian's python3-onnx is absent. */
function pythonView(file: string): { ops: Record<string, number>; params: number; initializers: number; opsets: Record<string, number>; producer: string; ir: number; metadata: Record<string, string> } | undefined {
  const script = `
import json, sys, onnx
from collections import Counter
m = onnx.load(sys.argv[1], load_external_data=False)
ops = Counter()
def walk(g):
    for n in g.node:
        ops[(n.domain + '::' if n.domain not in ('', 'ai.onnx') else '') + n.op_type] += 1
        for a in n.attribute:
            if a.g.node: walk(a.g)
            for sg in a.graphs: walk(sg)
walk(m.graph)
params = 0
for t in m.graph.initializer:
    n = 1
    for d in t.dims: n *= d
    params += n
print(json.dumps({"ops": ops, "params": params, "initializers": len(m.graph.initializer), "opsets": {(o.domain or 'ai.onnx'): o.version for o in m.opset_import}, "producer": m.producer_name, "ir": m.ir_version, "metadata": {p.key: p.value for p in m.metadata_props}}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout);
}

describe('ONNX summary of the example models', () => {
  for (const m of MODELS) {
    it(`${m}: signature, opsets, operators and parameters`, (t) => {
      const file = path.join(EXAMPLES, m, 'model.onnx');
      const s = readOnnxSummary(file);
      // Inputs/outputs agree with the signature reader the tree view uses (dynamic dims: names vs -1).
      const sig = parseOnnxSignature(readFileSync(file));
      assert.deepEqual(s.inputs.map((i) => [i.name, i.datatype, i.shape.map((d) => (typeof d === 'number' ? d : -1))]), sig.inputs.map((i) => [i.name, i.datatype, i.shape]));
      assert.deepEqual(s.outputs.map((i) => i.name), sig.outputs.map((o) => o.name));
      assert.equal(s.producerName, 'modeldeck-examples');
      assert.equal(s.irVersion, 8);
      assert.equal(s.fileBytes, statSync(file).size);
      assert.ok(s.nodeCount > 0 && s.parameterCount > 0);
      assert.equal(s.nodeCount, s.operators.reduce((a, o) => a + o.count, 0));
      const ref = pythonView(file);
      if (!ref) return t.skip('python3-onnx not installed: reference check skipped');
      assert.deepEqual(Object.fromEntries(s.operators.map((o) => [o.op, o.count])), ref.ops);
      assert.equal(s.parameterCount, ref.params);
      assert.equal(s.initializerCount, ref.initializers);
      assert.deepEqual(Object.fromEntries(s.opsets.map((o) => [o.domain, o.version])), ref.opsets);
      assert.deepEqual(Object.fromEntries(s.metadata.map((e) => [e.key, e.value])), ref.metadata);
    });
  }

  it('names dynamic dimensions: the iris input is [batch-name-or-?, 4]', () => {
    const s = readOnnxSummary(path.join(EXAMPLES, 'iris', '1', 'model.onnx'));
    const shape = s.inputs[0]!.shape;
    assert.equal(shape.length, 2);
    assert.equal(typeof shape[0], 'string', 'the batch dimension is symbolic');
    assert.equal(shape[1], 4);
  });
});

describe('ONNX summary of generated models', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'modeldeck-onnx-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a small chain model: onnxruntime runs it, the summary counts its layers and weights', async () => {
    const file = path.join(dir, 'chain.onnx');
    writeChainModel(file, { layers: 3, width: 8, docString: 'three identity layers', metadata: { author: 'tests', license: 'MIT' } });
    const session = await ort.InferenceSession.create(file);
    const x = Float32Array.from({ length: 16 }, (_, i) => i - 8);
    const out = await session.run({ input: new ort.Tensor('float32', x, [2, 8]) });
    assert.deepEqual([...(out.output!.data as Float32Array)], [...x].map((v) => Math.max(0, v)));
    await session.release();

    const s = readOnnxSummary(file);
    assert.deepEqual(s.operators, [{ op: 'MatMul', count: 3 }, { op: 'Relu', count: 3 }]);
    assert.equal(s.parameterCount, 3 * 64);
    assert.equal(s.weightBytes, 3 * 64 * 4);
    assert.equal(s.initializerCount, 3);
    assert.deepEqual(s.inputs, [{ name: 'input', datatype: 'FP32', shape: ['batch', 8] }]);
    assert.deepEqual(s.outputs, [{ name: 'output', datatype: 'FP32', shape: ['batch', 8] }]);
    assert.deepEqual(s.opsets, [{ domain: 'ai.onnx', version: 13 }]);
    assert.equal(s.docString, 'three identity layers');
    assert.deepEqual(s.metadata, [{ key: 'author', value: 'tests' }, { key: 'license', value: 'MIT' }]);
    assert.equal(s.graphName, 'chain');
    assert.deepEqual(s.externalData, []);
  });

  it('external data: onnxruntime loads it; the summary lists the file, its tensors and bytes, and whether it exists', async () => {
    const file = path.join(dir, 'ext.onnx');
    writeChainModel(file, { layers: 2, width: 4, externalData: 'ext.weights' }, path.join(dir, 'ext.weights'));
    const session = await ort.InferenceSession.create(file);
    const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from([1, -2, 3, -4]), [1, 4]) });
    assert.deepEqual([...(out.output!.data as Float32Array)], [1, 0, 3, 0]);
    await session.release();

    const s = readOnnxSummary(file);
    assert.deepEqual(s.externalData, [{ location: 'ext.weights', tensors: 2, bytes: 2 * 16 * 4, exists: true }]);
    assert.equal(s.weightBytes, 2 * 16 * 4);
    rmSync(path.join(dir, 'ext.weights'));
    assert.equal(readOnnxSummary(file).externalData[0]!.exists, false);
  });

  it('a 512 MB model: summarised from its structure alone (under 1 % of the file read)', () => {
    const file = path.join(dir, 'large.onnx');
    const layers = 128;
    const width = 1024; // 4 MiB per weight, 512 MiB in all
    try {
      writeChainModel(file, { layers, width });
      const size = statSync(file).size;
      assert.ok(size > 512 * 1024 * 1024);
      const s = readOnnxSummary(file);
      assert.equal(s.fileBytes, size);
      assert.equal(s.parameterCount, layers * width * width);
      assert.equal(s.weightBytes, layers * width * width * 4);
      assert.deepEqual(s.operators, [{ op: 'MatMul', count: layers }, { op: 'Relu', count: layers }]);
      assert.deepEqual(s.inputs[0]!.shape, ['batch', width]);
      // The weights were stepped over: what was read is a window per weight, not the weights.
      assert.ok(s.bytesRead < size / 100, `read ${formatBytes(s.bytesRead)} of ${formatBytes(size)}`);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('ONNX summary of files that are not models', () => {
  it('a text file, an empty file and a truncated model say what is wrong', () => {
    assert.throws(() => summariseOnnxBytes(new TextEncoder().encode('{"inputs": []}\n')), OnnxSummaryError);
    assert.throws(() => summariseOnnxBytes(new Uint8Array(0)), /no graph/);
    const full = readFileSync(path.join(EXAMPLES, 'digits', '1', 'model.onnx'));
    assert.throws(() => summariseOnnxBytes(full.subarray(0, full.length - 100)), (e: Error) => e instanceof OnnxSummaryError && /past its message|end of the file/.test(e.message));
  });

  it('formats sizes', () => {
    assert.equal(formatBytes(600), '600 B');
    assert.equal(formatBytes(2530586), '2.4 MB');
    assert.equal(formatBytes(512 * 1024 * 1024), '512 MB');
  });
});

