import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { LoggedEvent } from '../logEvent';
import type { LogSink } from './sink';

/** Rotation of file sinks: a file past `maxBytes` becomes `<file>.1`, the older ones shift, `keep` are kept. */
export interface RotationOptions {
  maxBytes: number;
  keep: number;
}

/**
 * One JSON-lines file, written by every logger that names it (a swapped-in version and the one
 * retiring, or two deployments): writes are serialised, so lines never interleave and rotation
 * happens once.
 */
export class FileWriter {
  private handle: FileHandle | undefined;
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  users = 0;

  constructor(
    readonly file: string,
    private readonly rotation: RotationOptions,
  ) {}

  /**
   * Appends whole lines (each ending in a newline), as few writes as the size limit allows: a batch
   * that would take the file past it is split at a line, the file rotated in between. (A slow disk
   * makes batches large; one write per batch alone would let a file grow past the limit.)
   */
  write(lines: string[]): Promise<void> {
    const run = this.chain.then(() => this.append(lines));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async append(lines: string[]): Promise<void> {
    if (!this.handle) await this.openFile();
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.size + chunkBytes > 0 && this.size + chunkBytes + bytes > this.rotation.maxBytes) {
        if (chunkBytes > 0) await this.writeChunk(chunk, chunkBytes);
        chunk = '';
        chunkBytes = 0;
        if (this.size > 0) await this.rotate();
      }
      chunk += line;
      chunkBytes += bytes;
    }
    if (chunkBytes > 0) await this.writeChunk(chunk, chunkBytes);
  }

  private async writeChunk(text: string, bytes: number): Promise<void> {
    try {
      await this.handle!.write(text);
    } catch (err) {
      await this.closeHandle(); // reopened (and its size re-read) on the next write
      throw err;
    }
    this.size += bytes;
  }

  private async openFile(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    this.handle = await open(this.file, 'a');
    this.size = (await stat(this.file)).size;
  }

  private async rotate(): Promise<void> {
    await this.closeHandle();
    for (let i = this.rotation.keep - 1; i >= 1; i--) {
      await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(ignoreMissing);
    }
    if (this.rotation.keep >= 1) await rename(this.file, `${this.file}.1`).catch(ignoreMissing);
    this.handle = await open(this.file, this.rotation.keep >= 1 ? 'a' : 'w');
    this.size = 0;
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  /** Closes the file after the writes already queued. */
  close(): Promise<void> {
    const run = this.chain.then(() => this.closeHandle());
    this.chain = run;
    return run;
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/** JSON lines, one InferenceLogRecord per line; a batch is one write. */
export class FileSink implements LogSink {
  readonly maxBatch = 1000;
  readonly concurrency = 1;
  readonly label: string;

  constructor(
    private readonly writer: FileWriter,
    private readonly release: () => Promise<void>,
  ) {
    this.label = `file://${writer.file}`;
  }

  send(batch: LoggedEvent[]): Promise<void> {
    return this.writer.write(batch.map((ev) => `${ev.line}\n`));
  }

  close(): Promise<void> {
    return this.release();
  }
}
