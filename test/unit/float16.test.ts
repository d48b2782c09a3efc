import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../server/tensor/float16';

describe('float16', () => {
  it('encodes known values', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [0.1, 0x2e66],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1e10, 0x7c00],
      [-1e10, 0xfc00],
    ];
    for (const [n, bits] of cases) assert.equal(float32ToFloat16Bits(n), bits, `${n}`);
  });

  it('rounds to nearest, ties to even', () => {
    assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00); // tie, even stays down
    assert.equal(float32ToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie, odd goes up
    assert.equal(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20), 0x3c01); // above the tie
    assert.equal(float32ToFloat16Bits(2 ** -25), 0x0000); // subnormal tie to even (0)
    assert.equal(float32ToFloat16Bits(3 * 2 ** -25), 0x0002); // 1.5 ulp -> 2
    assert.equal(float32ToFloat16Bits(2 ** -25 + 2 ** -40), 0x0001);
    assert.equal(float32ToFloat16Bits(-(2 ** -26)), 0x8000); // underflow keeps the sign
    assert.equal(float32ToFloat16Bits(2047.5), 0x6800); // tie between 2047 (odd mantissa) and 2048: goes to 2048
    assert.equal(float16BitsToFloat32(float32ToFloat16Bits(2047.5)), 2048);
    // Rounding into the next binade: 2^-14 - 2^-25 is the tie between the largest subnormal's neighbour and min normal.
    assert.equal(float32ToFloat16Bits(2 ** -14 - 2 ** -25), 0x0400);
  });

  it('overflows to infinity exactly at 65520', () => {
    assert.equal(float32ToFloat16Bits(65519.99), 0x7bff);
    assert.equal(float32ToFloat16Bits(65520), 0x7c00);
    assert.equal(float32ToFloat16Bits(-65520), 0xfc00);
  });

  it('rounds from the double directly (no double rounding through float32)', () => {
    // Via float32 this would first round to 1 + 2^-11 (a tie) and then to 0x3c00.
    assert.equal(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -40), 0x3c01);
  });

  it('encodes NaN as a quiet NaN', () => {
    const h = float32ToFloat16Bits(NaN);
    assert.equal(h & 0x7c00, 0x7c00);
    assert.notEqual(h & 0x3ff, 0);
    assert.ok(Number.isNaN(float16BitsToFloat32(h)));
  });

  it('decodes specials', () => {
    assert.equal(float16BitsToFloat32(0x7c00), Infinity);
    assert.equal(float16BitsToFloat32(0xfc00), -Infinity);
    assert.ok(Object.is(float16BitsToFloat32(0x8000), -0));
    assert.ok(Number.isNaN(float16BitsToFloat32(0x7c01)));
    assert.ok(Number.isNaN(float16BitsToFloat32(0xfe00)));
    assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
    assert.equal(float16BitsToFloat32(0x3555), 0.333251953125);
  });

  it('round-trips every non-NaN bit pattern exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = float16BitsToFloat32(h);
      if (Number.isNaN(v)) continue;
      assert.equal(float32ToFloat16Bits(v), h, `0x${h.toString(16)}`);
    }
  });

  it('agrees with float32 rounding on values exactly between halves', () => {
    // Midpoints of every pair of adjacent positive finite halves must go to the even neighbour.
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (float16BitsToFloat32(h) + float16BitsToFloat32(h + 1)) / 2;
      assert.equal(float32ToFloat16Bits(mid), h % 2 === 0 ? h : h + 1, `mid after 0x${h.toString(16)}`);
    }
  });

  it('picks the nearest half (ties to even) for random doubles', () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 20000; i++) {
      // Spread over all binades, subnormals included, with full-precision mantissas.
      const x = (rand() + rand() / 2 ** 30) * 2 ** Math.floor(rand() * 42 - 26);
      const h = float32ToFloat16Bits(x);
      if (h === 0x7c00) {
        assert.ok(x >= 65520, `${x} overflowed`);
        continue;
      }
      const err = Math.abs(float16BitsToFloat32(h) - x);
      for (const other of [h - 1, h + 1]) {
        if (other < 0 || other > 0x7bff) continue;
        const otherErr = Math.abs(float16BitsToFloat32(other) - x);
        assert.ok(err < otherErr || (err === otherErr && h % 2 === 0), `${x} -> 0x${h.toString(16)}, 0x${other.toString(16)} is nearer`);
      }
    }
  });
});
