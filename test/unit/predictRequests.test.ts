import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { exampleRequestText, exampleV2, pretty, v2AsV1 } from '../../src/core/predict/exampleRequest';
import { decodeGrpcResponse, grpcInferRequest, grpcParameters } from '../../src/core/predict/grpcCodec';
import type { ModelMetadataView } from '../../src/core/predict/predictTypes';
import { checkRequest, parseRequestText, requestFileInputs, v1AsV2, type ParsedRequest } from '../../src/core/predict/requestModel';
import { decodeV1Response, decodeV2Response, HEADER_LENGTH, restBinaryRequest, restErrorText, restJsonRequest, v1Request } from '../../src/core/predict/restCodec';
import { decodeTensorBytes, encodeTensorBytes, flattenData, fromFloat16Bits, toFloat16Bits } from '../../src/core/predict/tensorData';

const IRIS: ModelMetadataView = {
  name: 'iris',
  versions: ['2'],
  inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
  ],
  labels: ['setosa', 'versicolor', 'virginica'],
  executionProvider: 'cpu',
};
const TWO_INPUTS: ModelMetadataView = {
  name: 'pair',
  versions: ['1'],
  inputs: [
    { name: 'a', datatype: 'INT64', shape: [-1] },
    { name: 'b', datatype: 'BYTES', shape: [-1] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
};
const IRIS_EXAMPLE = { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 4], data: [7.3, 2.9, 6.3, 1.8, 6.1, 2.9, 4.7, 1.4] }] };

function parsed(text: string): ParsedRequest {
  const r = parseRequestText(text);
  assert.ok(r.ok, JSON.stringify(r));
  return r.request;
}

describe('parseRequestText', () => {
  it('reads V2 tensors (nested data flattened row-major) and V1 instances', () => {
    const v2 = parsed(JSON.stringify({ id: 'x', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 2], data: [[1, 2], [3, 4]] }], outputs: [{ name: 'label' }] }));
    assert.equal(v2.format, 'v2');
    assert.deepEqual(v2.format === 'v2' && v2.body.inputs[0]!.data, [1, 2, 3, 4]);
    assert.equal(v2.format === 'v2' && v2.body.id, 'x');
    const v1 = parsed('{"instances": [[1,2,3,4]]}');
    assert.deepEqual(v1, { format: 'v1', instances: [[1, 2, 3, 4]] });
  });

  it('reports invalid JSON with its line and column', () => {
    const r = parseRequestText('{\n  "inputs": [\n    {"name": "x",}\n  ]\n}');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.problems[0]! : '', /not valid JSON: .*\(line 3, column \d+\)/);
  });

  it('lists every structural problem, each naming its input', () => {
    const r = parseRequestText(JSON.stringify({ inputs: [{ name: 'a', shape: [2, -1], data: [1] }, { name: 'b', datatype: 'FLOAT', shape: [1] }, 7], outputs: 'label' }));
    assert.equal(r.ok, false);
    const problems = !r.ok ? r.problems : [];
    assert.ok(problems.some((p) => p === '"outputs" must be a list of {"name": …}'), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('inputs[0] "a" needs a "datatype"')));
    assert.ok(problems.some((p) => p.startsWith('inputs[0] "a": "shape" must be a list of non-negative integers (got [2,-1])')));
    assert.ok(problems.some((p) => p.startsWith('inputs[1] "b": datatype "FLOAT" is not an OIP datatype')));
    assert.ok(problems.some((p) => p === 'inputs[1] "b" has no "data"'));
    assert.ok(problems.some((p) => p.startsWith('inputs[2] must be an object')));
    assert.deepEqual(parseRequestText('[1]'), { ok: false, problems: ['the request must be a JSON object with "inputs" (V2) or "instances" (V1)'] });
    assert.equal(parseRequestText('{"instances": []}').ok, false);
  });

  it('recognises request files for the CodeLens, also mid-edit, and not other JSON', () => {
    assert.deepEqual(requestFileInputs(JSON.stringify(IRIS_EXAMPLE)), ['float_input']);
    assert.deepEqual(requestFileInputs('{"inputs": [{"name": "float_input", "datatype": "FP33"}]}'), ['float_input']);
    assert.deepEqual(requestFileInputs('{\n  "inputs": [\n    {"name": "pixels", "data": [1, 2,'), ['pixels']);
    assert.equal(requestFileInputs('{"name": "iris", "model": {"name": "iris"}}'), undefined);
    assert.equal(requestFileInputs(JSON.stringify({ framework: 'sklearn', input_example: IRIS_EXAMPLE })), undefined);
    assert.equal(requestFileInputs('{"instances": [[1]]}'), undefined);
  });
});

describe('checkRequest against model metadata', () => {
  it('accepts the model\'s own example', () => {
    assert.deepEqual(checkRequest(parsed(JSON.stringify(IRIS_EXAMPLE)), IRIS), []);
    assert.deepEqual(checkRequest(parsed('{"instances": [[5.1, 3.5, 1.4, 0.2], [6, 3, 5, 2]]}'), IRIS), []);
  });

  it('names an unknown input, suggests the close one and lists the inputs; reports the missing one', () => {
    const p = checkRequest(parsed('{"inputs": [{"name": "float_inpt", "datatype": "FP32", "shape": [1, 4], "data": [1,2,3,4]}]}'), IRIS);
    assert.deepEqual(p, [
      'inputs[0] "float_inpt": the model has no input named "float_inpt" (did you mean "float_input"?); its inputs: float_input FP32 [-1,4]',
      'missing input "float_input" (FP32 [-1,4])',
    ]);
  });

  it('reports datatype, fixed dimension, rank, element count and element type, one line each', () => {
    const bad = (t: object) => checkRequest(parsed(JSON.stringify({ inputs: [{ name: 'float_input', ...t }] })), IRIS);
    assert.deepEqual(bad({ datatype: 'FP64', shape: [1, 4], data: [1, 2, 3, 4] }), ['inputs[0] "float_input": datatype FP64 does not match the model\'s FP32']);
    assert.deepEqual(bad({ datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }), [
      'inputs[0] "float_input": shape [2,3] does not fit the model\'s [-1,4]: dimension 1 must be 4 (got 3)',
    ]);
    assert.deepEqual(bad({ datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }), ['inputs[0] "float_input": shape [4] does not fit the model\'s [-1,4]: rank 1, the model takes rank 2']);
    assert.deepEqual(bad({ datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4, 5, 6] }), ['inputs[0] "float_input": shape [2,4] holds 8 values but "data" has 6']);
    assert.deepEqual(bad({ datatype: 'FP32', shape: [1, 4], data: [1, 'x', 3, 4] }), ['inputs[0] "float_input": data[1] is "x", not a number (FP32)']);
  });

  it('checks requested outputs and repeated inputs', () => {
    const p = checkRequest(parsed(JSON.stringify({ inputs: [IRIS_EXAMPLE.inputs[0], IRIS_EXAMPLE.inputs[0]], outputs: [{ name: 'proba' }] })), IRIS);
    assert.deepEqual(p, ['inputs[1] "float_input" is given twice', 'outputs: the model has no output named "proba"; its outputs: label, probabilities']);
  });

  it('V1: refuses models with several inputs and instances of the wrong size', () => {
    assert.deepEqual(checkRequest(parsed('{"instances": [[1, 2]]}'), TWO_INPUTS), [
      'V1 "instances" need a model with one input; this one has 2 (a INT64 [-1], b BYTES [-1]): send V2 tensors instead',
    ]);
    assert.deepEqual(checkRequest(parsed('{"instances": [[1, 2, 3, 4], [1, 2, 3]]}'), IRIS), [
      'instances[1] has 3 values; "float_input" takes 4 per instance (shape [-1,4])',
    ]);
  });

  it('64-bit integers may be decimal strings; BYTES must be strings', () => {
    const ok = parsed(JSON.stringify({ inputs: [{ name: 'a', datatype: 'INT64', shape: [2], data: ['9007199254740993', 3] }, { name: 'b', datatype: 'BYTES', shape: [1], data: ['hi'] }] }));
    assert.deepEqual(checkRequest(ok, TWO_INPUTS), []);
    const bad = parsed(JSON.stringify({ inputs: [{ name: 'a', datatype: 'INT64', shape: [1], data: [1.5] }, { name: 'b', datatype: 'BYTES', shape: [1], data: [1] }] }));
    assert.deepEqual(checkRequest(bad, TWO_INPUTS), ['inputs[0] "a": data[0] is 1.5, not an integer (INT64)', 'inputs[1] "b": data[0] is 1, not a string (BYTES)']);
  });
});

describe('tensor bytes (binary extension and gRPC raw contents)', () => {
  it('round-trips every datatype, 64-bit integers exactly', () => {
    const cases: [string, unknown[]][] = [
      ['BOOL', [true, false, true]],
      ['UINT8', [0, 255]],
      ['INT8', [-128, 127]],
      ['UINT16', [0, 65535]],
      ['INT16', [-32768, 32767]],
      ['UINT32', [0, 4294967295]],
      ['INT32', [-2147483648, 2147483647]],
      ['INT64', ['-9223372036854775808', '9223372036854775807', 42]],
      ['UINT64', ['18446744073709551615', 7]],
      ['FP32', [1.5, -0.25]],
      ['FP64', [Math.PI, -1e300]],
      ['FP16', [1, -2, 0.5, 65504]],
      ['BYTES', ['', 'héllo', 'a']],
    ];
    for (const [dt, data] of cases) {
      const bytes = encodeTensorBytes(dt, data);
      const back = decodeTensorBytes(dt, bytes, data.length, dt);
      assert.deepEqual(back, data, dt);
    }
    assert.equal(encodeTensorBytes('FP32', [1, 2]).length, 8);
    assert.deepEqual([...encodeTensorBytes('BYTES', ['ab'])], [2, 0, 0, 0, 97, 98]);
  });

  it('says what is wrong with a size mismatch', () => {
    assert.throws(() => decodeTensorBytes('FP32', new Uint8Array(6), 2, 'output "y"'), /output "y": 6 bytes for 2 FP32 elements \(expected 8\)/);
    assert.throws(() => decodeTensorBytes('BYTES', new Uint8Array([5, 0, 0, 0, 1]), 1, 'o'), /runs past the end/);
  });

  it('FP16 conversion rounds to nearest even and keeps infinities', () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(70000), 0x7c00);
    assert.equal(fromFloat16Bits(toFloat16Bits(0.1)), 0.0999755859375);
    assert.equal(fromFloat16Bits(0x0001), 2 ** -24);
  });

  it('flattens nested data row-major', () => {
    assert.deepEqual(flattenData([[[1], [2]], [[3], [4]]]), [1, 2, 3, 4]);
    assert.deepEqual(flattenData(5), [5]);
  });
});

describe('REST requests and responses', () => {
  const body = (parsed(JSON.stringify(IRIS_EXAMPLE)) as Extract<ParsedRequest, { format: 'v2' }>).body;

  it('REST JSON posts the tensors to /v2/models/{m}/infer', () => {
    const plan = restJsonRequest('http://127.0.0.1:8080/', 'iris prod', body);
    assert.equal(plan.url, 'http://127.0.0.1:8080/v2/models/iris%20prod/infer');
    assert.deepEqual(JSON.parse(plan.body as string), { inputs: [{ name: 'float_input', shape: [2, 4], datatype: 'FP32', data: IRIS_EXAMPLE.inputs[0]!.data }] });
  });

  it('REST binary: JSON header of the announced length, then each input\'s bytes; binary outputs asked for', () => {
    const plan = restBinaryRequest('http://h:1', 'iris', body);
    const bytes = plan.body as Uint8Array;
    const headerLength = Number(plan.headers[HEADER_LENGTH]);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, headerLength)));
    assert.equal(header.parameters.binary_data_output, true);
    assert.equal(header.inputs[0].parameters.binary_data_size, 32);
    assert.equal(header.inputs[0].data, undefined);
    assert.equal(bytes.length, headerLength + 32);
    assert.deepEqual(decodeTensorBytes('FP32', bytes.subarray(headerLength), 8, 'x').map((v) => Math.round((v as number) * 10) / 10), IRIS_EXAMPLE.inputs[0]!.data);
  });

  it('decodes a binary response: JSON outputs and binary outputs in order', () => {
    const header = JSON.stringify({
      model_name: 'iris',
      model_version: '2',
      id: 'r1',
      parameters: { queue_ms: 0.1, compute_ms: 0.4 },
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
        { name: 'note', datatype: 'BYTES', shape: [1], data: ['ok'] },
        { name: 'probabilities', datatype: 'FP32', shape: [2, 1], parameters: { binary_data_size: 8 } },
      ],
    });
    const h = new TextEncoder().encode(header);
    const body = new Uint8Array([...h, ...encodeTensorBytes('INT64', [2, 1]), ...encodeTensorBytes('FP32', [0.5, 0.25])]);
    const d = decodeV2Response(body, h.length);
    assert.deepEqual(d.outputs.map((o) => [o.name, o.data]), [['label', [2, 1]], ['note', ['ok']], ['probabilities', [0.5, 0.25]]]);
    assert.equal(d.modelVersion, '2');
    assert.equal(d.queueMs, 0.1);
    assert.equal(d.computeMs, 0.4);
    assert.match(d.raw, /binary tensor data after the \d+-byte JSON header \(label: 16 bytes, probabilities: 8 bytes\)/);
  });

  it('V1: posts instances to :predict and reads keyed predictions as one tensor per output', () => {
    assert.equal(v1Request('http://h:1', 'iris', [[1, 2, 3, 4]]).url, 'http://h:1/v1/models/iris:predict');
    const d = decodeV1Response({ predictions: [{ label: 2, probabilities: [0, 0.1, 0.9] }, { label: 1, probabilities: [0, 0.8, 0.2] }] }, IRIS);
    assert.deepEqual(d.outputs, [
      { name: 'label', datatype: 'INT64', shape: [2], data: [2, 1] },
      { name: 'probabilities', datatype: 'FP32', shape: [2, 3], data: [0, 0.1, 0.9, 0, 0.8, 0.2] },
    ]);
  });

  it('uses the server\'s {"error"} text', () => {
    assert.equal(restErrorText(400, '{"error": "bad shape"}'), 'bad shape');
    assert.equal(restErrorText(502, ''), 'HTTP 502');
  });
});

describe('gRPC ModelInfer messages', () => {
  it('puts each datatype in its typed contents field (64-bit as decimal strings)', () => {
    const body = (parsed(JSON.stringify({ id: 'q', parameters: { priority: 2, binary_data_output: true }, inputs: [
      { name: 'a', datatype: 'INT64', shape: [2], data: [1, '9007199254740993'] },
      { name: 'b', datatype: 'BYTES', shape: [1], data: ['hi'] },
      { name: 'c', datatype: 'BOOL', shape: [1], data: [true] },
      { name: 'd', datatype: 'UINT8', shape: [1], data: [7] },
    ] })) as Extract<ParsedRequest, { format: 'v2' }>).body;
    const req = grpcInferRequest('m', body);
    assert.equal(req.id, 'q');
    assert.deepEqual(req.parameters, { priority: { int64_param: '2' } }, 'binary-extension keys are dropped');
    assert.deepEqual(req.inputs[0]!.contents, { int64_contents: ['1', '9007199254740993'] });
    assert.deepEqual(req.inputs[1]!.contents, { bytes_contents: [new TextEncoder().encode('hi')] });
    assert.deepEqual(req.inputs[2]!.contents, { bool_contents: [true] });
    assert.deepEqual(req.inputs[3]!.contents, { uint_contents: [7] });
    assert.deepEqual(req.raw_input_contents, []);
  });

  it('sends everything raw when an input has no typed field (FP16)', () => {
    const body = (parsed(JSON.stringify({ inputs: [
      { name: 'h', datatype: 'FP16', shape: [2], data: [1, 2] },
      { name: 'f', datatype: 'FP32', shape: [1], data: [3] },
    ] })) as Extract<ParsedRequest, { format: 'v2' }>).body;
    const req = grpcInferRequest('m', body);
    assert.equal(req.inputs.every((i) => i.contents === undefined), true);
    assert.deepEqual(req.raw_input_contents.map((b) => b.length), [4, 4]);
  });

  it('maps parameters by type', () => {
    assert.deepEqual(grpcParameters({ a: true, b: 3, c: 0.5, d: 's', e: null }), { a: { bool_param: true }, b: { int64_param: '3' }, c: { double_param: 0.5 }, d: { string_param: 's' } });
  });

  it('decodes typed and raw responses with server timing', () => {
    const typed = decodeGrpcResponse({
      model_name: 'iris',
      model_version: '2',
      id: 'x',
      parameters: { queue_ms: { double_param: 0.2, parameter_choice: 'double_param' }, compute_ms: { double_param: 0.5 } },
      outputs: [
        { name: 'label', datatype: 'INT64', shape: ['2'], contents: { int64_contents: ['2', '18446744073709551615'] } },
        { name: 'p', datatype: 'FP32', shape: ['1', '2'], contents: { fp32_contents: [0.25, 0.75] } },
      ],
      raw_output_contents: [],
    });
    assert.deepEqual(typed.outputs.map((o) => [o.name, o.shape, o.data]), [['label', [2], [2, '18446744073709551615']], ['p', [1, 2], [0.25, 0.75]]]);
    assert.equal(typed.queueMs, 0.2);
    assert.equal(typed.computeMs, 0.5);
    const raw = decodeGrpcResponse({ outputs: [{ name: 'h', datatype: 'FP16', shape: ['2'] }], raw_output_contents: [encodeTensorBytes('FP16', [1, 0.5])] });
    assert.deepEqual(raw.outputs[0]!.data, [1, 0.5]);
    assert.match(raw.raw, /<4 bytes>/);
  });
});

describe('the example request', () => {
  it('is the version\'s input_example, as V2 or as V1 instances', () => {
    assert.deepEqual(JSON.parse(exampleRequestText(IRIS, IRIS_EXAMPLE, 'v2')), { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 4], data: IRIS_EXAMPLE.inputs[0]!.data }] });
    assert.deepEqual(JSON.parse(exampleRequestText(IRIS, IRIS_EXAMPLE, 'v1')), { instances: [[7.3, 2.9, 6.3, 1.8], [6.1, 2.9, 4.7, 1.4]] });
  });

  it('without one, is built from the metadata: zeros (false, "") with dynamic dimensions set to 1', () => {
    const body = exampleV2({ ...TWO_INPUTS, inputs: [...TWO_INPUTS.inputs, { name: 'img', datatype: 'FP32', shape: [-1, 1, 2, 2] }, { name: 'm', datatype: 'BOOL', shape: [2] }] }, undefined);
    assert.deepEqual(body.inputs.map((i) => [i.name, i.shape, i.data]), [
      ['a', [1], [0]],
      ['b', [1], ['']],
      ['img', [1, 1, 2, 2], [0, 0, 0, 0]],
      ['m', [2], [false, false]],
    ]);
    // A model with several inputs has no V1 form: V2 it is.
    assert.ok(JSON.parse(exampleRequestText(TWO_INPUTS, undefined, 'v1')).inputs);
  });

  it('V1 instances keep each row\'s nesting; V1 converts back to the V2 tensor', () => {
    const img = { inputs: [{ name: 'image', datatype: 'FP32', shape: [2, 1, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] }] };
    assert.deepEqual(v2AsV1(img), { instances: [[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]] });
    assert.deepEqual(v1AsV2(v2AsV1(img).instances, { name: 'image', datatype: 'FP32', shape: [-1, 1, 2, 2] }), img);
  });

  it('pretty() keeps innermost number lists on one line and stays valid JSON', () => {
    const text = pretty({ inputs: [{ name: 'x', shape: [2, 2], data: [[1, 2], [3, 4]], flags: [true, false] }] });
    assert.match(text, /\[1, 2\]/);
    assert.match(text, /\[true, false\]/);
    assert.deepEqual(JSON.parse(text), { inputs: [{ name: 'x', shape: [2, 2], data: [[1, 2], [3, 4]], flags: [true, false] }] });
  });
});
