/**
 * Conversions around a script call (server/scripts/scriptValues.ts): request tensors into script
 * values, tensors ↔ nested arrays, and what a script returns into V2 output tensors or V1 predictions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ScriptTensor, ScriptValue } from '../../server/scripts/scriptProtocol';
import {
  SCRIPT_OUTPUT_NAME,
  describeScriptValue,
  isScriptTensor,
  nestTensors,
  nestedToScriptTensor,
  predictionsOf,
  scriptResultToTensors,
  scriptTensorToNested,
  scriptValueToJson,
  tensorsToScriptArg,
} from '../../server/scripts/scriptValues';
import type { Tensor } from '../../server/tensor/types';
import { assertInvalid, assertThrowsReason, plain } from './tensorTestUtil';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const st = (datatype: ScriptTensor['datatype'], shape: number[], data: ScriptTensor['data']): ScriptTensor => ({ __tensor__: true, datatype, shape, data });
const texts = (data: unknown): string[] => (data as Uint8Array[]).map((b) => new TextDecoder().decode(b));

describe('request tensors into a script', () => {
  it('one input becomes its tensor; numeric data is shared, not copied', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const arg = tensorsToScriptArg([{ name: 'x', datatype: 'FP32', shape: [2, 3], data }]);
    assert.ok(isScriptTensor(arg));
    assert.equal(arg.datatype, 'FP32');
    assert.deepEqual(arg.shape, [2, 3]);
    assert.equal(arg.data, data);
  });

  it('several inputs become an object by input name; BYTES elements become UTF-8 strings', () => {
    const inputs: Tensor[] = [
      { name: 'ids', datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 2n]) },
      { name: 'text', datatype: 'BYTES', shape: [2], data: [utf8('héllo'), utf8('')] },
    ];
    const arg = tensorsToScriptArg(inputs) as Record<string, ScriptTensor>;
    assert.deepEqual(Object.keys(arg), ['ids', 'text']);
    assert.ok(isScriptTensor(arg['ids']) && arg['ids'].data instanceof BigInt64Array);
    assert.deepEqual(arg['text']!.data, ['héllo', '']);
  });

  it('BYTES that are not UTF-8 are refused as a bad request naming the input and element', () => {
    assertInvalid(
      () => tensorsToScriptArg([{ name: 'blob', datatype: 'BYTES', shape: [2], data: [utf8('ok'), new Uint8Array([0xff, 0xfe])] }]),
      'input "blob" element 1',
      'invalid UTF-8',
    );
  });
});

describe('tensors as nested arrays', () => {
  it('rows first, any rank; a scalar tensor is a single value; zero-sized dimensions give empty rows', () => {
    assert.deepEqual(scriptTensorToNested(st('FP32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]))), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(scriptTensorToNested(st('INT32', [2, 2, 1], new Int32Array([1, 2, 3, 4]))), [[[1], [2]], [[3], [4]]]);
    assert.equal(scriptTensorToNested(st('FP64', [], new Float64Array([2.5]))), 2.5);
    assert.deepEqual(scriptTensorToNested(st('FP32', [2, 0], new Float32Array(0))), [[], []]);
  });

  it('BOOL as booleans, FP16 as numbers, BYTES as strings', () => {
    assert.deepEqual(scriptTensorToNested(st('BOOL', [3], new Uint8Array([1, 0, 1]))), [true, false, true]);
    assert.deepEqual(scriptTensorToNested(st('FP16', [2], new Uint16Array([0x3c00, 0xc000]))), [1, -2]);
    assert.deepEqual(scriptTensorToNested(st('BYTES', [1, 2], ['a', 'b'])), [['a', 'b']]);
  });

  it('64-bit integers: numbers when all are safe, else BigInts for the whole tensor; "number" mode always numbers', () => {
    assert.deepEqual(scriptTensorToNested(st('INT64', [2], new BigInt64Array([-3n, 2n ** 53n - 1n]))), [-3, 2 ** 53 - 1]);
    const big = st('INT64', [2], new BigInt64Array([1n, 2n ** 60n]));
    assert.deepEqual(scriptTensorToNested(big), [1n, 2n ** 60n]);
    assert.deepEqual(scriptTensorToNested(big, 'number'), [1, 2 ** 60]);
    assert.deepEqual(scriptTensorToNested(st('UINT64', [1], new BigUint64Array([2n ** 64n - 1n]))), [2n ** 64n - 1n]);
  });

  it('nestTensors replaces tensors anywhere inside a value and leaves JSON alone', () => {
    const value: ScriptValue = { a: st('INT32', [2], new Int32Array([1, 2])), b: [{ c: 'x' }, 3, null] };
    assert.deepEqual(nestTensors(value), { a: [1, 2], b: [{ c: 'x' }, 3, null] });
    assert.deepEqual(scriptValueToJson([st('INT64', [1], new BigInt64Array([2n ** 60n]))]), [[2 ** 60]]);
  });

  it('nested arrays become a tensor with an inferred datatype', () => {
    const ints = nestedToScriptTensor([[1, 2], [3, 4]]);
    assert.equal(ints.datatype, 'INT64');
    assert.deepEqual(ints.shape, [2, 2]);
    assert.deepEqual(plain(ints.data), [1n, 2n, 3n, 4n]);
    const floats = nestedToScriptTensor([1, 2.5]);
    assert.equal(floats.datatype, 'FP64');
    assert.ok(floats.data instanceof Float64Array);
    assert.equal(nestedToScriptTensor([2 ** 64]).datatype, 'FP64', 'integers beyond INT64 stay doubles');
    assert.equal(nestedToScriptTensor([NaN]).datatype, 'FP64');
    assert.deepEqual(nestedToScriptTensor([true, false]), st('BOOL', [2], new Uint8Array([1, 0])));
    assert.deepEqual(nestedToScriptTensor([['a'], ['b']]), st('BYTES', [2, 1], ['a', 'b']));
    assert.deepEqual(nestedToScriptTensor([]).shape, [0]);
  });

  it('round trip: nested → tensor → nested', () => {
    const rows = [[[1, 2, 3]], [[4, 5, 6]]];
    assert.deepEqual(scriptTensorToNested(nestedToScriptTensor(rows)), rows);
  });
});

describe('script results as V2 output tensors', () => {
  it('a tensor becomes one output "output-0" with its datatype', () => {
    const [out, ...rest] = scriptResultToTensors(st('FP32', [2, 3], new Float32Array(6).fill(0.5)), 2);
    assert.equal(rest.length, 0);
    assert.equal(out!.name, SCRIPT_OUTPUT_NAME);
    assert.equal(out!.datatype, 'FP32');
    assert.deepEqual(out!.shape, [2, 3]);
    assert.ok(out!.data instanceof Float32Array);
  });

  it('nested arrays: integers → INT64, any non-integer → FP64, booleans → BOOL, strings → BYTES (UTF-8)', () => {
    const [i] = scriptResultToTensors([0, 2, 1], 3);
    assert.deepEqual([i!.name, i!.datatype, i!.shape, plain(i!.data)], ['output-0', 'INT64', [3], [0n, 2n, 1n]]);
    const [f] = scriptResultToTensors([[0.1, 0.9], [1, 0]], 2);
    assert.deepEqual([f!.datatype, f!.shape, plain(f!.data)], ['FP64', [2, 2], [0.1, 0.9, 1, 0]]);
    const [b] = scriptResultToTensors([true, false]);
    assert.deepEqual([b!.datatype, plain(b!.data)], ['BOOL', [1, 0]]);
    const [s] = scriptResultToTensors(['setosa', 'virginicä'], 2);
    assert.equal(s!.datatype, 'BYTES');
    assert.deepEqual(texts(s!.data), ['setosa', 'virginicä']);
  });

  it('an object of arrays or tensors gives one output per key, named by the key', () => {
    const outs = scriptResultToTensors({ label: [0, 2], probabilities: st('FP32', [2, 3], new Float32Array(6)) }, 2);
    assert.deepEqual(outs.map((t) => [t.name, t.datatype, t.shape]), [['label', 'INT64', [2]], ['probabilities', 'FP32', [2, 3]]]);
  });

  it('rows of objects with the same keys (the template predictor with several outputs) become one output per key', () => {
    const outs = scriptResultToTensors([{ label: 0, probabilities: [0.9, 0.1] }, { label: 1, probabilities: [0.2, 0.8] }], 2);
    assert.deepEqual(outs.map((t) => [t.name, t.datatype, t.shape]), [['label', 'INT64', [2]], ['probabilities', 'FP64', [2, 2]]]);
    assertThrowsReason(() => scriptResultToTensors([{ a: 1 }, { b: 2 }]), 'internal', 'different keys', 'row 1 has b');
  });

  it('a list of same-shaped tensors (one per row) is stacked keeping its datatype', () => {
    const [out] = scriptResultToTensors([st('FP32', [2], new Float32Array([1, 2])), st('FP32', [2], new Float32Array([3, 4]))], 2);
    assert.deepEqual([out!.datatype, out!.shape, plain(out!.data)], ['FP32', [2, 2], [1, 2, 3, 4]]);
  });

  it('a tensor whose data is a plain list (a host without numpy) is converted and checked', () => {
    const [out] = scriptResultToTensors(st('INT32', [2], [1, 2] as unknown as Int32Array));
    assert.ok(out!.data instanceof Int32Array);
    assertThrowsReason(() => scriptResultToTensors(st('INT32', [3], new Int32Array(2))), 'internal', 'shape [3] needs 3 elements, got 2');
    assertThrowsReason(() => scriptResultToTensors(st('FP99' as 'FP32', [1], new Float32Array(1))), 'internal', 'unknown datatype "FP99"');
  });

  it('ragged arrays fail naming the ragged position', () => {
    assertThrowsReason(() => scriptResultToTensors([[1, 2], [3]]), 'internal', 'predict returned ragged nested arrays', '[1] has 1 element where [0] has 2');
    assertThrowsReason(() => scriptResultToTensors([[1, 2], [3, [4]]]), 'internal', '[1][1] is an array of 1 where [0][0] is a single value');
    assertThrowsReason(() => scriptResultToTensors([[1, 2], 3]), 'internal', '[1] is a number (3) where [0] has 2');
  });

  it('mixed, null and odd values fail saying what was returned and what is expected', () => {
    assertThrowsReason(() => scriptResultToTensors([1, 'a']), 'internal', 'mixed values: a number at [0] and a string at [1]');
    assertThrowsReason(() => scriptResultToTensors([1, null]), 'internal', 'predict returned null at [1]', 'expected numbers, booleans or strings');
    assertThrowsReason(() => scriptResultToTensors(3), 'internal', 'predict returned a number (3)', 'expected one prediction per row');
    assertThrowsReason(() => scriptResultToTensors(null), 'internal', 'predict returned null');
    assertThrowsReason(() => scriptResultToTensors({ label: 'x' }), 'internal', 'key "label" holds a string "x"', 'expected one prediction per row');
    assertThrowsReason(() => scriptResultToTensors({}), 'internal', 'predict returned an empty object');
  });

  it('with rowsExpected, a first dimension that differs fails with "N predictions for M rows"', () => {
    assertThrowsReason(() => scriptResultToTensors([1, 2, 3], 2), 'internal', 'predict returned 3 predictions for 2 rows');
    assertThrowsReason(() => scriptResultToTensors({ a: [1], b: [1, 2] }, 2), 'internal', 'predict returned 1 prediction for 2 rows (output "a")');
    assertThrowsReason(() => scriptResultToTensors(st('FP32', [], new Float32Array(1)), 1), 'internal', 'predict returned a scalar for 1 row');
    assertThrowsReason(() => scriptResultToTensors([1], 2, { method: 'classify' }), 'internal', 'classify returned 1 prediction for 2 rows');
  });
});

describe('script results as V1 predictions', () => {
  it('one prediction per row, JSON-ready: tensors inside become nested arrays, 64-bit integers numbers', () => {
    const preds = predictionsOf([{ label: st('INT64', [], new BigInt64Array([2n])), p: st('FP32', [2], new Float32Array([0.5, 0.25])) }, 'x'], 2);
    assert.deepEqual(preds, [{ label: 2, p: [0.5, 0.25] }, 'x']);
    assert.doesNotThrow(() => JSON.stringify(preds));
  });

  it('a tensor counts its rows', () => {
    assert.deepEqual(predictionsOf(st('INT64', [2, 1], new BigInt64Array([1n, 2n ** 60n])), 2), [[1], [2 ** 60]]);
    assertThrowsReason(() => predictionsOf(st('FP32', [], new Float32Array(1)), 1), 'internal', 'scalar tensor');
  });

  it('a count that differs from the rows, or something that is not a list, is refused with a clear message', () => {
    assertThrowsReason(() => predictionsOf([1, 2, 3], 2), 'internal', 'predict returned 3 predictions for 2 rows');
    assertThrowsReason(() => predictionsOf({ predictions: [1] }, 1), 'internal', 'an object with key predictions', 'return the list itself');
    assertThrowsReason(() => predictionsOf('yes', 1), 'internal', 'predict returned a string "yes"; expected a list with one prediction per row');
  });
});

describe('describing returned values', () => {
  it('says kind and size', () => {
    assert.equal(describeScriptValue(st('FP32', [2, 3], new Float32Array(6))), 'a FP32 tensor of shape [2,3]');
    assert.equal(describeScriptValue([1, 2]), 'an array of 2');
    assert.equal(describeScriptValue(undefined), 'nothing');
    assert.equal(describeScriptValue({ a: 1, b: 2 }), 'an object with keys a, b');
  });
});
