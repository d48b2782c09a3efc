/**
 * Where the Inference Log reads records from: a deployment's file sink (tailed: new bytes as they
 * are appended, across rotation to `<file>.1`) or the local server's live stream
 * (`GET /v2/logging/{deployment}/records?since=n`). Node only (fs, fetch); no vscode.
 */
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { parseInferenceLogLine, type InferenceLogRecord } from './inferenceLogRecord';
import type { ParsedSink } from './sinkForms';

/** One source of records, polled by its owner. */
export interface LogSource {
  /** "file /ws/logs/iris.jsonl" or "live stream of http://127.0.0.1:8080". */
  readonly description: string;
  /** Records that arrived since the last poll (the first poll: the recent ones). */
  poll(): Promise<InferenceLogRecord[]>;
}

/** A file sink's absolute path: `file:///abs` as is, a plain path against the workspace folder that holds `.modeldeck/`. */
export function fileSinkPath(sink: Extract<ParsedSink, { kind: 'file' }>, workspaceDir: string): string {
  return sink.fileUrl ? sink.path : path.resolve(workspaceDir, sink.path);
}

const NEWLINE = 0x0a;

/**
 * Tails a JSON-lines file. Each poll reads the bytes appended since the last one, keeps a partial
 * last line for the next poll, and follows rotation: when the path names a new file (another inode)
 * or is gone, the rest of the old file is read from `<file>.1` (the sink renames it there) before
 * the new one is read from its start. A file cut shorter (truncated in place) is read from its
 * start again. The first poll reads only the last `initialBytes` of the file (the view keeps the
 * recent entries anyway).
 */
export class JsonLinesTail implements LogSource {
  readonly description: string;
  private offset = 0;
  private ino: number | undefined;
  private partial: Buffer = Buffer.alloc(0);
  private started = false;
  /** Lines that were not records (neither a partial last line nor JSON of the right shape). */
  skipped = 0;

  constructor(
    readonly file: string,
    private readonly opts: { initialBytes?: number; maxReadBytes?: number } = {},
  ) {
    this.description = `file ${file}`;
  }

  async poll(): Promise<InferenceLogRecord[]> {
    const out: InferenceLogRecord[] = [];
    const now = await statOrUndefined(this.file);
    if (!this.started) {
      this.started = true;
      if (!now) return out;
      this.ino = now.ino;
      const initial = this.opts.initialBytes ?? 4 * 1024 * 1024;
      this.offset = Math.max(0, now.size - initial);
      // Starting mid-file: the first (partial) line is skipped.
      const skipFirst = this.offset > 0;
      await this.readFrom(this.file, now.size, out, skipFirst);
      return out;
    }
    if (this.ino !== undefined && (!now || now.ino !== this.ino)) {
      // Rotated: finish the old file where the sink moved it, then start the new one.
      const rotated = `${this.file}.1`;
      const old = await statOrUndefined(rotated);
      if (old && old.ino === this.ino && old.size > this.offset) await this.readFrom(rotated, old.size, out);
      this.flushPartial(out);
      this.offset = 0;
      this.ino = now?.ino;
      if (!now) return out;
    } else if (!now) {
      return out; // not there yet
    } else if (this.ino === undefined) {
      this.ino = now.ino;
      this.offset = 0;
    } else if (now.size < this.offset) {
      // Truncated in place: start over.
      this.partial = Buffer.alloc(0);
      this.offset = 0;
    }
    if (now.size > this.offset) await this.readFrom(this.file, now.size, out);
    return out;
  }

  private async readFrom(file: string, size: number, out: InferenceLogRecord[], skipFirstLine = false): Promise<void> {
    const max = this.opts.maxReadBytes ?? 16 * 1024 * 1024;
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      let skipping = skipFirstLine;
      while (this.offset < size) {
        const len = Math.min(size - this.offset, 1024 * 1024, max);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await handle.read(buf, 0, len, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        let chunk = buf.subarray(0, bytesRead);
        if (skipping) {
          const nl = chunk.indexOf(NEWLINE);
          if (nl < 0) continue;
          chunk = chunk.subarray(nl + 1);
          skipping = false;
        }
        this.consume(chunk, out);
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private consume(chunk: Buffer, out: InferenceLogRecord[]): void {
    let data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let nl: number;
    while ((nl = data.indexOf(NEWLINE)) >= 0) {
      this.line(data.subarray(0, nl), out);
      data = data.subarray(nl + 1);
    }
    this.partial = Buffer.from(data);
  }

  /** A file that will not grow any more: its last line counts even without a newline. */
  private flushPartial(out: InferenceLogRecord[]): void {
    if (this.partial.length) this.line(this.partial, out);
    this.partial = Buffer.alloc(0);
  }

  private line(bytes: Buffer, out: InferenceLogRecord[]): void {
    const text = bytes.toString('utf8');
    if (!text.trim()) return;
    const r = parseInferenceLogLine(text);
    if (r) out.push(r);
    else this.skipped++;
  }
}

async function statOrUndefined(file: string): Promise<{ ino: number; size: number } | undefined> {
  try {
    const s = await stat(file);
    return { ino: s.ino, size: s.size };
  } catch {
    return undefined;
  }
}

/** The live stream's answer. */
export interface RecordsPage {
  next: number;
  records: InferenceLogRecord[];
}

export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

/** Thrown when the server does not know the deployment (404: not loaded, or not logging). */
export class StreamNotFoundError extends Error {}

/**
 * Polls the local server's live stream of a deployment. A `next` lower than the one asked for
 * means the server restarted (numbers start again): the stream is read again from 0.
 */
export class LiveStream implements LogSource {
  readonly description: string;
  private since = 0;

  constructor(
    private readonly serverUrl: () => string | undefined,
    readonly deployment: string,
    private readonly fetchImpl: FetchLike = fetch as unknown as FetchLike,
    private readonly timeoutMs = 5000,
  ) {
    this.description = `the server's live stream`;
  }

  async poll(): Promise<InferenceLogRecord[]> {
    const base = this.serverUrl();
    if (!base) return [];
    let page = await this.fetchPage(base, this.since);
    if (page.next < this.since) page = await this.fetchPage(base, 0);
    this.since = page.next;
    return page.records.filter((r) => r && typeof r.inferenceId === 'string');
  }

  private async fetchPage(base: string, since: number): Promise<RecordsPage> {
    const url = `${base.replace(/\/+$/, '')}/v2/logging/${encodeURIComponent(this.deployment)}/records?since=${since}`;
    const res = await this.fetchImpl(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (res.status === 404) throw new StreamNotFoundError(`the server has no inference log for "${this.deployment}" (is it running with a logger mode other than "none"?)`);
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as Partial<RecordsPage>;
    if (typeof body.next !== 'number' || !Array.isArray(body.records)) throw new Error(`GET ${url}: not a records page`);
    return { next: body.next, records: body.records };
  }
}
