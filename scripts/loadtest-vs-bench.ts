// `node --import tsx scripts/loadtest-vs-bench.ts` (after `npm run build`): issue 17's check that the
// load test reports the throughput `npm run bench` measures for the same row. One server (ModelDeck,
// batching off, as bench's "ModelDeck off" rows), the tiny iris model, REST JSON, concurrency 16;
// bench's own load generator (bench/loadgen.ts, bundled as bench bundles it) and the load test's
// process (dist/loadtest.js, as the editor starts it) measure in turns, ROUNDS times each, the same
// window and warm-up. Prints both medians and their ratio; exits 1 when the ratio is outside
// 1 ± TOLERANCE. Both generators share the machine's cores with the server (2 here), so the
// rounds are interleaved: a noisy neighbour hurts both alike. Env: LT_ROUNDS (3), LT_SECONDS (3),
// LT_CONCURRENCY (16), LT_TOLERANCE (0.15).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { benchModels, encodeRestRequests } from '../bench/common';
import type { LoadgenConfig, LoadgenResult } from '../bench/loadgen';
import { startLoadProcess } from '../src/core/loadtest/loadProcess';
import { wirePayload } from '../src/core/loadtest/wirePayload';
import { startServerProcess } from '../test/support/serverProcess';

const ROOT = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.LT_ROUNDS ?? 3);
const SECONDS = Number(process.env.LT_SECONDS ?? 3);
const WARMUP_S = 0.5; // bench's default BENCH_WARMUP_SECONDS
const CONCURRENCY = Number(process.env.LT_CONCURRENCY ?? 16);
const TOLERANCE = Number(process.env.LT_TOLERANCE ?? 0.15);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** bench/loadgen.ts bundled the way bench bundles its children (node, cjs). */
async function bundleLoadgen(dir: string): Promise<string> {
  const out = path.join(dir, 'loadgen.js');
  await build({ entryPoints: [path.join(ROOT, 'bench', 'loadgen.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', external: ['onnxruntime-node'] });
  return out;
}

function runLoadgen(script: string, cfg: LoadgenConfig): Promise<LoadgenResult> {
  return new Promise((resolve, reject) => {
    // stdin is a pipe: loadgen exits when its parent goes away (bench/common.ts exitWithParent).
    const child = spawn(process.execPath, [script, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`loadgen exited ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(last) as LoadgenResult);
    });
  });
}

async function main(): Promise<void> {
  const tiny = benchModels().find((m) => m.key === 'tiny')!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-lt-vs-bench-'));
  const server = await startServerProcess(['--registry', path.join(ROOT, 'examples', 'models'), '--poll-interval-ms', '0', '--log-level', 'info']);
  try {
    const loadgen = await bundleLoadgen(tmp);
    // bench's request: the first row of iris's input_example, as JSON.
    const benchBody = encodeRestRequests(tiny).json;
    const benchCfg: LoadgenConfig = { protocol: 'rest-json', port: server.httpPort, path: `/v2/models/${tiny.name}/infer`, headers: { 'Content-Type': 'application/json' }, bodyB64: benchBody.toString('base64'), concurrency: CONCURRENCY, warmupS: WARMUP_S, seconds: SECONDS };
    // The load test's request: the same tensor through the predict panel's codec.
    const payload = wirePayload(
      { httpUrl: server.url, model: tiny.name },
      { format: 'v2', body: { inputs: [{ name: tiny.input.name, datatype: tiny.input.datatype, shape: tiny.input.shape, data: tiny.input.data }] } },
      'rest-json',
      { protoFile: path.join(ROOT, 'dist', 'proto', 'open_inference_grpc.proto') },
    );
    const bench: number[] = [];
    const lt: number[] = [];
    const rows: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await runLoadgen(loadgen, benchCfg);
      const run = startLoadProcess(path.join(ROOT, 'dist', 'loadtest.js'), { payload, protocol: 'rest-json', concurrency: CONCURRENCY, durationS: SECONDS, warmupS: WARMUP_S }, () => {});
      const l = await run.done;
      if (b.errors > 0 || l.errors > 0) throw new Error(`errors during round ${round}: bench ${b.errors} (${b.errorSamples.join('; ')}), load test ${l.errors} (${l.errorKinds.map((e) => e.message).join('; ')})`);
      bench.push(b.inferPerSec);
      lt.push(l.throughputRps);
      rows.push(`| ${round} | ${b.inferPerSec.toFixed(0)} | ${b.p99Ms.toFixed(2)} | ${l.throughputRps.toFixed(0)} | ${l.latency?.p99Ms.toFixed(2) ?? '–'} | ${(l.throughputRps / b.inferPerSec).toFixed(3)} |`);
      process.stderr.write(`round ${round}: bench ${b.inferPerSec.toFixed(0)}/s, load test ${l.throughputRps.toFixed(0)}/s\n`);
    }
    const ratio = median(lt) / median(bench);
    const ok = Math.abs(ratio - 1) <= TOLERANCE;
    const cores = os.availableParallelism();
    process.stdout.write(
      [
        `# Load test vs bench: tiny (iris v${tiny.version}), REST JSON, c=${CONCURRENCY}, batching off`,
        '',
        `${ROUNDS} interleaved rounds of ${SECONDS} s after a ${WARMUP_S} s warm-up each; ${cores} cores shared by the server and the generator (and whatever else runs).`,
        '',
        '| round | bench req/s | bench p99 ms | load test req/s | load test p99 ms | ratio |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
        `Median throughput: bench ${median(bench).toFixed(0)} req/s, load test ${median(lt).toFixed(0)} req/s, ratio ${ratio.toFixed(3)} (tolerance ±${(TOLERANCE * 100).toFixed(0)} %): ${ok ? 'within' : 'OUTSIDE'}.`,
        '',
      ].join('\n'),
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
});
