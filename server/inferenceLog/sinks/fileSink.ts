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

  /** Appends `text` (whole lines), rotating first when it would take the file past the limit. */
  write(text: string): Promise<void> {
    const run = this.chain.then(() => this.append(text));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async append(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (!this.handle) await this.openFile();
    if (this.size > 0 && this.size + bytes > this.rotation.maxBytes) await this.rotate();
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
    let text = '';
    for (const ev of batch) text += `${ev.line}\n`;
    return this.writer.write(text);
  }

  close(): Promise<void> {
    return this.release();
  }
}
