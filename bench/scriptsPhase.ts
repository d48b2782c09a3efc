/**
 * Issue 12, item 8: the Python predictor path against a Flask server of Hopsworks' seed shape, same
 * model, same predictor file, same requests, same load generator, side by side.
 *
 * In order, each on a quiet machine (bench/processes.ts's wait):
 *  1. setup: a scikit-learn LogisticRegression trained on the bundled iris data (bench/scripts/
 *     train_sklearn.py, deterministic) into a temp registry version folder as model.pkl, and two
 *     deployment files serving it with bench/scripts/sklearn_predictor.py (batcher off = the default,
 *     and batcher on);
 *  2. in-process: Predictor.predict(instances) in a plain Python loop (bench/scripts/in_process.py);
 *  3. the channel alone: the server's spawnPythonHost + modeldeck_host.py, predict round trips one at
 *     a time without HTTP (bench/scriptChannel.ts);
 *  4. the Flask peer (bench/flaskPeer.py, threaded=True) at c=1 and c=16;
 *  5. ModelDeck (dist/server.js --deployments) with the batcher off at c=1 and c=16, then on at c=16;
 *     and an experiment: batcher off with `resources.instances` 2 (two Python hosts) at c=16;
 *  6. a profile: the default deployment's server under `node --cpu-prof` at c=16 (not a row).
 * Every server answers one request first and must give the in-process prediction.
 *
 * The targets (rendered by bench/scriptsReport.ts): ModelDeck ≥ 1.5× Flask's throughput at c=16, and
 * the IPC overhead per call at c=1 (channel round trip − in-process predict, medians) ≤ 0.3 ms.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, type ModelKey } from './common';
import { BENCH_PYTHON, log, QUICK, SECONDS, TMP, WARMUP_S } from './config';
import { summarizeCpuProfile } from './cpuProfile';
import type { LoadgenConfig, LoadgenResult } from './loadgen';
import { startServer, runJsonChild, waitForQuiet, type ServerHandle } from './processes';
import { describeRow, loadgen, toRow } from './rows';
import type { ScriptChannelConfig, ScriptChannelResult } from './scriptChannel';
import type { CallTiming, Check, ScriptsReport, ScriptsRow } from './types';

const run = promisify(execFile);

const MODEL = 'iris-bench';
const MODEL_VERSION = 1;
/** One iris row (a versicolor): one prediction per request, as the hsml client sends it. */
const INSTANCES = [[6.1, 2.8, 4.7, 1.2]];
const BODY = Buffer.from(JSON.stringify({ instances: INSTANCES }));
const V1_PATH = `/v1/models/${MODEL}:predict`;
const PREDICTOR = path.join(REPO_ROOT, 'bench', 'scripts', 'sklearn_predictor.py');
/** The same batcher settings as the ONNX rows' `--batching --max-batch-size 32 --max-latency-ms 2`. */
const BATCHER = { enabled: true, maxBatchSize: 32, maxLatencyMs: 2 };
const CALLS = QUICK ? 1000 : 5000;
const INSTALL_HINT =
  `The issue-12 rows need Flask, scikit-learn and joblib in ${BENCH_PYTHON} (BENCH_PYTHON picks another interpreter). ` +
  'On Debian/Ubuntu: `sudo apt-get install -y python3-flask python3-sklearn python3-joblib python3-numpy`; elsewhere: `python3 -m pip install flask scikit-learn joblib numpy`.';

interface Setup {
  dir: string;
  registry: string;
  versionDir: string;
  deploymentsOff: string;
  deploymentsOn: string;
  /** Experiment: batcher off with two Python hosts (resources.instances 2). */
  deploymentsTwo: string;
  modelHow: string;
}

async function pythonVersions(): Promise<Record<string, string>> {
  const code =
    'import json, platform, flask, sklearn, joblib, numpy\n' +
    'from importlib.metadata import version\n' +
    'print(json.dumps({"python": platform.python_version(), "flask": version("flask"), "werkzeug": version("werkzeug"), "scikit-learn": sklearn.__version__, "joblib": joblib.__version__, "numpy": numpy.__version__}))';
  const { stdout } = await run(BENCH_PYTHON, ['-c', code], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
}

async function setup(): Promise<Setup> {
  const dir = path.join(TMP, 'scripts');
  fs.rmSync(dir, { recursive: true, force: true });
  const registry = path.join(dir, 'registry');
  const versionDir = path.join(registry, MODEL, String(MODEL_VERSION));
  const { stdout } = await run(BENCH_PYTHON, [path.join(REPO_ROOT, 'bench', 'scripts', 'train_sklearn.py'), versionDir], { timeout: 120_000 });
  const trained = JSON.parse(stdout.trim().split('\n').pop()!) as { sklearn: string; accuracy: number };
  const deployment = (batcher: boolean, instances: number): Record<string, unknown> => ({
    name: MODEL,
    model: { name: MODEL, version: MODEL_VERSION },
    modelServer: 'script',
    predictor: { script: PREDICTOR, environment: BENCH_PYTHON },
    ...(batcher ? { batcher: BATCHER } : {}),
    ...(instances !== 1 ? { resources: { instances } } : {}),
  });
  const write = (name: string, batcher: boolean, instances = 1): string => {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, `${MODEL}.json`), JSON.stringify(deployment(batcher, instances), null, 2) + '\n');
    return d;
  };
  return {
    dir,
    registry,
    versionDir,
    deploymentsOff: write('deployments-off', false),
    deploymentsOn: write('deployments-on', true),
    deploymentsTwo: write('deployments-two', false, 2),
    modelHow: `LogisticRegression(max_iter=1000, lbfgs) fitted on scikit-learn's bundled iris data (150 rows, training accuracy ${trained.accuracy.toFixed(3)}), saved with joblib.dump as ${MODEL}/${MODEL_VERSION}/model.pkl by bench/scripts/train_sklearn.py at bench time`,
  };
}

async function inProcess(s: Setup): Promise<CallTiming & { prediction: unknown }> {
  await waitForQuiet();
  const cfg = { script: PREDICTOR, instances: INSTANCES, warmup: 300, calls: CALLS };
  const { stdout } = await run(BENCH_PYTHON, [path.join(REPO_ROOT, 'bench', 'scripts', 'in_process.py'), JSON.stringify(cfg)], {
    timeout: 120_000,
    env: { ...process.env, MODEL_FILES_PATH: s.versionDir },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as CallTiming & { prediction: unknown };
}

async function channelAlone(s: Setup): Promise<ScriptChannelResult> {
  await waitForQuiet();
  const cfg: ScriptChannelConfig = {
    interpreter: BENCH_PYTHON,
    hostFile: path.join(REPO_ROOT, 'dist', 'scripts', 'modeldeck_host.py'),
    scriptPath: PREDICTOR,
    env: { MODEL_FILES_PATH: s.versionDir, MODEL_NAME: MODEL, MODEL_VERSION: String(MODEL_VERSION) },
    instances: INSTANCES,
    warmup: 300,
    calls: CALLS,
  };
  return runJsonChild<ScriptChannelResult>('scriptChannel.js', cfg, 120_000);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Processes whose parent is `pid` (the server's Python hosts), from /proc. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function check(port: number, expected: unknown, what: string): Promise<Check> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${V1_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY });
    const text = await res.text();
    if (res.status !== 200) return { what, ok: false, detail: `HTTP ${res.status}: ${text.slice(0, 300)}` };
    const got = (JSON.parse(text) as { predictions?: unknown }).predictions;
    const ok = JSON.stringify(got) === JSON.stringify(expected);
    return { what, ok, detail: ok ? `predictions ${JSON.stringify(got)} = in-process predict` : `expected ${JSON.stringify(expected)}, got ${text.slice(0, 300)}` };
  } catch (e) {
    return { what, ok: false, detail: (e as Error).message };
  }
}

/** One measured row against `server` (its processes' CPU read by the load generator). */
async function measure(
  out: ScriptsReport,
  server: ServerHandle,
  label: string,
  system: 'flask' | 'modeldeck',
  batching: boolean | null,
  c: number,
  processes: Record<string, number>,
  metrics: boolean,
  instances?: number,
): Promise<void> {
  const names = Object.keys(processes);
  const cfg: LoadgenConfig = {
    protocol: 'rest-json',
    port: server.httpPort,
    path: V1_PATH,
    bodyB64: BODY.toString('base64'),
    headers: { 'Content-Type': 'application/json' },
    concurrency: c,
    warmupS: WARMUP_S,
    seconds: SECONDS,
    cpuPids: names.map((n) => processes[n]!),
    ...(metrics ? { metricsUrl: `http://127.0.0.1:${server.httpPort}/metrics` } : {}),
  };
  try {
    const r = await loadgen(cfg);
    const row = toRow('tiny' as ModelKey, system, 'rest-json', batching, c, undefined, r);
    const cpuByProcess: Record<string, number> = {};
    names.forEach((n, i) => {
      const v = r.pidCpuPct?.[i];
      if (typeof v === 'number') cpuByProcess[n] = v;
    });
    const full: ScriptsRow = {
      ...row,
      model: MODEL,
      label,
      cpuByProcess,
      ...(instances !== undefined ? { instances } : {}),
      ...(row.meanRequestsPerRun !== undefined ? { meanRequestsPerCall: row.meanRequestsPerRun } : {}),
    };
    out.rows.push(full);
    log(`scripts ${label}: ${describeRow(row).replace(/^tiny /, '')} cpu ${JSON.stringify(Object.fromEntries(Object.entries(cpuByProcess).map(([k, v]) => [k, Math.round(v)])))}`);
  } catch (e) {
    out.rows.push({ ...toRow('tiny' as ModelKey, system, 'rest-json', batching, c, undefined, { ...emptyResult(), quietWaitS: 0, attempts: 1 }), model: MODEL, label, failed: (e as Error).message });
    log(`scripts ${label} c=${c} failed: ${(e as Error).message}`);
  }
}

function emptyResult(): LoadgenResult {
  return { count: 0, errors: 0, errorSamples: [], warmupErrors: 0, elapsedS: 0, inferPerSec: 0, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN, loadgenCpuPct: 0 };
}

async function flaskRows(out: ScriptsReport, s: Setup, expected: unknown): Promise<void> {
  const port = await freePort();
  const server = await startServer('Flask peer', [path.join(REPO_ROOT, 'bench', 'flaskPeer.py'), JSON.stringify({ script: PREDICTOR, port })], undefined, {
    executable: BENCH_PYTHON,
    env: { ...process.env, MODEL_FILES_PATH: s.versionDir, MODEL_NAME: MODEL, MODEL_VERSION: String(MODEL_VERSION), PYTHONDONTWRITEBYTECODE: '1' },
  });
  try {
    out.checks.push(await check(server.httpPort, expected, 'Flask peer V1 predict'));
    for (const c of [1, 16]) await measure(out, server, 'Flask peer (threaded=True)', 'flask', null, c, { 'flask (python)': server.child.pid! }, false);
  } finally {
    await server.stop();
    out.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
  }
}

/**
 * Profile (not a row): the default deployment again under the c=16 load, its server run with
 * `node --cpu-prof`, the main thread's time summed by bench/cpuProfile.ts. Profiling slows the server
 * a little, so this throughput is only shown next to the profile.
 */
async function profileRun(out: ScriptsReport, s: Setup): Promise<void> {
  const dir = path.join(s.dir, 'cpu-profile');
  fs.mkdirSync(dir, { recursive: true });
  const server = await startServer(
    'ModelDeck (profiled)',
    ['--cpu-prof', '--cpu-prof-dir', dir, path.join(REPO_ROOT, 'dist', 'server.js'), '--deployments', s.deploymentsOff, '--registry', s.registry, '--http-port', '0', '--grpc-port', '0', '--poll-interval-ms', '0', '--log-level', 'info'],
    'ready',
  );
  let inferPerSec = 0;
  let window = 0;
  try {
    await waitForQuiet();
    const r = await runJsonChild<LoadgenResult>(
      'loadgen.js',
      { protocol: 'rest-json', port: server.httpPort, path: V1_PATH, bodyB64: BODY.toString('base64'), headers: { 'Content-Type': 'application/json' }, concurrency: 16, warmupS: WARMUP_S, seconds: SECONDS } satisfies LoadgenConfig,
      (WARMUP_S + SECONDS) * 1000 + 60_000,
    );
    inferPerSec = r.inferPerSec;
    window = WARMUP_S + SECONDS;
  } finally {
    await server.stop();
  }
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    out.notes.push('The profiled server wrote no .cpuprofile (it did not exit normally); no profile in this run.');
    return;
  }
  out.profile = { ...summarizeCpuProfile(path.join(dir, file)), inferPerSec, loadS: window };
  log(`scripts: profiled server ${inferPerSec.toFixed(0)}/s; main thread busy ${out.profile.busyMs.toFixed(0)} ms: ${out.profile.buckets.map((b) => `${b.name.split(' (')[0]} ${b.pct.toFixed(0)}%`).join(', ')}`);
}

async function modelDeckRows(out: ScriptsReport, s: Setup, expected: unknown, batcher: boolean, instances = 1): Promise<void> {
  const label = `ModelDeck script deployment, batcher ${batcher ? 'on' : 'off'}${instances !== 1 ? `, ${instances} instances (experiment)` : ''}`;
  const server = await startServer(
    label,
    [
      path.join(REPO_ROOT, 'dist', 'server.js'),
      '--deployments', instances !== 1 ? s.deploymentsTwo : batcher ? s.deploymentsOn : s.deploymentsOff,
      '--registry', s.registry,
      '--http-port', '0',
      '--grpc-port', '0',
      '--poll-interval-ms', '0',
      '--log-level', 'info',
    ],
    'ready',
  );
  try {
    out.checks.push(await check(server.httpPort, expected, `${label}: V1 predict`));
    const hosts = childPids(server.child.pid!);
    const processes: Record<string, number> = { 'node server': server.child.pid! };
    hosts.forEach((pid, i) => (processes[hosts.length === 1 ? 'python host' : `python host ${i + 1}`] = pid));
    if (hosts.length === 0) out.notes.push(`${label}: no Python host process found under the server; its CPU is not in the row.`);
    for (const c of batcher || instances !== 1 ? [16] : [1, 16]) await measure(out, server, label, 'modeldeck', batcher, c, processes, true, instances !== 1 ? instances : undefined);
  } finally {
    await server.stop();
    out.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
  }
}

/** The whole phase; never throws for a missing Python package (the report says what to install). */
export async function scriptsPhase(): Promise<ScriptsReport> {
  const started = Date.now();
  const out: ScriptsReport = {
    date: new Date().toISOString(),
    durationS: 0,
    seconds: SECONDS,
    warmupS: WARMUP_S,
    quick: QUICK,
    python: BENCH_PYTHON,
    versions: {},
    model: `${MODEL} v${MODEL_VERSION}`,
    modelHow: '',
    predictor: path.relative(REPO_ROOT, PREDICTOR),
    body: BODY.toString(),
    checks: [],
    rows: [],
    deployments: {},
    events: [],
    notes: [],
  };
  try {
    out.versions = await pythonVersions();
  } catch (e) {
    out.skipped = `${INSTALL_HINT} (${(e as Error).message.split('\n').filter(Boolean).pop() ?? ''})`;
    log(`scripts: skipped: ${out.skipped}`);
    return out;
  }
  const s = await setup();
  out.modelHow = s.modelHow;
  out.deployments = {
    'batcher off': JSON.parse(fs.readFileSync(path.join(s.deploymentsOff, `${MODEL}.json`), 'utf8')),
    'batcher on': JSON.parse(fs.readFileSync(path.join(s.deploymentsOn, `${MODEL}.json`), 'utf8')),
    'experiment: 2 instances': JSON.parse(fs.readFileSync(path.join(s.deploymentsTwo, `${MODEL}.json`), 'utf8')),
  };
  log(`scripts: ${s.modelHow}`);

  const ip = await inProcess(s);
  const { prediction, ...inProc } = ip;
  out.inProcess = inProc;
  log(`scripts: in-process predict p50 ${ip.p50Ms.toFixed(4)} ms (${ip.calls} calls) → ${JSON.stringify(prediction)}`);
  try {
    const ch = await channelAlone(s);
    out.channel = { calls: ch.calls, p50Ms: ch.p50Ms, p90Ms: ch.p90Ms, p99Ms: ch.p99Ms, meanMs: ch.meanMs, callsPerSec: ch.callsPerSec, meanComputeMs: ch.meanComputeMs };
    out.checks.push({ what: 'channel alone: predict', ok: JSON.stringify(ch.prediction) === JSON.stringify(prediction), detail: `${JSON.stringify(ch.prediction)} (${ch.runtime})` });
    log(`scripts: channel round trip p50 ${ch.p50Ms.toFixed(4)} ms, mean predict inside the host ${ch.meanComputeMs.toFixed(4)} ms`);
  } catch (e) {
    out.notes.push(`channel measurement failed: ${(e as Error).message}`);
  }
  await flaskRows(out, s, prediction);
  await modelDeckRows(out, s, prediction, false);
  await modelDeckRows(out, s, prediction, true);
  // Experiment (not a target row): two hosts, so two calls can be in flight (see the report's findings).
  await modelDeckRows(out, s, prediction, false, 2);
  try {
    await profileRun(out, s);
  } catch (e) {
    out.notes.push(`profile run failed: ${(e as Error).message}`);
  }
  out.durationS = (Date.now() - started) / 1000;
  return out;
}
