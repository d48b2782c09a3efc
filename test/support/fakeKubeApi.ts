/**
 * A test double of the Kubernetes API server with KServe installed, on 127.0.0.1 (port 0), that the
 * real @kubernetes/client-node talks to over HTTP through a kubeconfig file the test writes.
 *
 * What it implements (only what ModelDeck uses):
 * - InferenceServices (serving.kserve.io/v1beta1): server-side apply (PATCH
 *   application/apply-patch+yaml; fieldManager required; conflicts → 409 unless force; fields a
 *   manager stops applying are removed; metadata.managedFields in FieldsV1; dryRun=All), GET, LIST,
 *   WATCH, DELETE. Applied objects are validated against the real CRD schema in test/specs:
 *   unknown fields → 400 with fieldValidation=Strict (pruned with a Warning header otherwise), other
 *   schema violations → 422 Invalid with causes, like the API server; a name that is not a DNS-1035
 *   label → 403 from "KServe's admission webhook".
 * - Pods: LIST and WATCH (labelSelector), log (`?container=&follow=&tailLines=`) streamed while the
 *   container runs, ending when it stops or the pod goes.
 *   With `claims`: POST and DELETE too, and exec over WebSocket (fakePodExec.ts says what that covers).
 * - Events: LIST with fieldSelector involvedObject.name/kind.
 * - Watches: chunked JSON lines; `resourceVersion` resumes after that version from a bounded
 *   history (older → an ERROR event with 410 Gone, as the API server does after compaction), no
 *   resourceVersion → ADDED for what exists, then changes; BOOKMARKs when asked; every watch is
 *   closed by the server after `watchTimeoutMs` (real servers close them too) so clients must resume.
 * - Bearer-token authentication (401 without it).
 * - The KServe controller and the ingress gateway: see fakeKserveController.ts.
 *
 * What it does not model: TLS (the kubeconfig says insecure-skip-tls-verify because the client
 * library refuses plain http otherwise), RBAC, namespaces as objects (a fixed list exists), other
 * resources and API groups, discovery, finalizers (DELETE is immediate), strategic/JSON/merge
 * patches (415), list-map merging in apply (lists are owned and replaced whole), KServe's
 * defaulting webhook (no defaults are filled in), pagination (`limit`/`continue`), set-based label
 * selectors (`in`, `notin`), Knative objects (revisions, routes), and real containers: pods are
 * records whose states and log lines the simulated controller writes.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { inferenceServiceProblems } from './kserveCrd';
import { KServeControllerSim } from './fakeKserveController';
import type { ControllerTimings } from './fakeKserveController';
import { attachExec, createPod } from './fakePodExec';
import { deepEqual, managedFieldsOf, recordUpdate, serverSideApply, showPath } from './fakeServerSideApply';
import type { Ownership } from './fakeServerSideApply';

/** Options of {@link FakeKubeApi.start}. */
export interface FakeKubeOptions {
  /** Base URL of the ModelDeck server that plays every predictor's kserve-container. */
  modelServerUrl: string;
  /** That server's gRPC address (host:port): the ingress routes gRPC (h2c) there by :authority. */
  modelServerGrpc?: string;
  /** Namespaces that exist (default: default, ml-team). */
  namespaces?: string[];
  /** Bearer token the kubeconfig carries (default: a random one). */
  token?: string;
  /** The server closes every watch after this long (default 1500 ms). */
  watchTimeoutMs?: number;
  /** Events kept for watch resumption (default 500); older resourceVersions get 410 Gone. */
  historySize?: number;
  /** Ingress domain of status.url (default example.com: http://<name>.<namespace>.example.com). */
  domain?: string;
  /** Controller timings (all small by default). */
  timings?: Partial<ControllerTimings>;
  /**
   * PersistentVolumeClaims that exist, by name → the host folder standing for its volume. With it,
   * pods can be created and deleted and exec'd into (fakePodExec.ts, which lists what that covers).
   */
  claims?: Record<string, string>;
  /**
   * KServe's Hugging Face runtime, played by the ModelDeck server with this LLM predictor script
   * (absolute path; a stand-in model answering the same /openai/v1 routes): what an InferenceService
   * with modelFormat "huggingface" loads.
   */
  llmPredictor?: { script: string; environment?: string };
}

/** One request as the fake received it (tests assert on how the client talked to it). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
}

type Obj = Record<string, any>;
type Kind = 'inferenceservices' | 'pods';

interface Watcher {
  kind: Kind;
  namespace: string;
  matches(obj: Obj): boolean;
  res: http.ServerResponse;
  bookmarks: boolean;
}

interface LogFollower {
  res: http.ServerResponse;
  instance: number;
}

const ISVC_PREFIX = /^\/apis\/serving\.kserve\.io\/v1beta1\/namespaces\/([^/]+)\/inferenceservices(?:\/([^/]+))?$/;
const PODS_PREFIX = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(\/log)?)?$/;
const EVENTS_PREFIX = /^\/api\/v1\/namespaces\/([^/]+)\/events$/;

export class FakeKubeApi {
  /** Every request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** The simulated KServe controller and ingress gateway. */
  readonly controller: KServeControllerSim;
  readonly token: string;
  /** False: the cluster has no KServe (the InferenceService API answers 404, as without the CRD). */
  kserveInstalled = true;

  private server!: http.Server;
  private rv = 0;
  private readonly isvcs = new Map<string, { obj: Obj; ownership: Ownership }>();
  private readonly pods = new Map<string, Obj>();
  private readonly logs = new Map<string, string[][]>(); // ns/pod/container → lines per container instance
  private readonly followers = new Map<string, Set<LogFollower>>();
  private readonly events = new Map<string, Obj>();
  private readonly history: { kind: Kind; type: string; obj: Obj; rv: number }[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly namespaces: Set<string>;
  // Newest resourceVersion whose history was dropped: resuming a watch from before it is 410 Gone.
  private compactedRv = 0;
  // While set, watch requests wait here (an API server that is restarting).
  private watchGate: { promise: Promise<void>; open(): void } | undefined;

  private constructor(private readonly opts: FakeKubeOptions) {
    this.token = opts.token ?? `fake-${randomUUID()}`;
    this.namespaces = new Set(opts.namespaces ?? ['default', 'ml-team']);
    this.controller = new KServeControllerSim(this, { modelServerUrl: opts.modelServerUrl, ...(opts.modelServerGrpc ? { modelServerGrpc: opts.modelServerGrpc } : {}), ...(opts.llmPredictor ? { llmPredictor: opts.llmPredictor } : {}), domain: opts.domain ?? 'example.com', timings: opts.timings ?? {} });
  }

  /** Starts the API server and the ingress gateway on 127.0.0.1, ports 0. */
  static async start(opts: FakeKubeOptions): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(opts);
    api.server = http.createServer((req, res) => {
      api.handle(req, res).catch((err: unknown) => api.status(res, 500, 'InternalError', String((err as Error)?.stack ?? err)));
    });
    if (opts.claims) attachExec(api, api.server, opts.claims);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    await api.controller.start();
    return api;
  }

  /** The API server URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The ingress gateway URL (where status.url's host is served, by Host header). */
  get ingressUrl(): string {
    return this.controller.ingressUrl;
  }

  /** Writes a kubeconfig for this server into `dir` and returns its path. */
  writeKubeconfig(dir: string, opts: { context?: string; namespace?: string; token?: string; file?: string } = {}): string {
    const context = opts.context ?? 'fake-kserve';
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      // Plain http: @kubernetes/client-node only allows it with insecure-skip-tls-verify.
      clusters: [{ name: 'fake-cluster', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake-user', user: { token: opts.token ?? this.token } }],
      contexts: [{ name: context, context: { cluster: 'fake-cluster', user: 'fake-user', ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
      'current-context': context,
    };
    const file = path.join(dir, opts.file ?? 'kubeconfig');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, stringifyYaml(config));
    return file;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    for (const set of this.followers.values()) for (const f of set) f.res.end();
    await this.controller.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Store: what the controller and the tests use.
  // ---------------------------------------------------------------------------------------------

  /**
   * Ends every watch and holds new ones until {@link resumeWatches}, like an API server restart:
   * whatever happens meanwhile reaches clients only through a resumed watch or a new list.
   */
  pauseWatches(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.watchGate = { promise, open };
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Lets held and new watch requests through again. */
  resumeWatches(): void {
    this.watchGate?.open();
    this.watchGate = undefined;
  }

  /** Drops the watch history, as etcd compaction does: watches resumed from before now get 410 Gone. */
  compactHistory(): void {
    // As if other writes happened and were compacted away: every resume point is now too old.
    this.compactedRv = ++this.rv;
    this.history.length = 0;
  }

  /** A copy of the stored InferenceService (with managedFields), or undefined. */
  getIsvc(namespace: string, name: string): Obj | undefined {
    const stored = this.isvcs.get(`${namespace}/${name}`);
    return stored ? this.render(stored) : undefined;
  }

  /** Replaces status (the controller's status subresource write). */
  setIsvcStatus(namespace: string, name: string, status: Obj): void {
    const stored = this.isvcs.get(`${namespace}/${name}`);
    if (!stored) return;
    if (deepEqual(stored.obj.status, status)) return;
    stored.obj.status = structuredClone(status);
    this.bump(stored.obj);
    this.emit('inferenceservices', 'MODIFIED', this.render(stored));
  }

  /**
   * Another tool's plain update (kubectl edit, kubectl annotate): `mutate` changes a copy, the
   * changed fields become `manager`'s (operation Update).
   */
  editAs(manager: string, namespace: string, name: string, mutate: (obj: Obj) => void): void {
    const stored = this.isvcs.get(`${namespace}/${name}`);
    if (!stored) throw new Error(`no InferenceService ${namespace}/${name}`);
    const before = structuredClone(stored.obj);
    mutate(stored.obj);
    stored.ownership = recordUpdate(before, stored.obj, stored.ownership, manager, now());
    if (!deepEqual(before.spec, stored.obj.spec)) stored.obj.metadata.generation++;
    this.bump(stored.obj);
    this.emit('inferenceservices', 'MODIFIED', this.render(stored));
    this.controller.changed(namespace, name, before);
  }

  /** Pods of an InferenceService (copies). */
  podsOf(namespace: string, isvc: string): Obj[] {
    return [...this.pods.values()].filter((p) => p.metadata.namespace === namespace && p.metadata.labels?.['serving.kserve.io/inferenceservice'] === isvc).map((p) => structuredClone(p));
  }

  /** A copy of one pod. */
  getPod(namespace: string, name: string): Obj | undefined {
    const pod = this.pods.get(`${namespace}/${name}`);
    return pod ? structuredClone(pod) : undefined;
  }

  /** Creates or replaces a pod (a new container instance starts an empty log). */
  putPod(pod: Obj): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const existed = this.pods.has(key);
    const copy = structuredClone(pod);
    if (!existed) {
      copy.metadata.uid = randomUUID();
      copy.metadata.creationTimestamp = now();
    }
    this.bump(copy);
    const previous = this.pods.get(key);
    this.pods.set(key, copy);
    this.syncLogInstances(copy, previous);
    this.emit('pods', existed ? 'MODIFIED' : 'ADDED', copy);
  }

  /** Deletes a pod: its log streams end. */
  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod) return;
    this.pods.delete(key);
    for (const [k, set] of this.followers) {
      if (!k.startsWith(`${key}/`)) continue;
      for (const f of set) f.res.end();
      this.followers.delete(k);
    }
    this.bump(pod);
    this.emit('pods', 'DELETED', pod);
  }

  /** Every line a container has logged, over all its instances (tests read it). */
  logOf(namespace: string, pod: string, container: string): string[] {
    return (this.logs.get(`${namespace}/${pod}/${container}`) ?? []).flat();
  }

  /** Appends a line to the current instance of a container's log (and to every follower). */
  appendLog(namespace: string, pod: string, container: string, line: string): void {
    const key = `${namespace}/${pod}/${container}`;
    const instances = this.logs.get(key);
    if (!instances || instances.length === 0) return;
    instances[instances.length - 1]!.push(line);
    for (const f of this.followers.get(key) ?? []) if (f.instance === instances.length - 1) f.res.write(`${line}\n`);
  }

  /** Records a core/v1 Event (repeats bump count and lastTimestamp, as the kubelet's do). */
  recordEvent(namespace: string, involved: { kind: string; name: string; uid?: string; fieldPath?: string }, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const key = `${namespace}/${involved.kind}/${involved.name}/${reason}/${message}`;
    const existing = this.events.get(key);
    if (existing) {
      existing.count++;
      existing.lastTimestamp = now();
      existing.metadata.resourceVersion = String(++this.rv);
      return;
    }
    this.events.set(key, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.name}.${randomUUID().slice(0, 8)}`, namespace, resourceVersion: String(++this.rv), creationTimestamp: now() },
      involvedObject: { apiVersion: involved.kind === 'Pod' ? 'v1' : 'serving.kserve.io/v1beta1', ...involved, namespace },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
      source: { component },
      reportingComponent: component,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP.
  // ---------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}) });
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    const body = await readBody(req);
    if (query.watch === 'true' && this.watchGate) await this.watchGate.promise;

    let m = ISVC_PREFIX.exec(url.pathname);
    if (m && !this.kserveInstalled) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (m) {
      const [, namespace, name] = m as unknown as [string, string, string | undefined];
      if (!this.namespaces.has(namespace)) return this.status(res, 404, 'NotFound', `namespaces "${namespace}" not found`);
      if (!name && req.method === 'GET') return query.watch === 'true' ? this.watch(res, 'inferenceservices', namespace, query) : this.listIsvcs(res, namespace, query);
      if (name && req.method === 'GET') return this.getIsvcRoute(res, namespace, name);
      if (name && req.method === 'PATCH') return this.apply(res, namespace, name, query, req.headers['content-type'], body);
      if (name && req.method === 'DELETE') return this.deleteIsvc(res, namespace, name);
      return this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported on ${url.pathname}`);
    }
    m = PODS_PREFIX.exec(url.pathname);
    if (m && this.opts.claims && !m[3] && (req.method === 'POST' || req.method === 'DELETE')) {
      const [, namespace, pod] = m as unknown as [string, string, string | undefined];
      if (!this.namespaces.has(namespace)) return this.status(res, 404, 'NotFound', `namespaces "${namespace}" not found`);
      if (req.method === 'POST' && !pod) {
        const created = createPod(this, namespace, JSON.parse(body || '{}'), this.opts.claims);
        return this.json(res, created.code, created.obj);
      }
      if (req.method === 'DELETE' && pod) {
        const found = this.getPod(namespace, pod);
        if (!found) return this.status(res, 404, 'NotFound', `pods "${pod}" not found`);
        this.deletePod(namespace, pod);
        return this.json(res, 200, found);
      }
    }
    if (m && req.method === 'GET') {
      const [, namespace, pod, log] = m as unknown as [string, string, string | undefined, string | undefined];
      if (!this.namespaces.has(namespace)) return this.status(res, 404, 'NotFound', `namespaces "${namespace}" not found`);
      if (pod && log) return this.podLog(req, res, namespace, pod, query);
      if (!pod) return query.watch === 'true' ? this.watch(res, 'pods', namespace, query) : this.listPods(res, namespace, query);
      const found = this.pods.get(`${namespace}/${pod}`);
      return found ? this.json(res, 200, found) : this.status(res, 404, 'NotFound', `pods "${pod}" not found`);
    }
    m = EVENTS_PREFIX.exec(url.pathname);
    if (m && req.method === 'GET') return this.listEvents(res, m[1]!, query);
    return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
  }

  private listIsvcs(res: http.ServerResponse, namespace: string, query: Record<string, string>): void {
    const match = this.selector('inferenceservices', query, res);
    if (!match) return;
    const items = [...this.isvcs.values()].map((s) => this.render(s)).filter((o) => o.metadata.namespace === namespace && match(o));
    this.json(res, 200, { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceServiceList', metadata: { resourceVersion: String(this.rv) }, items });
  }

  private getIsvcRoute(res: http.ServerResponse, namespace: string, name: string): void {
    const obj = this.getIsvc(namespace, name);
    if (!obj) return this.status(res, 404, 'NotFound', `inferenceservices.serving.kserve.io "${name}" not found`, { name, group: 'serving.kserve.io', kind: 'inferenceservices' });
    this.json(res, 200, obj);
  }

  private listPods(res: http.ServerResponse, namespace: string, query: Record<string, string>): void {
    const match = this.selector('pods', query, res);
    if (!match) return;
    const items = [...this.pods.values()].filter((p) => p.metadata.namespace === namespace && match(p));
    this.json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.rv) }, items });
  }

  private listEvents(res: http.ServerResponse, namespace: string, query: Record<string, string>): void {
    const match = this.selector('events', query, res);
    if (!match) return;
    const items = [...this.events.values()].filter((e) => e.metadata.namespace === namespace && match(e));
    this.json(res, 200, { apiVersion: 'v1', kind: 'EventList', metadata: { resourceVersion: String(this.rv) }, items });
  }

  private apply(res: http.ServerResponse, namespace: string, name: string, query: Record<string, string>, contentType: string | undefined, body: string): void {
    if (!contentType?.startsWith('application/apply-patch+yaml')) {
      return this.status(res, 415, 'UnsupportedMediaType', `the fake API only supports server-side apply (application/apply-patch+yaml), got ${contentType ?? 'no content type'}`);
    }
    const manager = query.fieldManager;
    if (!manager) return this.status(res, 400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    let applied: Obj;
    try {
      applied = parseYaml(body) as Obj;
    } catch (err) {
      return this.status(res, 400, 'BadRequest', `error decoding YAML: ${(err as Error).message}`);
    }
    if (!applied || typeof applied !== 'object') return this.status(res, 400, 'BadRequest', 'the body is not an object');
    if (applied.apiVersion !== 'serving.kserve.io/v1beta1' || applied.kind !== 'InferenceService') {
      return this.status(res, 400, 'BadRequest', `the API version in the data (${applied.apiVersion}) / kind (${applied.kind}) does not match the expected serving.kserve.io/v1beta1 InferenceService`);
    }
    if (applied.metadata?.name !== name) return this.status(res, 400, 'BadRequest', `the name of the object (${applied.metadata?.name}) does not match the name on the URL (${name})`);
    if (applied.metadata.namespace !== undefined && applied.metadata.namespace !== namespace) {
      return this.status(res, 400, 'BadRequest', `the namespace of the object (${applied.metadata.namespace}) does not match the namespace on the request (${namespace})`);
    }
    const key = `${namespace}/${name}`;
    const stored = this.isvcs.get(key);
    if (!stored && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
      return this.status(res, 403, 'Forbidden', `admission webhook "inferenceservice.kserve-webhook-server.validator" denied the request: The InferenceService "${name}" is invalid: a InferenceService name must consist of lower case alphanumeric characters or '-', and must start with alphabetical character. (e.g. "my-name" or "abc-123", regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`);
    }

    // Unknown fields: Strict refuses them, otherwise they are pruned with a warning.
    const unknown = inferenceServiceProblems(applied).filter((p) => p.kind === 'unknown-field');
    const warnings: string[] = [];
    if (unknown.length > 0) {
      if (query.fieldValidation === 'Strict') {
        return this.status(res, 400, 'BadRequest', `failed to create typed patch object (${namespace}/${name}; serving.kserve.io/v1beta1, Kind=InferenceService): ${unknown.map((p) => `.${p.field}: field not declared in schema`).join(', ')}`);
      }
      for (const p of unknown) {
        removeField(applied, p.field);
        warnings.push(`unknown field "${p.field}"`);
      }
    }
    const result = serverSideApply(stored?.obj, applied, stored?.ownership ?? new Map(), manager, query.force === 'true', now());
    if ('conflicts' in result) {
      const causes = result.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using serving.kserve.io/v1beta1`, field: showPath(c.path) }));
      const message = `Apply failed with ${causes.length} conflict${causes.length === 1 ? '' : 's'}: ${causes.map((c) => `${c.message}: ${c.field}`).join('; ')}`;
      return this.status(res, 409, 'Conflict', message, { name, group: 'serving.kserve.io', kind: 'inferenceservices', causes });
    }
    const next = result.object;
    const invalid = inferenceServiceProblems({ ...next, status: undefined }).filter((p) => p.kind === 'invalid');
    if (invalid.length > 0) {
      const causes = invalid.map((p) => ({ reason: 'FieldValueInvalid', message: `Invalid value: ${p.message}`, field: p.field }));
      return this.status(res, 422, 'Invalid', `InferenceService.serving.kserve.io "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, { name, group: 'serving.kserve.io', kind: 'InferenceService', causes });
    }
    const meta = next.metadata as Obj;
    meta.namespace = namespace;
    if (!stored) {
      meta.uid = randomUUID();
      meta.creationTimestamp = now();
      meta.generation = 1;
    } else if (!deepEqual(stored.obj.spec, next.spec)) {
      meta.generation = (stored.obj.metadata.generation ?? 1) + 1;
    }
    if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - "${w}"`).join(', '));
    const candidate = { obj: next, ownership: result.ownership };
    if (query.dryRun === 'All') return this.json(res, stored ? 200 : 201, this.render(candidate));
    const unchanged = stored && deepEqual(stored.obj, next) && deepEqual(managedFieldsOf(stored.ownership, '').map(stripTime), managedFieldsOf(result.ownership, '').map(stripTime));
    if (unchanged) return this.json(res, 200, this.render(stored));
    const before = stored ? structuredClone(stored.obj) : undefined;
    this.bump(next);
    this.isvcs.set(key, candidate);
    this.emit('inferenceservices', stored ? 'MODIFIED' : 'ADDED', this.render(candidate));
    this.json(res, stored ? 200 : 201, this.render(candidate));
    this.controller.changed(namespace, name, before);
  }

  private deleteIsvc(res: http.ServerResponse, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const stored = this.isvcs.get(key);
    if (!stored) return this.status(res, 404, 'NotFound', `inferenceservices.serving.kserve.io "${name}" not found`, { name, group: 'serving.kserve.io', kind: 'inferenceservices' });
    this.isvcs.delete(key);
    this.bump(stored.obj);
    this.emit('inferenceservices', 'DELETED', this.render(stored));
    this.json(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: 'serving.kserve.io', kind: 'inferenceservices', uid: stored.obj.metadata.uid } });
    this.controller.deleted(namespace, name);
  }

  private watch(res: http.ServerResponse, kind: Kind, namespace: string, query: Record<string, string>): void {
    const match = this.selector(kind, query, res);
    if (!match) return;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const send = (type: string, obj: Obj): void => void res.write(`${JSON.stringify({ type, object: obj })}\n`);
    const from = query.resourceVersion;
    if (from === undefined || from === '' || from === '0') {
      const current = kind === 'pods' ? [...this.pods.values()] : [...this.isvcs.values()].map((s) => this.render(s));
      for (const obj of current) if (obj.metadata.namespace === namespace && match(obj)) send('ADDED', obj);
    } else {
      const rv = Number(from);
      if (!Number.isInteger(rv) || rv < this.compactedRv) {
        send('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${this.compactedRv})`, reason: 'Expired', code: 410 });
        return void res.end();
      }
      for (const h of this.history) if (h.rv > rv && h.kind === kind && h.obj.metadata.namespace === namespace && match(h.obj)) send(h.type, h.obj);
    }
    const watcher: Watcher = { kind, namespace, matches: match, res, bookmarks: query.allowWatchBookmarks === 'true' };
    this.watchers.add(watcher);
    const limitMs = Math.min(this.opts.watchTimeoutMs ?? 1500, query.timeoutSeconds ? Number(query.timeoutSeconds) * 1000 : Infinity);
    const timer = setTimeout(() => {
      if (watcher.bookmarks) send('BOOKMARK', { kind: kind === 'pods' ? 'Pod' : 'InferenceService', apiVersion: kind === 'pods' ? 'v1' : 'serving.kserve.io/v1beta1', metadata: { resourceVersion: String(this.rv) } });
      res.end();
    }, limitMs);
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }

  private podLog(req: http.IncomingMessage, res: http.ServerResponse, namespace: string, podName: string, query: Record<string, string>): void {
    const pod = this.pods.get(`${namespace}/${podName}`);
    if (!pod) return this.status(res, 404, 'NotFound', `pods "${podName}" not found`);
    const container = query.container;
    const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: Obj) => c.name as string);
    if (!container) {
      if (all.length !== 1) return this.status(res, 400, 'BadRequest', `a container name must be specified for pod ${podName}, choose one of: [${all.join(' ')}]`);
    } else if (!all.includes(container)) {
      return this.status(res, 400, 'BadRequest', `container ${container} is not valid for pod ${podName}`);
    }
    const name = container ?? all[0]!;
    const statuses: Obj[] = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
    const cs = statuses.find((s) => s.name === name);
    const instances = this.logs.get(`${namespace}/${podName}/${name}`) ?? [];
    if (!cs || instances.length === 0) {
      const reason = cs?.state?.waiting?.reason ?? 'PodInitializing';
      return this.status(res, 400, 'BadRequest', `container "${name}" in pod "${podName}" is waiting to start: ${reason}`);
    }
    const instance = query.previous === 'true' ? instances.length - 2 : instances.length - 1;
    if (instance < 0) return this.status(res, 400, 'BadRequest', `previous terminated container "${name}" in pod "${podName}" not found`);
    let lines = instances[instance]!;
    if (query.tailLines) lines = lines.slice(-Number(query.tailLines));
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    for (const line of lines) res.write(`${line}\n`);
    const running = cs.state?.running !== undefined && query.previous !== 'true';
    if (query.follow !== 'true' || !running) return void res.end();
    const key = `${namespace}/${podName}/${name}`;
    const follower: LogFollower = { res, instance };
    const set = this.followers.get(key) ?? new Set();
    set.add(follower);
    this.followers.set(key, set);
    req.on('close', () => set.delete(follower));
  }

  // Container instances: a container that starts (again) gets a fresh log; followers of an
  // instance that stopped are ended, as the kubelet ends a log stream when its container exits.
  private syncLogInstances(pod: Obj, previous: Obj | undefined): void {
    const ns = pod.metadata.namespace as string;
    const name = pod.metadata.name as string;
    const statuses: Obj[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const before: Obj[] = previous ? [...(previous.status?.initContainerStatuses ?? []), ...(previous.status?.containerStatuses ?? [])] : [];
    for (const cs of statuses) {
      const key = `${ns}/${name}/${cs.name}`;
      const old = before.find((b) => b.name === cs.name);
      const startedNow = cs.state?.running && (!old?.state?.running || (old.restartCount ?? 0) !== (cs.restartCount ?? 0));
      const instances = this.logs.get(key) ?? [];
      if (startedNow) {
        instances.push([]);
        this.logs.set(key, instances);
      }
      const stoppedNow = old?.state?.running && (!cs.state?.running || (old.restartCount ?? 0) !== (cs.restartCount ?? 0));
      if (stoppedNow) {
        for (const f of this.followers.get(key) ?? []) if (f.instance < instances.length - (startedNow ? 1 : 0)) f.res.end();
      }
    }
  }

  private emit(kind: Kind, type: string, obj: Obj): void {
    const rv = Number(obj.metadata.resourceVersion);
    this.history.push({ kind, type, obj: structuredClone(obj), rv });
    const max = this.opts.historySize ?? 500;
    if (this.history.length > max) this.compactedRv = this.history.splice(0, this.history.length - max).pop()!.rv;
    for (const w of this.watchers) {
      if (w.kind === kind && w.namespace === obj.metadata.namespace && w.matches(obj)) w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  }

  private bump(obj: Obj): void {
    obj.metadata.resourceVersion = String(++this.rv);
  }

  private render(stored: { obj: Obj; ownership: Ownership }): Obj {
    const copy = structuredClone(stored.obj);
    copy.metadata.managedFields = managedFieldsOf(stored.ownership, 'serving.kserve.io/v1beta1');
    return copy;
  }

  /** A predicate for labelSelector/fieldSelector, or undefined after answering 400. */
  private selector(kind: Kind | 'events', query: Record<string, string>, res: http.ServerResponse): ((o: Obj) => boolean) | undefined {
    const tests: ((o: Obj) => boolean)[] = [];
    for (const term of (query.labelSelector ?? '').split(',').filter(Boolean)) {
      const eq = /^([^=!]+)(==?|!=)(.*)$/.exec(term);
      if (eq) {
        const [, k, op, v] = eq as unknown as [string, string, string, string];
        tests.push((o) => (op === '!=' ? o.metadata.labels?.[k] !== v : o.metadata.labels?.[k] === v));
      } else if (/^[A-Za-z0-9./_-]+$/.test(term)) tests.push((o) => o.metadata.labels?.[term] !== undefined);
      else if (/^![A-Za-z0-9./_-]+$/.test(term)) tests.push((o) => o.metadata.labels?.[term.slice(1)] === undefined);
      else {
        this.status(res, 400, 'BadRequest', `unable to parse requirement: the fake API does not support label selector "${term}"`);
        return undefined;
      }
    }
    const fields: Record<string, (o: Obj) => unknown> =
      kind === 'events'
        ? { 'involvedObject.name': (o) => o.involvedObject?.name, 'involvedObject.kind': (o) => o.involvedObject?.kind, 'metadata.namespace': (o) => o.metadata.namespace, type: (o) => o.type }
        : { 'metadata.name': (o) => o.metadata.name, 'metadata.namespace': (o) => o.metadata.namespace, ...(kind === 'pods' ? { 'status.phase': (o: Obj) => o.status?.phase } : {}) };
    for (const term of (query.fieldSelector ?? '').split(',').filter(Boolean)) {
      const eq = /^([^=!]+)(==?|!=)(.*)$/.exec(term);
      const get = eq ? fields[eq[1]!] : undefined;
      if (!eq || !get) {
        this.status(res, 400, 'BadRequest', `"${eq?.[1] ?? term}" is not a known field selector: only "${Object.keys(fields).join('", "')}"`);
        return undefined;
      }
      const [, , op, v] = eq as unknown as [string, string, string, string];
      tests.push((o) => (op === '!=' ? get(o) !== v : get(o) === v));
    }
    return (o) => tests.every((t) => t(o));
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string, details?: Obj): void {
    if (res.headersSent) return void res.end();
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function stripTime(entry: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, ...rest } = entry;
  return rest;
}

function removeField(obj: Obj, field: string): void {
  const segments = field.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node: unknown = obj;
  for (const s of segments.slice(0, -1)) node = (node as Obj | undefined)?.[s];
  if (node && typeof node === 'object') delete (node as Obj)[segments[segments.length - 1]!];
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
