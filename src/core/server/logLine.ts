/** One structured log line of the ModelDeck server (see server/observability/logger.ts). */
export interface ServerLogLine {
  /** ISO time stamp. */
  time: string;
  /** trace | debug | info | warn | error. */
  level: ServerLogLevel;
  /** The message. */
  msg: string;
  /** Deployment the line is about, if any. */
  deployment?: string;
  /** Request id, if the line is about a request. */
  requestId?: string;
  /** Every other field of the line. */
  fields: Record<string, unknown>;
}

export type ServerLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const LEVELS = new Set<string>(['trace', 'debug', 'info', 'warn', 'error']);

/**
 * Parses one line of the server's stderr. Lines that are not our JSON (a crash trace, a native
 * library warning) come back as `info` lines with the raw text, so nothing the server says is lost.
 */
export function parseServerLogLine(line: string): ServerLogLine {
  const text = line.trimEnd();
  if (text.startsWith('{')) {
    try {
      const obj = JSON.parse(text) as Record<string, unknown>;
      if (typeof obj.msg === 'string') {
        const { time, level, msg, deployment, requestId, ...fields } = obj;
        return {
          time: typeof time === 'string' ? time : new Date().toISOString(),
          level: typeof level === 'string' && LEVELS.has(level) ? (level as ServerLogLevel) : 'info',
          msg,
          ...(typeof deployment === 'string' ? { deployment } : {}),
          ...(typeof requestId === 'string' ? { requestId } : {}),
          fields,
        };
      }
    } catch {
      // not JSON after all: fall through
    }
  }
  return { time: new Date().toISOString(), level: /error|fatal|exception/i.test(text) ? 'error' : 'info', msg: text, fields: {} };
}

/** "[deployment] message key=value …" — how a line reads in the output channel. */
export function formatServerLogLine(l: ServerLogLine): string {
  const extras = Object.entries(l.fields)
    .filter(([k]) => k !== 'deployments')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const prefix = l.deployment ? `[${l.deployment}] ` : '';
  const req = l.requestId ? ` requestId=${l.requestId}` : '';
  return `${prefix}${l.msg}${req}${extras.length ? ' ' + extras.join(' ') : ''}`;
}

/**
 * Splits a stream of chunks into complete lines; the tail waits for its newline. Keeps memory
 * bounded if a line never ends (a runaway write): past `maxLine` characters it is flushed as is.
 */
export class LineSplitter {
  private buffer = '';
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 1 << 20,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.length > 0) this.onLine(line);
    }
    if (this.buffer.length > this.maxLine) {
      this.onLine(this.buffer);
      this.buffer = '';
    }
  }

  /** Emits what is left (process exit). */
  end(): void {
    if (this.buffer.length > 0) this.onLine(this.buffer);
    this.buffer = '';
  }
}
