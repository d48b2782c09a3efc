/**
 * The measurements of one model, in the order the run takes them (bench/runBench.ts calls them after
 * the model's floor): the naive peer, ModelDeck with batching off then on, then the extras (what-if
 * rows, not used for the targets).
 */
import * as path from 'node:path';
import { OIP_PROTO, REPO_ROOT, type BenchModel, type EncodedRequests, type ModelKey } from './common';
import {
  BATCHING_ARGS,
  CALIBRATION_S,
  CHANNEL_OPTIONS,
  CONCURRENCIES,
  INTRA_OP_THREADS,
  JS_DIR,
  log,
  PROTOCOLS,
  SECONDS,
  WARMUP_S,
} from './config';
import { checkGrpc, checkRestBinary, checkRestJson, verifyEventLoopReset, type Expected, type GrpcDef } from './checks';
import { startServer } from './processes';
import { describeRow, failedRow, loadgen, loadgenConfig, runFloor, toRow } from './rows';
import type { BenchReport, ChannelTrial, FloorResult, Protocol, SystemKind } from './types';

/** One model's inputs, its floor and the report its rows go to. */
export interface ModelRun {
  model: BenchModel;
  req: EncodedRequests;
  grpcMessage: Buffer;
  grpcDef: GrpcDef;
  registry: string;
  floor: FloorResult;
  expected: Expected;
  report: BenchReport;
}

/** 2. The naive peer, REST JSON only. */
export async function naivePeerRows({ model, req, expected, report }: ModelRun): Promise<void> {
  const naive = await startServer(`naive peer (${model.key})`, [
    path.join(JS_DIR, 'naivePeer.js'),
    JSON.stringify({ name: model.name, version: model.version, file: model.file, intraOpThreads: INTRA_OP_THREADS }),
  ], undefined);
  try {
    report.checks.push(await checkRestJson(naive.httpPort, model, req, expected, `${model.key}: naive peer REST JSON`));
    for (const c of CONCURRENCIES) {
      if (naive.exitedEarly()) {
        report.rows.push(failedRow(model.key, 'naive', 'rest-json', null, c, 'naive peer exited'));
        continue;
      }
      try {
        const r = await loadgen({ ...loadgenConfig('rest-json', naive.httpPort, model, req, undefined, c, 1, naive.httpPort, SECONDS, WARMUP_S), mainThreadPid: naive.child.pid! });
        const row = toRow(model.key, 'naive', 'rest-json', null, c, undefined, r);
        report.rows.push(row);
        log(describeRow(row));
      } catch (e) {
        report.rows.push(failedRow(model.key, 'naive', 'rest-json', null, c, (e as Error).message));
      }
    }
  } finally {
    await naive.stop();
    report.events.push(...naive.events.map((e) => ({ ...e, source: naive.label })));
  }
}

/** 3. ModelDeck, batching off then on. Returns the gRPC channels chosen per concurrency. */
export async function modelDeckRows({ model, req, grpcMessage, grpcDef, registry, expected, report }: ModelRun): Promise<Record<number, number>> {
  let channelsFor: Record<number, number> = {};
  for (const batching of [false, true]) {
    const label = `ModelDeck ${model.key} batching ${batching ? 'on' : 'off'}`;
    const args = [
      path.join(REPO_ROOT, 'dist', 'server.js'),
      '--registry', registry,
      '--http-port', '0',
      '--grpc-port', '0',
      '--poll-interval-ms', '0',
      '--log-level', 'info',
      ...(batching ? BATCHING_ARGS : []),
    ];
    log(`${label}: starting`);
    const server = await startServer(label, args, 'ready');
    try {
      const tag = `${model.key}: ModelDeck batching ${batching ? 'on' : 'off'}`;
      report.checks.push(await checkRestJson(server.httpPort, model, req, expected, `${tag} REST JSON`));
      report.checks.push(await checkRestBinary(server.httpPort, model, req, expected, `${tag} REST binary`));
      if (server.grpcPort !== undefined) report.checks.push(await checkGrpc(grpcDef, server.grpcPort, model, expected, `${tag} gRPC`));
      else report.checks.push({ what: `${tag} gRPC`, ok: false, detail: 'the server logged no gRPC listener; gRPC rows skipped' });
      if (report.eventLoopReset === undefined) report.eventLoopReset = await verifyEventLoopReset(server.httpPort);

      // gRPC channels: measured once per model (batching off) at c ≥ 16, best one used for both.
      if (!batching && server.grpcPort !== undefined) {
        channelsFor = { 1: 1, 4: 1 };
        for (const c of CONCURRENCIES.filter((x) => x >= 16)) {
          let best = { channels: 1, perSec: -1 };
          for (const ch of CHANNEL_OPTIONS) {
            try {
              const r = await loadgen(loadgenConfig('grpc', server.grpcPort, model, req, grpcMessage, c, ch, server.httpPort, CALIBRATION_S, Math.min(WARMUP_S, 0.3)));
              const trial: ChannelTrial = { model: model.key, concurrency: c, channels: ch, inferPerSec: r.inferPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, loadgenCpuPct: r.loadgenCpuPct };
              report.channelTrials.push(trial);
              log(`${model.key} gRPC calibration c=${c} channels=${ch}: ${r.inferPerSec.toFixed(0)}/s p99 ${r.p99Ms.toFixed(3)} ms lgCPU ${r.loadgenCpuPct.toFixed(0)}%`);
              if (r.errors === 0 && r.inferPerSec > best.perSec) best = { channels: ch, perSec: r.inferPerSec };
            } catch (e) {
              log(`calibration failed: ${(e as Error).message}`);
            }
          }
          channelsFor[c] = best.channels;
        }
        report.channelChoice[model.key] = { ...channelsFor };
      }

      for (const protocol of PROTOCOLS) {
        for (const c of CONCURRENCIES) {
          if (server.exitedEarly()) {
            report.rows.push(failedRow(model.key, 'modeldeck', protocol, batching, c, 'server exited'));
            continue;
          }
          if (protocol === 'grpc' && server.grpcPort === undefined) {
            report.rows.push(failedRow(model.key, 'modeldeck', protocol, batching, c, 'no gRPC listener'));
            continue;
          }
          const ch = protocol === 'grpc' ? (channelsFor[c] ?? 1) : 1;
          const port = protocol === 'grpc' ? server.grpcPort! : server.httpPort;
          try {
            const r = await loadgen({ ...loadgenConfig(protocol, port, model, req, grpcMessage, c, ch, server.httpPort, SECONDS, WARMUP_S), mainThreadPid: server.child.pid! });
            const row = toRow(model.key, 'modeldeck', protocol, batching, c, protocol === 'grpc' ? ch : undefined, r);
            report.rows.push(row);
            log(describeRow(row));
          } catch (e) {
            report.rows.push(failedRow(model.key, 'modeldeck', protocol, batching, c, (e as Error).message));
            log(`row failed: ${(e as Error).message}`);
          }
        }
      }
    } finally {
      const code = await server.stop();
      if (code !== 0) server.events.push({ time: new Date().toISOString(), level: 'warn', msg: `exit code ${code} after SIGTERM` });
      report.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
    }
  }
  return channelsFor;
}

/**
 * 4. Extras, not used for the targets: the floor with one intra-op thread, and ModelDeck with
 *    two instances (two workers of one intra-op thread each), which leaves the event loop room.
 */
export async function extraRows({ model, req, grpcMessage, grpcDef, registry, floor, expected, report }: ModelRun, channelsFor: Record<number, number>): Promise<void> {
  report.floorOneThread[model.key] = await runFloor(model, 1);
  log(`${model.key}: floor (1 intra-op thread) ${report.floorOneThread[model.key]!.inferPerSec.toFixed(0)}/s`);
  report.floorNoSpin[model.key] = await runFloor(model, INTRA_OP_THREADS, true);
  log(`${model.key}: floor (no spinning) ${report.floorNoSpin[model.key]!.inferPerSec.toFixed(0)}/s cpu ${report.floorNoSpin[model.key]!.cpuPct.toFixed(0)}%`);
  if (model.key === 'tiny') await transportFloor(model, req, grpcMessage, grpcDef, expected, channelsFor, report);
  if (model.key === 'cnn') {
    const config = '--instances 2 (2 workers × 1 intra-op thread), batching off';
    const server = await startServer(`ModelDeck ${model.key} ${config}`, [
      path.join(REPO_ROOT, 'dist', 'server.js'),
      '--registry', registry,
      '--http-port', '0',
      '--grpc-port', '0',
      '--poll-interval-ms', '0',
      '--instances', '2',
    ], 'ready');
    try {
      for (const protocol of ['rest-json', 'rest-binary'] as Protocol[]) {
        for (const c of [16, 64]) {
          await whatIfRow(report, model.key, floor, config, 'modeldeck', protocol, false, c, () =>
            loadgen(loadgenConfig(protocol, server.httpPort, model, req, grpcMessage, c, 1, server.httpPort, SECONDS, WARMUP_S)),
          );
        }
      }
    } finally {
      await server.stop();
      report.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
    }
    // The naive peer again, with onnxruntime's spinning off: what that one setting does under load.
    const spinConfig = 'naive peer with intra_op.allow_spinning = 0';
    const peer = await startServer(`naive peer (${model.key}, no spinning)`, [
      path.join(JS_DIR, 'naivePeer.js'),
      JSON.stringify({ name: model.name, version: model.version, file: model.file, intraOpThreads: INTRA_OP_THREADS, noSpin: true }),
    ], undefined);
    try {
      for (const c of [16, 64]) {
        await whatIfRow(report, model.key, floor, spinConfig, 'naive', 'rest-json', null, c, () =>
          loadgen(loadgenConfig('rest-json', peer.httpPort, model, req, undefined, c, 1, peer.httpPort, SECONDS, WARMUP_S)),
        );
      }
    } finally {
      await peer.stop();
      report.events.push(...peer.events.map((e) => ({ ...e, source: peer.label })));
    }
  }
}

/** One what-if row: measured, compared with the floor and the naive peer at the same c, logged; a failure is logged, not fatal. */
async function whatIfRow(
  report: BenchReport,
  model: ModelKey,
  floor: FloorResult,
  config: string,
  system: SystemKind,
  protocol: Protocol,
  batching: boolean | null,
  c: number,
  measure: () => ReturnType<typeof loadgen>,
): Promise<void> {
  try {
    const r = await measure();
    const row = { ...toRow(model, system, protocol, batching, c, undefined, r), config };
    row.ratioToFloor = row.inferPerSec / floor.inferPerSec;
    const n = report.rows.find((x) => x.system === 'naive' && x.model === model && x.concurrency === c);
    if (n && n.inferPerSec > 0) row.ratioToNaive = row.inferPerSec / n.inferPerSec;
    report.whatIf.push(row);
    log(`what-if ${describeRow(row)}`);
  } catch (e) {
    log(`what-if row failed: ${(e as Error).message}`);
  }
}

/**
 * Extra: a server that does no inference (bench/nullServer.ts) answering with responses of the
 * model's size, over REST (node:http) and gRPC, with the same load generator: the round trip alone.
 */
async function transportFloor(
  model: BenchModel,
  req: EncodedRequests,
  grpcMessage: Buffer,
  grpcDef: GrpcDef,
  expected: Expected,
  channelsFor: Record<number, number>,
  report: BenchReport,
): Promise<void> {
  const outputs = [
    { name: 'label', datatype: 'INT64', shape: [1], data: expected.label },
    { name: 'probabilities', datatype: 'FP32', shape: [1, expected.probabilities.length], data: expected.probabilities },
  ];
  const restBody = Buffer.from(
    JSON.stringify({ model_name: model.name, model_version: String(model.version), id: '00000000-0000-0000-0000-000000000000', parameters: { queue_ms: 0.01, compute_ms: 0.01 }, outputs }),
  );
  const grpcBody = grpcDef.serializeResponse({
    model_name: model.name,
    model_version: String(model.version),
    id: '00000000-0000-0000-0000-000000000000',
    outputs: outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    raw_output_contents: [Buffer.from(new BigInt64Array(expected.label.map(BigInt)).buffer), Buffer.from(new Float32Array(expected.probabilities).buffer)],
  });
  const server = await startServer('null server', [
    path.join(JS_DIR, 'nullServer.js'),
    JSON.stringify({ restBodyB64: restBody.toString('base64'), grpcBodyB64: grpcBody.toString('base64') }),
  ], undefined);
  try {
    for (const protocol of ['rest-json', 'grpc'] as Protocol[]) {
      for (const c of [1, 64]) {
        const ch = protocol === 'grpc' ? (channelsFor[c] ?? 1) : 1;
        const port = protocol === 'grpc' ? server.grpcPort! : server.httpPort;
        try {
          const r = await loadgen(loadgenConfig(protocol, port, model, req, grpcMessage, c, ch, server.httpPort, SECONDS, WARMUP_S));
          const config = protocol === 'grpc' ? 'transport floor: gRPC server, no inference, no decoding (grpc-js)' : 'transport floor: REST server, no inference (node:http, no framework)';
          const row = { ...toRow(model.key, 'null', protocol, null, c, protocol === 'grpc' ? ch : undefined, r), config };
          report.whatIf.push(row);
          log(`transport floor ${describeRow(row)}`);
        } catch (e) {
          log(`transport floor row failed: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    await server.stop();
    report.events.push(...server.events.map((e) => ({ ...e, source: server.label })));
  }
}

/**
 * Issue 14, item 1: the naive gRPC peer (bench/naiveGrpcPeer.ts: grpc-js + onnxruntime on the main
 * thread, raw contents) at every concurrency, with the same channels as ModelDeck's gRPC rows. Its
 * rows go to report.naiveGrpc (the targets' REST "× naive" ratios keep the express peer).
 */
export async function naiveGrpcRows({ model, req, grpcMessage, grpcDef, expected, report }: ModelRun, channelsFor: Record<number, number>): Promise<void> {
  const list = (report.naiveGrpc ??= []);
  let peer: Awaited<ReturnType<typeof startServer>>;
  try {
    peer = await startServer(`naive gRPC peer (${model.key})`, [
      path.join(JS_DIR, 'naiveGrpcPeer.js'),
      JSON.stringify({ name: model.name, version: model.version, file: model.file, intraOpThreads: INTRA_OP_THREADS, proto: OIP_PROTO }),
    ], undefined);
  } catch (e) {
    log(`naive gRPC peer failed to start: ${(e as Error).message}`);
    for (const c of CONCURRENCIES) list.push(failedRow(model.key, 'naive', 'grpc', null, c, `naive gRPC peer failed to start: ${(e as Error).message.slice(0, 300)}`));
    return;
  }
  try {
    if (peer.grpcPort === undefined) throw new Error('naive gRPC peer logged no gRPC listener');
    report.checks.push(await checkGrpc(grpcDef, peer.grpcPort, model, expected, `${model.key}: naive gRPC peer`));
    for (const c of CONCURRENCIES) {
      const ch = channelsFor[c] ?? 1;
      if (peer.exitedEarly()) {
        list.push(failedRow(model.key, 'naive', 'grpc', null, c, 'naive gRPC peer exited'));
        continue;
      }
      try {
        const r = await loadgen({ ...loadgenConfig('grpc', peer.grpcPort, model, req, grpcMessage, c, ch, peer.httpPort, SECONDS, WARMUP_S), mainThreadPid: peer.child.pid! });
        const row = toRow(model.key, 'naive', 'grpc', null, c, ch, r);
        list.push(row);
        log(`naive gRPC peer ${describeRow(row)}`);
      } catch (e) {
        list.push(failedRow(model.key, 'naive', 'grpc', null, c, (e as Error).message));
      }
    }
  } finally {
    await peer.stop();
    report.events.push(...peer.events.map((e) => ({ ...e, source: peer.label })));
  }
}
