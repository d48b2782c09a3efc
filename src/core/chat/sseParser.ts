/**
 * An incremental parser of server-sent events as OpenAI-compatible servers send them: events split
 * by a blank line, `data:` lines joined by newlines, comments (`:`) and other fields ignored. Bytes
 * may arrive cut anywhere, also inside a multi-byte character: the decoder keeps the pieces.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffered = '';

  /** Feeds bytes; returns the `data` of every event they completed, in order. */
  push(bytes: Uint8Array): string[] {
    this.buffered += this.decoder.decode(bytes, { stream: true });
    return this.take();
  }

  /** The stream ended: what a final event without its blank line held. */
  end(): string[] {
    this.buffered += this.decoder.decode();
    if (this.buffered.trim() === '') return [];
    this.buffered += '\n\n';
    return this.take();
  }

  private take(): string[] {
    const out: string[] = [];
    // \r\n line endings too; a \r cut from its \n stays at a line's end, where JSON ignores it.
    this.buffered = this.buffered.replace(/\r\n/g, '\n');
    let at: number;
    while ((at = this.buffered.indexOf('\n\n')) >= 0) {
      const block = this.buffered.slice(0, at);
      this.buffered = this.buffered.slice(at + 2);
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      if (data.length > 0) out.push(data.join('\n'));
    }
    return out;
  }
}
