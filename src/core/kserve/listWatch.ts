/**
 * List, then watch from the list's resourceVersion, the way informers do: no polling, no missed
 * events. The API server ends watches on its own schedule (timeoutSeconds, restarts, proxies), so
 * a closed stream is resumed from the last resourceVersion seen; "410 Gone" (that version is too
 * old) means list again. Errors are retried with backoff; only a run of failures with no progress
 * in between is reported.
 */
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

/** Watch event types the API server sends (BOOKMARK only moves the resourceVersion). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What to list and watch, and who hears about it. */
export interface ListWatchOptions<T> {
  kc: KubeConfig;
  /** Collection path, e.g. /api/v1/namespaces/ml-team/pods. */
  path: string;
  /** Selectors for the watch request; `list` must use the same ones. */
  query: Record<string, string>;
  /** Current items and the list's resourceVersion. */
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /** After every (re)list: the whole current set. */
  onSync(items: T[]): void;
  /** Each change after that. */
  onEvent(type: WatchEventType, obj: T): void;
  /** Gave up (after `maxFailures` failed attempts in a row). */
  onError(err: Error): void;
  /** Stops everything. */
  signal: AbortSignal;
  /** Consecutive failed attempts before onError (default 6). */
  maxFailures?: number;
}

/** Starts the loop; it ends when `signal` aborts or after onError. */
export function listWatch<T extends { metadata?: { resourceVersion?: string } }>(opts: ListWatchOptions<T>): Promise<void> {
  const watch = new Watch(opts.kc);
  const maxFailures = opts.maxFailures ?? 6;
  let failures = 0;
  let controller: AbortController | undefined;
  const onAbort = (): void => controller?.abort();
  opts.signal.addEventListener('abort', onAbort, { once: true });

  const watchOnce = (resourceVersion: string): Promise<{ outcome: 'closed' | 'gone' | 'error'; resourceVersion: string; events: number; error?: Error }> =>
    new Promise((resolve) => {
      let rv = resourceVersion;
      let events = 0;
      let gone = false;
      let settled = false;
      const finish = (outcome: 'closed' | 'gone' | 'error', error?: Error): void => {
        if (settled) return;
        settled = true;
        resolve({ outcome, resourceVersion: rv, events, ...(error ? { error } : {}) });
      };
      watch
        .watch(
          opts.path,
          { ...opts.query, resourceVersion: rv, allowWatchBookmarks: true },
          (type: string, obj: T & { code?: number; message?: string }) => {
            if (type === 'ERROR') {
              // The server says the version is gone (410) or something else is wrong; either way
              // this stream is over.
              gone = obj.code === 410;
              controller?.abort();
              finish(gone ? 'gone' : 'error', gone ? undefined : new Error(`watch ${opts.path}: ${obj.message ?? JSON.stringify(obj)}`));
              return;
            }
            rv = obj.metadata?.resourceVersion ?? rv;
            events++;
            failures = 0; // a live event is progress
            if (type === 'BOOKMARK') return;
            opts.onEvent(type as WatchEventType, obj);
          },
          (err: unknown) => {
            if (opts.signal.aborted) return finish('closed');
            if (err && !(err instanceof Error && err.name === 'AbortError')) finish('error', asError(err));
            else finish('closed');
          },
        )
        .then((c) => {
          controller = c;
          if (opts.signal.aborted) c.abort();
        })
        .catch((err: unknown) => finish('error', asError(err)));
    });

  const run = async (): Promise<void> => {
    let resourceVersion: string | undefined;
    while (!opts.signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const listed = await opts.list();
          if (opts.signal.aborted) return;
          resourceVersion = listed.resourceVersion;
          opts.onSync(listed.items);
        }
        const result = await watchOnce(resourceVersion);
        if (opts.signal.aborted) return;
        if (result.outcome === 'gone') {
          resourceVersion = undefined;
          continue;
        }
        resourceVersion = result.resourceVersion;
        if (result.outcome === 'error') throw result.error;
        // A stream the server closes at once, again and again, must not become a busy loop.
        if (result.events === 0) await sleep(200, opts.signal);
      } catch (err) {
        if (opts.signal.aborted) return;
        failures++;
        if (failures >= maxFailures) {
          opts.onError(asError(err));
          return;
        }
        // A list that failed must be redone; a watch that failed resumes from where it was.
        await sleep(Math.min(5000, 250 * 2 ** (failures - 1)), opts.signal);
      }
    }
  };
  return run().finally(() => opts.signal.removeEventListener('abort', onAbort));
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
