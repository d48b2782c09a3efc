/**
 * A script's output inside the JS host becomes 'log' messages for the server: console.log / info →
 * info, debug (and trace) → debug, warn → warn, error (and failed asserts) → error; raw writes to
 * process.stdout are info, to process.stderr warn. One message per console call (objects rendered
 * by util.format as console.log would, without colours); raw writes are split into lines.
 */
import { format, inspect } from 'node:util';
import type { ScriptLogLevel, ScriptResponse } from '../scriptProtocol';

type LogMessage = Extract<ScriptResponse, { type: 'log' }>;

/** Longest message sent as is; longer ones are cut (a script printing a huge array must not flood the server's log). */
export const MAX_LOG_MESSAGE = 16_384;

function clip(message: string): string {
  if (message.length <= MAX_LOG_MESSAGE) return message;
  return `${message.slice(0, MAX_LOG_MESSAGE)}… (${message.length - MAX_LOG_MESSAGE} more characters)`;
}

/** Line-buffered sink for raw writes; a partial line waits for its newline (or for flush). */
class LineSink {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: unknown): void {
    this.pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).replace(/\r$/, '');
      this.pending = this.pending.slice(nl + 1);
      this.onLine(line);
    }
    if (this.pending.length > MAX_LOG_MESSAGE) this.flushPending();
  }

  flushPending(): void {
    if (this.pending) this.onLine(this.pending);
    this.pending = '';
  }
}

/**
 * Replaces the worker's console and its process.stdout/stderr writes so that everything a script
 * prints reaches `post` as a log message. Returns a function that sends partial lines still waiting.
 */
export function installWorkerConsole(post: (message: LogMessage) => void): () => void {
  const send = (level: ScriptLogLevel, source: LogMessage['source'], message: string): void => post({ type: 'log', level, source, message: clip(message) });
  const out = new LineSink((line) => send('info', 'stdout', line));
  const err = new LineSink((line) => send('warn', 'stderr', line));

  // Raw writes (process.stdout.write, libraries that bypass console).
  const rawWrite = (sink: LineSink) =>
    function write(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
      sink.push(chunk);
      const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)());
      return true;
    };
  (process.stdout as unknown as { write: unknown }).write = rawWrite(out);
  (process.stderr as unknown as { write: unknown }).write = rawWrite(err);

  // console methods with their own levels, changed in place so that `require('node:console')` (the
  // same object) follows; the others (table, group, time, count, …) write to the patched streams.
  const at = (level: ScriptLogLevel, source: LogMessage['source']) => (...args: unknown[]) => send(level, source, format(...args));
  Object.assign(console, {
    log: at('info', 'stdout'),
    info: at('info', 'stdout'),
    debug: at('debug', 'stdout'),
    warn: at('warn', 'stderr'),
    error: at('error', 'stderr'),
    trace: (...args: unknown[]) => {
      const stack = (new Error().stack ?? '').split('\n').slice(2).join('\n');
      send('debug', 'stderr', `Trace${args.length ? `: ${format(...args)}` : ''}\n${stack}`);
    },
    dir: (obj: unknown, options?: object) => send('info', 'stdout', inspect(obj, { ...options, colors: false })),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) send('error', 'stderr', `Assertion failed${args.length ? `: ${format(...args)}` : ''}`);
    },
  });
  return () => {
    out.flushPending();
    err.flushPending();
  };
}
