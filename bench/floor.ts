/**
 * The floor: the same ONNX session the server's worker creates (same options), run in-process and
 * sequentially for a fixed time, with no HTTP, no JSON and no thread hop. Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import * as os from 'node:os';
import { argvJson, exitWithParent, machineCpuPct, readCpuTimes, summarize } from './common';
// The product's load test records latencies the same way (one definition for both).
import { LatencyList } from '../src/core/loadtest/latencyStats';

interface FloorConfig {
  file: string;
  input: { name: string; shape: number[]; data: number[] };
  intraOpThreads: number;
  /** Extra variant: onnxruntime's intra-op threads sleep instead of spinning between runs. */
  noSpin?: boolean;
  warmupS: number;
  seconds: number;
  /** Extra: batch sizes to time after the main window (rows per session.run), `sweepS` each. */
  sweep?: number[];
  sweepS?: number;
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = argvJson<FloorConfig>();
  // Exactly server/runtime/onnxWorker.ts's options (cpu provider).
  const session = await ort.InferenceSession.create(cfg.file, {
    executionProviders: ['cpu'],
    intraOpNumThreads: cfg.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(cfg.noSpin ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
  const data = new Float32Array(cfg.input.data);
  // A fresh tensor per run, as the server builds one per request.
  const feeds = (): Record<string, ort.Tensor> => ({ [cfg.input.name]: new ort.Tensor('float32', data, cfg.input.shape) });

  const first = await session.run(feeds());
  const outputs: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(first)) outputs[name] = Array.from(t.data as ArrayLike<number | bigint>, Number);

  const warmEnd = performance.now() + cfg.warmupS * 1000;
  while (performance.now() < warmEnd) await session.run(feeds());

  const lat = new LatencyList();
  const cpu0 = process.cpuUsage();
  const machine0 = readCpuTimes();
  const t0 = performance.now();
  const end = t0 + cfg.seconds * 1000;
  let now = t0;
  while (now < end) {
    const s = performance.now();
    await session.run(feeds());
    now = performance.now();
    lat.push(now - s);
  }
  const elapsedS = (now - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const machine = machineCpuPct(machine0, readCpuTimes(), os.availableParallelism());
  const summary = summarize(lat.sorted());

  // What batching could buy at best: time per row when one run carries `b` rows.
  const sweep: { batch: number; msPerRun: number; usPerRow: number; rowsPerSec: number }[] = [];
  for (const b of cfg.sweep ?? []) {
    const rows = new Float32Array(data.length * b);
    for (let i = 0; i < b; i++) rows.set(data, i * data.length);
    const shape = [b, ...cfg.input.shape.slice(1)];
    const run = (): Promise<unknown> => session.run({ [cfg.input.name]: new ort.Tensor('float32', rows, shape) });
    for (let i = 0; i < 5; i++) await run();
    let n = 0;
    const s0 = performance.now();
    const sEnd = s0 + (cfg.sweepS ?? 1) * 1000;
    let sNow = s0;
    while (sNow < sEnd) {
      await run();
      n++;
      sNow = performance.now();
    }
    const msPerRun = (sNow - s0) / n;
    sweep.push({ batch: b, msPerRun, usPerRow: (msPerRun * 1000) / b, rowsPerSec: (b * n) / ((sNow - s0) / 1000) });
  }
  process.stdout.write(
    JSON.stringify({
      ...summary,
      elapsedS,
      inferPerSec: summary.count / elapsedS,
      cpuPct: ((cpu.user + cpu.system) / 1e6 / elapsedS) * 100,
      ...(machine ? { machineBusyPct: machine.busyPct, machineStealPct: machine.stealPct } : {}),
      sweep,
      outputs,
      ortVersion: ort.env.versions.node ?? ort.env.versions.common,
    }) + '\n',
  );
  await session.release();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`floor: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
