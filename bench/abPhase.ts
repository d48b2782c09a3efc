/**
 * Issue 14, item 4 ("defaults decided by data") and item 5 (adaptive width, 1 vs 2 instances): A/B experiments on
 * ModelDeck itself. Each compares the default server with one setting changed, in AB_ROUNDS
 * interleaved rounds with the two servers' order alternating (drift on this shared VM cancels),
 * only on the models and protocols where the setting does something.
 */
import * as path from 'node:path';
import { JS_DIR, log, SECONDS, WARMUP_S } from './config';
import { REPO_ROOT, type ModelKey } from './common';
import type { ModelRun } from './phases';
import { startServer } from './processes';
import { describeRow, loadgen, loadgenConfig, toRow } from './rows';
import type { Protocol } from './types';

export const AB_ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 2);

export interface AbExperiment {
  key: 'inline' | 'decode' | 'spinning' | 'adaptive' | 'instances';
  /** What the B server changes, as the report says it. */
  change: string;
  /** Extra server arguments of B. */
  args: () => string[];
  models: ModelKey[];
  protocols: Protocol[];
  concurrencies: number[];
}

export const AB_EXPERIMENTS: AbExperiment[] = [
  {
    key: 'inline',
    change: '`--inline-runs off` (every run through a worker thread)',
    args: () => ['--inline-runs', 'off'],
    // The policy puts only the tiny model's runs on the main thread (the others are over 0.25 ms).
    models: ['tiny'],
    protocols: ['rest-json', 'grpc'],
    concurrencies: [1, 16, 64],
  },
  {
    key: 'decode',
    change: '`--decode-threads 0` (large JSON bodies parsed on the main thread)',
    args: () => ['--decode-threads', '0'],
    // Only bodies of 64 KiB or more go to decode threads: the ocr model's (≈ 160 KB).
    models: ['ocr'],
    protocols: ['rest-json'],
    concurrencies: [1, 16, 64],
  },
  {
    key: 'spinning',
    change: 'onnxruntime spinning off (bench/noSpinWorker.ts via `--worker-script`)',
    args: () => ['--worker-script', path.join(JS_DIR, 'noSpinWorker.js')],
    // The tiny model's runs are inline (one thread, nothing spins).
    models: ['cnn', 'ocr'],
    protocols: ['rest-json', 'grpc'],
    concurrencies: [1, 16],
  },
  {
    key: 'adaptive',
    change: '`--adaptive-threads off` (one worker × 2 intra-op threads for every run, the previous default)',
    args: () => ['--adaptive-threads', 'off'],
    // The tiny model's runs are inline: its workers do not run.
    models: ['cnn', 'ocr'],
    protocols: ['rest-binary', 'grpc'],
    concurrencies: [1, 4, 16, 64],
  },
  {
    key: 'instances',
    change: '`--instances 2` (two workers × 1 intra-op thread, no wide session)',
    args: () => ['--instances', '2'],
    models: ['cnn', 'ocr'],
    protocols: ['rest-binary', 'grpc'],
    concurrencies: [1, 16],
  },
];

export async function abRows({ model, req, grpcMessage, registry, floor, report }: ModelRun, channelsFor: Record<number, number>): Promise<void> {
  const list = (report.ab ??= []);
  for (const exp of AB_EXPERIMENTS.filter((e) => e.models.includes(model.key))) {
    for (let round = 1; round <= AB_ROUNDS; round++) {
      const order = round % 2 === 1 ? ['A', 'B'] : ['B', 'A'];
      for (const config of order) {
        let server: Awaited<ReturnType<typeof startServer>>;
        try {
          server = await startServer(`ModelDeck ${model.key} ${exp.key} ${config} round ${round}`, [
            path.join(REPO_ROOT, 'dist', 'server.js'),
            '--registry', registry,
            '--http-port', '0',
            '--grpc-port', '0',
            '--poll-interval-ms', '0',
            ...(config === 'B' ? exp.args() : []),
          ], 'ready');
        } catch (e) {
          log(`${exp.key}: ${config} server failed to start: ${(e as Error).message}`);
          continue;
        }
        try {
          for (const protocol of exp.protocols) {
            for (const c of exp.concurrencies) {
              const ch = protocol === 'grpc' ? (channelsFor[c] ?? 1) : 1;
              const port = protocol === 'grpc' ? server.grpcPort : server.httpPort;
              if (port === undefined || server.exitedEarly()) continue;
              try {
                const r = await loadgen({ ...loadgenConfig(protocol, port, model, req, grpcMessage, c, ch, server.httpPort, SECONDS, WARMUP_S), mainThreadPid: server.child.pid! });
                const row = { ...toRow(model.key, 'modeldeck', protocol, false, c, protocol === 'grpc' ? ch : undefined, r), experiment: exp.key, config, round };
                row.ratioToFloor = row.inferPerSec / floor.inferPerSec;
                list.push(row);
                log(`${exp.key} ${config} round ${round}: ${describeRow(row)}`);
              } catch (e) {
                log(`${exp.key} row failed: ${(e as Error).message}`);
              }
            }
          }
        } finally {
          await server.stop();
          report.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
        }
      }
    }
  }
}
