/**
 * Load generator: `concurrency` closed loops (send, wait for the whole response, send again) against
 * one server for warm-up + a fixed window, every latency recorded with process.hrtime (via
 * performance.now, which is hrtime-based). Request bodies arrive pre-encoded; responses are only
 * checked for success (HTTP 200 / gRPC OK), never decoded, so this process stays light.
 *
 * Around the window it scrapes the server's /metrics: right after the warm-up (which resets
 * prom-client's event-loop histogram) and right at the end of the window while the loops still run
 * (whose values then cover the window). Prints one JSON line.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { argvJson, exitWithParent, machineCpuPct, parsePrometheus, readCpuTimes, summarize } from './common';
// The product's load test records latencies the same way (one definition for both).
import { LatencyList } from '../src/core/loadtest/latencyStats';

export interface LoadgenConfig {
  protocol: 'rest-json' | 'rest-binary' | 'grpc';
  port: number;
  /** REST: request path and headers (Content-Length is added here). */
  path?: string;
  headers?: Record<string, string>;
  /** REST body or serialized ModelInferRequest, base64. */
  bodyB64: string;
  /** gRPC: channels (HTTP/2 connections) the loops are spread over. */
  channels?: number;
  concurrency: number;
  warmupS: number;
  seconds: number;
  /** Server's Prometheus endpoint, scraped around the window. */
  metricsUrl?: string;
  /** Processes whose CPU time (/proc/<pid>/stat, all threads) is read at the window's start and end. */
  cpuPids?: number[];
  /** A server whose main thread's CPU time (/proc/<pid>/task/<pid>/stat: the event loop alone) is read likewise. */
  mainThreadPid?: number;
}

export interface LoadgenResult {
  count: number;
  errors: number;
  errorSamples: string[];
  /** Failures outside the window (warm-up, drain). */
  warmupErrors: number;
  elapsedS: number;
  inferPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** This process's CPU time over the window, % of one core. */
  loadgenCpuPct: number;
  metricsBefore?: Record<string, number>;
  metricsAfter?: Record<string, number>;
  /** Seconds between the two scrapes as the load generator saw them. */
  scrapeIntervalS?: number;
  /** Whole machine over the window (/proc/stat), % of one core: every process, ours included. */
  machineBusyPct?: number;
  machineStealPct?: number;
  /** Per cpuPids entry (same order): its CPU time over the window, % of one core; undefined when unreadable. */
  pidCpuPct?: (number | null)[];
  /** mainThreadPid's main thread over the window, % of one core. */
  mainThreadCpuPct?: number;
}

/** utime + stime of a process (every thread), in seconds; undefined when it cannot be read. */
function processCpuS(pid: number, file = `/proc/${pid}/stat`): number | undefined {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (clock ticks; USER_HZ is 100 on Linux).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

const KEEP_METRIC = /(eventloop_lag|process_cpu_seconds_total|process_resident_memory_bytes|inference_.*_(sum|count)$|batch_(requests|rows)_(sum|count)$|inference_requests_total)/;

function scrape(url: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${url}: ${res.statusCode}`));
          return;
        }
        const all = parsePrometheus(text);
        const kept: Record<string, number> = {};
        for (const [k, v] of Object.entries(all)) if (KEEP_METRIC.test(k)) kept[k] = v;
        resolve(kept);
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('metrics scrape timed out')));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  exitWithParent();
  const cfg = argvJson<LoadgenConfig>();
  const body = Buffer.from(cfg.bodyB64, 'base64');
  const lat = new LatencyList();
  let measuring = false;
  let stopping = false;
  let errors = 0;
  const errorSamples = new Map<string, number>();
  let active = 0;
  let allStopped: () => void = () => {};

  let warmupErrors = 0;
  const record = (start: number, ok: boolean, what?: string): void => {
    if (!measuring) {
      if (!ok) warmupErrors++;
      return;
    }
    if (ok) lat.push(performance.now() - start);
    else {
      errors++;
      const key = what ?? 'error';
      errorSamples.set(key, (errorSamples.get(key) ?? 0) + 1);
    }
  };
  const loopEnded = (): void => {
    if (--active === 0) allStopped();
  };

  let startLoop: (i: number) => void;
  let closeClients = (): void => {};
  if (cfg.protocol === 'grpc') {
    const channels = Math.max(1, Math.min(cfg.channels ?? 1, cfg.concurrency));
    const clients = Array.from(
      { length: channels },
      () =>
        new grpc.Client(`127.0.0.1:${cfg.port}`, grpc.credentials.createInsecure(), {
          // Own subchannel pool: each client is its own HTTP/2 connection.
          'grpc.use_local_subchannel_pool': 1,
          'grpc.max_receive_message_length': 64 * 1024 * 1024,
          'grpc.max_send_message_length': 64 * 1024 * 1024,
        }),
    );
    closeClients = () => clients.forEach((c) => c.close());
    const identity = (b: Buffer): Buffer => b;
    const method = '/inference.GRPCInferenceService/ModelInfer';
    startLoop = (i) => {
      const client = clients[i % channels]!;
      const once = (): void => {
        if (stopping) {
          loopEnded();
          return;
        }
        const start = performance.now();
        client.makeUnaryRequest<Buffer, Buffer>(method, identity, identity, body, (err) => {
          record(start, !err, err ? `gRPC ${grpc.status[err.code] ?? err.code}: ${err.details}` : undefined);
          // A transport failure waits a little instead of spinning; a status error is an answer.
          if (err && err.code === grpc.status.UNAVAILABLE) setTimeout(once, 5);
          else once();
        });
      };
      once();
    };
  } else {
    const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
    closeClients = () => agent.destroy();
    const headers = { ...(cfg.headers ?? {}), 'Content-Length': String(body.length) };
    const options: http.RequestOptions = { agent, host: '127.0.0.1', port: cfg.port, path: cfg.path, method: 'POST', headers };
    startLoop = () => {
      const once = (): void => {
        if (stopping) {
          loopEnded();
          return;
        }
        const start = performance.now();
        const req = http.request(options, (res) => {
          const status = res.statusCode ?? 0;
          if (status === 200) {
            res.on('data', () => {});
            res.on('end', () => {
              record(start, true);
              once();
            });
          } else {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => {
              record(start, false, `HTTP ${status}: ${text.slice(0, 200)}`);
              once();
            });
          }
          res.on('error', () => {});
        });
        req.on('error', (e) => {
          record(start, false, `network: ${e.message}`);
          setTimeout(once, 5);
        });
        req.end(body);
      };
      once();
    };
  }

  active = cfg.concurrency;
  for (let i = 0; i < cfg.concurrency; i++) startLoop(i);

  await sleep(cfg.warmupS * 1000);
  let metricsBefore: Record<string, number> | undefined;
  let scrapeStart = 0;
  if (cfg.metricsUrl) {
    scrapeStart = performance.now();
    metricsBefore = await scrape(cfg.metricsUrl);
  }
  const cpu0 = process.cpuUsage();
  const pidCpu0 = (cfg.cpuPids ?? []).map((p) => processCpuS(p));
  const mainThreadFile = cfg.mainThreadPid === undefined ? undefined : `/proc/${cfg.mainThreadPid}/task/${cfg.mainThreadPid}/stat`;
  const main0 = mainThreadFile ? processCpuS(cfg.mainThreadPid!, mainThreadFile) : undefined;
  const machine0 = readCpuTimes();
  const t0 = performance.now();
  measuring = true;
  await sleep(cfg.seconds * 1000);
  measuring = false;
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const pidCpu1 = (cfg.cpuPids ?? []).map((p) => processCpuS(p));
  const main1 = mainThreadFile ? processCpuS(cfg.mainThreadPid!, mainThreadFile) : undefined;
  const machine = machineCpuPct(machine0, readCpuTimes(), os.availableParallelism());
  let metricsAfter: Record<string, number> | undefined;
  if (cfg.metricsUrl) metricsAfter = await scrape(cfg.metricsUrl);
  const scrapeEnd = performance.now();
  stopping = true;
  // Let the requests in flight finish (bounded) so the server sees no aborted connections.
  await Promise.race([new Promise<void>((r) => (allStopped = r)), sleep(10_000)]);
  closeClients();

  const elapsedS = (t1 - t0) / 1000;
  const s = summarize(lat.sorted());
  const result: LoadgenResult = {
    count: s.count,
    errors,
    errorSamples: [...errorSamples].map(([k, n]) => `${n}× ${k}`).slice(0, 5),
    warmupErrors,
    elapsedS,
    inferPerSec: s.count / elapsedS,
    p50Ms: s.p50Ms,
    p90Ms: s.p90Ms,
    p99Ms: s.p99Ms,
    maxMs: s.maxMs,
    meanMs: s.meanMs,
    loadgenCpuPct: ((cpu.user + cpu.system) / 1e6 / elapsedS) * 100,
    ...(metricsBefore ? { metricsBefore } : {}),
    ...(metricsAfter ? { metricsAfter, scrapeIntervalS: (scrapeEnd - scrapeStart) / 1000 } : {}),
    ...(machine ? { machineBusyPct: machine.busyPct, machineStealPct: machine.stealPct } : {}),
    ...(cfg.cpuPids
      ? { pidCpuPct: pidCpu0.map((a, i) => (a === undefined || pidCpu1[i] === undefined ? null : ((pidCpu1[i]! - a) / elapsedS) * 100)) }
      : {}),
    ...(main0 !== undefined && main1 !== undefined ? { mainThreadCpuPct: ((main1 - main0) / elapsedS) * 100 } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`loadgen: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
