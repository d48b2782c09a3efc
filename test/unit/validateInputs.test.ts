import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Datatype, Tensor, TensorMetadata } from '../../server/tensor/types';
import { selectOutputs, validateAgainstMetadata } from '../../server/tensor/validateInputs';
import { assertInvalid } from './tensorTestUtil';

const inputs: TensorMetadata[] = [
  { name: 'float_input', datatype: 'FP32', shape: [-1, 4] },
  { name: 'mask', datatype: 'BOOL', shape: [] },
];
const tensor = (name: string, datatype: Datatype, shape: number[]): Tensor => ({ name, datatype, shape, data: new Float32Array(0) });
const ok = (): Tensor[] => [tensor('float_input', 'FP32', [2, 4]), tensor('mask', 'BOOL', [])];

describe('validateAgainstMetadata', () => {
  it('accepts matching inputs in any order, with any size on dynamic dimensions', () => {
    validateAgainstMetadata(ok(), inputs, 'iris');
    validateAgainstMetadata([tensor('mask', 'BOOL', []), tensor('float_input', 'FP32', [0, 4])], inputs, 'iris');
    validateAgainstMetadata([tensor('x', 'FP32', [7, 3, 9])], [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1] }], 'm');
  });

  it('rejects an unknown input, listing the expected ones', () => {
    assertInvalid(
      () => validateAgainstMetadata([...ok(), tensor('extra', 'FP32', [1])], inputs, 'iris'),
      'model "iris": unknown input "extra"; expected inputs ["float_input", "mask"]',
    );
  });

  it('rejects a missing input', () => {
    assertInvalid(
      () => validateAgainstMetadata([tensor('float_input', 'FP32', [1, 4])], inputs, 'iris'),
      'model "iris": missing input ["mask"]',
      'expected inputs ["float_input", "mask"], got ["float_input"]',
    );
    assertInvalid(() => validateAgainstMetadata([], inputs, 'iris'), 'missing inputs ["float_input", "mask"]', 'got []');
  });

  it('rejects a duplicate input', () => {
    assertInvalid(
      () => validateAgainstMetadata([tensor('mask', 'BOOL', []), tensor('mask', 'BOOL', [])], inputs, 'iris'),
      'model "iris": input "mask" is given more than once',
    );
  });

  it('rejects a datatype mismatch', () => {
    assertInvalid(
      () => validateAgainstMetadata([tensor('float_input', 'FP64', [2, 4]), tensor('mask', 'BOOL', [])], inputs, 'iris'),
      'input "float_input": expected datatype FP32, got FP64',
    );
  });

  it('rejects a rank mismatch', () => {
    assertInvalid(
      () => validateAgainstMetadata([tensor('float_input', 'FP32', [8]), tensor('mask', 'BOOL', [])], inputs, 'iris'),
      'input "float_input": expected shape [-1,4] (rank 2), got [8] (rank 1)',
    );
    assertInvalid(
      () => validateAgainstMetadata([tensor('float_input', 'FP32', [2, 4]), tensor('mask', 'BOOL', [1])], inputs, 'iris'),
      'input "mask": expected shape [] (rank 0), got [1] (rank 1)',
    );
  });

  it('rejects a fixed dimension mismatch', () => {
    assertInvalid(
      () => validateAgainstMetadata([tensor('float_input', 'FP32', [2, 3]), tensor('mask', 'BOOL', [])], inputs, 'iris'),
      'input "float_input": expected shape [-1,4], got [2,3]',
    );
  });
});

describe('selectOutputs', () => {
  const outputs: TensorMetadata[] = [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
  ];

  it('returns every output when none are requested', () => {
    assert.deepEqual(selectOutputs(undefined, outputs), ['label', 'probabilities']);
    assert.deepEqual(selectOutputs(null, outputs), ['label', 'probabilities']);
    assert.deepEqual(selectOutputs([], outputs), ['label', 'probabilities']);
  });

  it('returns requested outputs in request order', () => {
    assert.deepEqual(selectOutputs([{ name: 'probabilities' }], outputs), ['probabilities']);
    assert.deepEqual(
      selectOutputs([{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'label' }], outputs),
      ['probabilities', 'label'],
    );
  });

  it('rejects unknown outputs, listing the available ones', () => {
    assertInvalid(
      () => selectOutputs([{ name: 'label' }, { name: 'scores' }], outputs),
      'outputs[1]: unknown output "scores"; expected one of ["label", "probabilities"]',
    );
  });

  it('rejects malformed requests', () => {
    assertInvalid(() => selectOutputs('label', outputs), 'outputs: expected an array of {"name": ...} objects, got "label"');
    assertInvalid(() => selectOutputs(['label'], outputs), 'outputs[0]: expected an object with a string name, got "label"');
    assertInvalid(() => selectOutputs([{ name: 3 }], outputs), 'outputs[0]: expected an object with a string name, got {"name":3}');
    assertInvalid(() => selectOutputs([{ name: 'label', parameters: 1 }], outputs), 'output "label": expected parameters to be an object, got 1');
    assertInvalid(() => selectOutputs([{ name: 'label' }, { name: 'label' }], outputs), 'outputs[1]: output "label" is requested more than once');
  });
});
