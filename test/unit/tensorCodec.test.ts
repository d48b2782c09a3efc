import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATATYPES } from '../../server/tensor/types';
import type { Datatype, Tensor } from '../../server/tensor/types';
import {
  DATATYPE_INFO,
  datatypeToOrtType,
  elementCount,
  isDatatype,
  isIntegerInRange,
  ortTypeToDatatype,
} from '../../server/tensor/datatypes';
import { decodeJsonInput, encodeJsonOutput, tensorDataToJson } from '../../server/tensor/jsonCodec';
import {
  bytesOfTensor,
  dataFromBytes,
  decodeBinaryInputs,
  encodeBinaryResponse,
  encodeResponseOutputs,
  splitBinaryBody,
  wantsBinaryOutput,
} from '../../server/tensor/binaryCodec';
import { assertInvalid, plain } from './tensorTestUtil';

/** JSON samples per datatype, all exactly representable so that JSON round trips are exact. */
const SAMPLES: Record<Datatype, unknown[]> = {
  BOOL: [true, false, false, true],
  UINT8: [0, 1, 254, 255],
  UINT16: [0, 300, 65534, 65535],
  UINT32: [0, 65536, 4294967294, 4294967295],
  UINT64: [0, 4294967296, 2 ** 53 - 1, 1],
  INT8: [-128, -1, 0, 127],
  INT16: [-32768, -1, 0, 32767],
  INT32: [-2147483648, -1, 0, 2147483647],
  INT64: [-(2 ** 53 - 1), -4294967296, -1, 2 ** 53 - 1],
  FP16: [-0, 65504, 2 ** -24, -1023 * 2 ** -24],
  FP32: [Math.fround(0.1), -3.4028234663852886e38, 1.401298464324817e-45, 1.5],
  FP64: [0.1, -1e308, 5e-324, 1 / 3],
  BYTES: ['', 'abc', 'héllo 日本語', '🎉\u0000\uFEFF'],
};

const jsonInput = (datatype: Datatype, shape: number[], data: unknown, name = 'x'): unknown => ({ name, datatype, shape, data });

/** A binary request body for tensors: JSON header + their bytes; `pad` bytes of header padding shift the binary offsets. */
function binaryRequest(tensors: Tensor[], pad = 0): { body: Buffer; headerLength: number } {
  const parts = tensors.map(bytesOfTensor);
  const header = Buffer.from(
    JSON.stringify({
      inputs: tensors.map((t, i) => ({
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
        parameters: { binary_data_size: parts[i]!.length },
      })),
    }) + ' '.repeat(pad),
  );
  return { body: Buffer.concat([header, ...parts]), headerLength: header.length };
}

describe('datatypes', () => {
  it('has a consistent table for every datatype', () => {
    for (const d of DATATYPES) {
      const info = DATATYPE_INFO[d];
      assert.equal(info.datatype, d);
      assert.equal(ortTypeToDatatype(datatypeToOrtType(d)), d);
      if (d === 'BYTES') assert.equal(info.arrayType, null);
      else assert.equal(info.byteSize, info.arrayType!.BYTES_PER_ELEMENT, d);
    }
    assert.equal(datatypeToOrtType('FP16'), 'float16');
    assert.equal(datatypeToOrtType('BYTES'), 'string');
    assert.equal(datatypeToOrtType('BOOL'), 'bool');
    assert.equal(ortTypeToDatatype('bfloat16'), undefined);
  });

  it('recognises datatypes', () => {
    assert.ok(isDatatype('FP32'));
    assert.ok(!isDatatype('fp32'));
    assert.ok(!isDatatype('FLOAT'));
    assert.ok(!isDatatype(3));
  });

  it('checks integer ranges, 64-bit included', () => {
    assert.ok(isIntegerInRange('UINT8', 255));
    assert.ok(!isIntegerInRange('UINT8', 256));
    assert.ok(!isIntegerInRange('UINT8', -1));
    assert.ok(isIntegerInRange('INT8', -128));
    assert.ok(!isIntegerInRange('INT8', 128));
    assert.ok(!isIntegerInRange('INT32', 1.5));
    assert.ok(isIntegerInRange('INT64', -(2 ** 63)));
    assert.ok(!isIntegerInRange('INT64', 2 ** 63));
    assert.ok(isIntegerInRange('UINT64', 2 ** 64 - 2048));
    assert.ok(!isIntegerInRange('UINT64', 2 ** 64));
    assert.ok(!isIntegerInRange('FP32', 1));
  });

  it('counts elements', () => {
    assert.equal(elementCount([]), 1);
    assert.equal(elementCount([2, 3, 4]), 24);
    assert.equal(elementCount([5, 0]), 0);
  });
});

describe('JSON codec', () => {
  for (const d of DATATYPES) {
    it(`round-trips ${d}`, () => {
      const t = decodeJsonInput(jsonInput(d, [2, 2], SAMPLES[d]), 0);
      assert.equal(t.name, 'x');
      assert.equal(t.datatype, d);
      assert.deepEqual(t.shape, [2, 2]);
      if (d === 'BYTES') assert.ok(Array.isArray(t.data));
      else assert.ok(t.data instanceof DATATYPE_INFO[d].arrayType!, `${d} array class`);
      assert.equal(t.data.length, 4);
      const out = encodeJsonOutput(t);
      assert.deepEqual(out, { name: 'x', datatype: d, shape: [2, 2], data: SAMPLES[d] });
      // And through real JSON text: what a client sees.
      assert.deepEqual(JSON.parse(JSON.stringify(out)).data, JSON.parse(JSON.stringify(SAMPLES[d])));
      // Nested data decodes to the same contents as flat data.
      const [a, b, c, e] = SAMPLES[d];
      const nested = decodeJsonInput(jsonInput(d, [2, 2], [[a, b], [c, e]]), 0);
      assert.equal(nested.data.constructor, t.data.constructor);
      assert.deepEqual(plain(nested.data), plain(t.data));
    });
  }

  it('stores values in the in-memory representation', () => {
    assert.deepEqual(plain(decodeJsonInput(jsonInput('BOOL', [3], [true, false, true]), 0).data), [1, 0, 1]);
    assert.deepEqual(plain(decodeJsonInput(jsonInput('FP16', [3], [1, -2, 65520]), 0).data), [0x3c00, 0xc000, 0x7c00]);
    assert.deepEqual(plain(decodeJsonInput(jsonInput('INT64', [3], [-1, -4294967297, 2 ** 53 - 1]), 0).data), [
      -1n,
      -4294967297n,
      2n ** 53n - 1n,
    ]);
    assert.deepEqual(plain(decodeJsonInput(jsonInput('UINT64', [2], [2 ** 63, 2 ** 64 - 2048]), 0).data), [
      2n ** 63n,
      2n ** 64n - 2048n,
    ]);
    const bytes = decodeJsonInput(jsonInput('BYTES', [2], ['', 'é']), 0).data as Uint8Array[];
    assert.equal(bytes[0]!.length, 0);
    assert.deepEqual([...bytes[1]!], [0xc3, 0xa9]);
  });

  it('encodes 64-bit extremes as the nearest double', () => {
    const int64: Tensor = { name: 'y', datatype: 'INT64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -5n]) };
    assert.deepEqual(tensorDataToJson(int64), [-(2 ** 63), 2 ** 63, -5]);
    const uint64: Tensor = { name: 'y', datatype: 'UINT64', shape: [2], data: new BigUint64Array([2n ** 64n - 1n, 4294967297n]) };
    assert.deepEqual(tensorDataToJson(uint64), [2 ** 64, 4294967297]);
  });

  it('round-trips FP16 specials as numbers', () => {
    const t: Tensor = { name: 'h', datatype: 'FP16', shape: [4], data: new Uint16Array([0x7c00, 0xfc00, 0x7e00, 0x8001]) };
    const values = tensorDataToJson(t) as number[];
    assert.equal(values[0], Infinity);
    assert.equal(values[1], -Infinity);
    assert.ok(Number.isNaN(values[2]));
    assert.equal(values[3], -(2 ** -24));
    assert.deepEqual(plain(decodeJsonInput(jsonInput('FP16', [4], values), 0).data), [0x7c00, 0xfc00, 0x7e00, 0x8001]);
  });

  it('rounds FP32 and range-checks integers in nested data too', () => {
    assert.deepEqual(plain(decodeJsonInput(jsonInput('FP32', [2, 1], [[0.1], [1e39]]), 0).data), [Math.fround(0.1), Infinity]);
    assertInvalid(() => decodeJsonInput(jsonInput('UINT8', [2, 2], [[1, 2], [3, 256]]), 0), 'input "x" element 3: expected an integer in [0, 255] for UINT8, got 256');
  });

  it('accepts nested data equal to flat data', () => {
    const flat = decodeJsonInput(jsonInput('FP32', [2, 3], [1, 2, 3, 4, 5, 6]), 0);
    const nested = decodeJsonInput(jsonInput('FP32', [2, 3], [[1, 2, 3], [4, 5, 6]]), 0);
    assert.deepEqual(plain(nested.data), plain(flat.data));
    assert.deepEqual(plain(flat.data), [1, 2, 3, 4, 5, 6]);
    const deep = decodeJsonInput(jsonInput('INT32', [2, 2, 2], [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]), 0);
    assert.deepEqual(plain(deep.data), [1, 2, 3, 4, 5, 6, 7, 8]);
    const bytes = decodeJsonInput(jsonInput('BYTES', [1, 2], [['a', 'b']]), 0);
    assert.deepEqual(tensorDataToJson(bytes), ['a', 'b']);
  });

  it('accepts empty tensors flat or nested', () => {
    assert.equal(decodeJsonInput(jsonInput('FP32', [2, 0], []), 0).data.length, 0);
    assert.equal(decodeJsonInput(jsonInput('FP32', [2, 0], [[], []]), 0).data.length, 0);
    assert.equal(decodeJsonInput(jsonInput('BYTES', [0], []), 0).data.length, 0);
  });

  it('takes a scalar as [v] or a bare v', () => {
    const a = decodeJsonInput(jsonInput('FP64', [], [2.5]), 0);
    const b = decodeJsonInput(jsonInput('FP64', [], 2.5), 0);
    assert.deepEqual(a.shape, []);
    assert.deepEqual(plain(a.data), [2.5]);
    assert.deepEqual(plain(b.data), [2.5]);
    assert.deepEqual(encodeJsonOutput(a).data, [2.5]);
    assert.deepEqual(tensorDataToJson(decodeJsonInput(jsonInput('BYTES', [], 'hi'), 0)), ['hi']);
    assert.deepEqual(tensorDataToJson(decodeJsonInput(jsonInput('BOOL', [], [false]), 0)), [false]);
    assertInvalid(() => decodeJsonInput(jsonInput('FP64', [], []), 0), 'shape [] needs 1 elements, got 0');
    assertInvalid(() => decodeJsonInput(jsonInput('FP64', [], [1, 2]), 0), 'shape [] needs 1 elements, got 2');
    assertInvalid(() => decodeJsonInput(jsonInput('FP64', [], [[1]]), 0), 'input "x": nested data does not match shape []: data is [[1]], expected a single element');
  });

  it('keeps parameters', () => {
    const t = decodeJsonInput({ name: 'x', datatype: 'FP32', shape: [1], data: [1], parameters: { content_type: 'np' } }, 0);
    assert.deepEqual(t.parameters, { content_type: 'np' });
    assert.equal(decodeJsonInput(jsonInput('FP32', [1], [1]), 0).parameters, undefined);
  });

  describe('errors', () => {
    it('element count', () => {
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2, 4], [1, 2, 3, 4, 5, 6, 7]), 0), 'input "x": shape [2,4] needs 8 elements, got 7');
    });

    it('element types, naming the element and datatype', () => {
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [4], [1, 2, 3, 'a']), 0), 'input "x" element 3: expected a number for FP32, got "a"');
      assertInvalid(() => decodeJsonInput(jsonInput('FP16', [1], [null]), 0), 'element 0: expected a number for FP16, got null');
      assertInvalid(() => decodeJsonInput(jsonInput('BOOL', [2], [true, 1]), 0), 'element 1: expected true or false for BOOL, got 1');
      assertInvalid(() => decodeJsonInput(jsonInput('BYTES', [2], ['a', 5]), 0), 'element 1: expected a string for BYTES, got 5');
      assertInvalid(() => decodeJsonInput(jsonInput('INT32', [1], ['1']), 0), 'expected an integer in [-2147483648, 2147483647] for INT32, got "1"');
      // Nested data reports the flat row-major index.
      assertInvalid(() => decodeJsonInput(jsonInput('FP64', [2, 2], [[1, 2], [3, {}]]), 0), 'input "x" element 3: expected a number for FP64, got {}');
    });

    it('integer ranges and non-integers', () => {
      assertInvalid(() => decodeJsonInput(jsonInput('UINT8', [2], [1, 256]), 0), 'element 1: expected an integer in [0, 255] for UINT8, got 256');
      assertInvalid(() => decodeJsonInput(jsonInput('UINT8', [1], [-1]), 0), 'for UINT8, got -1');
      assertInvalid(() => decodeJsonInput(jsonInput('INT8', [1], [-129]), 0), 'expected an integer in [-128, 127] for INT8, got -129');
      assertInvalid(() => decodeJsonInput(jsonInput('INT16', [1], [32768]), 0), 'for INT16, got 32768');
      assertInvalid(() => decodeJsonInput(jsonInput('UINT16', [1], [65536]), 0), 'for UINT16, got 65536');
      assertInvalid(() => decodeJsonInput(jsonInput('UINT32', [1], [4294967296]), 0), 'for UINT32, got 4294967296');
      assertInvalid(() => decodeJsonInput(jsonInput('INT32', [1], [1.5]), 0), 'for INT32, got 1.5');
      assertInvalid(() => decodeJsonInput(jsonInput('INT64', [1], [0.5]), 0), 'for INT64, got 0.5');
      assertInvalid(
        () => decodeJsonInput(jsonInput('INT64', [1], [2 ** 63]), 0),
        'expected an integer in [-9223372036854775808, 9223372036854775807] for INT64, got 9223372036854776000',
      );
      assertInvalid(() => decodeJsonInput(jsonInput('UINT64', [1], [-1]), 0), 'expected an integer in [0, 18446744073709551615] for UINT64, got -1');
      assertInvalid(() => decodeJsonInput(jsonInput('UINT64', [1], [2 ** 64]), 0), 'for UINT64, got 18446744073709552000');
    });

    it('nested data that does not match the shape', () => {
      assertInvalid(
        () => decodeJsonInput(jsonInput('FP32', [2, 4], [[1, 2, 3, 4], [1, 2, 3]]), 0),
        'input "x": nested data does not match shape [2,4]: data[1] has 3 elements, expected 4',
      );
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2, 4], [[1, 2, 3, 4]]), 0), 'data has 1 elements, expected 2');
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2, 2], [[1, 2], 3]), 0), 'data[1] is 3, expected an array of 2 elements');
      // Deeper than the shape: caught by the element check, with the flat index.
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2, 2], [[1, 2], [3, [4]]]), 0), 'input "x" element 3: expected a number for FP32, got [4]');
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2, 2, 2], [[1, 2, 3, 4], [5, 6, 7, 8]]), 0), 'data[0] has 4 elements, expected 2');
    });

    it('data that is missing or not an array', () => {
      assertInvalid(() => decodeJsonInput({ name: 'x', datatype: 'FP32', shape: [1] }, 0), 'input "x": expected data, got nothing');
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2], 'ab'), 0), 'input "x": expected data to be an array for shape [2], got "ab"');
    });

    it('binary_data_size in a request without binary data', () => {
      assertInvalid(
        () => decodeJsonInput({ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } }, 0),
        'input "x"',
        'binary_data_size',
        'Inference-Header-Content-Length',
      );
      assertInvalid(
        () => decodeJsonInput({ name: 'x', datatype: 'FP32', shape: [1], data: [1], parameters: { binary_data_size: 4 } }, 0),
        'input "x": expected either data or parameters.binary_data_size, got both',
      );
    });

    it('name, datatype, shape and parameters', () => {
      assertInvalid(() => decodeJsonInput(null, 2), 'inputs[2]: expected an object, got null');
      assertInvalid(() => decodeJsonInput({ datatype: 'FP32', shape: [1], data: [1] }, 1), 'inputs[1]: expected a non-empty string name, got nothing');
      assertInvalid(() => decodeJsonInput({ name: 7, datatype: 'FP32', shape: [1], data: [1] }, 0), 'expected a non-empty string name, got 7');
      const e = assertInvalid(() => decodeJsonInput(jsonInput('FLOAT32' as Datatype, [1], [1]), 0), 'input "x": expected datatype one of', 'got "FLOAT32"');
      for (const d of DATATYPES) assert.ok(e.message.includes(d), `lists ${d}`);
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [2, -1], [1]), 0), 'input "x": expected shape to be an array of non-negative integers, got [2,-1]');
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', [1.5] as number[], [1]), 0), 'got [1.5]');
      assertInvalid(() => decodeJsonInput(jsonInput('FP32', '2' as unknown as number[], [1]), 0), 'got "2"');
      assertInvalid(() => decodeJsonInput({ name: 'x', datatype: 'FP32', shape: [1], data: [1], parameters: [] }, 0), 'input "x": expected parameters to be an object, got []');
    });
  });

  it('refuses to put invalid UTF-8 in a JSON string', () => {
    const t: Tensor = { name: 'txt', datatype: 'BYTES', shape: [2], data: [Buffer.from('ok'), new Uint8Array([0xff, 0xfe])] };
    assertInvalid(() => encodeJsonOutput(t), 'output "txt" element 1', 'UTF-8', 'binary_data');
  });

  it('keeps a leading BOM in BYTES', () => {
    const t = decodeJsonInput(jsonInput('BYTES', [1], ['\uFEFFx']), 0);
    assert.deepEqual([...(t.data as Uint8Array[])[0]!], [0xef, 0xbb, 0xbf, 0x78]);
    assert.deepEqual(tensorDataToJson(t), ['\uFEFFx']);
  });
});

describe('binary codec', () => {
  const tensorOf = (d: Datatype, shape: number[] = [2, 2]): Tensor => decodeJsonInput(jsonInput(d, shape, SAMPLES[d], `in_${d}`), 0);

  it('writes little-endian bytes', () => {
    assert.deepEqual([...bytesOfTensor({ name: 'a', datatype: 'FP32', shape: [1], data: new Float32Array([1]) })], [0, 0, 0x80, 0x3f]);
    assert.deepEqual([...bytesOfTensor({ name: 'a', datatype: 'INT64', shape: [1], data: new BigInt64Array([-2n]) })], [0xfe, 255, 255, 255, 255, 255, 255, 255]);
    assert.deepEqual([...bytesOfTensor({ name: 'a', datatype: 'UINT16', shape: [1], data: new Uint16Array([0x0102]) })], [2, 1]);
    assert.deepEqual([...bytesOfTensor({ name: 'a', datatype: 'FP16', shape: [1], data: new Uint16Array([0x3c00]) })], [0, 0x3c]);
    assert.deepEqual([...bytesOfTensor({ name: 'a', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) })], [1, 0]);
  });

  it('length-prefixes BYTES elements, empty ones included', () => {
    const t: Tensor = { name: 's', datatype: 'BYTES', shape: [3], data: [Buffer.from('ab'), new Uint8Array(0), Buffer.from('é')] };
    assert.deepEqual([...bytesOfTensor(t)], [2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9]);
  });

  it('views only a typed array slice of a larger buffer', () => {
    const big = new Float32Array([1, 2, 3, 4]);
    const t: Tensor = { name: 'a', datatype: 'FP32', shape: [2], data: big.subarray(1, 3) };
    const bytes = bytesOfTensor(t);
    assert.equal(bytes.length, 8);
    assert.deepEqual([...new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8))], [2, 3]);
  });

  for (const d of DATATYPES) {
    it(`round-trips ${d} through a binary request at aligned and unaligned offsets`, () => {
      const t = tensorOf(d);
      for (let pad = 0; pad < 8; pad++) {
        const { body, headerLength } = binaryRequest([t], pad);
        const { header, binary } = splitBinaryBody(body, headerLength);
        const [back] = decodeBinaryInputs((header as { inputs: unknown }).inputs, binary);
        assert.equal(back!.name, t.name);
        assert.equal(back!.datatype, d);
        assert.deepEqual(back!.shape, [2, 2]);
        assert.deepEqual(plain(back!.data), plain(t.data), `${d} pad ${pad}`);
        assert.deepEqual(tensorDataToJson(back!), SAMPLES[d]);
        assert.deepEqual(back!.parameters, { binary_data_size: bytesOfTensor(t).length });
      }
    });
  }

  it('round-trips 64-bit values beyond 2^53 exactly', () => {
    const t: Tensor = { name: 'big', datatype: 'INT64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]) };
    const { body, headerLength } = binaryRequest([t]);
    const { header, binary } = splitBinaryBody(body, headerLength);
    assert.deepEqual(plain(decodeBinaryInputs((header as { inputs: unknown }).inputs, binary)[0]!.data), [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]);
  });

  it('round-trips a scalar and an empty tensor', () => {
    const scalar: Tensor = { name: 's', datatype: 'FP64', shape: [], data: new Float64Array([Math.PI]) };
    const empty: Tensor = { name: 'e', datatype: 'BYTES', shape: [0, 3], data: [] };
    const { body, headerLength } = binaryRequest([scalar, empty]);
    const { header, binary } = splitBinaryBody(body, headerLength);
    const [s, e] = decodeBinaryInputs((header as { inputs: unknown }).inputs, binary);
    assert.deepEqual(plain(s!.data), [Math.PI]);
    assert.deepEqual(s!.shape, []);
    assert.equal(e!.data.length, 0);
  });

  it('views aligned data without copying and copies unaligned data into aligned arrays', () => {
    const backing = Buffer.alloc(17);
    new Float32Array(backing.buffer, backing.byteOffset, 4).set([1, 2, 3, 4]);
    const aligned = dataFromBytes(backing.subarray(0, 16), 'FP32', [4], 'input "x"') as Float32Array;
    assert.equal(aligned.buffer, backing.buffer, 'aligned bytes are viewed');
    assert.deepEqual([...aligned], [1, 2, 3, 4]);

    const shifted = Buffer.alloc(17);
    shifted.set(backing.subarray(0, 16), 1);
    const copied = dataFromBytes(shifted.subarray(1, 17), 'FP32', [4], 'input "x"') as Float32Array;
    assert.notEqual(copied.buffer, shifted.buffer, 'unaligned bytes are copied');
    assert.equal(copied.byteOffset % 4, 0);
    assert.deepEqual([...copied], [1, 2, 3, 4]);
  });

  it('decodes several inputs in order, mixing binary and JSON, with unaligned followers', () => {
    const u8: Tensor = { name: 'u', datatype: 'UINT8', shape: [3], data: new Uint8Array([7, 8, 9]) };
    const f64: Tensor = { name: 'f', datatype: 'FP64', shape: [2], data: new Float64Array([0.5, -1.25]) };
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'u', datatype: 'UINT8', shape: [3], parameters: { binary_data_size: 3 } },
          { name: 'j', datatype: 'INT32', shape: [1, 2], data: [[5, 6]] },
          { name: 'f', datatype: 'FP64', shape: [2], parameters: { binary_data_size: 16 } },
        ],
      }),
    );
    const body = Buffer.concat([header, bytesOfTensor(u8), bytesOfTensor(f64)]);
    const { header: h, binary } = splitBinaryBody(body, header.length);
    const [u, j, f] = decodeBinaryInputs((h as { inputs: unknown }).inputs, binary);
    assert.deepEqual(plain(u!.data), [7, 8, 9]);
    assert.ok(j!.data instanceof Int32Array);
    assert.deepEqual(plain(j!.data), [5, 6]);
    assert.ok(f!.data instanceof Float64Array);
    assert.deepEqual(plain(f!.data), [0.5, -1.25]);
  });

  describe('errors', () => {
    const header = (inputs: unknown[]): unknown[] => inputs;

    it('binary_data_size that does not fit the shape', () => {
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 28 } }]), Buffer.alloc(28)),
        'input "x": binary_data_size 28 but FP32 [2,4] needs 32 bytes',
      );
      // Reported as a size mismatch even when the wrong size also overruns the body.
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 20 } }]), Buffer.alloc(16)),
        'input "x": binary_data_size 20 but INT64 [2] needs 16 bytes',
      );
    });

    it('short body and leftover bytes', () => {
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }]), Buffer.alloc(31)),
        'input "x": binary_data_size 32 but only 31 bytes of binary data remain',
      );
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }]), Buffer.alloc(12)),
        'add up to 8 bytes, got 12 bytes',
      );
      assertInvalid(() => decodeBinaryInputs(header([jsonInput('FP32', [1], [1])]), Buffer.alloc(1)), 'add up to 0 bytes, got 1 bytes');
    });

    it('bad binary_data_size values and both data and binary', () => {
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: '4' } }]), Buffer.alloc(4)),
        'input "x": expected binary_data_size to be a non-negative integer, got "4"',
      );
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'FP32', shape: [1], data: [1], parameters: { binary_data_size: 4 } }]), Buffer.alloc(4)),
        'input "x": expected either data or parameters.binary_data_size, got both',
      );
      assertInvalid(() => decodeBinaryInputs({ inputs: 1 }, Buffer.alloc(0)), 'inputs: expected an array, got {"inputs":1}');
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'x', datatype: 'FP99', shape: [1], parameters: { binary_data_size: 4 } }]), Buffer.alloc(4)),
        'input "x": expected datatype one of',
        'got "FP99"',
      );
    });

    it('malformed BYTES', () => {
      const bytes = (n: number, shape: number[]) => header([{ name: 's', datatype: 'BYTES', shape, parameters: { binary_data_size: n } }]);
      // Length says 5 but 2 bytes follow.
      assertInvalid(() => decodeBinaryInputs(bytes(6, [1]), Buffer.from([5, 0, 0, 0, 1, 2])), 'input "s" element 0: expected 5 bytes, got 2');
      // Second element's length prefix is cut.
      assertInvalid(() => decodeBinaryInputs(bytes(8, [2]), Buffer.from([1, 0, 0, 0, 9, 1, 0, 0])), 'input "s" element 1: expected a 4-byte length', 'got 3 bytes');
      // Bytes left over inside the input.
      assertInvalid(() => decodeBinaryInputs(bytes(6, [1]), Buffer.from([1, 0, 0, 0, 9, 9])), 'input "s": binary_data_size 6 but 1 BYTES elements use 5 bytes');
      // More elements than the size can possibly hold.
      assertInvalid(() => decodeBinaryInputs(bytes(4, [1000000]), Buffer.alloc(4)), 'expected 1000000 BYTES elements', 'got binary_data_size 4');
    });

    it('BOOL bytes other than 0 and 1', () => {
      assertInvalid(
        () => decodeBinaryInputs(header([{ name: 'b', datatype: 'BOOL', shape: [3], parameters: { binary_data_size: 3 } }]), Buffer.from([0, 1, 2])),
        'input "b" element 2: expected 0 or 1 for BOOL, got 2',
      );
    });

    it('splitBinaryBody header length and JSON', () => {
      const body = Buffer.from('{"inputs":[]}XYZ');
      const ok = splitBinaryBody(body, 13);
      assert.deepEqual(ok.header, { inputs: [] });
      assert.equal(ok.binary.toString(), 'XYZ');
      assertInvalid(() => splitBinaryBody(body, Number('abc')), 'Inference-Header-Content-Length: expected a non-negative integer, got NaN');
      assertInvalid(() => splitBinaryBody(body, 1.5), 'expected a non-negative integer, got 1.5');
      assertInvalid(() => splitBinaryBody(body, -1), 'got -1');
      assertInvalid(() => splitBinaryBody(body, 17), 'expected at most the body length 16, got 17');
      assertInvalid(() => splitBinaryBody(body, 12), 'expected the first 12 bytes to be a JSON header, got invalid JSON');
    });
  });

  describe('responses', () => {
    const y: Tensor = { name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([1, 2]) };
    const z: Tensor = { name: 'z', datatype: 'BYTES', shape: [1], data: [Buffer.from('hi')] };

    it('chooses binary per output, per-output overriding global', () => {
      assert.equal(wantsBinaryOutput({}, 'y'), false);
      assert.equal(wantsBinaryOutput(undefined, 'y'), false);
      assert.equal(wantsBinaryOutput({ parameters: { binary_data_output: true } }, 'y'), true);
      assert.equal(wantsBinaryOutput({ outputs: [{ name: 'y', parameters: { binary_data: true } }] }, 'y'), true);
      assert.equal(wantsBinaryOutput({ outputs: [{ name: 'y', parameters: { binary_data: true } }] }, 'z'), false);
      assert.equal(
        wantsBinaryOutput({ parameters: { binary_data_output: true }, outputs: [{ name: 'y', parameters: { binary_data: false } }] }, 'y'),
        false,
      );
      assert.equal(wantsBinaryOutput({ parameters: { binary_data_output: true }, outputs: [{ name: 'y' }] }, 'y'), true);
    });

    it('encodes JSON outputs when nothing asks for binary', () => {
      const enc = encodeResponseOutputs([y, z], { outputs: [{ name: 'y' }] });
      assert.equal(enc.binary, false);
      assert.deepEqual(enc.binaryParts, []);
      assert.deepEqual(enc.outputs, [
        { name: 'y', datatype: 'FP32', shape: [2], data: [1, 2] },
        { name: 'z', datatype: 'BYTES', shape: [1], data: ['hi'] },
      ]);
    });

    it('encodes a binary response that splits back into header and parts', () => {
      const enc = encodeResponseOutputs([y, z], { outputs: [{ name: 'z', parameters: { binary_data: true } }] });
      assert.equal(enc.binary, true);
      assert.deepEqual(enc.outputs, [
        { name: 'y', datatype: 'FP32', shape: [2], data: [1, 2] },
        { name: 'z', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } },
      ]);
      const { body, headerLength } = encodeBinaryResponse({ model_name: 'm', outputs: enc.outputs }, enc.binaryParts);
      const { header, binary } = splitBinaryBody(body, headerLength);
      assert.deepEqual(header, { model_name: 'm', outputs: enc.outputs });
      assert.deepEqual([...binary], [2, 0, 0, 0, 0x68, 0x69]);

      const all = encodeResponseOutputs([y, z], { parameters: { binary_data_output: true } });
      const resp = encodeBinaryResponse({ outputs: all.outputs }, all.binaryParts);
      const split = splitBinaryBody(resp.body, resp.headerLength);
      assert.equal(split.binary.length, 8 + 6);
      assert.deepEqual([...new Float32Array(split.binary.buffer.slice(split.binary.byteOffset, split.binary.byteOffset + 8))], [1, 2]);
    });

    it('counts a header with multi-byte UTF-8 in bytes', () => {
      const { body, headerLength } = encodeBinaryResponse({ id: 'é日' }, [Buffer.from([1, 2])]);
      assert.equal(headerLength, Buffer.byteLength(JSON.stringify({ id: 'é日' })));
      assert.deepEqual([...body.subarray(headerLength)], [1, 2]);
    });
  });
});
