/**
 * The numeric fast path of V2 JSON bodies (server/tensor/jsonNumberScan.ts) against the general
 * path (JSON.parse + the JSON codec): the same tensors for every body, bit for bit, and the same
 * error for every bad one, because the fast path gives up and lets the general path answer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanNumberArray, scanV2Body } from '../../server/tensor/jsonNumberScan';
import { checkHeader, decodeJsonRequest } from '../../server/tensor/v2JsonRequest';
import { decodeJsonInput } from '../../server/tensor/jsonCodec';
import { parseJsonBody } from '../../server/protocols/rest/requestParsing';

/** The general path alone (what decodeJsonRequest did before the fast path). */
function generalDecode(body: Buffer): unknown {
  const full = checkHeader(parseJsonBody(body));
  return { id: full.id, inputs: full.inputs.map((raw, i) => decodeJsonInput(raw, i)) };
}

function outcome(f: () => unknown): { ok?: unknown; error?: string } {
  try {
    const r = f() as { header?: { id?: unknown }; id?: unknown; inputs: unknown };
    return { ok: { id: r.header ? r.header.id : r.id, inputs: r.inputs } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function sameAsGeneral(text: string, what: string): void {
  const body = Buffer.from(text);
  assert.deepEqual(outcome(() => decodeJsonRequest(body)), outcome(() => generalDecode(body)), what);
}

/** Deterministic pseudo-random numbers (no Math.random: failures must reproduce). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pad = (n: number): string => ' '.repeat(n); // bodies over the fast path's 4 KiB threshold

describe('scanNumberArray', () => {
  it('reads flat and nested rectangular arrays with their dimensions', () => {
    const scan = (t: string) => scanNumberArray(Buffer.from(t), 0)?.array;
    assert.deepEqual(scan('[1, 2.5, -3e2]'), { values: Float64Array.from([1, 2.5, -300]), dims: [3] });
    assert.deepEqual(scan('[[1,2,3],[4,5,6]]'), { values: Float64Array.from([1, 2, 3, 4, 5, 6]), dims: [2, 3] });
    assert.deepEqual(scan('[ [ [0] ] , [ [1] ] ]'), { values: Float64Array.from([0, 1]), dims: [2, 1, 1] });
    assert.deepEqual(scan('[]'), { values: new Float64Array(0), dims: [0] });
    assert.ok(Object.is(scan('[-0]')!.values[0], -0));
  });

  it('gives up on anything but plain numbers in a rectangular nesting', () => {
    for (const t of ['[1,"2"]', '[true]', '[null]', '[[1,2],[3]]', '[[1],2]', '[1,[2]]', '[01]', '[1.]', '[.5]', '[+1]', '[1e]', '[NaN]', '[Infinity]', '[1,]', '[1 2]', '[1', '[-]']) {
      assert.equal(scanNumberArray(Buffer.from(t), 0), undefined, t);
    }
  });

  it('parses every double exactly as JSON.parse does (short, long, tiny, huge, exponents)', () => {
    const r = rng(7);
    const samples: string[] = ['0', '-0', '1e22', '1e23', '9007199254740993', '0.1', '0.30000000000000004', '5e-324', '1.7976931348623157e308', '1e400', '-1e-400', '123456789012345678901234567890', '0.000001', '1E5', '2e+3'];
    for (let i = 0; i < 3000; i++) {
      const v = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      samples.push(JSON.stringify(v), v.toFixed(Math.floor(r() * 8)), v.toExponential(Math.floor(r() * 16)), Math.fround(v).toString());
    }
    const text = `[${samples.join(',')}]`;
    const scanned = scanNumberArray(Buffer.from(text), 0)!;
    const expected = JSON.parse(text) as number[];
    assert.equal(scanned.array.values.length, expected.length);
    expected.forEach((v, i) => assert.ok(Object.is(scanned.array.values[i], v), `${samples[i]}: ${scanned.array.values[i]} vs ${v}`));
  });
});

describe('decodeJsonRequest: the fast path equals the general path', () => {
  it('decodes large FP32, FP64, INT32, INT64, UINT8 and FP16 bodies, flat and nested, identically', () => {
    const r = rng(11);
    for (const datatype of ['FP32', 'FP64', 'INT32', 'INT64', 'UINT8', 'FP16']) {
      const ints = datatype.startsWith('INT') || datatype.startsWith('UINT');
      const values = Array.from({ length: 2 * 3 * 200 }, () => (ints ? Math.floor(r() * 200) : (r() - 0.5) * 100));
      const nested = [0, 1].map((a) => [0, 1, 2].map((b) => values.slice((a * 3 + b) * 200, (a * 3 + b + 1) * 200)));
      sameAsGeneral(JSON.stringify({ id: 'x', inputs: [{ name: 'in', shape: [2, 3, 200], datatype, data: values }] }), `${datatype} flat`);
      sameAsGeneral(JSON.stringify({ inputs: [{ name: 'in', shape: [2, 3, 200], datatype, data: nested }] }), `${datatype} nested`);
      const fast = scanV2Body(Buffer.from(JSON.stringify({ inputs: [{ name: 'in', shape: [2, 3, 200], datatype, data: nested }] })));
      assert.ok(fast, `${datatype}: the fast path took it`);
    }
  });

  it('keeps several inputs, parameters, outputs and strings that mention "data" intact', () => {
    const text = JSON.stringify({
      id: 'req "data": [1,2]',
      parameters: { note: 'a "data" key in a string: "data": [3]', data: 'not an array' },
      inputs: [
        { name: 'a', shape: [1, 1000], datatype: 'FP32', data: Array.from({ length: 1000 }, (_, i) => i / 7), parameters: { tag: 'x\\"data\\":[' } },
        { name: 'b', shape: [2], datatype: 'BYTES', data: ['data', '[1]'] },
        { name: 'c', shape: [], datatype: 'INT32', data: 5 },
      ],
      outputs: [{ name: 'y', parameters: { binary_data: true } }],
    });
    sameAsGeneral(text, 'mixed');
    const decoded = decodeJsonRequest(Buffer.from(text));
    assert.deepEqual(decoded.header.outputs, [{ name: 'y', parameters: { binary_data: true } }]);
    assert.equal(decoded.header.id, 'req "data": [1,2]');
    assert.equal((decoded.inputs[1]!.data as Uint8Array[]).length, 2);
  });

  it('answers every bad body with the general path\'s error', () => {
    const big = Array.from({ length: 1500 }, (_, i) => i);
    const cases: [string, unknown][] = [
      ['element count', { inputs: [{ name: 'x', shape: [1501], datatype: 'FP32', data: big }] }],
      ['nested shape', { inputs: [{ name: 'x', shape: [3, 500], datatype: 'FP32', data: [big.slice(0, 500), big.slice(500, 1000), big.slice(1000, 1499)] }] }],
      ['ragged', { inputs: [{ name: 'x', shape: [2, 750], datatype: 'FP32', data: [big.slice(0, 750), big.slice(0, 749)] }] }],
      ['deeper than the shape', { inputs: [{ name: 'x', shape: [1500], datatype: 'FP32', data: big.map((v) => [v]) }] }],
      ['non-integer INT32', { inputs: [{ name: 'x', shape: [1500], datatype: 'INT32', data: big.map((v) => v + 0.5) }] }],
      ['out of range UINT8', { inputs: [{ name: 'x', shape: [1500], datatype: 'UINT8', data: big }] }],
      ['numbers for BOOL', { inputs: [{ name: 'x', shape: [1500], datatype: 'BOOL', data: big }] }],
      ['numbers for BYTES', { inputs: [{ name: 'x', shape: [1500], datatype: 'BYTES', data: big }] }],
      ['binary_data_size and data', { inputs: [{ name: 'x', shape: [1500], datatype: 'FP32', data: big, parameters: { binary_data_size: 6000 } }] }],
      ['bad datatype', { inputs: [{ name: 'x', shape: [1500], datatype: 'FLOAT', data: big }] }],
      ['no name', { inputs: [{ shape: [1500], datatype: 'FP32', data: big }] }],
      ['id not a string', { id: 3, inputs: [{ name: 'x', shape: [1500], datatype: 'FP32', data: big }] }],
      ['data in a non-input place', { inputs: [{ name: 'x', shape: [1500], datatype: 'FP32', data: big }], parameters: { data: [1, 2, 3] } }],
    ];
    for (const [what, body] of cases) sameAsGeneral(JSON.stringify(body), what);
    const raw = JSON.stringify({ inputs: [{ name: 'x', shape: [1500], datatype: 'FP32', data: big }] });
    sameAsGeneral(raw.slice(0, -5), 'truncated JSON');
    sameAsGeneral(`${raw}${pad(10)}x`, 'trailing garbage');
    sameAsGeneral(raw.replace('[0,1,', '[0,,1,'), 'empty element');
    sameAsGeneral(raw.replace('[0,1,', '[0,1e999,'), 'a number JSON.parse reads as Infinity');
    // And the errors are the precise ones (not a generic failure of the fast path).
    assert.match(outcome(() => decodeJsonRequest(Buffer.from(JSON.stringify(cases[0]![1])))).error ?? '', /shape \[1501\] needs 1501 elements, got 1500/);
    assert.match(outcome(() => decodeJsonRequest(Buffer.from(JSON.stringify(cases[2]![1])))).error ?? '', /data\[1\] has 749 elements, expected 750/);
  });

  it('is taken for a large body and skipped for a small one', () => {
    const data = Array.from({ length: 2000 }, (_, i) => i * 0.25);
    assert.ok(scanV2Body(Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2000], datatype: 'FP32', data }] }))));
    assert.equal(scanV2Body(Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2], datatype: 'BYTES', data: ['a', 'b'] }] }))), undefined);
  });
});
