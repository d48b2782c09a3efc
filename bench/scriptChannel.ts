/**
 * The channel alone, for the issue-12 rows (bench/scriptsPhase.ts): ModelDeck's Python host
 * (dist/scripts/modeldeck_host.py, the file the server runs) started through the server's own
 * spawnPythonHost, the bench predictor loaded in it, and `predict(instances)` called `calls` times
 * one at a time (concurrency 1), each round trip (frame out, Python call, frame back) timed with
 * performance.now(). No HTTP, no JSON body parsing, no batcher: what the IPC costs per call, next
 * to the same predict called in-process (bench/scripts/in_process.py). Prints one JSON line.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnPythonHost } from '../server/scripts/python/pythonProcess';
import type { ScriptResponse, ScriptValue } from '../server/scripts/scriptProtocol';
import { argvJson, exitWithParent, summarize } from './common';

export interface ScriptChannelConfig {
  interpreter: string;
  hostFile: string;
  scriptPath: string;
  env: Record<string, string>;
  instances: ScriptValue;
  warmup: number;
  calls: number;
}

export interface ScriptChannelResult {
  calls: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  callsPerSec: number;
  /** Mean of the host's own computeMs (time inside predict as the host measured it). */
  meanComputeMs: number;
  runtime: string;
  prediction: ScriptValue;
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = argvJson<ScriptChannelConfig>();
  const channel = spawnPythonHost(cfg.interpreter, cfg.hostFile, { env: process.env });
  let pending: ((m: ScriptResponse) => void) | undefined;
  const logs: string[] = [];
  channel.on('message', (m) => {
    if (m.type === 'log') logs.push(m.message);
    else pending?.(m);
  });
  channel.on('error', (e) => {
    process.stderr.write(`scriptChannel: ${e.message}\n`);
  });
  const next = (): Promise<ScriptResponse> => new Promise((resolve) => (pending = resolve));

  channel.postMessage({ type: 'load', scriptPath: cfg.scriptPath, role: 'predictor', env: cfg.env, cwd: path.dirname(cfg.scriptPath) });
  const loaded = await next();
  if (loaded.type !== 'loaded') throw new Error(`load failed: ${JSON.stringify(loaded)} ${logs.join('\n')}`);

  let id = 0;
  const call = async (): Promise<Extract<ScriptResponse, { type: 'result' }>> => {
    const reply = next();
    channel.postMessage({ type: 'call', id: ++id, method: 'predict', args: [cfg.instances] });
    const r = await reply;
    if (r.type !== 'result') throw new Error(`predict failed: ${JSON.stringify(r)}`);
    return r;
  };
  let prediction: ScriptValue = null;
  for (let i = 0; i < cfg.warmup; i++) prediction = (await call()).value;
  const lat = new Float64Array(cfg.calls);
  let compute = 0;
  const t0 = performance.now();
  for (let i = 0; i < cfg.calls; i++) {
    const s = performance.now();
    const r = await call();
    lat[i] = performance.now() - s;
    compute += r.computeMs;
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const s = summarize(lat);
  const result: ScriptChannelResult = {
    calls: s.count,
    p50Ms: s.p50Ms,
    p90Ms: s.p90Ms,
    p99Ms: s.p99Ms,
    meanMs: s.meanMs,
    callsPerSec: cfg.calls / elapsedS,
    meanComputeMs: compute / cfg.calls,
    runtime: loaded.runtime,
    prediction,
  };
  channel.postMessage({ type: 'close' });
  await channel.terminate();
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`scriptChannel: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
