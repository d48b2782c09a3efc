/**
 * `modeldeck`: the terminal front end of the editor's tools, so users can run them in their own CI.
 * One table of subcommands, each `(args, out) => exit code`; the bundle is dist/modeldeck.js
 * (esbuild.mjs) and package.json's "bin" points at it. Never imports vscode.
 *
 * Subcommands live in their own modules and are loaded only when asked for (a `check` run never
 * pays for the load generator's code, and the reverse).
 */
import { LOADTEST_USAGE, runLoadtestCli } from '../core/loadtest/loadtestCli';
import { runCheckCli } from './checkCli';

/** A subcommand: its arguments after the name, where to print; resolves to the exit code. */
export type Subcommand = (args: string[], out: NodeJS.WritableStream) => Promise<number>;

interface SubcommandEntry {
  run: Subcommand;
  /** One usage line for `modeldeck help`. */
  usage: string;
}

const SUBCOMMANDS: Record<string, SubcommandEntry> = {
  check: {
    run: runCheckCli,
    usage: 'check URL [--grpc HOST:PORT [--authority HOST]] [--model NAME] [--header K:V] [--request FILE] [--json | --markdown]   Open Inference Protocol compliance check',
  },
  loadtest: {
    run: runLoadtestCli,
    usage: `${LOADTEST_USAGE}   load test of a served model`,
  },
};

export function usage(): string {
  return ['usage: modeldeck <command> [options]', '', 'commands:', ...Object.values(SUBCOMMANDS).map((s) => `  ${s.usage}`), '  help'].join('\n') + '\n';
}

/** Runs one `modeldeck` invocation (`argv` without node and the script); resolves to the exit code. */
export async function runModeldeckCli(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    out.write(usage());
    return name ? 0 : 2;
  }
  const entry = SUBCOMMANDS[name];
  if (!entry) {
    err.write(`modeldeck: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await entry.run(rest, out);
  } catch (e) {
    err.write(`modeldeck ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

// Run as a program (the bundle), not when imported by tests.
if (require.main === module) {
  void runModeldeckCli(process.argv.slice(2), process.stdout, process.stderr).then((code) => {
    process.exitCode = code;
  });
}
