/**
 * CPU profiles of ModelDeck and the naive peer of the same protocol under the same load, to see where
 * each spends its main thread per request (issue 14: "profile before calling a gap structural").
 * `npm run bench` profiles the cases behind its changes (profilePhase); `npm run bench:profile` runs
 * one case by hand. A profiler slows what it measures, so its throughput figures only compare the
 * profiled servers with each other.
 *
 * By hand: PROFILE_MODEL (tiny, cnn, ocr; default tiny), PROFILE_PROTOCOL (grpc, rest-json,
 * rest-binary; default grpc), PROFILE_C (default 16), PROFILE_SECONDS (default 4), PROFILE_ARGS (extra
 * ModelDeck flags, space-separated), PROFILE_SYSTEMS (modeldeck,naive; default both). The .cpuprofile
 * files stay in bench/tmp/profiles for Chrome DevTools.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { build } from 'esbuild';
import { benchModels, encodeRestRequests, grpcInferMessage, OIP_PROTO, PROTO_LOADER_OPTIONS, REPO_ROOT, type BenchModel, type ModelKey } from './common';
import { INTRA_OP_THREADS, JS_DIR, log, TMP } from './config';
import { summarizeCpuProfile } from './cpuProfile';
import { killAll, runJsonChild, startServer } from './processes';
import { loadgenConfig } from './rows';
import type { LoadgenResult } from './loadgen';
import type { ProfileRecord, Protocol } from './types';

const OUT = path.join(TMP, 'profiles');

export interface ProfileCase {
  /** Short name; also the folder of its .cpuprofile files. */
  label: string;
  system: 'modeldeck' | 'naive';
  model: BenchModel;
  protocol: Protocol;
  concurrency: number;
  seconds: number;
  /** Extra ModelDeck flags. */
  args?: string[];
}

function grpcMessageOf(model: BenchModel): Buffer {
  const def = protoLoader.loadSync(OIP_PROTO, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: { service: Record<string, { requestSerialize(m: object): Buffer }> } } };
  return pkg.inference.GRPCInferenceService.service.ModelInfer!.requestSerialize(grpcInferMessage(model));
}

/** Runs one server with --cpu-prof under load; the main thread's profile, summarised per request. */
export async function profileCase(pc: ProfileCase, registry: string): Promise<ProfileRecord> {
  const dir = path.join(OUT, pc.label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { model } = pc;
  const command =
    pc.system === 'modeldeck'
      ? [path.join(REPO_ROOT, 'dist', 'server.js'), '--registry', registry, '--http-port', '0', '--grpc-port', '0', '--poll-interval-ms', '0', ...(pc.args ?? [])]
      : [path.join(JS_DIR, pc.protocol === 'grpc' ? 'naiveGrpcPeer.js' : 'naivePeer.js'), JSON.stringify({ name: model.name, version: model.version, file: model.file, intraOpThreads: INTRA_OP_THREADS, proto: OIP_PROTO })];
  const server = await startServer(`profile ${pc.label}`, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...command], pc.system === 'modeldeck' ? 'ready' : undefined);
  const started = Date.now();
  const warmup = 0.5;
  let r: LoadgenResult;
  try {
    const port = pc.protocol === 'grpc' ? server.grpcPort! : server.httpPort;
    r = await runJsonChild<LoadgenResult>(
      'loadgen.js',
      { ...loadgenConfig(pc.protocol, port, model, encodeRestRequests(model), grpcMessageOf(model), pc.concurrency, pc.concurrency >= 16 ? 4 : 1, undefined, pc.seconds, warmup), cpuPids: [server.child.pid!], mainThreadPid: server.child.pid! },
      (pc.seconds + warmup) * 1000 + 60_000,
    );
  } finally {
    await server.stop();
  }
  const windowStartMs = Date.now() - started - (pc.seconds + warmup) * 1000 + warmup * 1000;
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
  if (!file) throw new Error(`${pc.label}: no main-thread .cpuprofile written (did it exit cleanly?)`);
  const s = summarizeCpuProfile(path.join(dir, file), Math.max(0, windowStartMs), 12);
  const perReqUs = (s.busyMs * 1000) / Math.max(1, r.count);
  return {
    label: pc.label,
    system: pc.system,
    model: model.key,
    protocol: pc.protocol,
    concurrency: pc.concurrency,
    args: pc.args ?? [],
    inferPerSec: r.inferPerSec,
    p50Ms: r.p50Ms,
    processCpuPct: r.pidCpuPct?.[0] ?? undefined,
    mainThreadCpuPct: r.mainThreadCpuPct,
    loadgenCpuPct: r.loadgenCpuPct,
    mainBusyUsPerRequest: perReqUs,
    buckets: s.buckets.map((b) => ({ name: b.name, usPerRequest: (b.pct * perReqUs) / 100 })),
    top: s.top.map((t) => ({ fn: t.fn, usPerRequest: (t.pct * perReqUs) / 100 })),
    file: path.relative(REPO_ROOT, path.join(dir, file)),
  };
}

/**
 * The profiles behind issue 14's changes, in one run with the rest of the bench: the tiny model over
 * gRPC (main-thread runs vs the worker hand-off, and the naive gRPC peer) and the ocr model over REST
 * JSON (decode threads vs parsing on the main thread, and the naive express peer), c=16.
 */
export async function profilePhase(registries: Partial<Record<ModelKey, string>>, seconds: number): Promise<ProfileRecord[]> {
  const out: ProfileRecord[] = [];
  const models = benchModels();
  const cases: ProfileCase[] = [];
  const tiny = models.find((m) => m.key === 'tiny')!;
  const ocr = models.find((m) => m.key === 'ocr')!;
  if (registries.tiny) {
    cases.push(
      { label: 'tiny-grpc-modeldeck', system: 'modeldeck', model: tiny, protocol: 'grpc', concurrency: 16, seconds },
      { label: 'tiny-grpc-modeldeck-inline-off', system: 'modeldeck', model: tiny, protocol: 'grpc', concurrency: 16, seconds, args: ['--inline-runs', 'off'] },
      { label: 'tiny-grpc-naive', system: 'naive', model: tiny, protocol: 'grpc', concurrency: 16, seconds },
    );
  }
  if (registries.ocr) {
    cases.push(
      { label: 'ocr-json-modeldeck', system: 'modeldeck', model: ocr, protocol: 'rest-json', concurrency: 16, seconds },
      { label: 'ocr-json-modeldeck-decode-off', system: 'modeldeck', model: ocr, protocol: 'rest-json', concurrency: 16, seconds, args: ['--decode-threads', '0'] },
      { label: 'ocr-json-naive', system: 'naive', model: ocr, protocol: 'rest-json', concurrency: 16, seconds },
    );
  }
  for (const pc of cases) {
    try {
      const p = await profileCase(pc, registries[pc.model.key]!);
      out.push(p);
      log(`profile ${pc.label}: ${p.inferPerSec.toFixed(0)}/s, main thread ${p.mainBusyUsPerRequest.toFixed(0)} µs per request`);
    } catch (e) {
      log(`profile ${pc.label} failed: ${(e as Error).message}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  await build({
    entryPoints: ['naivePeer', 'naiveGrpcPeer', 'loadgen'].map((n) => path.join(REPO_ROOT, 'bench', `${n}.ts`)),
    outdir: JS_DIR, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning',
  });
  const key = (process.env.PROFILE_MODEL ?? 'tiny') as ModelKey;
  const model = benchModels().find((m) => m.key === key);
  if (!model) throw new Error(`PROFILE_MODEL: unknown model ${key}`);
  if (!fs.existsSync(model.file)) throw new Error(`${model.file} is missing (ocr: run the bench once to build it)`);
  const registry = path.join(TMP, `profile-registry-${model.key}`);
  fs.rmSync(registry, { recursive: true, force: true });
  fs.cpSync(model.dir, path.join(registry, model.name, String(model.version)), { recursive: true });
  const base = {
    model,
    protocol: (process.env.PROFILE_PROTOCOL ?? 'grpc') as Protocol,
    concurrency: Number(process.env.PROFILE_C ?? 16),
    seconds: Number(process.env.PROFILE_SECONDS ?? 4),
  };
  const systems = (process.env.PROFILE_SYSTEMS ?? 'modeldeck,naive').split(',');
  for (const system of ['modeldeck', 'naive'] as const) {
    if (!systems.includes(system)) continue;
    const p = await profileCase({ ...base, label: system, system, args: (process.env.PROFILE_ARGS ?? '').split(' ').filter(Boolean) }, registry);
    console.log(`\n## ${p.label}: ${key} ${base.protocol} c=${base.concurrency}`);
    console.log(`${p.inferPerSec.toFixed(0)} infer/s (profiled), p50 ${p.p50Ms.toFixed(3)} ms; process CPU ${(p.processCpuPct ?? NaN).toFixed(0)}%, main thread ${(p.mainThreadCpuPct ?? NaN).toFixed(0)}%, load generator ${p.loadgenCpuPct.toFixed(0)}%`);
    console.log(`main thread busy ≈ ${p.mainBusyUsPerRequest.toFixed(1)} µs per request`);
    for (const b of p.buckets) console.log(`  ${b.usPerRequest.toFixed(1).padStart(7)} µs  ${b.name}`);
    console.log('  hottest (self time):');
    for (const t of p.top) console.log(`  ${t.usPerRequest.toFixed(1).padStart(7)} µs  ${t.fn}`);
    console.log(`  profile: ${p.file}`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    killAll();
    process.exit(1);
  });
}
