/**
 * A protobuf wire-format reader over a {@link ByteSource} that holds one window of the input at
 * a time: fields are read one by one, length-delimited fields can be descended into (the reader
 * just remembers where they end) or skipped by moving the position, never by reading them. That
 * is what lets a model summary step over gigabytes of `raw_data` without touching it.
 */
import type { ByteSource } from './byteSource';

/** The input is not valid protobuf (truncated, a bad wire type, a field past its message). */
export class ProtoFormatError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} (at byte ${position})`);
    this.name = 'ProtoFormatError';
  }
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

// 64 KiB: the structure between two weights is usually far smaller, and every skip over a weight
// costs one refill, so a small window keeps the bytes read close to the structure's size.
const WINDOW = 1 << 16;
const MIN_READ = 4096;

export class ProtoStream {
  private window = new Uint8Array(WINDOW);
  /** File position of window[0]. */
  private windowStart = 0;
  private windowLength = 0;
  private readSize = MIN_READ;
  /** Absolute position of the next byte to read. */
  pos = 0;

  constructor(private readonly source: ByteSource) {}

  get size(): number {
    return this.source.size;
  }

  /** Makes `n` bytes from `pos` available in the window (n ≤ window size); false at the end of input. */
  private ensure(n: number): boolean {
    const rel = this.pos - this.windowStart;
    if (rel >= 0 && rel + n <= this.windowLength) return true;
    // Reading on from the window's end: the structure continues, read more at once (up to the
    // window). After a jump (a skipped weight), start small again: the next field is likely short
    // and followed by another weight to skip.
    const sequential = this.pos === this.windowStart + this.windowLength;
    this.readSize = sequential ? Math.min(this.window.length, this.readSize * 2) : MIN_READ;
    const want = Math.max(n, this.readSize);
    if (want > this.window.length) this.window = new Uint8Array(want);
    this.windowStart = this.pos;
    this.windowLength = this.source.read(this.window, 0, want, this.pos);
    return n <= this.windowLength;
  }

  private byte(): number {
    if (!this.ensure(1)) throw new ProtoFormatError('unexpected end of the file', this.pos);
    return this.window[this.pos++ - this.windowStart]!;
  }

  /** A varint as a JS number (exact up to 2^53; ONNX ints beyond that are not sizes we use). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new ProtoFormatError('varint longer than 10 bytes', this.pos);
  }

  /** A signed int64 varint (negative values are 10-byte two's complement). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  /** The next field's tag, or undefined at `end`. */
  tag(end: number): { field: number; wire: number } | undefined {
    if (this.pos >= end) return undefined;
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t & 7 };
  }

  /** A length prefix, checked against the end of the enclosing message; returns the end position. */
  lengthEnd(end: number): number {
    const len = this.varint();
    const to = this.pos + len;
    if (to > end || to > this.source.size) throw new ProtoFormatError(`a field of ${len} bytes runs past its message`, this.pos);
    return to;
  }

  /** Reads `len` bytes into memory (for small fields only: names, shapes, metadata). */
  bytes(len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const chunk = Math.min(len - done, this.window.length);
      if (!this.ensure(chunk)) throw new ProtoFormatError('unexpected end of the file', this.pos);
      const rel = this.pos - this.windowStart;
      out.set(this.window.subarray(rel, rel + chunk), done);
      this.pos += chunk;
      done += chunk;
    }
    return out;
  }

  /** A length-delimited string; only its first `max` bytes are kept, the rest is skipped. */
  string(end: number, max = 1 << 20): string {
    const to = this.lengthEnd(end);
    const total = to - this.pos;
    const text = new TextDecoder().decode(this.bytes(Math.min(total, max)));
    this.pos = to;
    return total > max ? text + '…' : text;
  }

  /** Skips one field's value of wire type `wire` without reading it (length-delimited: a seek). */
  skip(wire: number, end: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd(end);
        return;
      case WIRE_I32:
        this.pos += 4;
        return;
      default:
        throw new ProtoFormatError(`unsupported wire type ${wire}`, this.pos);
    }
  }

  /** Calls `each` for every value of a repeated integer field, packed (one LEN field) or not. */
  repeatedVarint(wire: number, end: number, each: (v: number) => void): void {
    if (wire === WIRE_VARINT) each(this.int64());
    else if (wire === WIRE_LEN) {
      const to = this.lengthEnd(end);
      while (this.pos < to) each(this.int64());
    } else this.skip(wire, end);
  }
}
