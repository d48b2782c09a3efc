/**
 * A POSIX ustar archive of files, streamed: what `kubectl cp` pipes into `tar xf -` in the pod.
 * Written here (≈60 lines) rather than pulled in from tar-fs, which the Kubernetes client only
 * depends on internally. Regular files only, mode 0644, names up to 255 bytes (prefix + name).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** A file for the archive. */
export interface TarEntry {
  /** Path in the archive ('/'-separated, relative). */
  path: string;
  size: number;
  source: { file: string } | { text: string };
}

const BLOCK = 512;

/** The archive as a stream; `onEntry` is called once an entry's bytes have been produced. */
export function tarStream(entries: readonly TarEntry[], onEntry?: (e: TarEntry) => void): Readable {
  return Readable.from(generate(entries, onEntry));
}

async function* generate(entries: readonly TarEntry[], onEntry?: (e: TarEntry) => void): AsyncGenerator<Buffer> {
  const mtime = Math.floor(Date.now() / 1000);
  for (const e of entries) {
    yield header(e.path, e.size, mtime);
    let sent = 0;
    if ('file' in e.source) {
      for await (const chunk of createReadStream(e.source.file)) {
        sent += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } else {
      const bytes = Buffer.from(e.source.text);
      sent = bytes.length;
      yield bytes;
    }
    if (sent !== e.size) throw new Error(`${e.path} changed while it was archived (${sent} bytes, expected ${e.size})`);
    const pad = (BLOCK - (sent % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
    onEntry?.(e);
  }
  yield Buffer.alloc(BLOCK * 2); // end of archive: tar stops reading here (the exec's stdin is never "closed" on old protocols)
}

/** One ustar header block. */
export function header(p: string, size: number, mtime: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  let name = p;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = p.lastIndexOf('/', p.length - 1);
    prefix = p.slice(0, cut);
    name = p.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`path too long for a tar archive: ${p}`);
  }
  b.write(name, 0, 100, 'utf8');
  b.write('0000644\0', 100, 'ascii'); // mode
  b.write('0000000\0', 108, 'ascii'); // uid
  b.write('0000000\0', 116, 'ascii'); // gid
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  b.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  b.write('        ', 148, 'ascii'); // checksum is computed with spaces here
  b.write('0', 156, 'ascii'); // regular file
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}
