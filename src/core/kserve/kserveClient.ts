/**
 * KServe InferenceServices in a real cluster, over @kubernetes/client-node 1.x: server-side apply,
 * get/list, watch until Ready, status, "why not ready", stop/start, delete, diff, pod logs.
 * Pure Node (no vscode): the extension's commands are thin adapters over this.
 *
 * @kubernetes/client-node 1.x is ESM-only. Static imports work in both places we run: esbuild
 * bundles it into the CommonJS dist/extension.js, and under `node --import tsx` (tests) tsx turns
 * them into require() calls it serves by transpiling the package. A dynamic import() there would
 * load a second, native copy (other classes), so every module here imports it statically and
 * errors are recognised by shape, not instanceof. test/unit/kserveCore.test.ts proves both ways.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { diagnose } from './diagnosis';
import type { Diagnosis } from './diagnosis';
import { readinessVerdict, summarizeInferenceService } from './inferenceServiceStatus';
import type { InferenceServiceSummary, ReadinessVerdict } from './inferenceServiceStatus';
import { KServeError } from './kserveErrors';
import {
  FIELD_MANAGER,
  INFERENCE_SERVICE_PLURAL,
  ISVC_POD_LABEL,
  KSERVE_API_VERSION,
  KSERVE_GROUP,
  KSERVE_VERSION,
  STOP_ANNOTATION,
  STOP_FIELD_MANAGER,
} from './kserveTypes';
import type { EventObject, InferenceServiceManifest, InferenceServiceObject, PodObject } from './kserveTypes';
import { loadKubeConfig, selectContext, withBearerToken } from './kubeConfig';
import type { KubeConfigSource, SelectedContext } from './kubeConfig';
import { listWatch } from './listWatch';
import { diffManifest } from './manifestDiff';
import type { FieldChange } from './manifestDiff';
import { toKServeError } from './kubeApiErrors';
import { followInferenceServiceLogs } from './podLogs';
import type { FollowLogsOptions } from './podLogs';

/** How to reach the cluster. */
export interface ConnectOptions {
  /** kubeconfig context; default: current-context. */
  context?: string;
  /** Namespace; default: the context's, else "default". */
  namespace?: string;
  /** Bearer token to use instead of the context's user (from SecretStorage). */
  token?: string;
  /** Where kubeconfig is looked for (tests point it at their own file). */
  source?: KubeConfigSource;
}

/** One progress report while waiting for Ready. */
export interface WaitProgress {
  verdict: ReadinessVerdict;
  summary: InferenceServiceSummary;
  /** Since waitUntilReady was called. */
  elapsedMs: number;
}

/** How waiting ended (cancellation and timeout throw instead). */
export type WaitResult = { ready: true; summary: InferenceServiceSummary } | { ready: false; reasons: string[]; summary: InferenceServiceSummary };

/** Options of {@link KServeClient.waitUntilReady}. */
export interface WaitOptions {
  namespace?: string;
  /** Called whenever the state or its reason changes. */
  onProgress?(progress: WaitProgress): void;
  /** Cancels the wait (KServeError "cancelled"). */
  signal?: AbortSignal;
  /** Gives up after this long (KServeError "timeout"); default 10 minutes. */
  timeoutMs?: number;
}

/** Options of {@link KServeClient.apply}. */
export interface ApplyOptions {
  /** Take over fields another manager owns (after a "conflict" error the user confirmed). */
  force?: boolean;
  /** Validate and show the result without changing anything. */
  dryRun?: boolean;
}

const DEFAULT_WAIT_MS = 10 * 60_000;
const APPLY_CONTENT_TYPE = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

export class KServeClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  private constructor(private readonly selected: SelectedContext) {
    this.custom = selected.kc.makeApiClient(CustomObjectsApi);
    this.core = selected.kc.makeApiClient(CoreV1Api);
  }

  /** Reads kubeconfig and picks the context; throws KServeError no-kubeconfig / bad-kubeconfig / unknown-context. */
  static connect(opts: ConnectOptions = {}): KServeClient {
    const selected = selectContext(loadKubeConfig(opts.source), opts.context, opts.namespace);
    return new KServeClient(opts.token ? withBearerToken(selected, opts.token) : selected);
  }

  /** Context in use. */
  get context(): string {
    return this.selected.context;
  }
  /** Default namespace of every call. */
  get namespace(): string {
    return this.selected.namespace;
  }
  /** API server URL. */
  get server(): string {
    return this.selected.server;
  }
  /** The client library's configuration (for callers that need another API). */
  get kubeConfig(): KubeConfig {
    return this.selected.kc;
  }

  /**
   * Server-side apply with field manager "modeldeck": creates or updates, removes fields we applied
   * before and no longer do, and leaves fields other managers own alone. A field another manager
   * set differently is a "conflict" KServeError naming it; apply again with `force` to take it.
   */
  async apply(manifest: InferenceServiceManifest, opts: ApplyOptions = {}): Promise<InferenceServiceObject> {
    const namespace = manifest.metadata.namespace ?? this.namespace;
    const body = { ...manifest, metadata: { ...manifest.metadata, namespace } };
    return this.call(`apply InferenceService ${namespace}/${manifest.metadata.name}`, () =>
      this.custom.patchNamespacedCustomObject(
        {
          ...this.isvcRef(namespace),
          name: manifest.metadata.name,
          body,
          fieldManager: FIELD_MANAGER,
          // Unknown fields are errors, not silently dropped: a typo must not vanish.
          fieldValidation: 'Strict',
          ...(opts.force ? { force: true } : {}),
          ...(opts.dryRun ? { dryRun: 'All' } : {}),
        },
        APPLY_CONTENT_TYPE,
      ),
    );
  }

  /** The InferenceService, or undefined when it does not exist. */
  async get(name: string, namespace = this.namespace): Promise<InferenceServiceObject | undefined> {
    try {
      return await this.call(`get InferenceService ${namespace}/${name}`, () => this.custom.getNamespacedCustomObject({ ...this.isvcRef(namespace), name }));
    } catch (err) {
      if (err instanceof KServeError && err.reason === 'not-found' && !err.message.includes('KServe is not installed')) return undefined;
      throw err;
    }
  }

  /** Every InferenceService of the namespace. */
  async list(namespace = this.namespace): Promise<InferenceServiceObject[]> {
    const list = await this.call<{ items: InferenceServiceObject[] }>(`list InferenceServices in ${namespace}`, () =>
      this.custom.listNamespacedCustomObject(this.isvcRef(namespace)),
    );
    return list.items;
  }

  /** The Deployments view's rows: every InferenceService of the namespace with state, URLs, traffic and replicas. */
  async listSummaries(namespace = this.namespace): Promise<InferenceServiceSummary[]> {
    const [services, pods] = await Promise.all([this.list(namespace), this.listPods(namespace, ISVC_POD_LABEL)]);
    return services.map((s) => summarizeInferenceService(s, pods));
  }

  /** One service's row; throws "not-found". */
  async status(name: string, namespace = this.namespace): Promise<InferenceServiceSummary> {
    const [isvc, pods] = await Promise.all([this.require(name, namespace), this.pods(name, namespace)]);
    return summarizeInferenceService(isvc, pods);
  }

  /** Pods of the service (predictor and transformer). */
  pods(name: string, namespace = this.namespace): Promise<PodObject[]> {
    return this.listPods(namespace, `${ISVC_POD_LABEL}=${name}`);
  }

  /** Recent events of the service and of each of its pods. */
  async events(name: string, pods: readonly PodObject[], namespace = this.namespace): Promise<EventObject[]> {
    const objects = [name, ...pods.map((p) => p.metadata.name)];
    const lists = await Promise.all(
      objects.map((object) =>
        this.call(`list events of ${namespace}/${object}`, () => this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${object}` })),
      ),
    );
    return lists.flatMap((l) => plain<EventObject[]>(l.items));
  }

  /** "Why not ready?": conditions, model status, events, pods and containers, and findings. */
  async diagnose(name: string, namespace = this.namespace): Promise<Diagnosis> {
    const [isvc, pods] = await Promise.all([this.require(name, namespace), this.pods(name, namespace)]);
    return diagnose(isvc, pods, await this.events(name, pods, namespace));
  }

  /** What applying `manifest` would change in the fields ModelDeck manages ([] when nothing). */
  async diff(manifest: InferenceServiceManifest): Promise<FieldChange[]> {
    const live = await this.get(manifest.metadata.name, manifest.metadata.namespace ?? this.namespace);
    return diffManifest(manifest, live);
  }

  /** Stops serving (KServe removes the pods) but keeps the service: the stop annotation set to "true". */
  stop(name: string, namespace = this.namespace): Promise<InferenceServiceObject> {
    return this.setStop(name, namespace, true);
  }

  /** Serves again after {@link stop}. */
  start(name: string, namespace = this.namespace): Promise<InferenceServiceObject> {
    return this.setStop(name, namespace, false);
  }

  /** Deletes the service; false when it was already gone. */
  async delete(name: string, namespace = this.namespace): Promise<boolean> {
    try {
      await this.call(`delete InferenceService ${namespace}/${name}`, () => this.custom.deleteNamespacedCustomObject({ ...this.isvcRef(namespace), name }));
      return true;
    } catch (err) {
      if (err instanceof KServeError && err.reason === 'not-found') return false;
      throw err;
    }
  }

  /**
   * Watches (never polls) the service and its pods until Ready=True for the current generation, or
   * a failure that waiting will not fix (model load failure, image pull back-off, crash loop, …).
   */
  waitUntilReady(name: string, opts: WaitOptions = {}): Promise<WaitResult> {
    const namespace = opts.namespace ?? this.namespace;
    const started = Date.now();
    const stop = new AbortController();
    let isvc: InferenceServiceObject | undefined;
    const pods = new Map<string, PodObject>();
    let lastReported = '';

    return new Promise<WaitResult>((resolve, reject) => {
      const settle = (outcome: { result: WaitResult } | { error: Error }): void => {
        if (stop.signal.aborted) return;
        stop.abort();
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onCancel);
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      const onCancel = (): void => settle({ error: new KServeError('cancelled', `stopped waiting for ${namespace}/${name}`) });
      if (opts.signal?.aborted) return onCancel();
      opts.signal?.addEventListener('abort', onCancel, { once: true });
      const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
      const timer = setTimeout(() => {
        const why = isvc ? (summarizeInferenceService(isvc, [...pods.values()]).reason ?? 'not Ready') : 'it was never seen';
        settle({ error: new KServeError('timeout', `${namespace}/${name} is not Ready after ${Math.round(timeoutMs / 1000)} s: ${why}`) });
      }, timeoutMs);

      const evaluate = (): void => {
        if (!isvc) return;
        const podList = [...pods.values()];
        const verdict = readinessVerdict(isvc, podList);
        const summary = summarizeInferenceService(isvc, podList);
        const key = JSON.stringify([verdict, summary.replicas, summary.url]);
        if (key !== lastReported) {
          lastReported = key;
          opts.onProgress?.({ verdict, summary, elapsedMs: Date.now() - started });
        }
        if (verdict.kind === 'ready') settle({ result: { ready: true, summary } });
        else if (verdict.kind === 'failed') settle({ result: { ready: false, reasons: verdict.reasons, summary } });
      };
      const gaveUp = (what: string) => (err: Error): void => settle({ error: toKServeError(err, `watch ${what} of ${namespace}/${name}`, this.server) });

      void listWatch<InferenceServiceObject>({
        kc: this.selected.kc,
        path: `/apis/${KSERVE_GROUP}/${KSERVE_VERSION}/namespaces/${namespace}/${INFERENCE_SERVICE_PLURAL}`,
        query: { fieldSelector: `metadata.name=${name}` },
        list: async () => {
          const list = await this.call<{ items: InferenceServiceObject[]; metadata: { resourceVersion: string } }>(`list InferenceService ${namespace}/${name}`, () =>
            this.custom.listNamespacedCustomObject({ ...this.isvcRef(namespace), fieldSelector: `metadata.name=${name}` }),
          );
          return { items: list.items, resourceVersion: list.metadata.resourceVersion };
        },
        onSync: (items) => {
          isvc = items[0];
          if (!isvc) return settle({ error: new KServeError('not-found', `InferenceService ${namespace}/${name} does not exist (apply it first)`) });
          evaluate();
        },
        onEvent: (type, obj) => {
          if (type === 'DELETED') return settle({ result: { ready: false, reasons: ['it was deleted'], summary: summarizeInferenceService(obj, []) } });
          isvc = obj;
          evaluate();
        },
        onError: gaveUp('the InferenceService'),
        signal: stop.signal,
      });
      void listWatch<PodObject>({
        kc: this.selected.kc,
        path: `/api/v1/namespaces/${namespace}/pods`,
        query: { labelSelector: `${ISVC_POD_LABEL}=${name}` },
        list: async () => {
          const list = await this.call(`list pods of ${namespace}/${name}`, () => this.core.listNamespacedPod({ namespace, labelSelector: `${ISVC_POD_LABEL}=${name}` }));
          return { items: plain<PodObject[]>(list.items), resourceVersion: list.metadata?.resourceVersion ?? '' };
        },
        onSync: (items) => {
          pods.clear();
          for (const p of items) pods.set(p.metadata.name, p);
          evaluate();
        },
        onEvent: (type, pod) => {
          if (type === 'DELETED') pods.delete(pod.metadata.name);
          else pods.set(pod.metadata.name, pod);
          evaluate();
        },
        onError: gaveUp('the pods'),
        signal: stop.signal,
      });
    });
  }

  /**
   * Follows the logs of every container of every pod of the service, new pods included, until
   * `signal` aborts. See {@link followInferenceServiceLogs}.
   */
  followLogs(name: string, opts: Omit<FollowLogsOptions, 'kc' | 'namespace' | 'name' | 'listPods'> & { namespace?: string }): Promise<void> {
    const namespace = opts.namespace ?? this.namespace;
    return followInferenceServiceLogs({
      ...opts,
      kc: this.selected.kc,
      namespace,
      name,
      listPods: async () => {
        const list = await this.call(`list pods of ${namespace}/${name}`, () => this.core.listNamespacedPod({ namespace, labelSelector: `${ISVC_POD_LABEL}=${name}` }));
        return { items: plain<PodObject[]>(list.items), resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
    });
  }

  private async setStop(name: string, namespace: string, stopped: boolean): Promise<InferenceServiceObject> {
    // Apply would create a half-empty service when there is none; say "not found" instead.
    await this.require(name, namespace);
    const body = { apiVersion: KSERVE_API_VERSION, kind: 'InferenceService', metadata: { name, namespace, annotations: { [STOP_ANNOTATION]: String(stopped) } } };
    return this.call(`${stopped ? 'stop' : 'start'} InferenceService ${namespace}/${name}`, () =>
      // Its own field manager, forced: the annotation is ours to flip whoever set it last
      // (kubectl annotate, the KServe UI), and re-applying the deployment leaves it alone.
      this.custom.patchNamespacedCustomObject({ ...this.isvcRef(namespace), name, body, fieldManager: STOP_FIELD_MANAGER, force: true }, APPLY_CONTENT_TYPE),
    );
  }

  private async require(name: string, namespace: string): Promise<InferenceServiceObject> {
    const isvc = await this.get(name, namespace);
    if (!isvc) throw new KServeError('not-found', `InferenceService ${namespace}/${name} does not exist (context ${this.context})`, { statusCode: 404 });
    return isvc;
  }

  private async listPods(namespace: string, labelSelector: string): Promise<PodObject[]> {
    const list = await this.call(`list pods in ${namespace}`, () => this.core.listNamespacedPod({ namespace, labelSelector }));
    return plain<PodObject[]>(list.items);
  }

  private isvcRef(namespace: string): { group: string; version: string; namespace: string; plural: string } {
    return { group: KSERVE_GROUP, version: KSERVE_VERSION, namespace, plural: INFERENCE_SERVICE_PLURAL };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toKServeError(err, what, this.server, this.context);
    }
  }
}

// The typed core/v1 models carry Date objects; the rest of our code (and the watch stream) sees
// the JSON form, so everything is brought to that one shape.
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
