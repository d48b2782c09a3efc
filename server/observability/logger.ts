/**
 * Structured JSON logs, one object per line on stderr. The extension parses these lines to
 * stream them into its output channel, so field names are a contract: time, level, msg,
 * deployment, requestId.
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

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const enabled = (l: LogLevel): boolean => LOG_LEVELS.indexOf(l) >= min;
  const log = (l: LogLevel, msg: string, fields?: LogFields): void => {
    if (!enabled(l)) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...fields }) + '\n');
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
