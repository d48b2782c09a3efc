import type { LoggedEvent } from './logEvent';

/** Records kept per deployment for the live stream. */
export const RING_RECORDS = 1000;
/** And at most this many bytes of them (large payloads): the oldest go first. */
export const RING_BYTES = 32 * 1024 * 1024;

/**
 * The last records of one deployment, numbered: a client asks for those from `since` on and gets
 * `next`, the number to ask from next time, so polling neither skips nor repeats a record.
 */
export class RecordRing {
  private readonly seqs: number[] = [];
  private readonly items: LoggedEvent[] = [];
  private bytes = 0;

  constructor(
    /** Sequence number the next record gets. */
    private nextSeq = 0,
    private readonly maxRecords = RING_RECORDS,
    private readonly maxBytes = RING_BYTES,
  ) {}

  get next(): number {
    return this.nextSeq;
  }

  push(ev: LoggedEvent): void {
    this.seqs.push(this.nextSeq++);
    this.items.push(ev);
    this.bytes += ev.bytes;
    while (this.items.length > this.maxRecords || (this.bytes > this.maxBytes && this.items.length > 1)) {
      this.seqs.shift();
      this.bytes -= this.items.shift()!.bytes;
    }
  }

  /**
   * Records numbered `since` and later, oldest first, as one JSON text
   * `{"next": n, "records": [...]}`. A `since` past `next` (the server restarted and numbering
   * began again) answers everything kept.
   */
  since(since: number): string {
    const from = since > this.nextSeq ? 0 : since;
    let i = 0;
    while (i < this.seqs.length && this.seqs[i]! < from) i++;
    const lines: string[] = [];
    for (; i < this.items.length; i++) lines.push(this.items[i]!.line);
    return `{"next":${this.nextSeq},"records":[${lines.join(',')}]}`;
  }
}
