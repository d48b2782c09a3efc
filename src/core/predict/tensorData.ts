/**
 * Client-side tensor data: flattening nested JSON data, element counts, and the little-endian byte
 * layout of the binary tensor extension and gRPC raw contents. The server has its own codecs
 * (server/tensor/); this is the client's half, kept separate because the extension host must not
 * import server code.
 */
import type { TensorValue } from './predictTypes';

/** Every OIP datatype, with its byte size (0: variable length) and the JSON value kind it takes. */
export const DATATYPES: Readonly<Record<string, { bytes: number; kind: 'bool' | 'int' | 'float' | 'bytes' }>> = {
  BOOL: { bytes: 1, kind: 'bool' },
  UINT8: { bytes: 1, kind: 'int' },
  UINT16: { bytes: 2, kind: 'int' },
  UINT32: { bytes: 4, kind: 'int' },
  UINT64: { bytes: 8, kind: 'int' },
  INT8: { bytes: 1, kind: 'int' },
  INT16: { bytes: 2, kind: 'int' },
  INT32: { bytes: 4, kind: 'int' },
  INT64: { bytes: 8, kind: 'int' },
  FP16: { bytes: 2, kind: 'float' },
  FP32: { bytes: 4, kind: 'float' },
  FP64: { bytes: 8, kind: 'float' },
  BYTES: { bytes: 0, kind: 'bytes' },
};

/** Product of the dimensions ([] is a scalar: 1 element). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Row-major flattening of nested JSON data (`[[1,2],[3,4]]` → `[1,2,3,4]`); flat data is returned as is. */
export function flattenData(data: unknown): unknown[] {
  if (!Array.isArray(data)) return [data];
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else out.push(v);
  };
  walk(data);
  return out;
}

/** A 64-bit integer as a number when exact, else as its decimal string (never silently rounded). */
export function exactInteger(v: bigint): TensorValue {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * Little-endian bytes of flat data in `datatype`. BYTES elements (strings, UTF-8) are each
 * prefixed with their 4-byte little-endian length, as the binary extension and gRPC raw contents say.
 */
export function encodeTensorBytes(datatype: string, data: readonly unknown[]): Uint8Array {
  const info = DATATYPES[datatype];
  if (!info) throw new Error(`unknown datatype "${datatype}"`);
  if (datatype === 'BYTES') {
    const parts = data.map((v) => new TextEncoder().encode(String(v)));
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(out.buffer);
    let at = 0;
    for (const p of parts) {
      view.setUint32(at, p.length, true);
      out.set(p, at + 4);
      at += 4 + p.length;
    }
    return out;
  }
  const out = new Uint8Array(info.bytes * data.length);
  const view = new DataView(out.buffer);
  data.forEach((raw, i) => {
    const at = i * info.bytes;
    const n = typeof raw === 'boolean' ? Number(raw) : raw;
    switch (datatype) {
      case 'BOOL': view.setUint8(at, n ? 1 : 0); break;
      case 'UINT8': view.setUint8(at, Number(n)); break;
      case 'INT8': view.setInt8(at, Number(n)); break;
      case 'UINT16': view.setUint16(at, Number(n), true); break;
      case 'INT16': view.setInt16(at, Number(n), true); break;
      case 'UINT32': view.setUint32(at, Number(n), true); break;
      case 'INT32': view.setInt32(at, Number(n), true); break;
      // BigInt from the decimal text: 64-bit values given as strings stay exact.
      case 'UINT64': view.setBigUint64(at, BigInt(String(n)), true); break;
      case 'INT64': view.setBigInt64(at, BigInt(String(n)), true); break;
      case 'FP16': view.setUint16(at, toFloat16Bits(Number(n)), true); break;
      case 'FP32': view.setFloat32(at, Number(n), true); break;
      case 'FP64': view.setFloat64(at, Number(n), true); break;
    }
  });
  return out;
}

/** Flat values of `count` elements of `datatype` from little-endian bytes; throws naming the size mismatch. */
export function decodeTensorBytes(datatype: string, bytes: Uint8Array, count: number, label: string): TensorValue[] {
  const info = DATATYPES[datatype];
  if (!info) throw new Error(`${label}: unknown datatype "${datatype}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TensorValue[] = [];
  if (datatype === 'BYTES') {
    let at = 0;
    const decoder = new TextDecoder();
    while (at < bytes.length) {
      if (at + 4 > bytes.length) throw new Error(`${label}: truncated BYTES element length at byte ${at}`);
      const len = view.getUint32(at, true);
      if (at + 4 + len > bytes.length) throw new Error(`${label}: BYTES element of ${len} bytes runs past the end`);
      out.push(decoder.decode(bytes.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    if (out.length !== count) throw new Error(`${label}: ${out.length} BYTES elements, shape says ${count}`);
    return out;
  }
  if (bytes.length !== info.bytes * count) {
    throw new Error(`${label}: ${bytes.length} bytes for ${count} ${datatype} elements (expected ${info.bytes * count})`);
  }
  for (let i = 0; i < count; i++) {
    const at = i * info.bytes;
    switch (datatype) {
      case 'BOOL': out.push(view.getUint8(at) !== 0); break;
      case 'UINT8': out.push(view.getUint8(at)); break;
      case 'INT8': out.push(view.getInt8(at)); break;
      case 'UINT16': out.push(view.getUint16(at, true)); break;
      case 'INT16': out.push(view.getInt16(at, true)); break;
      case 'UINT32': out.push(view.getUint32(at, true)); break;
      case 'INT32': out.push(view.getInt32(at, true)); break;
      case 'UINT64': out.push(exactInteger(view.getBigUint64(at, true))); break;
      case 'INT64': out.push(exactInteger(view.getBigInt64(at, true))); break;
      case 'FP16': out.push(fromFloat16Bits(view.getUint16(at, true))); break;
      case 'FP32': out.push(view.getFloat32(at, true)); break;
      case 'FP64': out.push(view.getFloat64(at, true)); break;
    }
  }
  return out;
}

/**
 * Half-precision bits, rounded to nearest even via float32 (the double rounding this allows is at
 * most one ulp in rare ties, fine for a test request; the server's codec is the exact one).
 */
export function toFloat16Bits(n: number): number {
  const f32 = new Float32Array([n]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the right result (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function fromFloat16Bits(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Base64 of bytes without Node's Buffer (the text builders also run where only atob/btoa exist). */
export function base64Of(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
