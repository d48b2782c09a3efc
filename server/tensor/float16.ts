/**
 * IEEE-754 binary16 conversions. Node 20 has no Float16Array, so FP16 tensors travel as raw
 * half bits in a Uint16Array and JSON numbers are converted here.
 */

import { HOST_IS_LITTLE_ENDIAN } from './datatypes';

const TWO_POW_24 = 2 ** 24;
/** Scratch for reading a double's bits without allocating. */
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const HI = HOST_IS_LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;
/** Smallest positive normal half, 2^-14. Below it halves are subnormal (multiples of 2^-24). */
const MIN_NORMAL = 2 ** -14;
/** Halfway between the largest finite half (65504) and the next step (65536): rounds to infinity (ties-to-even). */
const OVERFLOW_THRESHOLD = 65520;

/** Round half to even for non-negative values below 2^53 (where `x - floor(x)` is exact). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Half-precision bits of a number, rounded to nearest, ties to even; overflow gives ±infinity,
 * tiny values give subnormals or ±0, NaN gives the canonical quiet NaN 0x7e00.
 * Rounds directly from the double: going through float32 first would round twice and can be
 * off by one ulp (e.g. 1 + 2^-11 + 2^-40 must give 0x3c01, not 0x3c00).
 */
export function float32ToFloat16Bits(n: number): number {
  if (n !== n) return 0x7e00;
  const sign = n < 0 || (n === 0 && 1 / n < 0) ? 0x8000 : 0;
  const a = Math.abs(n);
  if (a >= OVERFLOW_THRESHOLD) return sign | 0x7c00;
  if (a < MIN_NORMAL) {
    // Scaling by a power of two is exact, so one rounding happens. A result of 1024 is the
    // smallest normal (0x0400), which the same bit pattern encodes.
    return sign | roundHalfEven(a * TWO_POW_24);
  }
  // Normal range: take exponent and mantissa straight from the double's bits (integer ops only).
  // Halves keep the top 10 of the double's 52 mantissa bits; the next bit is the rounding bit and
  // the rest are sticky. A carry out of the mantissa correctly bumps the exponent.
  scratch[0] = a;
  const hi = words[HI]!;
  const e = ((hi >>> 20) & 0x7ff) - 1023; // -14..15 here
  let bits = ((e + 15) << 10) | ((hi >>> 10) & 0x3ff);
  if ((hi & 0x200) !== 0 && ((hi & 0x1ff) !== 0 || words[LO] !== 0 || (bits & 1) !== 0)) bits++;
  return sign | bits;
}

/** Value of half-precision bits (the low 16 bits of `h`). NaN payloads are not preserved. */
export function float16BitsToFloat32(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  let v: number;
  if (exp === 0) v = mant / TWO_POW_24;
  else if (exp === 31) v = mant === 0 ? Infinity : NaN;
  else v = (1024 + mant) * 2 ** (exp - 25);
  return h & 0x8000 ? -v : v;
}
