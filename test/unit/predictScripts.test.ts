/**
 * The predict panel for script deployments (a predictor script declares no signature; a transformer
 * decides what a request holds): metadata read, V1 first, examples from input_example or a
 * placeholder, JSON-only checks, V1 predictions kept as received, script errors told apart, and
 * "Copy as" producing the V1 :predict request.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyAs, type CopyTarget } from '../../src/core/predict/copyAs';
import { exampleRequestText, instancesAsV2, scriptExample, v2AsV1Rows } from '../../src/core/predict/exampleRequest';
import { trimOutcome } from '../../src/core/predict/history';
import { metadataView } from '../../src/core/predict/inferenceClient';
import type { InferSuccess, ModelMetadataView } from '../../src/core/predict/predictTypes';
import { checkRequest, formatsFor, parseRequestText, raisedByScript, scriptDefined, scriptNote, type ParsedRequest } from '../../src/core/predict/requestModel';
import { decodeV1Response } from '../../src/core/predict/restCodec';

/** What the server answers on GET /v2/models/iris-ts for a TypeScript predictor (server/protocols/modelMetadata.ts). */
const SCRIPT_METADATA_JSON = {
  name: 'iris-ts',
  versions: ['2'],
  platform: 'js_script',
  inputs: [],
  outputs: [],
  parameters: {
    registry_model: 'iris',
    execution_provider: 'cpu',
    instances: 1,
    labels: ['setosa', 'versicolor', 'virginica'],
    predictor_script: { path: '/ws/scripts/iris_predictor.ts', class_name: 'Predictor', runtime: 'Node 20.19.0 (worker thread)', methods: 'predict' },
  },
};
const SCRIPT = metadataView(SCRIPT_METADATA_JSON);

/** An ONNX model with a transformer in front: the signature is the model's, the request is the transformer's. */
const TRANSFORMED = metadataView({
  name: 'iris-transformer',
  versions: ['2'],
  platform: 'onnxruntime_onnx',
  inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  parameters: { transformer_script: { path: '/ws/scripts/iris_transformer.py', class_name: 'Transformer', runtime: 'Python 3.11.2 (/usr/bin/python3)', methods: 'preprocess,postprocess' } },
});

const IRIS: ModelMetadataView = {
  name: 'iris',
  versions: ['2'],
  platform: 'onnxruntime_onnx',
  inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
};
const IRIS_EXAMPLE = { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 4], data: [7.3, 2.9, 6.3, 1.8, 6.1, 2.9, 4.7, 1.4] }] };

function parsed(text: string): ParsedRequest {
  const r = parseRequestText(text);
  assert.ok(r.ok, JSON.stringify(r));
  return r.request;
}

describe('script deployments: metadata and formats', () => {
  it('reads the platform and the predictor/transformer scripts from the metadata parameters', () => {
    assert.equal(SCRIPT.platform, 'js_script');
    assert.deepEqual(SCRIPT.predictorScript, { path: '/ws/scripts/iris_predictor.ts', className: 'Predictor', runtime: 'Node 20.19.0 (worker thread)', methods: ['predict'] });
    assert.equal(SCRIPT.transformerScript, undefined);
    assert.deepEqual(TRANSFORMED.transformerScript?.methods, ['preprocess', 'postprocess']);
    assert.equal(metadataView({ name: 'x', inputs: [], outputs: [], parameters: { predictor_script: 'not an object' } }).predictorScript, undefined);
  });

  it('a predictor script or a transformer makes the script decide; an ONNX model keeps its signature', () => {
    assert.equal(scriptDefined(SCRIPT), true);
    assert.equal(scriptDefined(TRANSFORMED), true);
    assert.equal(scriptDefined({ name: 'p', versions: [], platform: 'python_script', inputs: [], outputs: [] }), true);
    assert.equal(scriptDefined(IRIS), false);
  });

  it('V1 is offered first for scripts, V2 too; ONNX models keep V2 first', () => {
    assert.deepEqual(formatsFor(SCRIPT), ['v1', 'v2']);
    assert.deepEqual(formatsFor(TRANSFORMED), ['v1', 'v2']);
    assert.deepEqual(formatsFor(IRIS), ['v2', 'v1']);
  });

  it('the panel says which script decides what a request holds', () => {
    assert.equal(
      scriptNote(SCRIPT),
      'Served through the predictor script iris_predictor.ts (class Predictor on Node 20.19.0 (worker thread)): the script defines what it accepts (no declared signature). Requests are sent as written, checked only as JSON.',
    );
    assert.match(scriptNote(TRANSFORMED)!, /^Served through the transformer script iris_transformer\.py \(class Transformer on Python 3\.11\.2 \(\/usr\/bin\/python3\)\): its transformer defines what a request may hold\./);
    assert.equal(scriptNote(IRIS), undefined);
  });
});

describe('script deployments: the example request', () => {
  it('a V2 input_example becomes V1 instances, one per row', () => {
    assert.deepEqual(JSON.parse(exampleRequestText(SCRIPT, IRIS_EXAMPLE, 'v1')), { instances: [[7.3, 2.9, 6.3, 1.8], [6.1, 2.9, 4.7, 1.4]] });
    assert.equal(scriptExample(IRIS_EXAMPLE, 'v1').placeholder, false);
    // The transformer's deployment too, though its model has a signature.
    assert.deepEqual(JSON.parse(exampleRequestText(TRANSFORMED, IRIS_EXAMPLE, 'v1')).instances.length, 2);
  });

  it('V2 keeps the input_example tensors', () => {
    assert.deepEqual(JSON.parse(exampleRequestText(SCRIPT, IRIS_EXAMPLE, 'v2')), IRIS_EXAMPLE);
  });

  it('without input_example: a placeholder in either format, marked as one', () => {
    assert.deepEqual(JSON.parse(exampleRequestText(SCRIPT, undefined, 'v1')), { instances: [[0]] });
    assert.deepEqual(scriptExample(undefined, 'v1'), { body: { instances: [[0]] }, placeholder: true });
    assert.deepEqual(JSON.parse(exampleRequestText(SCRIPT, undefined, 'v2')), { inputs: [{ name: 'input-0', datatype: 'FP32', shape: [1, 1], data: [0] }] });
    assert.equal(scriptExample({ nonsense: true }, 'v2').placeholder, true);
  });

  it('a V1 input_example stays V1, and becomes one V2 tensor with a datatype read from its values', () => {
    const v1 = { instances: [[1, 2], [3, 4]] };
    assert.deepEqual(JSON.parse(exampleRequestText(SCRIPT, v1, 'v1')), v1);
    assert.deepEqual(instancesAsV2(v1.instances), { inputs: [{ name: 'input-0', datatype: 'INT64', shape: [2, 2], data: [1, 2, 3, 4] }] });
    assert.equal(instancesAsV2([[0.5, 1]]).inputs[0]!.datatype, 'FP64');
    assert.equal(instancesAsV2(['a', 'b']).inputs[0]!.datatype, 'BYTES');
    assert.equal(instancesAsV2([true]).inputs[0]!.datatype, 'BOOL');
    assert.deepEqual(
      instancesAsV2([{ x: 1, y: 0.5 }, { x: 2, y: 1.5 }]).inputs.map((t) => [t.name, t.datatype, t.shape, t.data]),
      [['x', 'INT64', [2], [1, 2]], ['y', 'FP64', [2], [0.5, 1.5]]],
    );
  });

  it('several V2 inputs become one object per row, keyed by input name', () => {
    const body = { inputs: [{ name: 'a', datatype: 'INT64', shape: [2], data: [1, 2] }, { name: 'b', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] }] };
    assert.deepEqual(v2AsV1Rows(body), { instances: [{ a: 1, b: [1, 2] }, { a: 2, b: [3, 4] }] });
  });
});

describe('script deployments: checks before sending', () => {
  it('V1 instances of any JSON are sent as written', () => {
    assert.deepEqual(checkRequest(parsed('{"instances": [[0]]}'), SCRIPT), []);
    assert.deepEqual(checkRequest(parsed('{"instances": [{"sepal_length": 5.1}, "text", [1, 2, 3]]}'), TRANSFORMED), []);
    // The ONNX model behind no transformer still refuses a row of the wrong size.
    assert.equal(checkRequest(parsed('{"instances": [[0]]}'), IRIS).length, 1);
  });

  it('V2: no signature checks, only what JSON tensors must satisfy themselves', () => {
    assert.deepEqual(checkRequest(parsed('{"inputs": [{"name": "anything", "datatype": "INT64", "shape": [1, 3], "data": [1, 2, 3]}]}'), SCRIPT), []);
    assert.deepEqual(checkRequest(parsed('{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 2], "data": [1, 2, 3]}]}'), SCRIPT), [
      'inputs[0] "x": shape [2,2] holds 4 values but "data" has 3',
    ]);
    assert.deepEqual(checkRequest(parsed('{"inputs": [{"name": "x", "datatype": "INT64", "shape": [1], "data": [1.5]}, {"name": "x", "datatype": "BOOL", "shape": [1], "data": [true]}]}'), SCRIPT), [
      'inputs[0] "x": data[0] is 1.5, not an integer (INT64)',
      'inputs[1] "x" is given twice',
    ]);
  });
});

describe('script deployments: answers', () => {
  it('V1 predictions are kept as received, one per instance, beside the tensors', () => {
    const keyed = decodeV1Response({ predictions: [{ label: 2, probabilities: [0.01, 0.2, 0.79] }, { label: 1, probabilities: [0.1, 0.8, 0.1] }] }, { ...SCRIPT, outputs: [] });
    assert.equal(keyed.predictions?.length, 2);
    assert.deepEqual(keyed.outputs.map((o) => [o.name, o.shape]), [['label', [2]], ['probabilities', [2, 3]]]);
    const plain = decodeV1Response({ predictions: ['setosa', 'virginica'] }, { ...SCRIPT, outputs: [] });
    assert.deepEqual(plain.predictions, ['setosa', 'virginica']);
    assert.deepEqual([plain.outputs[0]!.name, plain.outputs[0]!.datatype], ['predictions', 'BYTES']);
  });

  it('a stored answer keeps at most the trimmed number of predictions', () => {
    const outcome: InferSuccess = { ok: true, transport: 'rest-json', format: 'v1', outputs: [], predictions: [1, 2, 3, 4, 5], topK: [], raw: '{}', timing: { clientMs: 1 } };
    assert.deepEqual((trimOutcome(outcome, 3) as InferSuccess).predictions, [1, 2, 3]);
  });

  it('an exception the script raised is told apart from the server refusing a request', () => {
    assert.equal(raisedByScript('iris_predictor.ts raised Error: rows must have 4 values', SCRIPT), true);
    assert.equal(raisedByScript('iris_transformer.py raised ValueError: bad', TRANSFORMED), true);
    assert.equal(raisedByScript('model "iris-ts" is not ready', SCRIPT), false);
    assert.equal(raisedByScript('other.py raised ValueError: x', SCRIPT), false);
    assert.equal(raisedByScript('p.py raised KeyError: x', { name: 'p', versions: [], platform: 'python_script', inputs: [], outputs: [] }), true);
    assert.equal(raisedByScript('p.py raised KeyError: x', IRIS), false);
  });
});

describe('script deployments: Copy as', () => {
  const target: CopyTarget = { httpUrl: 'http://127.0.0.1:8080', grpcAddress: '127.0.0.1:8081', model: 'iris-ts', protoDir: '/ext/dist/proto', meta: SCRIPT };
  const v1 = parsed('{"instances": [[5.1, 3.5, 1.4, 0.2]]}');

  it('curl and Python requests post the V1 :predict request', () => {
    assert.equal(
      copyAs('curl', v1, 'rest-json', target),
      `curl -s -X POST 'http://127.0.0.1:8080/v1/models/iris-ts:predict' -H 'Content-Type: application/json' -d '{"instances":[[5.1,3.5,1.4,0.2]]}'`,
    );
    const py = copyAs('python', v1, 'rest-json', target);
    assert.match(py, /^url = "http:\/\/127\.0\.0\.1:8080\/v1\/models\/iris-ts:predict"$/m);
    assert.match(py, /^payload = \{"instances": \[\[5\.1, 3\.5, 1\.4, 0\.2\]\]\}$/m);
  });

  it('grpcurl (gRPC has no V1) gives the same V1 :predict request over REST, saying why', () => {
    const text = copyAs('grpcurl', v1, 'grpc', target);
    const [note, command] = text.split('\n');
    assert.match(note!, /^# gRPC has no V1 form/);
    assert.equal(command, copyAs('curl', v1, 'rest-json', target));
  });

  it('V2 tensors still copy as a gRPC ModelInfer for a script', () => {
    const text = copyAs('grpcurl', parsed('{"inputs": [{"name": "input-0", "datatype": "FP32", "shape": [1, 1], "data": [0]}]}'), 'grpc', target);
    assert.match(text, /inference\.GRPCInferenceService\/ModelInfer$/);
  });
});
