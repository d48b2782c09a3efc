/**
 * Issue 13: what the inference logger costs the server, side by side in one run, on the iris example
 * (examples/models/iris/2) served from deployment files (`dist/server.js --deployments DIR --registry
 * REG`, as test/server/inferenceLogger.test.ts starts it), the same deployment name (`iris`), requests
 * and load generator in every configuration:
 *  - `none`: `inferenceLogger: { mode: "none" }` (no logger is built; the baseline);
 *  - `file`: mode `all` with a file sink (`file:///…/bench/tmp/logger/events.jsonl`);
 *  - `http`: mode `all` with an HTTP sink, CloudEvents to a null receiver on 127.0.0.1 (bench/nullServer.ts:
 *    reads each POST's body and answers 200, nothing else), its CPU read alongside.
 *
 * The three servers (and the receiver) run at once, idle but for the row being measured, so the rows
 * can be interleaved: each round measures REST JSON c=16 for none, file, http back to back (the order
 * rotates per round), then gRPC c=16 for none and file; the ratios logged/none are taken per round and
 * their median is the figure (a shared 2-core box drifts between rows far more than within a round).
 * REST JSON c=1 is measured once per configuration. After every row the phase waits until the
 * logger's queue drained and reads the events sent / retried / dropped from /metrics
 * (modeldeck_inference_log_*_total) against the requests the server counted, so the report shows the
 * events were logged, not queued or dropped.
 *
 * Target (issue 13's "Done when"): the logger costs ≤ 10 % throughput at concurrency 16. For a
 * configuration that misses it: a profile (`node --cpu-prof`, bench/cpuProfile.ts) of it and of
 * `none` under the same c=16 load, and an experiment: the same sink with mode `request` (one event per
 * request instead of two) measured against `none`, which tells a per-event cost from a fixed one.
 * Rendered by bench/loggerReport.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchModels, encodeRestRequests, grpcInferMessage, parsePrometheus, REPO_ROOT } from './common';
import { loadGrpcDef } from './checks';
import { JS_DIR, log, QUICK, SECONDS, sleep, TMP, WARMUP_S } from './config';
import { summarizeCpuProfile } from './cpuProfile';
import type { LoadgenConfig, LoadgenResult } from './loadgen';
import { runJsonChild, startServer, waitForQuiet, type ServerHandle } from './processes';
import { LOGGER_MIN_RATIO, loggerRatio } from './loggerReport';
import { describeRow, loadgen, toRow } from './rows';
import type { LoggerConfig, LoggerProfile, LoggerReport, LoggerRow, Protocol } from './types';

const DEPLOYMENT = 'iris';
const ROUNDS = Number(process.env.BENCH_LOGGER_ROUNDS ?? (QUICK ? 1 : 3));
/** gRPC c=16 spreads its loops over this many HTTP/2 connections (the ONNX phase's choice for iris at c=16). */
const GRPC_CHANNELS = 4;
const DRAIN_TIMEOUT_MS = 15_000;

interface Setup {
  dir: string;
  registry: string;
  eventsFile: string;
  deploymentsDir: Record<LoggerConfig, string>;
  deployments: Record<string, unknown>;
}

function setup(receiverUrl: string): Setup {
  const dir = path.join(TMP, 'logger');
  fs.rmSync(dir, { recursive: true, force: true });
  const model = benchModels().find((m) => m.key === 'tiny')!;
  const registry = path.join(dir, 'registry');
  fs.cpSync(model.dir, path.join(registry, model.name, String(model.version)), { recursive: true });
  const eventsFile = path.join(dir, 'events.jsonl');
  const logger: Record<LoggerConfig, { mode: string; sink?: string }> = {
    none: { mode: 'none' },
    file: { mode: 'all', sink: `file://${eventsFile}` },
    http: { mode: 'all', sink: `${receiverUrl}/events` },
    'file-request': { mode: 'request', sink: `file://${path.join(dir, 'events-request.jsonl')}` },
    'http-request': { mode: 'request', sink: `${receiverUrl}/events-request` },
    // The same as http, its server started with --log-http-thread off (serverArgs).
    'http-main': { mode: 'all', sink: `${receiverUrl}/events-main` },
  };
  const deploymentsDir = {} as Record<LoggerConfig, string>;
  const deployments: Record<string, unknown> = {};
  for (const [config, inferenceLogger] of Object.entries(logger) as [LoggerConfig, { mode: string; sink?: string }][]) {
    const d = path.join(dir, `deployments-${config}`);
    fs.mkdirSync(d, { recursive: true });
    const spec = { name: DEPLOYMENT, model: { name: model.name, version: model.version }, inferenceLogger };
    fs.writeFileSync(path.join(d, `${DEPLOYMENT}.json`), JSON.stringify(spec, null, 2) + '\n');
    deploymentsDir[config] = d;
    deployments[config] = spec;
  }
  return { dir, registry, eventsFile, deploymentsDir, deployments };
}

function serverArgs(s: Setup, config: LoggerConfig): string[] {
  return [path.join(REPO_ROOT, 'dist', 'server.js'), '--deployments', s.deploymentsDir[config], '--registry', s.registry, '--http-port', '0', '--grpc-port', '0', '--poll-interval-ms', '0', '--log-level', 'info', ...(config === 'http-main' ? ['--log-http-thread', 'off'] : [])];
}

async function scrape(port: number): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return parsePrometheus(await res.text());
}

interface Counters {
  requests: number;
  sent: number;
  retried: number;
  dropped: number;
}

async function counters(port: number): Promise<Counters> {
  const m = await scrape(port);
  return {
    requests: m.modeldeck_inference_requests_total ?? 0,
    sent: m.modeldeck_inference_log_sent_total ?? 0,
    retried: m.modeldeck_inference_log_retried_total ?? 0,
    dropped: m.modeldeck_inference_log_dropped_total ?? 0,
  };
}

/** Waits (bounded) until the logger's sent + dropped stop moving: the queue has drained. */
async function drained(port: number, logging: boolean): Promise<{ c: Counters; drainS: number }> {
  const t0 = Date.now();
  let last = await counters(port);
  if (!logging) return { c: last, drainS: 0 };
  let stableSince = Date.now();
  while (Date.now() - t0 < DRAIN_TIMEOUT_MS) {
    await sleep(100);
    const c = await counters(port);
    // Every request served gives 2 events (mode all) or 1 (mode request): done once all are accounted for, or nothing moves for 500 ms.
    if (c.sent + c.dropped !== last.sent + last.dropped) stableSince = Date.now();
    last = c;
    if (Date.now() - stableSince >= 500) break;
  }
  return { c: last, drainS: Math.max(0, (stableSince - t0) / 1000) };
}

interface Ctx {
  out: LoggerReport;
  servers: Partial<Record<LoggerConfig, ServerHandle>>;
  receiver: ServerHandle;
  restBody: Buffer;
  grpcBody: Buffer;
}

function loadCfg(ctx: Ctx, server: ServerHandle, protocol: Protocol, c: number, cpuPids: number[]): LoadgenConfig {
  const base = { port: server.httpPort, concurrency: c, warmupS: WARMUP_S, seconds: SECONDS, metricsUrl: `http://127.0.0.1:${server.httpPort}/metrics`, cpuPids };
  if (protocol === 'grpc') return { ...base, protocol, port: server.grpcPort!, bodyB64: ctx.grpcBody.toString('base64'), channels: GRPC_CHANNELS };
  return { ...base, protocol: 'rest-json', path: `/v2/models/${DEPLOYMENT}/infer`, bodyB64: ctx.restBody.toString('base64'), headers: { 'Content-Type': 'application/json' } };
}

/** One row: the load, then the drain, the logger's counters over both. */
async function measure(ctx: Ctx, config: LoggerConfig, protocol: Protocol, c: number, round: number): Promise<LoggerRow | undefined> {
  const server = ctx.servers[config];
  if (!server) return undefined;
  const http = config.startsWith('http');
  const pids = [server.child.pid!, ...(http ? [ctx.receiver.child.pid!] : [])];
  const label = `${config} ${protocol} c=${c} round ${round}`;
  try {
    const before = await counters(server.httpPort);
    const r = await loadgen(loadCfg(ctx, server, protocol, c, pids));
    const { c: after, drainS } = await drained(server.httpPort, config !== 'none');
    const row = toRow('tiny', 'modeldeck', protocol, false, c, protocol === 'grpc' ? GRPC_CHANNELS : undefined, r);
    const serverPct = r.pidCpuPct?.[0];
    const receiverPct = r.pidCpuPct?.[1];
    const cpuByProcess: Record<string, number> = {};
    if (typeof serverPct === 'number') cpuByProcess['node server'] = serverPct;
    if (typeof receiverPct === 'number') cpuByProcess['null receiver'] = receiverPct;
    const full: LoggerRow = {
      ...row,
      ...(typeof serverPct === 'number' ? { serverCpuPct: serverPct } : {}),
      model: `${DEPLOYMENT} v2`,
      config,
      round,
      cpuByProcess,
      requestsServed: after.requests - before.requests,
      logSent: after.sent - before.sent,
      logRetried: after.retried - before.retried,
      logDropped: after.dropped - before.dropped,
      drainS,
    };
    ctx.out.rows.push(full);
    log(`logger ${label}: ${describeRow(row).replace(/^tiny modeldeck /, '')} cpu ${JSON.stringify(Object.fromEntries(Object.entries(cpuByProcess).map(([k, v]) => [k, Math.round(v)])))} served ${full.requestsServed} sent ${full.logSent} dropped ${full.logDropped} drain ${drainS.toFixed(1)}s`);
    return full;
  } catch (e) {
    log(`logger ${label} failed: ${(e as Error).message}`);
    ctx.out.notes.push(`${label} failed: ${(e as Error).message.slice(0, 300)}`);
    return undefined;
  }
}

async function checkServer(out: LoggerReport, server: ServerHandle, config: LoggerConfig, body: Buffer): Promise<void> {
  try {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/${DEPLOYMENT}/infer`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const text = await res.text();
    const ok = res.status === 200 && /"name":"label"/.test(text);
    out.checks.push({ what: `${config}: V2 infer`, ok, detail: ok ? `HTTP 200 ${text.slice(0, 120)}` : `HTTP ${res.status}: ${text.slice(0, 300)}` });
  } catch (e) {
    out.checks.push({ what: `${config}: V2 infer`, ok: false, detail: (e as Error).message });
  }
}

async function startModelDeck(ctx: Ctx, s: Setup, config: LoggerConfig): Promise<ServerHandle> {
  const server = await startServer(`ModelDeck, inferenceLogger ${config}`, serverArgs(s, config), 'ready');
  ctx.servers[config] = server;
  await checkServer(ctx.out, server, config, ctx.restBody);
  return server;
}

async function stopServer(ctx: Ctx, config: LoggerConfig): Promise<void> {
  const server = ctx.servers[config];
  if (!server) return;
  delete ctx.servers[config];
  await server.stop();
  ctx.out.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
}

/** A profiled server (`node --cpu-prof`) of `config` under REST JSON c=16 load; not a row. */
async function profile(ctx: Ctx, s: Setup, config: LoggerConfig): Promise<void> {
  const dir = path.join(s.dir, `cpu-profile-${config}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const spawnedAt = Date.now();
  const server = await startServer(`ModelDeck (profiled), inferenceLogger ${config}`, ['--cpu-prof', '--cpu-prof-dir', dir, ...serverArgs(s, config)], 'ready');
  let inferPerSec = 0;
  let requests: number | undefined;
  let loadFromMs = 0;
  try {
    await waitForQuiet();
    const before = await counters(server.httpPort);
    loadFromMs = Date.now() - spawnedAt;
    const r = await runJsonChild<LoadgenResult>('loadgen.js', loadCfg(ctx, server, 'rest-json', 16, [server.child.pid!]), (WARMUP_S + SECONDS) * 1000 + 60_000);
    await drained(server.httpPort, config !== 'none');
    requests = (await counters(server.httpPort)).requests - before.requests;
    inferPerSec = r.inferPerSec;
  } finally {
    await server.stop();
    ctx.out.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
  }
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    ctx.out.notes.push(`The profiled ${config} server wrote no .cpuprofile (it did not exit normally).`);
    return;
  }
  // From the load's start on (the start-up and the wait for a quiet machine left out); the profile
  // starts a little after the spawn, so this errs into the warm-up, never into the start-up.
  const summary = summarizeCpuProfile(path.join(dir, file), loadFromMs, 14);
  const p: LoggerProfile = {
    ...summary,
    config,
    protocol: 'rest-json',
    inferPerSec,
    loadS: WARMUP_S + SECONDS,
    ...(requests ? { requests, busyUsPerRequest: (summary.busyMs * 1000) / requests } : {}),
  };
  ctx.out.profiles.push(p);
  log(`logger: profiled ${config}: ${inferPerSec.toFixed(0)}/s, main thread busy ${summary.busyMs.toFixed(0)} ms (${p.busyUsPerRequest?.toFixed(0) ?? '–'} µs per request): ${summary.buckets.map((b) => `${b.name.split(' (')[0]} ${b.pct.toFixed(0)}%`).join(', ')}`);
}

/** The whole phase. */
export async function loggerPhase(): Promise<LoggerReport> {
  const started = Date.now();
  const model = benchModels().find((m) => m.key === 'tiny')!;
  const restBody = encodeRestRequests(model).json;
  const grpcDef = loadGrpcDef();
  const grpcBody = grpcDef.serialize({ ...grpcInferMessage(model), model_name: DEPLOYMENT });
  const out: LoggerReport = {
    date: new Date().toISOString(),
    durationS: 0,
    seconds: SECONDS,
    warmupS: WARMUP_S,
    quick: QUICK,
    rounds: ROUNDS,
    model: `${model.name} v${model.version} (examples/models/${model.name}/${model.version}), deployment "${DEPLOYMENT}"`,
    deployments: {},
    body: restBody.toString(),
    grpcChannels: GRPC_CHANNELS,
    receiver: 'bench/nullServer.ts on 127.0.0.1 (node:http; reads each POST body, answers 200 with an empty body)',
    rows: [],
    checks: [],
    profiles: [],
    events: [],
    notes: [],
  };
  // The CloudEvents receiver: the transport floor's null server, answering every POST 200 with no body.
  const receiver = await startServer('null CloudEvents receiver', [path.join(JS_DIR, 'nullServer.js'), JSON.stringify({ restBodyB64: '', grpcBodyB64: '' })], undefined);
  const s = setup(`http://127.0.0.1:${receiver.httpPort}`);
  out.deployments = s.deployments;
  const ctx: Ctx = { out, servers: {}, receiver, restBody, grpcBody };
  try {
    for (const config of ['none', 'file', 'http'] as const) await startModelDeck(ctx, s, config);
    const main: LoggerConfig[] = ['none', 'file', 'http'];
    // c=1 once per configuration.
    for (const config of main) await measure(ctx, config, 'rest-json', 1, 1);
    // c=16, interleaved rounds; the order rotates so no configuration always runs first or last.
    for (let round = 1; round <= ROUNDS; round++) {
      const order = main.map((_, i) => main[(i + round - 1) % main.length]!);
      for (const config of order) await measure(ctx, config, 'rest-json', 16, round);
      for (const config of order.filter((x) => x !== 'http')) await measure(ctx, config, 'grpc', 16, round);
    }
    const fileSent = (await counters(ctx.servers.file!.httpPort)).sent;
    for (const config of ['file', 'http'] as const) await stopServer(ctx, config);
    out.fileSentTotal = fileSent;
    try {
      const text = fs.readFileSync(s.eventsFile, 'utf8');
      out.fileLines = text.length === 0 ? 0 : text.split('\n').length - 1;
      const first = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
      out.checks.push({ what: 'file sink: a record', ok: typeof first.inferenceId === 'string' && first.messageType !== undefined, detail: `fields ${Object.keys(first).join(', ')}` });
    } catch (e) {
      out.notes.push(`could not read the file sink ${s.eventsFile}: ${(e as Error).message}`);
    }
    fs.rmSync(s.eventsFile, { force: true });

    // A miss at c=16 (REST JSON): the experiment (mode request, one event per request) against
    // `none` in fresh rounds, and profiles of `none` and the missed configuration.
    const missed = (['file', 'http'] as const).filter((cfg) => {
      const m = loggerRatio(out.rows, cfg, 'rest-json').median;
      return m !== undefined && m < LOGGER_MIN_RATIO;
    });
    // Experiments per miss: one event per request instead of two; for HTTP also the sink posting
    // from the main thread (--log-http-thread off, the design before the sink thread), c=1 included.
    const experiments: Record<'file' | 'http', LoggerConfig[]> = { file: ['file-request'], http: ['http-request', 'http-main'] };
    // Each experiment has its own rounds (101…, 111…) so each pairs with its own `none` rows.
    for (const [k, exp] of missed.flatMap((cfg) => experiments[cfg]).entries()) {
      await startModelDeck(ctx, s, exp);
      if (exp === 'http-main') await measure(ctx, exp, 'rest-json', 1, 100);
      for (let round = 1; round <= ROUNDS; round++) {
        const pair: LoggerConfig[] = round % 2 ? ['none', exp] : [exp, 'none'];
        for (const config of pair) await measure(ctx, config, 'rest-json', 16, 100 + 10 * k + round);
      }
      await stopServer(ctx, exp);
    }
    await stopServer(ctx, 'none');
    for (const cfg of missed.length > 0 ? (['none', ...missed] as LoggerConfig[]) : []) {
      try {
        await profile(ctx, s, cfg);
      } catch (e) {
        out.notes.push(`profile of ${cfg} failed: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  } finally {
    for (const config of Object.keys(ctx.servers) as LoggerConfig[]) await stopServer(ctx, config);
    await receiver.stop();
  }
  out.durationS = (Date.now() - started) / 1000;
  return out;
}
