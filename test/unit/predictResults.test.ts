import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { compareOutcomes } from '../../src/core/predict/compareOutcomes';
import { copyAs, toPython, type CopyTarget } from '../../src/core/predict/copyAs';
import { MAX_RAW_CHARS, outcomeSummary, pushHistory, trimOutcome } from '../../src/core/predict/history';
import type { InferSuccess, ModelMetadataView, ResultTensor } from '../../src/core/predict/predictTypes';
import { parseRequestText, type ParsedRequest } from '../../src/core/predict/requestModel';
import { softmax, topKTables, withClassLabels } from '../../src/core/predict/topK';

const LABELS = ['setosa', 'versicolor', 'virginica'];
const probs = (data: number[]): ResultTensor => ({ name: 'probabilities', datatype: 'FP32', shape: [data.length / 3, 3], data });

function success(outputs: ResultTensor[], labels = LABELS): InferSuccess {
  const labelled = withClassLabels(outputs, labels);
  return { ok: true, transport: 'rest-json', format: 'v2', outputs: labelled, topK: topKTables(labelled, labels), raw: '{}', timing: { clientMs: 1 } };
}

describe('top-k for classifiers', () => {
  it('ranks each row of an [N, C] output whose C is the number of labels, with the labels', () => {
    const [t] = topKTables([probs([0, 0.1, 0.9, 0.2, 0.7, 0.1])], LABELS, 2);
    assert.equal(t!.output, 'probabilities');
    assert.equal(t!.scores, 'probability');
    assert.deepEqual(t!.rows.map((r) => r.map((e) => `${e.label}:${e.probability}`)), [['virginica:0.9', 'versicolor:0.1'], ['versicolor:0.7', 'setosa:0.2']]);
  });

  it('turns logits into softmax probabilities but ranks by the logits', () => {
    const [t] = topKTables([{ name: 'logits', datatype: 'FP32', shape: [1, 3], data: [2, -1, 0.5] }], LABELS);
    assert.equal(t!.scores, 'logit');
    assert.deepEqual(t!.rows[0]!.map((e) => e.label), ['setosa', 'virginica', 'versicolor']);
    const p = softmax([2, -1, 0.5]);
    assert.ok(Math.abs(t!.rows[0]![0]!.probability - p[0]!) < 1e-12);
    assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
  });

  it('makes no table without labels, or when the class count does not match, or for integer outputs', () => {
    assert.deepEqual(topKTables([probs([0.2, 0.3, 0.5])], undefined), []);
    assert.deepEqual(topKTables([{ name: 'p', datatype: 'FP32', shape: [1, 4], data: [0.25, 0.25, 0.25, 0.25] }], LABELS), []);
    assert.deepEqual(topKTables([{ name: 'label', datatype: 'INT64', shape: [1, 3], data: [0, 1, 2] }], LABELS), []);
  });

  it('labels class-index outputs only when every value is a valid index', () => {
    const [label, odd] = withClassLabels(
      [
        { name: 'label', datatype: 'INT64', shape: [2], data: [2, 0] },
        { name: 'odd', datatype: 'INT64', shape: [2], data: [2, 7] },
      ],
      LABELS,
    );
    assert.deepEqual(label!.labels, ['virginica', 'setosa']);
    assert.equal(odd!.labels, undefined);
  });
});

describe('comparing two answers', () => {
  it('reports identical outputs, the largest difference, and rows whose top class changed', () => {
    const a = success([{ name: 'label', datatype: 'INT64', shape: [2], data: [2, 1] }, probs([0, 0.1, 0.9, 0.2, 0.7, 0.1])]);
    const b = success([{ name: 'label', datatype: 'INT64', shape: [2], data: [2, 0] }, probs([0, 0.15, 0.85, 0.6, 0.3, 0.1])]);
    const rows = compareOutcomes(a, b);
    assert.equal(rows.find((r) => r.name === 'label')!.note, '1 of 2 values differ (max |Δ| 1.00)');
    const p = rows.find((r) => r.name === 'probabilities')!;
    assert.ok(Math.abs(p.maxAbsDiff! - 0.4) < 1e-9);
    assert.deepEqual(p.top1Changes, [{ row: 1, a: 'versicolor', b: 'setosa' }]);
    assert.equal(compareOutcomes(a, a).every((r) => r.note === 'identical'), true);
  });

  it('says when an output is missing on one side or its shape changed', () => {
    const a = success([probs([0, 0.1, 0.9])]);
    const b = success([probs([0, 0.1, 0.9, 0, 0.1, 0.9]), { name: 'extra', datatype: 'FP32', shape: [1], data: [1] }]);
    assert.deepEqual(compareOutcomes(a, b).map((r) => [r.name, r.note]), [['probabilities', 'shapes differ'], ['extra', 'only in B']]);
  });
});

describe('history', () => {
  it('keeps the newest entries first, bounded', () => {
    let list: number[] = [];
    for (let i = 0; i < 60; i++) list = pushHistory(list, i, 50);
    assert.equal(list.length, 50);
    assert.equal(list[0], 59);
    assert.equal(list[49], 10);
  });

  it('trims large answers and says so', () => {
    const big = success([{ name: 'y', datatype: 'FP32', shape: [20_000], data: new Array(20_000).fill(1) }]);
    big.raw = 'x'.repeat(MAX_RAW_CHARS + 10);
    const t = trimOutcome(big);
    assert.ok(t.ok);
    assert.equal(t.ok && t.outputs[0]!.data.length, 10_000);
    assert.match(t.raw!, /… \(10 more characters not kept\)$/);
  });

  it('summarises an answer by the top class of each row, else the first values, else the error', () => {
    assert.equal(outcomeSummary(success([probs([0, 0.1, 0.9, 0.2, 0.7, 0.1])])), 'probabilities: virginica, versicolor');
    assert.equal(outcomeSummary(success([{ name: 'label', datatype: 'INT64', shape: [2], data: [2, 0] }])), 'label: virginica, setosa');
    assert.equal(outcomeSummary({ ok: false, transport: 'grpc', format: 'v2', error: 'model not ready', status: 'gRPC UNAVAILABLE' }), 'gRPC UNAVAILABLE: model not ready');
  });
});

describe('copy as curl / Python requests / grpcurl', () => {
  const meta: ModelMetadataView = { name: 'iris', versions: ['2'], inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }], outputs: [] };
  const target: CopyTarget = { httpUrl: 'http://127.0.0.1:8080', grpcAddress: 'grpc://127.0.0.1:8081', model: 'iris', protoDir: '/ext/dist/proto', meta };
  const v2 = parse('{"inputs": [{"name": "float_input", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2]}]}');
  const v1 = parse('{"instances": [[5.1, 3.5, 1.4, 0.2]]}');

  it('curl over REST JSON, with the body shell-quoted', () => {
    const text = copyAs('curl', v2, 'rest-json', target);
    assert.equal(
      text,
      `curl -s -X POST 'http://127.0.0.1:8080/v2/models/iris/infer' -H 'Content-Type: application/json' -d '{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}'`,
    );
    assert.match(copyAs('curl', v2, 'grpc', target), /^# The same request over REST/);
    assert.match(copyAs('curl', v1, 'rest-json', target), /v1\/models\/iris:predict' .* -d '\{"instances":\[\[5\.1,3\.5,1\.4,0\.2\]\]\}'$/);
  });

  it('curl with the binary extension: the header length it announces is the header it prints, and 16 input bytes follow', () => {
    const text = copyAs('curl', v2, 'rest-binary', target);
    const header = /printf '%s' '([^']*)'/.exec(text)![1]!;
    const announced = Number(/Inference-Header-Content-Length: (\d+)/.exec(text)![1]);
    assert.equal(announced, new TextEncoder().encode(header).length);
    assert.equal(JSON.parse(header).inputs[0].parameters.binary_data_size, 16);
    assert.equal(JSON.parse(header).parameters, undefined, 'outputs come back as JSON, readable in a terminal');
    assert.equal((/printf '((?:\\x[0-9a-f]{2})+)'/.exec(text)![1]!.match(/\\x/g) ?? []).length, 16);
  });

  it('Python requests: JSON payload as a Python literal, or struct-packed binary tensors', () => {
    const json = copyAs('python', v2, 'rest-json', target);
    assert.match(json, /^import requests\n\nurl = "http:\/\/127\.0\.0\.1:8080\/v2\/models\/iris\/infer"\npayload = \{"inputs": \[\{"name": "float_input", "shape": \[1, 4\], "datatype": "FP32", "data": \[5\.1, 3\.5, 1\.4, 0\.2\]\}\]\}\n/);
    const bin = copyAs('python', v2, 'rest-binary', target);
    assert.match(bin, /struct\.pack\("<4f", \*\[5\.1, 3\.5, 1\.4, 0\.2\]\),  # float_input/);
    assert.match(bin, /"Inference-Header-Content-Length": str\(len\(header_bytes\)\)/);
    assert.equal(toPython({ a: [true, false, null], b: 'x"y' }), '{"a": [True, False, None], "b": "x\\"y"}');
  });

  it('grpcurl: the shipped proto, typed contents, the gRPC address; V1 becomes the V2 tensor', () => {
    const text = copyAs('grpcurl', v2, 'rest-json', target);
    assert.match(text, /^grpcurl -plaintext -import-path '\/ext\/dist\/proto' -proto open_inference_grpc\.proto \\\n/);
    assert.match(text, /127\.0\.0\.1:8081 inference\.GRPCInferenceService\/ModelInfer$/);
    const json = JSON.parse(/-d '([^']*)'/.exec(text)![1]!);
    assert.deepEqual(json, { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] } }] });
    const fromV1 = JSON.parse(/-d '([^']*)'/.exec(copyAs('grpcurl', v1, 'rest-json', target))![1]!);
    assert.deepEqual(fromV1.inputs[0].shape, [1, 4]);
  });
});

function parse(text: string): ParsedRequest {
  const r = parseRequestText(text);
  assert.ok(r.ok);
  return r.request;
}
