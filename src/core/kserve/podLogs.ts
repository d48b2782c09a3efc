/**
 * Follows the logs of an InferenceService: every container (storage-initializer, kserve-container,
 * queue-proxy, the transformer's, the agent) of every pod labelled
 * `serving.kserve.io/inferenceservice=<name>`, one stream per container instance, merged line by
 * line with a `[pod/container]` prefix. Pods are watched, so pods that appear later (scale-out,
 * a restart, a new revision) are followed too; a container that restarts is followed again from its
 * new instance (whose log starts afresh, so nothing repeats). Everything stops when `signal` aborts,
 * like kubernetes-client/javascript's Log, whose per-container streams this builds on.
 */
import { Writable } from 'node:stream';
import { Log } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ContainerStatus, PodObject } from './kserveTypes';
import { listWatch } from './listWatch';

/** One log line. */
export interface PodLogLine {
  pod: string;
  container: string;
  /** predictor / transformer, from KServe's `component` label. */
  component?: string;
  /** The line without its newline. */
  text: string;
  /** `[pod/container]`, the prefix of the merged output. */
  prefix: string;
}

/** What to follow and where lines go. */
export interface FollowLogsOptions {
  kc: KubeConfig;
  namespace: string;
  /** InferenceService name. */
  name: string;
  /** Only these containers (default: all of them). */
  containers?: string[];
  /** Lines of history per container when it is first attached (default: all it has). */
  tailLines?: number;
  /** Every line, as it arrives. */
  onLine(line: PodLogLine): void;
  /** Streams starting and ending, pods appearing and going; for the output's status lines. */
  onStatus?(message: string): void;
  /** Stops following. */
  signal: AbortSignal;
  /** Pods of the service and the list's resourceVersion (the client passes its typed call). */
  listPods(): Promise<{ items: PodObject[]; resourceVersion: string }>;
}

/** Resolves when `signal` aborts; rejects when the pod watch gives up. */
export function followInferenceServiceLogs(opts: FollowLogsOptions): Promise<void> {
  const log = new Log(opts.kc);
  // `${pod}/${container}#${restartCount}` of every stream started, so an instance is followed once.
  const started = new Set<string>();
  const active = new Map<string, { abort(): void; pod: string }>();
  const status = (m: string): void => opts.onStatus?.(m);

  const follow = (pod: PodObject, container: string, instance: ContainerStatus, attachedLate: boolean): void => {
    const podName = pod.metadata.name;
    const key = `${podName}/${container}#${instance.restartCount ?? 0}`;
    if (started.has(key) || opts.signal.aborted) return;
    started.add(key);
    const prefix = `[${podName}/${container}]`;
    const component = pod.metadata.labels?.component;
    let partial = '';
    const emit = (text: string): void => opts.onLine({ pod: podName, container, ...(component ? { component } : {}), text, prefix });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) emit(line.replace(/\r$/, ''));
        done();
      },
      final(done) {
        if (partial) emit(partial);
        partial = '';
        done();
      },
    });
    const entry = {
      abort: (): void => void sink.destroy(),
      pod: podName,
    };
    active.set(key, entry);
    sink.on('close', () => {
      active.delete(key);
      if (!opts.signal.aborted) status(`${prefix} log ended`);
    });
    // History only for containers that were already running when we attached: a pod that appears
    // while we follow is read from its first line.
    const options = { follow: true, ...(attachedLate && opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}) };
    log
      .log(opts.namespace, podName, container, sink, options)
      .then((controller) => {
        entry.abort = () => {
          controller.abort();
          sink.destroy();
        };
        if (opts.signal.aborted) entry.abort();
        else status(`${prefix} following`);
      })
      .catch((err: unknown) => {
        // Typically "container is waiting to start": forget it, the next pod event retries.
        started.delete(key);
        active.delete(key);
        sink.destroy();
        if (!opts.signal.aborted) status(`${prefix} not available yet: ${(err as { body?: unknown; message?: string }).body ?? (err as Error).message}`);
      });
  };

  const visit = (pod: PodObject, attachedLate: boolean): void => {
    const instances = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const instance of instances) {
      if (opts.containers && !opts.containers.includes(instance.name)) continue;
      // Only a started container has a log; a waiting one is retried on the pod's next change.
      if (!instance.state?.running && !instance.state?.terminated) continue;
      follow(pod, instance.name, instance, attachedLate);
    }
  };

  const dropPod = (podName: string): void => {
    for (const entry of active.values()) if (entry.pod === podName) entry.abort();
  };

  return new Promise<void>((resolve, reject) => {
    const finish = (): void => {
      for (const entry of active.values()) entry.abort();
      resolve();
    };
    if (opts.signal.aborted) return finish();
    opts.signal.addEventListener('abort', finish, { once: true });
    const known = new Set<string>();
    void listWatch<PodObject>({
      kc: opts.kc,
      path: `/api/v1/namespaces/${opts.namespace}/pods`,
      query: { labelSelector: `serving.kserve.io/inferenceservice=${opts.name}` },
      list: opts.listPods,
      onSync: (items) => {
        const first = known.size === 0;
        // After a relist (410 Gone) the deletions in between were never seen as events.
        const present = new Set(items.map((p) => p.metadata.name));
        for (const name of [...known]) {
          if (present.has(name)) continue;
          known.delete(name);
          status(`pod ${name} is gone`);
          dropPod(name);
        }
        for (const pod of items) {
          if (!known.has(pod.metadata.name)) status(`pod ${pod.metadata.name} ${first ? 'found' : 'appeared'}`);
          known.add(pod.metadata.name);
          visit(pod, first);
        }
        if (items.length === 0 && first) status(`no pods of ${opts.name} yet (scaled to zero or starting); waiting for them`);
      },
      onEvent: (type, pod) => {
        if (type === 'DELETED') {
          known.delete(pod.metadata.name);
          status(`pod ${pod.metadata.name} is gone`);
          dropPod(pod.metadata.name);
          return;
        }
        if (!known.has(pod.metadata.name)) status(`pod ${pod.metadata.name} appeared`);
        known.add(pod.metadata.name);
        visit(pod, false);
      },
      onError: (err) => {
        opts.signal.removeEventListener('abort', finish);
        for (const entry of active.values()) entry.abort();
        reject(err);
      },
      signal: opts.signal,
    });
  });
}
