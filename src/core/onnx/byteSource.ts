/**
 * Random-access bytes for the streaming ONNX reader: a file read through one small window, so a
 * 500 MB model costs a window's memory, not its size. Reads are synchronous on purpose: the
 * reader asks for a few bytes per protobuf field, and a promise per field would cost more than
 * the disk (the structure of even a large model is a few MB; the weights are skipped, not read).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes the reader can pull from any position. */
export interface ByteSource {
  readonly size: number;
  /** Copies up to `length` bytes from `position` into `into` at `offset`; returns the count copied. */
  read(into: Uint8Array, offset: number, length: number, position: number): number;
  /** Bytes fetched from the underlying storage so far (what the weights-skipping test measures). */
  readonly bytesFetched: number;
  close(): void;
}

/** An in-memory model (tests, small files already read). */
export class BufferByteSource implements ByteSource {
  bytesFetched = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(into: Uint8Array, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.bytes.length - position));
    into.set(this.bytes.subarray(position, position + n), offset);
    this.bytesFetched += n;
    return n;
  }
  close(): void {}
}

/** A file on disk, read with pread-style calls (no stream: the reader seeks past weights). */
export class FileByteSource implements ByteSource {
  private fd: number | undefined;
  readonly size: number;
  bytesFetched = 0;
  constructor(file: string) {
    this.fd = openSync(file, 'r');
    this.size = fstatSync(this.fd).size;
  }
  read(into: Uint8Array, offset: number, length: number, position: number): number {
    if (this.fd === undefined) throw new Error('the model file is closed');
    const n = readSync(this.fd, into, offset, length, position);
    this.bytesFetched += n;
    return n;
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
