import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, TensorMetadata } from '../../server/tensor/types';
import { decodeV1Request, encodeV1Response } from '../../server/tensor/v1Codec';
import { tensorDataToJson } from '../../server/tensor/jsonCodec';
import { assertInvalid, assertThrowsReason, plain } from './tensorTestUtil';

const iris: TensorMetadata[] = [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }];
const two: TensorMetadata[] = [
  { name: 'a', datatype: 'INT64', shape: [-1, 2] },
  { name: 'b', datatype: 'BYTES', shape: [-1] },
];

describe('V1 request decoding', () => {
  it('decodes instances as rows of the single input', () => {
    const [t] = decodeV1Request({ instances: [[1, 2, 3, 4], [5, 6, 7, 8.5]] }, iris);
    assert.equal(t!.name, 'float_input');
    assert.equal(t!.datatype, 'FP32');
    assert.deepEqual(t!.shape, [2, 4]);
    assert.ok(t!.data instanceof Float32Array);
    assert.deepEqual(plain(t!.data), [1, 2, 3, 4, 5, 6, 7, 8.5]);
  });

  it('decodes scalar rows and rank-3 rows', () => {
    const [s] = decodeV1Request({ instances: [1, 2, 3] }, [{ name: 'x', datatype: 'INT32', shape: [-1] }]);
    assert.deepEqual(s!.shape, [3]);
    assert.deepEqual(plain(s!.data), [1, 2, 3]);
    const [r] = decodeV1Request({ instances: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] }, [{ name: 'x', datatype: 'FP64', shape: [-1, 2, 2] }]);
    assert.deepEqual(r!.shape, [2, 2, 2]);
    assert.deepEqual(plain(r!.data), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('takes datatypes from the model and checks values against them', () => {
    const [b] = decodeV1Request({ instances: ['héllo', ''] }, [{ name: 't', datatype: 'BYTES', shape: [-1] }]);
    assert.deepEqual(b!.shape, [2]);
    assert.deepEqual(tensorDataToJson(b!), ['héllo', '']);
    const [flag] = decodeV1Request({ instances: [true, false] }, [{ name: 'f', datatype: 'BOOL', shape: [-1] }]);
    assert.deepEqual(plain(flag!.data), [1, 0]);
    assertInvalid(() => decodeV1Request({ instances: [[1, 2.5]] }, [{ name: 'i', datatype: 'INT64', shape: [-1, 2] }]), 'input "i" element 1', 'for INT64, got 2.5');
    assertInvalid(() => decodeV1Request({ instances: [[1, 'x', 3, 4]] }, iris), 'input "float_input" element 1: expected a number for FP32, got "x"');
  });

  it('says which row has a different shape', () => {
    assertInvalid(
      () => decodeV1Request({ instances: [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3]] }, iris),
      'input "float_input": instances[2] has shape [3], expected [4] like instances[0]',
    );
    assertInvalid(() => decodeV1Request({ instances: [[1, 2, 3, 4], 5] }, iris), 'instances[1] has shape [], expected [4]');
    // Raggedness below the first element's path is found while flattening.
    assertInvalid(
      () => decodeV1Request({ instances: [[[1, 2], [3, 4]], [[1, 2], [3]]] }, [{ name: 'x', datatype: 'FP32', shape: [-1, 2, 2] }]),
      'instances[1][1] has 1 elements, expected 2',
    );
  });

  it('decodes instances keyed by input name', () => {
    const [a, b] = decodeV1Request(
      {
        instances: [
          { a: [1, 2], b: 'x' },
          { b: 'yz', a: [3, -4] },
        ],
      },
      two,
    );
    assert.deepEqual(a!.shape, [2, 2]);
    assert.ok(a!.data instanceof BigInt64Array);
    assert.deepEqual(plain(a!.data), [1n, 2n, 3n, -4n]);
    assert.deepEqual(b!.shape, [2]);
    assert.deepEqual(tensorDataToJson(b!), ['x', 'yz']);
    // A single-input model may key its rows too.
    const [t] = decodeV1Request({ instances: [{ float_input: [1, 2, 3, 4] }] }, iris);
    assert.deepEqual(t!.shape, [1, 4]);
  });

  it('rejects bad keyed rows', () => {
    assertInvalid(() => decodeV1Request({ instances: [[1, 2]] }, two), 'the model has inputs "a", "b"', 'expected each row to be an object keyed by input name, got [1,2]');
    assertInvalid(() => decodeV1Request({ instances: [{ a: [1, 2] }] }, two), 'instances[0]: expected input names "a", "b", got no "b"');
    assertInvalid(() => decodeV1Request({ instances: [{ a: [1, 2], b: 'x', c: 1 }] }, two), 'instances[0]: expected input names "a", "b", got unknown input "c"');
    assertInvalid(() => decodeV1Request({ instances: [{ a: [1, 2], b: 'x' }, [1]] }, two), 'instances[1]: expected an object keyed by input name', 'got [1]');
  });

  it('decodes "inputs" as rows or columns', () => {
    const [rows] = decodeV1Request({ inputs: [[1, 2, 3, 4]] }, iris);
    assert.deepEqual(rows!.shape, [1, 4]);
    const [a, b] = decodeV1Request({ inputs: { b: ['p', 'q', 'r'], a: [[1, 2], [3, 4], [5, 6]] } }, two);
    assert.deepEqual(a!.shape, [3, 2]);
    assert.deepEqual(plain(a!.data), [1n, 2n, 3n, 4n, 5n, 6n]);
    assert.deepEqual(b!.shape, [3]);
    assert.deepEqual(tensorDataToJson(b!), ['p', 'q', 'r']);
    const [keyedRows] = decodeV1Request({ inputs: [{ float_input: [1, 2, 3, 4] }, { float_input: [5, 6, 7, 8] }] }, iris);
    assert.deepEqual(keyedRows!.shape, [2, 4]);
    const [bare] = decodeV1Request({ inputs: 'text' }, [{ name: 't', datatype: 'BYTES', shape: [] }]);
    assert.deepEqual(bare!.shape, []);
    assert.deepEqual(tensorDataToJson(bare!), ['text']);
    assertInvalid(() => decodeV1Request({ inputs: { a: [[1, 2], [3]], b: ['p'] } }, two), 'input "a": nested data does not match shape [2,2]', 'inputs["a"][1] has 1 elements, expected 2');
    assertInvalid(() => decodeV1Request({ inputs: { a: [[1, 2]] } }, two), '"inputs": expected input names "a", "b", got no "b"');
  });

  it('rejects bodies of the wrong form', () => {
    assertInvalid(() => decodeV1Request([1, 2], iris), 'expected an object with "instances" or "inputs", got [1,2]');
    assertInvalid(() => decodeV1Request({ instances: [], inputs: [] }, iris), 'expected one of "instances" or "inputs", got both');
    assertInvalid(() => decodeV1Request({ data: [] }, iris), 'expected "instances" or "inputs", got keys "data"');
    assertInvalid(() => decodeV1Request({ instances: {} }, iris), '"instances": expected an array of rows, got {}');
    assertInvalid(() => decodeV1Request({ instances: [] }, iris), '"instances": expected at least one row, got []');
    assertInvalid(() => decodeV1Request({ inputs: 5 }, two), '"inputs": expected an array of rows or an object keyed by input name, got 5');
  });
});

describe('V1 response encoding', () => {
  const probs: Tensor = { name: 'probabilities', datatype: 'FP32', shape: [2, 3], data: new Float32Array([0.5, 0.25, 0.25, 0, 1, 0]) };
  const label: Tensor = { name: 'label', datatype: 'INT64', shape: [2], data: new BigInt64Array([0n, -1n]) };

  it('gives one value per row for a single output', () => {
    assert.deepEqual(encodeV1Response([probs]), { predictions: [[0.5, 0.25, 0.25], [0, 1, 0]] });
    assert.deepEqual(encodeV1Response([label]), { predictions: [0, -1] });
    const cube: Tensor = { name: 'c', datatype: 'INT8', shape: [1, 2, 2], data: new Int8Array([1, 2, 3, 4]) };
    assert.deepEqual(encodeV1Response([cube]), { predictions: [[[1, 2], [3, 4]]] });
    const words: Tensor = { name: 'w', datatype: 'BYTES', shape: [2, 1], data: [Buffer.from('a'), Buffer.from('日')] };
    assert.deepEqual(encodeV1Response([words]), { predictions: [['a'], ['日']] });
    const flags: Tensor = { name: 'f', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) };
    assert.deepEqual(encodeV1Response([flags]), { predictions: [true, false] });
    const scalar: Tensor = { name: 's', datatype: 'FP64', shape: [], data: new Float64Array([7]) };
    assert.deepEqual(encodeV1Response([scalar]), { predictions: [7] });
    const empty: Tensor = { name: 'e', datatype: 'FP32', shape: [0, 3], data: new Float32Array(0) };
    assert.deepEqual(encodeV1Response([empty]), { predictions: [] });
  });

  it('gives an object per row for several outputs', () => {
    assert.deepEqual(encodeV1Response([label, probs]), {
      predictions: [
        { label: 0, probabilities: [0.5, 0.25, 0.25] },
        { label: -1, probabilities: [0, 1, 0] },
      ],
    });
  });

  it('refuses outputs with different batch sizes', () => {
    const one: Tensor = { name: 'one', datatype: 'FP32', shape: [1], data: new Float32Array([1]) };
    assertThrowsReason(() => encodeV1Response([label, one]), 'internal', 'output "label" has 2 rows', 'output "one" has 1');
  });

  it('round-trips rows through decode and encode', () => {
    const instances = [[1, 2, 3, 4], [5, 6, 7, 8]];
    const [t] = decodeV1Request({ instances }, iris);
    assert.deepEqual(encodeV1Response([t!]).predictions, instances);
  });
});
