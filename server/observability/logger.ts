/**
 * Server logs on stderr, one line per record. `json` (the default when stderr is not a terminal):
 * one JSON object per line; the extension parses these lines to stream them into its output channel,
 * so field names are a contract: time, level, msg, deployment, requestId. `pretty` (the default in a
 * terminal): a line a person reads, see prettyLine.
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra fields of one log line. */
export interface LogFields {
  /** Deployment (served model name) the line is about. */
  deployment?: string;
  /** Request id, also echoed to the client. */
  requestId?: string;
  [key: string]: unknown;
}

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
}

/** How log lines are written: JSON objects for programs, readable lines for people. */
export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** Options of a logger beyond its level. */
export interface LoggerOptions {
  /** Default json. */
  format?: LogFormat;
  /** Pretty lines only: ANSI colours (default false). */
  color?: boolean;
  /** Where lines go (default stderr). */
  write?: (line: string) => void;
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((l: string) => process.stderr.write(l));
  const format = options.format ?? 'json';
  const color = options.color ?? false;
  const min = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel): boolean => LOG_LEVELS.indexOf(l) >= min;
  const log = (l: LogLevel, msg: string, fields?: LogFields): void => {
    if (!enabled(l)) return;
    const time = new Date();
    write(format === 'pretty' ? prettyLine(time, l, msg, fields, color) : JSON.stringify({ time: time.toISOString(), level: l, msg, ...fields }) + '\n');
  };
  return {
    log,
    enabled,
    trace: (m, f) => log('trace', m, f),
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

const LEVEL_COLORS: Record<LogLevel, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31' };

/**
 * One readable line: local time, level, message, then the fields as key=value (deployment and
 * request id first; strings with spaces quoted, objects as compact JSON). Colour only for the
 * level and the field names, so a copied line still reads without it.
 */
export function prettyLine(time: Date, level: LogLevel, msg: string, fields: LogFields | undefined, color: boolean): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const parts = [paint('2', clock), paint(LEVEL_COLORS[level], level.toUpperCase().padEnd(5)), msg];
  const { deployment, requestId, ...rest } = fields ?? {};
  const ordered: [string, unknown][] = [
    ...(deployment !== undefined ? [['deployment', deployment] as [string, unknown]] : []),
    ...(requestId !== undefined ? [['requestId', requestId] as [string, unknown]] : []),
    ...Object.entries(rest),
  ];
  for (const [key, value] of ordered) {
    if (value === undefined) continue;
    parts.push(`${paint('2', `${key}=`)}${fieldText(value)}`);
  }
  return parts.join(' ') + '\n';
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}
