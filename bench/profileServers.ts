/**
 * `npm run bench:profile`: CPU profiles of ModelDeck and the naive peer of the same protocol under the
 * same load, side by side, to see where each spends its main thread per request (issue 14: "profile
 * before calling a gap structural"). Not part of `npm run bench`: a profiler slows what it measures, so
 * its throughput figures are only for comparing the two profiled servers with each other.
 *
 * Environment: PROFILE_MODEL (tiny, cnn, ocr; default tiny), PROFILE_PROTOCOL (grpc, rest-json,
 * rest-binary; default grpc), PROFILE_C (default 16), PROFILE_SECONDS (default 4), PROFILE_ARGS (extra
 * ModelDeck flags, space-separated), PROFILE_SYSTEMS (modeldeck,naive; default both).
 * Prints each server's throughput, main-thread busy share per request and its hottest functions; the
 * .cpuprofile files stay in bench/tmp/profiles for Chrome DevTools.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { build } from 'esbuild';
import { benchModels, encodeRestRequests, grpcInferMessage, OIP_PROTO, PROTO_LOADER_OPTIONS, REPO_ROOT, type ModelKey } from './common';
import { INTRA_OP_THREADS, JS_DIR, TMP } from './config';
import { summarizeCpuProfile } from './cpuProfile';
import { killAll, runJsonChild, startServer } from './processes';
import { loadgenConfig } from './rows';
import type { LoadgenResult } from './loadgen';
import type { Protocol } from './types';

const MODEL = (process.env.PROFILE_MODEL ?? 'tiny') as ModelKey;
const PROTOCOL = (process.env.PROFILE_PROTOCOL ?? 'grpc') as Protocol;
const C = Number(process.env.PROFILE_C ?? 16);
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 4);
const EXTRA = (process.env.PROFILE_ARGS ?? '').split(' ').filter(Boolean);
const SYSTEMS = (process.env.PROFILE_SYSTEMS ?? 'modeldeck,naive').split(',');
const OUT = path.join(TMP, 'profiles');

async function profileOne(label: string, command: string[], port: (s: Awaited<ReturnType<typeof startServer>>) => number): Promise<void> {
  const dir = path.join(OUT, label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const server = await startServer(label, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...command], undefined);
  const started = Date.now();
  const model = benchModels().find((m) => m.key === MODEL)!;
  const req = encodeRestRequests(model);
  const def = protoLoader.loadSync(OIP_PROTO, PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: { service: Record<string, { requestSerialize(m: object): Buffer }> } } };
  const grpcMessage = pkg.inference.GRPCInferenceService.service.ModelInfer!.requestSerialize(grpcInferMessage(model));
  const warmup = 0.5;
  const r = await runJsonChild<LoadgenResult>(
    'loadgen.js',
    { ...loadgenConfig(PROTOCOL, port(server), model, req, grpcMessage, C, C >= 16 ? 4 : 1, undefined, SECONDS, warmup), cpuPids: [server.child.pid!] },
    (SECONDS + warmup) * 1000 + 60_000,
  );
  const loadStartMs = Date.now() - started - (SECONDS + warmup) * 1000;
  await server.stop();
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${label}: no .cpuprofile written (did it exit cleanly?)`);
  // Leave out start-up and the warm-up: only the measured window's samples count.
  const s = summarizeCpuProfile(path.join(dir, file), loadStartMs + warmup * 1000, 25);
  const perReqUs = (s.busyMs * 1000) / Math.max(1, r.count);
  console.log(`\n## ${label}: ${MODEL} ${PROTOCOL} c=${C}`);
  console.log(`${r.inferPerSec.toFixed(0)} infer/s (profiled), p50 ${r.p50Ms.toFixed(3)} ms; process CPU ${(r.pidCpuPct?.[0] ?? NaN).toFixed(0)}%, load generator ${r.loadgenCpuPct.toFixed(0)}%`);
  console.log(`main thread busy ${s.busyMs.toFixed(0)} of ${s.wallMs.toFixed(0)} ms sampled (≈ ${perReqUs.toFixed(1)} µs per request)`);
  for (const b of s.buckets) console.log(`  ${b.pct.toFixed(1).padStart(5)}%  ${b.name}`);
  console.log('  hottest (self time):');
  for (const t of s.top) console.log(`  ${t.pct.toFixed(1).padStart(5)}%  ${(t.pct * perReqUs / 100).toFixed(1).padStart(6)} µs  ${t.fn}`);
  console.log(`  profile: ${path.join(dir, file)}`);
}

async function main(): Promise<void> {
  await build({
    entryPoints: ['naivePeer', 'naiveGrpcPeer', 'loadgen'].map((n) => path.join(REPO_ROOT, 'bench', `${n}.ts`)),
    outdir: JS_DIR, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning',
  });
  const model = benchModels().find((m) => m.key === MODEL);
  if (!model) throw new Error(`PROFILE_MODEL: unknown model ${MODEL}`);
  if (!fs.existsSync(model.file)) throw new Error(`${model.file} is missing (ocr: run the bench once to build it)`);
  const registry = path.join(TMP, `profile-registry-${model.key}`);
  fs.rmSync(registry, { recursive: true, force: true });
  fs.cpSync(model.dir, path.join(registry, model.name, String(model.version)), { recursive: true });
  if (SYSTEMS.includes('modeldeck')) {
    await profileOne('modeldeck', [path.join(REPO_ROOT, 'dist', 'server.js'), '--registry', registry, '--http-port', '0', '--grpc-port', '0', '--poll-interval-ms', '0', ...EXTRA],
      (s) => (PROTOCOL === 'grpc' ? s.grpcPort! : s.httpPort));
  }
  if (SYSTEMS.includes('naive')) {
    const peerCfg = JSON.stringify({ name: model.name, version: model.version, file: model.file, intraOpThreads: INTRA_OP_THREADS, proto: OIP_PROTO });
    if (PROTOCOL === 'grpc') await profileOne('naive-grpc', [path.join(JS_DIR, 'naiveGrpcPeer.js'), peerCfg], (s) => s.grpcPort!);
    else await profileOne('naive-express', [path.join(JS_DIR, 'naivePeer.js'), peerCfg], (s) => s.httpPort);
  }
}

main().catch((e) => {
  console.error(e);
  killAll();
  process.exit(1);
});
