/**
 * `modeldeck loadtest URL --model NAME --concurrency N --duration S [--protocol rest|binary|grpc]
 * [--request FILE] [--json]`: the editor's load test from a terminal. The CLI process is the load
 * generator itself (it is already a process of its own, apart from the server).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InferenceClient, type PredictEndpoint } from '../predict/inferenceClient';
import { exampleV2 } from '../predict/exampleRequest';
import { parseRequestText, type ParsedRequest } from '../predict/requestModel';
import { planProblems, runLoad } from './loadGenerator';
import { recordMarkdown, type LoadTestRecord } from './loadTestReport';
import type { LoadProtocol, WirePayload } from './loadTestTypes';
import { LoadTestError, wirePayload } from './wirePayload';

export const LOADTEST_USAGE =
  'loadtest URL --model NAME --concurrency N --duration S [--protocol rest|binary|grpc] [--grpc HOST:PORT] [--request FILE] [--rate R] [--warmup S] [--header K:V] [--json]';

interface LoadtestArgs {
  url: string;
  model: string;
  concurrency: number;
  durationS: number;
  protocol: LoadProtocol;
  grpc?: string;
  requestFile?: string;
  ratePerS?: number;
  warmupS?: number;
  headers: Record<string, string>;
  json: boolean;
}

const PROTOCOLS: Record<string, LoadProtocol> = { rest: 'rest-json', json: 'rest-json', 'rest-json': 'rest-json', binary: 'rest-binary', 'rest-binary': 'rest-binary', grpc: 'grpc' };

/** Parses the arguments; throws LoadTestError('bad-plan') with what is wrong. */
export function parseLoadtestArgs(args: string[]): LoadtestArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const headers: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const value = inline ?? args[++i];
      if (value === undefined) throw new LoadTestError('bad-plan', `--${name} needs a value`);
      if (name === 'header') {
        const at = value.indexOf(':');
        if (at <= 0) throw new LoadTestError('bad-plan', `--header: expected K:V, got "${value}"`);
        headers[value.slice(0, at).trim()] = value.slice(at + 1).trim();
      } else flags.set(name, value);
    } else positional.push(a);
  }
  const known = new Set(['model', 'concurrency', 'duration', 'protocol', 'grpc', 'request', 'rate', 'warmup']);
  const unknown = [...flags.keys()].filter((k) => !known.has(k));
  if (unknown.length > 0) throw new LoadTestError('bad-plan', `unknown option ${unknown.map((u) => `--${u}`).join(', ')}`);
  const url = positional[0];
  if (!url || positional.length > 1) throw new LoadTestError('bad-plan', 'expected one URL (the server, e.g. http://127.0.0.1:8080)');
  const model = flags.get('model');
  if (!model) throw new LoadTestError('bad-plan', '--model NAME is required');
  const num = (name: string, fallback?: number): number | undefined => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new LoadTestError('bad-plan', `--${name}: expected a number, got "${v}"`);
    return n;
  };
  const protocolName = flags.get('protocol') ?? 'rest';
  const protocol = PROTOCOLS[protocolName];
  if (!protocol) throw new LoadTestError('bad-plan', `--protocol: expected rest, binary or grpc, got "${protocolName}"`);
  const parsed: LoadtestArgs = {
    url: url.replace(/\/+$/, ''),
    model,
    concurrency: num('concurrency', 1)!,
    durationS: num('duration', 10)!,
    protocol,
    headers,
    json,
    ...(flags.has('grpc') ? { grpc: flags.get('grpc')! } : {}),
    ...(flags.has('request') ? { requestFile: flags.get('request')! } : {}),
    ...(flags.has('rate') ? { ratePerS: num('rate')! } : {}),
    ...(flags.has('warmup') ? { warmupS: num('warmup')! } : {}),
  };
  const problems = planProblems(parsed);
  if (problems.length > 0) throw new LoadTestError('bad-plan', problems.join('; '));
  if (protocol === 'grpc' && !parsed.grpc && !/^grpc:\/\//.test(url)) throw new LoadTestError('bad-plan', '--protocol grpc needs --grpc HOST:PORT (or a grpc://HOST:PORT URL)');
  return parsed;
}

/** The shipped proto: beside the bundle (dist/proto), or in the sources when run from them. */
function protoFile(): string {
  const candidates = [path.join(__dirname, 'proto', 'open_inference_grpc.proto'), path.resolve(__dirname, '../../../server/protocols/grpc/proto/open_inference_grpc.proto')];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}

export async function runLoadtestCli(args: string[], out: NodeJS.WritableStream): Promise<number> {
  let a: LoadtestArgs;
  try {
    a = parseLoadtestArgs(args);
  } catch (e) {
    out.write(`modeldeck loadtest: ${(e as Error).message}\nusage: modeldeck ${LOADTEST_USAGE}\n`);
    return 2;
  }
  const grpcUrl = /^grpc:\/\//.test(a.url);
  const endpoint: PredictEndpoint = {
    httpUrl: grpcUrl ? '' : a.url,
    model: a.model,
    ...(a.grpc || grpcUrl ? { grpcAddress: (a.grpc ?? a.url).replace(/^grpc:\/\//, '') } : {}),
    ...(Object.keys(a.headers).length > 0 ? { headers: a.headers } : {}),
  };
  const client = new InferenceClient(protoFile());
  let payload: WirePayload;
  try {
    let request: ParsedRequest;
    // Metadata checks the request before any load (and gives the example when no file is given).
    const meta = endpoint.httpUrl ? await client.metadata(endpoint) : undefined;
    if (a.requestFile) {
      const parsed = parseRequestText(fs.readFileSync(a.requestFile, 'utf8'));
      if (!parsed.ok) throw new LoadTestError('bad-request', `${a.requestFile}: ${parsed.problems.join('; ')}`);
      request = parsed.request;
    } else if (meta) request = { format: 'v2', body: exampleV2(meta, undefined) };
    else throw new LoadTestError('bad-request', 'give --request FILE (without a REST URL there is no metadata to build an example from)');
    payload = wirePayload(endpoint, request, a.protocol, { protoFile: protoFile(), ...(meta ? { meta } : {}) });
  } catch (e) {
    out.write(`modeldeck loadtest: ${(e as Error).message}\n`);
    return 2;
  } finally {
    client.dispose();
  }
  const startedAt = new Date().toISOString();
  if (!a.json) out.write(`load: ${a.concurrency} concurrent, ${a.durationS} s, ${a.protocol}${a.ratePerS ? `, ${a.ratePerS} req/s` : ''} → ${payload.kind === 'http' ? payload.url : payload.address}\n`);
  const run = runLoad({ payload, protocol: a.protocol, concurrency: a.concurrency, durationS: a.durationS, ...(a.ratePerS ? { ratePerS: a.ratePerS } : {}), ...(a.warmupS !== undefined ? { warmupS: a.warmupS } : {}), progressMs: 1000 }, (p) => {
    if (!a.json && !p.warmingUp) out.write(`  ${p.elapsedS.toFixed(1)} s  ${p.intervalRps.toFixed(1)} req/s  p99 ${p.intervalLatency ? p.intervalLatency.p99Ms.toFixed(2) : '–'} ms  errors ${p.errors}\n`);
  });
  const stopOnSignal = (): void => run.stop();
  process.once('SIGINT', stopOnSignal);
  const result = await run.done.finally(() => process.removeListener('SIGINT', stopOnSignal));
  const record: LoadTestRecord = {
    kind: 'modeldeck-loadtest',
    deployment: a.model,
    model: a.model,
    target: payload.kind === 'http' ? payload.url : payload.address,
    protocol: a.protocol,
    concurrency: a.concurrency,
    durationS: a.durationS,
    ...(a.ratePerS ? { ratePerS: a.ratePerS } : {}),
    warmupS: a.warmupS ?? 0.5,
    startedAt,
    result,
  };
  out.write(a.json ? JSON.stringify(record, null, 2) + '\n' : '\n' + recordMarkdown(record));
  // Non-zero when nothing succeeded or some requests failed: CI should notice.
  return result.ok === 0 || result.errors > 0 ? 1 : 0;
}
