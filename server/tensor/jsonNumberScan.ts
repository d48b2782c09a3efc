/**
 * A fast path for the bulk of a V2 JSON body: the numeric `data` arrays. JSON.parse turns a
 * 110 KB image (27,648 numbers, ≈ 160 KB of text) into as many heap numbers in ≈ 2 ms before
 * the decoder copies them into a typed array; scanning the bytes straight into a Float64Array
 * takes a fraction of that. Everything else in the body (a few hundred bytes) still goes through
 * JSON.parse, with each scanned array replaced by a placeholder.
 *
 * The scan is deliberately strict and gives up (undefined) on anything unusual: a non-numeric
 * element, ragged nesting, a malformed number. The caller then decodes the whole body the general
 * way, so every error message comes from one place. Numbers are exact: up to 15 significant digits
 * and a power of ten ≤ 22 they are one correctly rounded IEEE operation on exact operands (Clinger's
 * fast path); longer ones go through Number(), as JSON.parse would.
 */

/** One scanned `data` array: its numbers row-major, and its nesting when nested. */
export interface ScannedArray {
  values: Float64Array;
  /** Lengths per nesting level (rectangular), e.g. [2, 3] for [[1,2,3],[4,5,6]]; [n] when flat. */
  dims: number[];
}

/** The body with each numeric `data` array replaced by `{"\u0000md": index}`, and the arrays. */
export interface ScannedBody {
  skeleton: string;
  arrays: ScannedArray[];
}

/** The placeholder's key; no JSON text a client writes is expected to use it. */
export const PLACEHOLDER_KEY = '\u0000md';

const QUOTE = 0x22;
const BSLASH = 0x5c;
const COLON = 0x3a;
const LBR = 0x5b;
const RBR = 0x5d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const POW10 = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && isWs(b[i]!)) i++;
  return i;
}

/** Where the last parseNumber ended (module state: no tuple allocated per number). */
let numberEnd = 0;

/** A JSON number at `i`, or NaN when the text there is not one. */
function parseNumber(b: Uint8Array, i: number): number {
  const n = b.length;
  let neg = false;
  if (b[i] === MINUS) {
    neg = true;
    i++;
  }
  const start = i; // after the sign, which is applied at the end
  if (i >= n) return NaN;
  let c = b[i]!;
  let d = c - ZERO;
  if (d < 0 || d > 9) return NaN;
  let mant = 0;
  let digits = 0;
  if (d === 0) {
    i++;
    if (i < n) {
      const e = b[i]! - ZERO;
      if (e >= 0 && e <= 9) return NaN; // leading zero: not JSON
    }
  } else {
    do {
      mant = mant * 10 + d;
      digits++;
      i++;
      d = i < n ? b[i]! - ZERO : -1;
    } while (d >= 0 && d <= 9);
  }
  let exp10 = 0;
  c = i < n ? b[i]! : 0;
  if (c === DOT) {
    i++;
    d = i < n ? b[i]! - ZERO : -1;
    if (d < 0 || d > 9) return NaN;
    do {
      mant = mant * 10 + d;
      digits++;
      exp10--;
      i++;
      d = i < n ? b[i]! - ZERO : -1;
    } while (d >= 0 && d <= 9);
    c = i < n ? b[i]! : 0;
  }
  if (c === LOWER_E || c === UPPER_E) {
    i++;
    c = i < n ? b[i]! : 0;
    let expNeg = false;
    if (c === PLUS || c === MINUS) {
      expNeg = c === MINUS;
      i++;
    }
    d = i < n ? b[i]! - ZERO : -1;
    if (d < 0 || d > 9) return NaN;
    let e = 0;
    do {
      if (e < 100_000) e = e * 10 + d;
      i++;
      d = i < n ? b[i]! - ZERO : -1;
    } while (d >= 0 && d <= 9);
    exp10 += expNeg ? -e : e;
  }
  numberEnd = i;
  let v: number;
  if (digits <= 15 && exp10 >= -22 && exp10 <= 22) v = exp10 < 0 ? mant / POW10[-exp10]! : mant * POW10[exp10]!;
  else v = Number(Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('latin1')); // exact, as JSON.parse
  return neg ? -v : v;
}

/**
 * A rectangular array of numbers starting at `b[start] === '['`; undefined when it is anything
 * else (strings, booleans, null, ragged or mixed nesting, malformed numbers).
 */
export function scanNumberArray(b: Uint8Array, start: number): { array: ScannedArray; end: number } | undefined {
  // Every number takes at least one byte plus a separator: a safe upper bound for the count.
  let values = new Float64Array(Math.max(8, (b.length - start + 1) >> 1));
  let k = 0;
  let depth = 0;
  let leaf = -1; // nesting depth of the numbers, once one was seen
  const counts: number[] = [];
  const lens: number[] = [];
  let i = start;
  for (;;) {
    // A value is expected at i.
    const c = b[i];
    if (c === LBR) {
      if (leaf !== -1 && depth + 1 > leaf) return undefined; // an array where numbers were
      if (depth > 0) counts[depth - 1]!++;
      counts[depth] = 0;
      depth++;
      i = skipWs(b, i + 1);
      if (b[i] !== RBR) continue; // its first value; an empty array closes below
    } else {
      if (leaf === -1) leaf = depth;
      else if (leaf !== depth) return undefined;
      const v = parseNumber(b, i);
      if (Number.isNaN(v)) return undefined;
      values[k++] = v;
      counts[depth - 1]!++;
      i = skipWs(b, numberEnd);
    }
    // After a value: ',' (the next value) or ']' (close; then again ',' or ']').
    for (;;) {
      const d = b[i];
      if (d === COMMA) {
        i = skipWs(b, i + 1);
        break;
      }
      if (d !== RBR) return undefined;
      depth--;
      const len = counts[depth]!;
      if (lens[depth] === undefined) lens[depth] = len;
      else if (lens[depth] !== len) return undefined; // ragged
      if (depth === 0) {
        if (leaf !== -1 && leaf !== lens.length) return undefined;
        if (values.length !== k) values = values.slice(0, k);
        return { array: { values, dims: lens }, end: i + 1 };
      }
      i = skipWs(b, i + 1);
    }
  }
}

/**
 * Finds every `"data": [numbers…]` member outside strings, scans it, and returns the rest of the
 * body with placeholders; undefined when there is none, or when one of them is not plain numbers.
 */
export function scanV2Body(b: Buffer): ScannedBody | undefined {
  const n = b.length;
  // A plain Uint8Array view: element reads stay monomorphic in the scanning loops.
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.length);
  const parts: string[] = [];
  const arrays: ScannedArray[] = [];
  let cut = 0;
  let i = 0;
  while (i < n) {
    if (b[i] !== QUOTE) {
      i++;
      continue;
    }
    const open = i++;
    while (i < n) {
      const d = b[i]!;
      if (d === BSLASH) i += 2;
      else if (d === QUOTE) break;
      else i++;
    }
    if (i >= n) return undefined; // unterminated string: JSON.parse will say so
    const isData = i - open === 5 && b[open + 1] === 0x64 && b[open + 2] === 0x61 && b[open + 3] === 0x74 && b[open + 4] === 0x61;
    i++;
    if (!isData) continue;
    let j = skipWs(b, i);
    if (b[j] !== COLON) continue; // the string "data" as a value, not a key
    j = skipWs(b, j + 1);
    if (b[j] !== LBR) continue; // not an array: left to JSON.parse
    const scanned = scanNumberArray(bytes, j);
    if (!scanned) return undefined;
    parts.push(b.toString('utf8', cut, j), `{"\\u0000md":${arrays.length}}`);
    arrays.push(scanned.array);
    cut = i = scanned.end;
  }
  if (arrays.length === 0) return undefined;
  parts.push(b.toString('utf8', cut, n));
  return { skeleton: parts.join(''), arrays };
}
