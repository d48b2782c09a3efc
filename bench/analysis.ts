/**
 * The prose of the report, derived from the run's numbers: why each target missed, what the server
 * did under load, and what would close the gaps. Every number quoted here comes from `report`.
 */
import type { ModelKey } from './common';
import { eventLoopExcess, findRow, type AnalysisFn } from './report';
import type { BenchReport, FloorResult, Protocol, Row } from './types';

const n0 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : Math.round(v).toLocaleString('en-US'));
const n2 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2));
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v < 1 ? v.toFixed(3) : v.toFixed(1));
const PN: Record<Protocol, string> = { 'rest-json': 'REST JSON', 'rest-binary': 'REST binary', grpc: 'gRPC' };

/** Rows during which other processes used more than this (% of one core) are flagged as noisy. */
const NOISY = 25;
const noisy = (r: Row | undefined): boolean => (r?.foreignCpuPct ?? 0) > NOISY;
const tag = (r: Row | undefined): string => (r && noisy(r) ? ` (noisy: other processes ${n0(r.foreignCpuPct)}%)` : '');

/** CPU µs per request of the server process and of the load generator. */
function perRequestUs(r: Row | undefined): { server?: number; loadgen?: number } {
  if (!r || !(r.inferPerSec > 0)) return {};
  return {
    ...(r.serverCpuPct !== undefined ? { server: (r.serverCpuPct / 100 / r.inferPerSec) * 1e6 } : {}),
    loadgen: (r.loadgenCpuPct / 100 / r.inferPerSec) * 1e6,
  };
}

function floorUs(f: FloorResult | undefined): number | undefined {
  return f ? (f.cpuPct / 100 / f.inferPerSec) * 1e6 : undefined;
}

function bestSweep(f: FloorResult | undefined): { batch: number; rowsPerSec: number; usPerRow: number } | undefined {
  return (f?.sweep ?? []).reduce<{ batch: number; rowsPerSec: number; usPerRow: number } | undefined>((b, s) => (!b || s.rowsPerSec > b.rowsPerSec ? s : b), undefined);
}

function whatIf(report: BenchReport, config: RegExp, model: ModelKey, protocol: Protocol, c: number): Row | undefined {
  return report.whatIf.find((r) => config.test(r.config) && r.model === model && r.protocol === protocol && r.concurrency === c);
}

export const analyze: AnalysisFn = (report) => {
  const perTarget: Record<string, string> = {};
  const observations: string[] = [];
  const closing: string[] = [];
  const cores = report.machine.cores;
  const fl = report.floor;

  // ---- T1
  {
    const naive = findRow(report, 'cnn', 'naive', 'rest-json', null, 16);
    const off = findRow(report, 'cnn', 'modeldeck', 'rest-json', false, 16);
    const on = findRow(report, 'cnn', 'modeldeck', 'rest-json', true, 16);
    const best = bestSweep(fl.cnn);
    if (naive && off && fl.cnn) {
      const need = 2 * naive.inferPerSec;
      const u = perRequestUs(off);
      const un = perRequestUs(naive);
      perTarget['Why T1 (REST JSON vs naive, CNN) comes out as it does'] =
        `The naive peer already reaches ${n0(naive.inferPerSec)} infer/s at c=16, ${n2(naive.inferPerSec / fl.cnn.inferPerSec)}× the floor (${n0(fl.cnn.inferPerSec)}/s: the model alone, sequential, both cores, no client). ` +
        `2× the peer is ${n0(need)}/s = ${n2(need / fl.cnn.inferPerSec)}× the floor. ` +
        (best
          ? `The best this model does on this machine even batched is ${n0(best.rowsPerSec)} rows/s (batch ${best.batch}, ${n2(best.usPerRow)} µs per row vs ${n2(1e6 / fl.cnn.inferPerSec)} µs unbatched), ${need > best.rowsPerSec ? 'so the target cannot be met on 2 cores whatever the server does: the CNN\'s arithmetic alone leaves no room' : 'so it is reachable only through batching that keeps the cores on onnxruntime'}. `
          : '') +
        `ModelDeck (batching off) does ${n0(off.inferPerSec)}/s (${n2(off.ratioToNaive)}× the peer) and ${n0(on?.inferPerSec)}/s with batching (${n2(on?.ratioToNaive)}×). ` +
        `Per request ModelDeck's process burnt ${n0(u.server)} µs of CPU against the peer's ${n0(un.server)} µs and the floor's ${n0(floorUs(fl.cnn))} µs per inference; ` +
        `session.run itself took ${ms(off.meanComputeMs)} ms on average inside the server vs ${ms(fl.cnn.meanMs)} ms in the floor` +
        ((off.meanComputeMs ?? 0) > 1.15 * fl.cnn.meanMs
          ? `: onnxruntime's ${report.settings.intraOpThreads} intra-op threads want every core, and the event loop and the load generator (${n0(off.loadgenCpuPct)}% CPU) take them away from it.`
          : '.');
    }
  }

  // ---- T2
  {
    const parts: string[] = [];
    for (const protocol of ['rest-binary', 'grpc'] as Protocol[]) {
      const r = findRow(report, 'cnn', 'modeldeck', protocol, false, 16);
      if (!r || !fl.cnn) continue;
      const u = perRequestUs(r);
      const idealNoLoadgen = r.serverCpuPct ? (r.inferPerSec * (cores * 100)) / r.serverCpuPct : undefined;
      parts.push(
        `${PN[protocol]}: ${n0(r.inferPerSec)}/s = ${n2(r.ratioToFloor)}× the floor, with the server at ${n0(r.serverCpuPct)}% and the load generator at ${n0(r.loadgenCpuPct)}% of ${cores * 100}% CPU` +
          ((r.serverCpuPct ?? 0) + r.loadgenCpuPct >= 0.85 * cores * 100 ? ' — the cores are full. ' : ` (other processes ${n0(r.foreignCpuPct)}%). `) +
          `Per request: server ${n0(u.server)} µs CPU, load generator ${n0(u.loadgen)} µs, floor ${n0(floorUs(fl.cnn))} µs per inference; session.run took ${ms(r.meanComputeMs)} ms in the server vs ${ms(fl.cnn.meanMs)} ms in the floor` +
          (r.workerBusyPct !== undefined ? `, and the worker was inside session.run ${n0(r.workerBusyPct)}% of the window (the floor: ${n0((fl.cnn.meanMs * fl.cnn.inferPerSec) / 10)}%). ` : '. ') +
          `Even with the load generator's share given to the server at the same cost per request it would reach about ${n0(idealNoLoadgen)}/s (${n2(idealNoLoadgen !== undefined ? idealNoLoadgen / fl.cnn.inferPerSec : undefined)}× the floor)`,
      );
    }
    const tinyBin = findRow(report, 'tiny', 'modeldeck', 'rest-binary', false, 16);
    if (tinyBin && fl.tiny) {
      parts.push(
        `tiny is shown for completeness: its floor (${n0(fl.tiny.inferPerSec)}/s, ${ms(fl.tiny.p50Ms)} ms per run) is faster than any network round trip on this machine, so every served protocol is a small fraction of it (${n2(tinyBin.ratioToFloor)}× for REST binary): the tiny model measures the transport, not the model`,
      );
    }
    if (parts.length) perTarget['Why T2 (REST binary / gRPC vs the floor) comes out as it does'] = parts.join('. ') + '.';
  }

  // ---- T3
  {
    const nullRest = whatIf(report, /transport floor: REST/, 'tiny', 'rest-json', 1);
    const nullGrpc = whatIf(report, /transport floor: gRPC/, 'tiny', 'grpc', 1);
    const naive1 = findRow(report, 'tiny', 'naive', 'rest-json', null, 1);
    const json1 = findRow(report, 'tiny', 'modeldeck', 'rest-json', false, 1);
    const grpc1 = findRow(report, 'tiny', 'modeldeck', 'grpc', false, 1);
    if (fl.tiny && json1) {
      perTarget['Why T3 (tiny, c=1 overhead) comes out as it does'] =
        `The floor's p50 is ${ms(fl.tiny.p50Ms)} ms, so the overhead is nearly the whole request. ` +
        (nullRest ? `A REST server that does no inference at all (node:http, fixed response) has a p50 of ${ms(nullRest.p50Ms)} ms with the same load generator; ` : '') +
        (naive1 ? `the naive Express peer ${ms(naive1.p50Ms)} ms; ` : '') +
        `ModelDeck REST JSON ${ms(json1.p50Ms)} ms` +
        (nullRest ? `, i.e. ${ms(json1.p50Ms - nullRest.p50Ms)} ms above the bare round trip (ModelDeck answers V2 infer on plain node:http, ahead of Express: request id, JSON parse and validation, the batcher, the postMessage hop to the worker and back, response encoding)` : '') +
        '. ' +
        (json1.meanServerMs !== undefined && json1.meanComputeMs !== undefined
          ? `Inside ModelDeck (its own metrics, means) a REST JSON request spent ${ms(json1.meanServerMs)} ms from decoding to encoding, of which ${ms(json1.meanComputeMs)} ms in session.run (the floor's loop: ${ms(fl.tiny.meanMs)} ms — between requests the worker and onnxruntime's threads go cold) and ${ms(json1.meanQueueMs)} ms queued; the other ${ms(json1.meanServerMs - json1.meanComputeMs - (json1.meanQueueMs ?? 0))} ms are decoding, the batcher and the two thread hops (postMessage to the worker, and its result back through the event loop). `
          : '') +
        (grpc1
          ? `gRPC: ModelDeck ${ms(grpc1.p50Ms)} ms` + (nullGrpc ? ` vs ${ms(nullGrpc.p50Ms)} ms for a grpc-js server that does nothing, so ${ms(grpc1.p50Ms - nullGrpc.p50Ms)} ms is ModelDeck's own. ` : '. ')
          : '') +
        `The bare round trips are what this 2-vCPU VM costs with client and server on the same cores (each request wakes two processes); they use up ${nullRest ? n0((nullRest.p50Ms / 0.5) * 100) : '–'}% of the REST budget${nullGrpc ? ` and ${n0((nullGrpc.p50Ms / 0.4) * 100)}% of the gRPC budget` : ''} before ModelDeck does anything.`;
    }
  }

  // ---- T4
  {
    const on = findRow(report, 'tiny', 'modeldeck', 'rest-json', true, 64);
    const off = findRow(report, 'tiny', 'modeldeck', 'rest-json', false, 64);
    if (on && off) {
      const uOn = perRequestUs(on);
      const uOff = perRequestUs(off);
      perTarget['Batching on the tiny model (T4)'] =
        `At c=64 the batcher merged ${n2(on.meanRequestsPerRun)} requests per run on average (REST JSON), taking the server from ${n0(uOff.server)} to ${n0(uOn.server)} µs of CPU per request: ` +
        `what batching saves is the per-run cost (worker hop, session.run call, output split), while HTTP, JSON and the load generator (${n0(uOn.loadgen)} µs per request) are paid per request either way — that bounds the gain. ` +
        `For the CNN, batching cannot buy much: per row the model costs ${(() => {
          const s = fl.cnn?.sweep ?? [];
          return s.map((x) => `${n0(x.usPerRow)} µs at batch ${x.batch}`).join(', ');
        })()} in the floor.`;
    }
  }

  // ---- T5
  {
    const md = report.rows.filter((r) => r.system === 'modeldeck' && r.concurrency === 64 && r.eventLoopP99Ms !== undefined);
    const noisyMd = md.filter((r) => noisy(r));
    const worst = md.filter((r) => !noisy(r)).reduce<Row | undefined>((w, r) => (!w || (eventLoopExcess(r) ?? 0) > (eventLoopExcess(w) ?? 0) ? r : w), undefined);
    const naive = report.rows.filter((r) => r.system === 'naive' && r.concurrency === 64);
    if (worst) {
      perTarget['Event loop (T5)'] =
        `Worst ModelDeck row at c=64 on a quiet machine: ${worst.model} ${PN[worst.protocol]} batching ${worst.batching ? 'on' : 'off'}, p99 ${ms(eventLoopExcess(worst))} ms beyond the 10 ms timer (raw ${ms(worst.eventLoopP99Ms)}, max ${ms(worst.eventLoopMaxMs)} ms)` +
        (noisyMd.length ? ` (${noisyMd.length} noisy row(s) read higher: other processes took the cores)` : '') +
        '. The delay grows with the request rate (the tiny model, thousands of requests per second, reads higher than the CNN), i.e. it comes from the amount of per-request work per loop turn, not from a blocking call. ' +
        `The naive peer, which runs session.run on its event loop, reads ${naive.map((r) => `${ms(eventLoopExcess(r))} ms (${r.model})`).join(' and ')} beyond the timer at the same load. ` +
        'ModelDeck\'s remaining delay is the main thread\'s own work in bursts (parsing and answering many requests per loop turn, GC), plus the moments the OS gives its core to onnxruntime\'s threads or the load generator.';
    }
  }

  // ---- Observations: spikes, throughput drops, memory, per-protocol costs.
  const spikesRef = [findRow(report, 'tiny', 'naive', 'rest-json', null, 1), whatIf(report, /transport floor: REST/, 'tiny', 'rest-json', 1)];
  const spikes = report.rows.filter((r) => r.system === 'modeldeck' && r.p99Ms > 5 * r.p50Ms && r.p99Ms > 5);
  if (spikes.length > 0) {
    observations.push(
      `Latency tails: ${spikes.length} ModelDeck row(s) have p99 > 5× p50: ` +
        spikes
          .slice(0, 8)
          .map((r) => `${r.model} ${PN[r.protocol]} ${r.batching ? 'on' : 'off'} c=${r.concurrency} p50 ${ms(r.p50Ms)} / p99 ${ms(r.p99Ms)} / max ${ms(r.maxMs)} ms`)
          .join('; ') +
        `. For comparison at c=1: naive peer p50 ${ms(spikesRef[0]?.p50Ms)} / p99 ${ms(spikesRef[0]?.p99Ms)} ms, bare node:http server p50 ${ms(spikesRef[1]?.p50Ms)} / p99 ${ms(spikesRef[1]?.p99Ms)} ms. ` +
        'Tails this size appear in the naive peer too, so much of it is this 2-vCPU VM (several runnable threads per core, other jobs on the box); the server-side part is visible in the event-loop column.',
    );
  }
  for (const model of ['tiny', 'cnn'] as ModelKey[]) {
    for (const batching of [false, true]) {
      for (const protocol of ['rest-json', 'rest-binary', 'grpc'] as Protocol[]) {
        const a = findRow(report, model, 'modeldeck', protocol, batching, 16);
        const b = findRow(report, model, 'modeldeck', protocol, batching, 64);
        if (a && b && !noisy(a) && !noisy(b) && b.inferPerSec < 0.85 * a.inferPerSec) {
          observations.push(
            `Throughput falls with more clients: ${model} ${PN[protocol]} batching ${batching ? 'on' : 'off'}: ${n0(a.inferPerSec)}/s at c=16 but ${n0(b.inferPerSec)}/s at c=64 (session.run ${ms(a.meanComputeMs)} → ${ms(b.meanComputeMs)} ms, server CPU ${n0(a.serverCpuPct)} → ${n0(b.serverCpuPct)}%, load generator ${n0(a.loadgenCpuPct)} → ${n0(b.loadgenCpuPct)}%, other processes ${n0(a.foreignCpuPct)} → ${n0(b.foreignCpuPct)}%).`,
          );
        }
      }
    }
  }
  {
    // Memory: resident set after each row, per server (ModelDeck, batching off / on).
    const parts: string[] = [];
    for (const model of ['tiny', 'cnn'] as ModelKey[]) {
      for (const batching of [false, true]) {
        const rows = report.rows.filter((r) => r.model === model && r.system === 'modeldeck' && r.batching === batching && r.serverRssMiB !== undefined);
        if (rows.length < 2) continue;
        const first = rows[0]!.serverRssMiB!;
        const last = rows[rows.length - 1]!.serverRssMiB!;
        const max = Math.max(...rows.map((r) => r.serverRssMiB!));
        parts.push(`${model} batching ${batching ? 'on' : 'off'}: ${n0(first)} → ${n0(last)} MiB (max ${n0(max)}) over ${rows.length} rows`);
      }
    }
    if (parts.length) observations.push(`Server memory (resident set from /metrics after each row, first → last row): ${parts.join('; ')}.`);
  }
  {
    const costs: string[] = [];
    for (const [label, r] of [
      ['transport floor REST (node:http)', whatIf(report, /transport floor: REST/, 'tiny', 'rest-json', 64)],
      ['naive peer REST JSON', findRow(report, 'tiny', 'naive', 'rest-json', null, 64)],
      ['ModelDeck REST JSON', findRow(report, 'tiny', 'modeldeck', 'rest-json', false, 64)],
      ['ModelDeck REST binary', findRow(report, 'tiny', 'modeldeck', 'rest-binary', false, 64)],
      ['transport floor gRPC (grpc-js)', whatIf(report, /transport floor: gRPC/, 'tiny', 'grpc', 64)],
      ['ModelDeck gRPC', findRow(report, 'tiny', 'modeldeck', 'grpc', false, 64)],
    ] as [string, Row | undefined][]) {
      const u = perRequestUs(r);
      if (r) costs.push(`${label} ${n0(u.server)} µs server / ${n0(u.loadgen)} µs client${tag(r)}`);
    }
    if (costs.length) {
      observations.push(
        `CPU per request on the tiny model at c=64, batching off (where inference is ~${ms(fl.tiny?.meanMs)} ms and everything else is protocol): ${costs.join('; ')}. ` +
          'The grpc-js client costs the load generator several times what an http.request costs, and it runs on the same two cores as the server, so gRPC rows understate the server.',
      );
    }
  }
  {
    const merged = report.rows.find((r) => r.system === 'modeldeck' && (r.meanRequestsPerRun ?? 1) > 2 && r.meanComputeMs !== undefined);
    if (merged) {
      observations.push(
        'Observability: modeldeck_inference_compute_duration_seconds (and the stats endpoint\'s compute_infer) are recorded once per request with the whole run\'s time, so with batching their sum exceeds wall-clock time ' +
          `(e.g. ${merged.model} ${PN[merged.protocol]} c=${merged.concurrency}: ${n2(merged.meanRequestsPerRun)} requests per run, each counted with the run's ${ms(merged.meanComputeMs)} ms) and worker utilisation cannot be derived from /metrics. A per-execution histogram (e.g. modeldeck_execution_duration_seconds, observed once per session.run) would make batch efficiency and worker idle time visible.`,
      );
    }
  }
  if (report.channelTrials.length > 0) {
    const choice = Object.entries(report.channelChoice)
      .map(([m, ch]) => `${m}: ${Object.entries(ch ?? {}).filter(([c]) => Number(c) >= 16).map(([c, k]) => `c=${c} → ${k}`).join(', ')}`)
      .join('; ');
    observations.push(`gRPC channels chosen by measurement (one HTTP/2 connection each; table under "gRPC channels"): ${choice}. c = 1 and 4 always use one channel.`);
  }

  // ---- What would close the misses.
  {
    const fs = fl.cnn;
    const nsF = report.floorNoSpin.cnn;
    const oneF = report.floorOneThread.cnn;
    const n16 = findRow(report, 'cnn', 'naive', 'rest-json', null, 16);
    const nsPeer = whatIf(report, /allow_spinning/, 'cnn', 'rest-json', 16);
    const inst2 = whatIf(report, /instances 2/, 'cnn', 'rest-json', 16);
    const inst2b = whatIf(report, /instances 2/, 'cnn', 'rest-binary', 16);
    const off16 = findRow(report, 'cnn', 'modeldeck', 'rest-json', false, 16);
    const bin16 = findRow(report, 'cnn', 'modeldeck', 'rest-binary', false, 16);
    const change = (a: Row | undefined, b: Row | undefined): string =>
      a && b && b.inferPerSec > 0 ? `${a.inferPerSec >= b.inferPerSec ? '+' : '−'}${n0(Math.abs((a.inferPerSec / b.inferPerSec - 1) * 100))}%${tag(a)}${tag(b)}` : '–';
    const clean = (a: Row | undefined, b: Row | undefined): boolean => !!a && !!b && !noisy(a) && !noisy(b);
    const gains = [
      { what: 'REST binary', a: inst2b, b: bin16 },
      { what: 'REST JSON', a: inst2, b: off16 },
    ].filter((g) => clean(g.a, g.b));
    const helped = gains.filter((g) => g.a!.inferPerSec > 1.1 * g.b!.inferPerSec).map((g) => g.what);
    const hurt = gains.filter((g) => g.a!.inferPerSec < 0.9 * g.b!.inferPerSec).map((g) => g.what);
    const floorSpinWorse = nsF && fs ? nsF.inferPerSec < 0.9 * fs.inferPerSec : undefined;
    const peerSpinWorse = clean(nsPeer, n16) ? nsPeer!.inferPerSec < 0.9 * n16!.inferPerSec : undefined;
    closing.push(
      `**onnxruntime's threads vs the event loop (server/repository/modelManager.ts sets intraOpNumThreads = floor(cores / instances)).** With ${report.settings.intraOpThreads} intra-op threads on ${cores} cores, one session.run wants every core while the main thread parses and answers requests and the load generator runs: ` +
        `on the CNN at c=16 session.run took ${ms(off16?.meanComputeMs)} ms inside ModelDeck vs ${ms(fs?.meanMs)} ms in the floor, and the server burnt ${n0(perRequestUs(off16).server)} µs of CPU per request vs ${n0(floorUs(fs))} µs per inference in the floor. ` +
        `Measured alternatives at c=16: \`--instances 2\` (two workers × 1 intra-op thread, no cross-thread sync inside a run) did ${n0(inst2b?.inferPerSec)}/s REST binary (${change(inst2b, bin16)} vs the default) and ${n0(inst2?.inferPerSec)}/s REST JSON (${change(inst2, off16)}); ` +
        `turning spinning off (\`extra: { session: { intra_op: { allow_spinning: '0' } } }\`) gave the floor ${n0(nsF?.inferPerSec)}/s (${nsF && fs ? `${nsF.inferPerSec >= fs.inferPerSec ? '+' : '−'}${n0(Math.abs((nsF.inferPerSec / fs.inferPerSec - 1) * 100))}%` : '–'}) and the naive peer ${n0(nsPeer?.inferPerSec)}/s (${change(nsPeer, n16)}); one intra-op thread gives the floor ${n0(oneF?.inferPerSec)}/s. ` +
        (helped.length > 0
          ? `Two single-thread instances helped ${helped.join(' and ')}${hurt.length ? ` but not ${hurt.join(' and ')} (presumably because there the main thread, which also parses and writes JSON, is the tighter limit)` : ''}: on a small machine, several single-thread sessions are worth offering as the default when the batcher is off (e.g. instances = cores, 1 thread each), keeping the multi-thread session for low-concurrency latency. `
          : gains.length > 0
            ? 'Two single-thread instances did not clearly beat the default in this run. '
            : 'The two-instance rows were too noisy to conclude; re-run on a quiet machine. ') +
        (floorSpinWorse || peerSpinWorse
          ? 'Turning spinning off made things slower, so it is not the fix.'
          : floorSpinWorse === false && peerSpinWorse === false
            ? 'Turning spinning off cost no throughput here and frees CPU for the event loop; worth trying in the worker.'
            : ''),
    );
    {
      const rowsIdle = [off16, bin16, findRow(report, 'cnn', 'modeldeck', 'grpc', false, 16)].filter((r): r is Row => r?.workerBusyPct !== undefined);
      const tiny16 = findRow(report, 'tiny', 'modeldeck', 'rest-json', false, 16);
      if (rowsIdle.length > 0) {
        closing.push(
          `**Keep the worker fed (server/runtime/workerPool.ts dispatches one job per worker and sends the next only after the result has come back through the event loop).** ` +
            `At c=16 with batching off the CNN worker was inside session.run only ${rowsIdle.map((r) => `${n0(r.workerBusyPct)}% (${PN[r.protocol]})`).join(', ')} of the time although 16 requests were always waiting${tiny16?.workerBusyPct !== undefined ? `, the tiny model's ${n0(tiny16.workerBusyPct)}%` : ''}: ` +
            'every run is followed by a worker→main hop, a wait for the busy event loop to reach the result message, and a main→worker hop before the next run starts. ' +
            'Letting each worker hold a second job, so that the hand-off overlaps compute, was tried (2026-12-03): in an A/B of the CNN over REST binary at c=16 (two servers side by side, five alternating 4 s rows each) it gave 268 vs 263 infer/s (median), within this VM\'s noise, so it was not kept: with both cores already busy the idle worker time is time the CPU spends on the event loop and the client, not free capacity. It becomes worth it on a machine with cores to spare for the event loop.',
        );
      }
    }
    {
      const best = bestSweep(fl.cnn);
      const need = n16 ? 2 * n16.inferPerSec : undefined;
      if (need !== undefined && best) {
        closing.push(
          need > best.rowsPerSec
            ? `**T1 is bounded by the model, not the server.** Twice the naive peer on the CNN at c=16 (${n0(need)}/s) is above the best the CNN itself does on two cores (${n0(best.rowsPerSec)} rows/s batched, no HTTP at all). It needs a bigger machine (where ModelDeck's free event loop also counts for more than here: compare the event-loop columns), a restated target (e.g. ≥ 1× the peer at c=16 on 2 cores, ≥ 2× at c=64 on 4+ cores), or a model whose cost per row falls with batching.`
            : `**T1 needs ModelDeck within ${n0((1 - need / best.rowsPerSec) * 100)}% of the model's best batched rate.** Twice this run's naive peer (${n0(need)}/s) is just under the best the CNN does on two cores (${n0(best.rowsPerSec)} rows/s batched, no HTTP); the naive peer's rate varies between runs on this VM, and a slightly faster peer puts the target above that ceiling. Even at best it takes every fix above.`,
        );
      }
    }
    closing.push(
      '**Fewer copies and hops per request (for T2/T3).** Per request ModelDeck decodes the body, builds a tensor, posts it to the worker (structured clone or transfer), gets the outputs back and encodes them; for the tiny model these fixed costs are the whole request. Candidates: transfer input ArrayBuffers instead of cloning them (REST binary and gRPC raw contents are already bytes — pass a view of the request Buffer\'s memory, copied once into a transferable buffer) (V2 infer already skips Express: server/protocols/rest/fastInfer.ts), cache per-model response templates, and avoid per-request `randomUUID` + header work when the client sends an id.',
    );
    closing.push(
      '**Measure with the client off the server\'s cores.** The load generator used up to the "load-gen CPU %" column of the 2 cores (the grpc-js client is the heaviest); on this machine that is a fixed tax on every served row but not on the floor. Running the load generator on another machine (or pinning it with taskset to a core the server does not use, on a larger box) would show the server\'s own ceiling; the "even with the load generator\'s share" estimates above show how much that matters.',
    );
    closing.push(
      '**For the tiny-model latency budget (T3)** the transport floor rows show how much of 0.5 / 0.4 ms a bare round trip already uses on this VM; the remainder is ModelDeck\'s per-request path. ModelDeck\'s V2 infer already runs on plain node:http (no Express), so the gap to the bare node:http server is the worker hop, decoding, validation, metrics and encoding; fewer per-request allocations on that path are the remaining lever; gRPC additionally pays grpc-js\'s per-call cost on both sides.',
    );
  }
  return { perTarget, observations, closing };
};
