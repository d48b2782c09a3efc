/**
 * `modeldeck check URL [--grpc HOST:PORT [--authority HOST]] [--model NAME] [--header K:V]… [--request FILE] [--json | --markdown]`:
 * the compliance check from a terminal. Prints one line per check (or the report as JSON or
 * Markdown); exit code 0 when nothing failed, 1 when a check failed, 2 for a usage error.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { reportMarkdown, reportText } from '../core/compliance/complianceMarkdown';
import type { ComplianceTarget } from '../core/compliance/complianceTypes';
import { runComplianceCheck } from '../core/compliance/runCompliance';

/** A command line that cannot be run (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CheckArgs {
  target: ComplianceTarget;
  output: 'text' | 'json' | 'markdown';
}

export function parseCheckArgs(args: string[]): CheckArgs {
  const target: Partial<ComplianceTarget> = {};
  let output: CheckArgs['output'] = 'text';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--grpc') target.grpc = value().replace(/^grpc:\/\//, '');
    else if (a === '--authority') target.grpcAuthority = value();
    else if (a === '--model') target.model = value();
    else if (a === '--header') {
      const h = value();
      const at = h.indexOf(':');
      if (at <= 0) throw new UsageError(`--header ${h}: expected NAME:VALUE`);
      target.headers = { ...target.headers, [h.slice(0, at).trim()]: h.slice(at + 1).trim() };
    } else if (a === '--request') {
      const file = value();
      try {
        target.example = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`--request ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else if (a === '--json') output = 'json';
    else if (a === '--markdown') output = 'markdown';
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else if (!target.url) target.url = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (!target.url) throw new UsageError('the endpoint URL is missing: modeldeck check http://HOST:PORT');
  if (!/^https?:\/\//.test(target.url)) throw new UsageError(`${target.url} is not an http(s) URL`);
  if (target.grpc && !/^[^:\s]+:\d+$/.test(target.grpc)) throw new UsageError(`--grpc ${target.grpc}: expected HOST:PORT`);
  return { target: target as ComplianceTarget, output };
}

/** The gRPC .proto: beside the bundle (dist/proto), or in the source tree when run with tsx. */
export function protoFile(): string {
  const candidates = [path.join(__dirname, 'proto', 'open_inference_grpc.proto'), path.join(__dirname, '..', '..', 'server', 'protocols', 'grpc', 'proto', 'open_inference_grpc.proto')];
  return candidates.find((f) => existsSync(f)) ?? candidates[0]!;
}

export async function runCheckCli(args: string[], out: NodeJS.WritableStream): Promise<number> {
  let parsed: CheckArgs;
  try {
    parsed = parseCheckArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      out.write(`modeldeck check: ${e.message}\nusage: modeldeck check URL [--grpc HOST:PORT [--authority HOST]] [--model NAME] [--header NAME:VALUE]… [--request FILE] [--json | --markdown]\n`);
      return 2;
    }
    throw e;
  }
  const report = await runComplianceCheck(parsed.target, { protoFile: protoFile() });
  out.write(parsed.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : parsed.output === 'markdown' ? reportMarkdown(report) : reportText(report));
  return report.counts.fail > 0 ? 1 : 0;
}
