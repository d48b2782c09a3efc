/**
 * Reads a V8 .cpuprofile (node --cpu-prof) of a server's main thread and sums self time into a few
 * buckets (write syscalls, HTTP internals, other Node internals, the bundled server's own JavaScript,
 * GC, native/unattributed) plus the hottest functions. The profiler samples wall-clock time on the
 * thread, so time the thread spent descheduled inside a syscall counts against that syscall.
 */
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface ProfileSummary {
  /** Sampled main-thread time that was not idle, ms. */
  busyMs: number;
  /** Whole profile, ms. */
  wallMs: number;
  /** Self time per bucket, % of busy time, largest first. */
  buckets: { name: string; pct: number }[];
  /** Hottest functions by self time, % of busy time. */
  top: { fn: string; pct: number }[];
}

const WRITE_SYSCALLS = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString']);

function bucketOf(cf: ProfileNode['callFrame']): string | undefined {
  const { functionName: fn, url } = cf;
  if (fn === '(idle)') return undefined;
  if (WRITE_SYSCALLS.has(fn)) return 'write syscalls (pipe to the Python host, HTTP responses)';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)' || (url === '' && fn !== '')) return 'native / unattributed (V8, libuv, syscalls other than writes)';
  if (url.startsWith('node:_http')) return 'node:http internals (parser callbacks, headers, responses)';
  if (url.startsWith('node:')) return 'other Node internals (streams, events, timers, net)';
  if (url.endsWith('server.js')) return "the server's own JavaScript (routing, body parsing, JSON, batcher, pool, frames)";
  return 'other JavaScript';
}

/**
 * `fromMs`: samples in the profile's first `fromMs` ms are left out (a server's start-up before the
 * load); `topN`: how many hottest functions to list.
 */
export function summarizeCpuProfile(file: string, fromMs = 0, topN = 8): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfUs = new Map<number, number>();
  let wallUs = 0;
  let atUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] ?? 0;
    atUs += d;
    if (atUs < fromMs * 1000) continue;
    wallUs += d;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + d);
  }
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  let busyUs = 0;
  for (const n of p.nodes) {
    const t = selfUs.get(n.id) ?? 0;
    const b = bucketOf(n.callFrame);
    if (!t || !b) continue;
    busyUs += t;
    buckets.set(b, (buckets.get(b) ?? 0) + t);
    const name = `${n.callFrame.functionName || '(anonymous)'}${n.callFrame.url ? ` (${n.callFrame.url.split('/').pop()})` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + t);
  }
  const pct = (us: number): number => (busyUs > 0 ? (us / busyUs) * 100 : 0);
  return {
    busyMs: busyUs / 1000,
    wallMs: wallUs / 1000,
    buckets: [...buckets].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, pct: pct(us) })),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([fn, us]) => ({ fn, pct: pct(us) })),
  };
}
