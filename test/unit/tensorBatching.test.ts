import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { batchKey, concatInputs, splitOutputs } from '../../server/batching/tensorBatching';
import type { Tensor, TensorMetadata } from '../../server/tensor/types';

const SIG: TensorMetadata[] = [
  { name: 'a', datatype: 'FP32', shape: [-1, 2] },
  { name: 's', datatype: 'BYTES', shape: [-1] },
];
const enc = (s: string) => new TextEncoder().encode(s);

function req(rows: number, base: number): Tensor[] {
  return [
    { name: 'a', datatype: 'FP32', shape: [rows, 2], data: Float32Array.from({ length: rows * 2 }, (_, i) => base + i) },
    { name: 's', datatype: 'BYTES', shape: [rows], data: Array.from({ length: rows }, (_, i) => enc(`r${base + i}`)) },
  ];
}

describe('tensor batching', () => {
  it('keys requests by names, datatypes, non-batch dims and requested outputs', () => {
    const k1 = batchKey(req(1, 0), ['y'], SIG)!;
    const k3 = batchKey(req(3, 10), ['y'], SIG)!;
    assert.equal(k1.key, k3.key);
    assert.equal(k3.rows, 3);
    assert.notEqual(batchKey(req(1, 0), ['y', 'z'], SIG)!.key, k1.key);
    const wide = req(1, 0);
    wide[0] = { ...wide[0]!, shape: [1, 3], data: new Float32Array(3) };
    assert.notEqual(batchKey(wide, ['y'], SIG)!.key, k1.key);
    const f64 = req(1, 0);
    f64[0] = { ...f64[0]!, datatype: 'FP64', data: new Float64Array(2) };
    assert.notEqual(batchKey(f64, ['y'], SIG)!.key, k1.key);
  });

  it('refuses to batch scalars, disagreeing batch dims and fixed batch dims', () => {
    const mismatch = req(2, 0);
    mismatch[1] = { ...mismatch[1]!, shape: [3], data: [enc('a'), enc('b'), enc('c')] };
    assert.equal(batchKey(mismatch, ['y'], SIG), undefined);
    assert.equal(batchKey([{ name: 'a', datatype: 'FP32', shape: [], data: new Float32Array(1) }], ['y'], SIG), undefined);
    assert.equal(batchKey(req(1, 0), ['y'], [{ name: 'a', datatype: 'FP32', shape: [1, 2] }, SIG[1]!]), undefined);
  });

  it('concatenates along dimension 0 and splits back to each request\'s own rows', () => {
    const parts = [req(1, 0), req(3, 100), req(2, 200)];
    const [a, s] = concatInputs(parts);
    assert.deepEqual(a!.shape, [6, 2]);
    assert.deepEqual(Array.from(a!.data as Float32Array), [0, 1, 100, 101, 102, 103, 104, 105, 200, 201, 202, 203]);
    assert.deepEqual((s!.data as Uint8Array[]).map((b) => new TextDecoder().decode(b)), ['r0', 'r100', 'r101', 'r102', 'r200', 'r201']);
    const split = splitOutputs([{ ...a!, name: 'y' }], [1, 3, 2])!;
    assert.equal(split.length, 3);
    assert.deepEqual(split.map((o) => o[0]!.shape), [[1, 2], [3, 2], [2, 2]]);
    assert.deepEqual(Array.from(split[1]![0]!.data as Float32Array), [100, 101, 102, 103, 104, 105]);
    assert.notEqual((split[1]![0]!.data as Float32Array).buffer, (a!.data as Float32Array).buffer, 'each part owns its bytes');
  });

  it('says an output that does not follow the batch cannot be split', () => {
    const pooled: Tensor = { name: 'mean', datatype: 'FP32', shape: [2], data: new Float32Array(2) };
    assert.equal(splitOutputs([pooled], [1, 3]), undefined);
  });
});
