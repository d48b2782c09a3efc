/**
 * modeldeck-server entry point. Prints a human banner (with a ready-to-paste curl) on stdout and
 * logs on stderr: readable lines in a terminal, JSON lines otherwise (the extension parses those).
 */
import { UsageError, USAGE, parseCli } from './cli';
import { createLogger } from './observability/logger';
import { startServer } from './server';
import { curlExample } from './banner';

async function main(): Promise<void> {
  let config;
  try {
    config = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`modeldeck-server: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  // A person at a terminal reads lines; a program (the extension, a log shipper) reads JSON.
  const tty = process.stderr.isTTY === true;
  const format = config.logFormat ?? (tty ? 'pretty' : 'json');
  const logger = createLogger(config.logLevel, { format, color: format === 'pretty' && tty && !process.env.NO_COLOR });
  let server;
  try {
    server = await startServer(config, logger);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ` (port in use: pass --http-port with a free port, or 0 for any)` : '';
    logger.error(`cannot start: ${e.message}${hint}`);
    process.exit(1);
  }
  const s = server;
  let signals = 0;
  const onSignal = (sig: string): void => {
    if (++signals > 1) process.exit(1); // second Ctrl-C: don't wait
    void s.shutdown(sig).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // Started with an IPC channel (the extension does): on Windows a signal cannot ask for a graceful
  // stop (child.kill() ends the process at once), so the parent sends { type: 'shutdown' }; and when
  // the parent goes away (the channel closes) the server stops too instead of being left running.
  if (process.send) {
    process.on('message', (m: unknown) => {
      if ((m as { type?: unknown } | null)?.type === 'shutdown') onSignal('shutdown message');
    });
    process.on('disconnect', () => onSignal('parent disconnected'));
  }
  await s.initialLoad;
  process.stdout.write(await curlExample(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`modeldeck-server: fatal: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
