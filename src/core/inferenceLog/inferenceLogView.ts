/**
 * What the Inference Log shows: records paired by inferenceId into one entry per inference (its
 * request and its response), newest first, bounded; the filter; the payloads as text. Pure: the
 * panel's host feeds it records from a file tail or the server's live stream.
 */
import type { InferenceLogRecord } from './inferenceLogRecord';
import { payloadBytes, pretty, replayText, utf8 } from './replayRequest';

/** One inference: its request and response records as far as they were logged. */
export interface LogEntry {
  id: string;
  /** Arrival order (the newest entry has the highest). */
  seq: number;
  request?: InferenceLogRecord;
  response?: InferenceLogRecord;
}

/** A row of the table, as the page shows it. */
export interface LogRow {
  id: string;
  /** When the request arrived, ms since the epoch. */
  time: number;
  protocol: string;
  /** The response's HTTP status; undefined while no response is logged. */
  status?: number;
  latencyMs?: number;
  version?: number;
  /** Which halves were logged. */
  has: { request: boolean; response: boolean };
  truncated: boolean;
}

/** The page's filter: text over the id and both payloads, a protocol, a status class. */
export interface LogFilter {
  text?: string;
  /** '' or undefined: every protocol. */
  protocol?: string;
  /** '' | 'answered' (a response was logged) | 'unanswered' | a status code ("200"). */
  status?: string;
}

/** A payload as the detail view shows it. */
export interface PayloadView {
  contentType: string;
  /** "json": `text` is pretty JSON; "binary": `text` is the base64, `bytes` its decoded size; "truncated": the cut text. */
  kind: 'json' | 'binary' | 'truncated';
  text: string;
  bytes?: number;
  /** Binary extension only: the JSON header, pretty. */
  header?: string;
  truncatedFrom?: number;
}

/** Both payloads of one entry, and whether it can be replayed. */
export interface EntryDetail {
  id: string;
  row: LogRow;
  request?: PayloadView;
  response?: PayloadView;
  replay: { ok: true; note?: string } | { ok: false; reason: string };
}

export const DEFAULT_MAX_ENTRIES = 1000;
/** Base64 shown in the detail view, at most (the rest is summarised). */
const MAX_BASE64_SHOWN = 8 * 1024;

/**
 * The entries of one deployment's log, paired by inferenceId, the oldest dropped past `maxEntries`.
 * A response that arrives before its request (two files, a rotation) pairs all the same.
 */
export class InferenceLogStore {
  private readonly entries = new Map<string, LogEntry>();
  private seq = 0;
  /** Lower-cased search text per entry, built once when first filtered. */
  private readonly haystacks = new WeakMap<LogEntry, string>();
  /** Changes each time records are added or cleared: the host re-sends rows only then. */
  version = 0;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  add(records: readonly InferenceLogRecord[]): void {
    if (records.length === 0) return;
    for (const r of records) {
      let e = this.entries.get(r.inferenceId);
      if (!e) {
        e = { id: r.inferenceId, seq: ++this.seq };
        this.entries.set(r.inferenceId, e);
      }
      if (r.messageType === 'request') e.request = r;
      else e.response = r;
      this.haystacks.delete(e);
    }
    // Map order is insertion order: the first keys are the oldest.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.version++;
  }

  clear(): void {
    this.entries.clear();
    this.version++;
  }

  get(id: string): LogEntry | undefined {
    return this.entries.get(id);
  }

  /** Rows passing the filter, newest first, at most `limit`; `total` counts every match. */
  rows(filter: LogFilter = {}, limit = 500): { rows: LogRow[]; total: number; protocols: string[] } {
    const all = [...this.entries.values()].sort((a, b) => b.seq - a.seq);
    const protocols = [...new Set(all.map((e) => rowOf(e).protocol))].sort();
    const matching = all.filter((e) => this.matches(e, filter));
    return { rows: matching.slice(0, limit).map(rowOf), total: matching.length, protocols };
  }

  private matches(e: LogEntry, f: LogFilter): boolean {
    const row = rowOf(e);
    if (f.protocol && row.protocol !== f.protocol) return false;
    if (f.status === 'answered' && !row.has.response) return false;
    if (f.status === 'unanswered' && row.has.response) return false;
    if (f.status && /^\d+$/.test(f.status) && String(row.status) !== f.status) return false;
    const text = f.text?.trim().toLowerCase();
    if (text) {
      let hay = this.haystacks.get(e);
      if (hay === undefined) {
        hay = [e.id, JSON.stringify(e.request?.payload ?? ''), JSON.stringify(e.response?.payload ?? '')].join('\n').toLowerCase();
        this.haystacks.set(e, hay);
      }
      if (!hay.includes(text)) return false;
    }
    return true;
  }

  detail(id: string): EntryDetail | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    const replay = e.request ? replayText(e.request) : ({ ok: false, reason: 'the request was not logged (mode "response")' } as const);
    return {
      id,
      row: rowOf(e),
      ...(e.request ? { request: payloadView(e.request) } : {}),
      ...(e.response ? { response: payloadView(e.response) } : {}),
      replay: replay.ok ? { ok: true, ...(replay.note ? { note: replay.note } : {}) } : replay,
    };
  }
}

export function rowOf(e: LogEntry): LogRow {
  const any = (e.request ?? e.response)!;
  return {
    id: e.id,
    time: any.requestTimestamp,
    protocol: any.protocol,
    ...(e.response?.responseHttpCode !== undefined ? { status: e.response.responseHttpCode } : {}),
    ...(e.response?.latencyMs !== undefined ? { latencyMs: e.response.latencyMs } : {}),
    ...(any.modelVersion !== undefined ? { version: any.modelVersion } : {}),
    has: { request: !!e.request, response: !!e.response },
    truncated: e.request?.truncatedFrom !== undefined || e.response?.truncatedFrom !== undefined,
  };
}

/** A record's payload as text: pretty JSON; base64 binary said to be such, with its size. */
export function payloadView(r: InferenceLogRecord): PayloadView {
  const base = { contentType: r.contentType, ...(r.truncatedFrom !== undefined ? { truncatedFrom: r.truncatedFrom } : {}) };
  const bytes = r.contentType === 'application/octet-stream' || isBase64Payload(r.payload) ? payloadBytes(r.payload) : undefined;
  if (bytes) {
    const b64 = (r.payload as { base64: string }).base64;
    const text = b64.length > MAX_BASE64_SHOWN ? `${b64.slice(0, MAX_BASE64_SHOWN)}… (${b64.length - MAX_BASE64_SHOWN} more base64 characters)` : b64;
    let header: string | undefined;
    if (r.binaryHeaderLength !== undefined && r.binaryHeaderLength <= bytes.length) {
      try {
        header = pretty(JSON.parse(utf8(bytes.subarray(0, r.binaryHeaderLength))));
      } catch {
        header = undefined;
      }
    }
    return { ...base, kind: 'binary', text, bytes: bytes.length, ...(header ? { header } : {}) };
  }
  if (r.truncatedFrom !== undefined && typeof r.payload === 'string') return { ...base, kind: 'truncated', text: r.payload };
  return { ...base, kind: 'json', text: pretty(r.payload) };
}

function isBase64Payload(p: unknown): boolean {
  return p !== null && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 1 && typeof (p as { base64?: unknown }).base64 === 'string';
}
