/**
 * The KServe controller, Knative and the ingress gateway, simulated for fakeKubeApi.ts. On an
 * apply it rolls out a revision the way a Serverless InferenceService goes: a predictor pod (and a
 * transformer pod when there is one) is scheduled, its storage-initializer runs and completes,
 * kserve-container and queue-proxy start, the model loads, and the service turns Ready with
 * status.url; the previous revision's pods go once the new one is ready.
 *
 * "The model loads" is real: the fake asks a real ModelDeck server (the one the test started) to
 * load the deployment through its repository API, `POST /v2/repository/models/<name>/load
 * {deployment}`, with the registry model and version from ModelDeck's annotations; a load that
 * fails becomes status.modelStatus.lastFailureInfo, a crash-looping kserve-container and events.
 * The ingress gateway routes `Host: <name>.<namespace>.<domain>` (status.url's host) to that server,
 * so predictions really run; on the same port, like Istio's gateway, it takes gRPC (cleartext
 * HTTP/2) and routes it by :authority to the server's gRPC port; it wakes a service scaled to zero (minReplicas 0 and idle), like
 * Knative's activator. The stop annotation removes the pods and unloads the model.
 *
 * Not modelled: several replicas (one pod per component), real transformer containers (the
 * ingress sends requests straight to the predictor), canary traffic splits, RawDeployment mode,
 * several namespaces holding the same service name (one ModelDeck deployment per name).
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import type { FakeKubeApi } from './fakeKubeApi';

/** How long each step takes (ms), and the crash loop's restart count. */
export interface ControllerTimings {
  /** Apply → pod scheduled. */
  scheduleMs: number;
  /** storage-initializer running → done. */
  initMs: number;
  /** Containers started → model load asked for. */
  startMs: number;
  /** Idle time after which a minReplicas-0 service loses its pods. */
  idleMs: number;
  /** Restarts a failing kserve-container shows. */
  crashRestarts: number;
}

const DEFAULT_TIMINGS: ControllerTimings = { scheduleMs: 60, initMs: 120, startMs: 40, idleMs: 800, crashRestarts: 3 };

type Obj = Record<string, any>;

interface Service {
  namespace: string;
  name: string;
  /** Bumped per rollout; stale async steps compare it and stop. */
  seq: number;
  revision: number;
  readyRevision?: number;
  generation: number;
  lastRequestAt: number;
  inflight: number;
  activating?: Promise<boolean>;
  idleTimer?: NodeJS.Timeout;
}

export class KServeControllerSim {
  private readonly timings: ControllerTimings;
  private readonly services = new Map<string, Service>();
  /** One port for HTTP/1.1 and cleartext HTTP/2: a connection is handed to one of the two by its first bytes. */
  private readonly ingress: net.Server;
  private readonly ingressHttp1: http.Server;
  private readonly ingressHttp2: http2.Http2Server;
  private upstreamGrpc: http2.ClientHttp2Session | undefined;
  private readonly sockets = new Set<net.Socket>();
  private podCounter = 0;
  /** When set, the gateway demands `Authorization: Bearer <this>` (an authenticating gateway): 401, or gRPC UNAUTHENTICATED. */
  inferenceToken: string | undefined;

  constructor(
    private readonly api: FakeKubeApi,
    private readonly opts: { modelServerUrl: string; modelServerGrpc?: string; llmPredictor?: { script: string; environment?: string }; domain: string; timings: Partial<ControllerTimings> },
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.ingressHttp1 = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`fake ingress: ${(err as Error).message}`);
      });
    });
    this.ingressHttp2 = http2.createServer();
    this.ingressHttp2.on('stream', (stream, headers) => {
      this.routeGrpc(stream, headers).catch((err: unknown) => {
        if (!stream.headersSent) stream.respond({ ':status': 502 });
        stream.end(`fake ingress: ${(err as Error).message}`);
      });
    });
    this.ingress = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.once('data', (first: Buffer) => {
        socket.pause();
        // Prior-knowledge h2c (what gRPC clients send) starts with the connection preface "PRI * HTTP/2.0".
        if (first.subarray(0, 3).toString('latin1') === 'PRI') {
          // The HTTP/2 session reads a net.Socket's handle directly, past anything unshifted: it gets
          // a plain Duplex that replays the first bytes instead.
          this.ingressHttp2.emit('connection', replaying(socket, first));
        } else {
          socket.unshift(first);
          this.ingressHttp1.emit('connection', socket);
          socket.resume();
        }
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.ingress.listen(0, '127.0.0.1', resolve));
  }

  /** The gateway's address (a real cluster's istio-ingressgateway external IP and port). */
  get ingressUrl(): string {
    return `http://127.0.0.1:${(this.ingress.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const svc of this.services.values()) {
      svc.seq++;
      clearInterval(svc.idleTimer);
    }
    this.upstreamGrpc?.close();
    await new Promise<void>((resolve) => {
      this.ingress.close(() => resolve());
      this.ingressHttp1.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }

  /** The service was created or changed (after the API stored it). */
  changed(namespace: string, name: string, before: Obj | undefined): void {
    const isvc = this.api.getIsvc(namespace, name);
    if (!isvc) return;
    const key = `${namespace}/${name}`;
    let svc = this.services.get(key);
    const stoppedBefore = before?.metadata?.annotations?.['serving.kserve.io/stop'] === 'true';
    const stoppedNow = isvc.metadata.annotations?.['serving.kserve.io/stop'] === 'true';
    const modelBefore = [before?.metadata?.annotations?.['modeldeck.dev/model'], before?.metadata?.annotations?.['modeldeck.dev/version']];
    const modelNow = [isvc.metadata.annotations?.['modeldeck.dev/model'], isvc.metadata.annotations?.['modeldeck.dev/version']];
    if (!svc) {
      svc = { namespace, name, seq: 0, revision: 0, generation: 0, lastRequestAt: Date.now(), inflight: 0 };
      this.services.set(key, svc);
    }
    if (stoppedNow) {
      if (!stoppedBefore || !before) void this.stop(svc);
      return;
    }
    const rollout = !before || stoppedBefore || isvc.metadata.generation !== svc.generation || modelBefore.join() !== modelNow.join();
    if (rollout) void this.rollout(svc);
  }

  /** The service was deleted: its pods go and the model is unloaded. */
  deleted(namespace: string, name: string): void {
    const svc = this.services.get(`${namespace}/${name}`);
    if (!svc) return;
    svc.seq++;
    clearInterval(svc.idleTimer);
    this.services.delete(`${namespace}/${name}`);
    for (const pod of this.api.podsOf(namespace, name)) this.killPod(pod, 'Stopping container');
    void this.unload(name);
  }

  /** Deletes a pod and lets its "ReplicaSet" create a replacement under a new name; returns that name. */
  async restartPod(namespace: string, podName: string): Promise<string> {
    const pod = this.api.getPod(namespace, podName);
    if (!pod) throw new Error(`no pod ${namespace}/${podName}`);
    const svc = this.services.get(`${namespace}/${pod.metadata.labels['serving.kserve.io/inferenceservice']}`);
    if (!svc) throw new Error(`pod ${podName} belongs to no known service`);
    this.killPod(pod, 'Stopping container');
    const isvc = this.api.getIsvc(namespace, svc.name)!;
    const component = pod.metadata.labels.component as 'predictor' | 'transformer';
    const replacement = this.newPod(svc, isvc, component, svc.revision);
    await this.bringUp(svc, svc.seq, replacement, isvc, component);
    this.setPodReady(namespace, replacement, true);
    return replacement;
  }

  // ---------------------------------------------------------------------------------------------

  private async rollout(svc: Service): Promise<void> {
    const seq = ++svc.seq;
    const isvc = this.api.getIsvc(svc.namespace, svc.name)!;
    svc.generation = isvc.metadata.generation;
    const revision = ++svc.revision;
    const revisionName = `${svc.name}-predictor-${String(revision).padStart(5, '0')}`;
    const previous = this.api.getIsvc(svc.namespace, svc.name)?.status ?? {};
    const serving = keepServing(previous);
    // Knative creates the new revision at once; traffic stays on the ready one until it is ready.
    serving.components = { ...serving.components, predictor: { ...serving.components?.predictor, latestCreatedRevision: revisionName } };
    if (isvc.spec.transformer) serving.components.transformer = { ...serving.components?.transformer, latestCreatedRevision: revisionName.replace('-predictor-', '-transformer-') };
    this.setStatus(svc, {
      ...serving,
      observedGeneration: isvc.metadata.generation,
      conditions: conditions({ PredictorReady: ['Unknown', 'RevisionMissing', `Configuration "${svc.name}-predictor" is waiting for a Revision to become ready.`], IngressReady: svc.readyRevision ? ['True'] : ['Unknown'], Ready: ['Unknown', 'RevisionMissing', `Revision "${revisionName}" is not ready yet.`] }),
      modelStatus: { transitionStatus: 'InProgress', states: { activeModelState: svc.readyRevision ? 'Loaded' : 'Pending', targetModelState: 'Loading' }, copies: { failedCopies: 0 } },
    });
    this.api.recordEvent(svc.namespace, { kind: 'InferenceService', name: svc.name, uid: isvc.metadata.uid }, 'Normal', 'InferenceServiceUpdated', `InferenceService [${svc.name}] is rolling out revision ${revisionName}`, 'v1beta1Controllers');
    await sleep(this.timings.scheduleMs);
    if (seq !== svc.seq) return;
    const oldPods = this.api.podsOf(svc.namespace, svc.name);
    const predictor = this.newPod(svc, isvc, 'predictor', revision);
    const transformer = isvc.spec.transformer ? this.newPod(svc, isvc, 'transformer', revision) : undefined;
    if (!(await this.bringUp(svc, seq, predictor, isvc, 'predictor'))) return;
    if (transformer && !(await this.bringUp(svc, seq, transformer, isvc, 'transformer'))) return;
    const loaded = await this.load(svc, isvc);
    if (seq !== svc.seq) return;
    if (!loaded.ok) return this.failLoad(svc, isvc, predictor, revisionName, loaded.message);
    this.setPodReady(svc.namespace, predictor, true);
    if (transformer) this.setPodReady(svc.namespace, transformer, true);
    for (const old of oldPods) this.killPod(old, 'Stopping container (replaced by a new revision)');
    svc.readyRevision = revision;
    svc.lastRequestAt = Date.now();
    this.setReady(svc, isvc, revisionName);
    this.api.appendLog(svc.namespace, predictor, 'kserve-container', JSON.stringify({ level: 'info', msg: 'ready', deployment: svc.name, version: loaded.version }));
    this.api.recordEvent(svc.namespace, { kind: 'InferenceService', name: svc.name, uid: isvc.metadata.uid }, 'Normal', 'InferenceServiceReady', `InferenceService [${svc.name}] is Ready`, 'v1beta1Controllers');
    this.watchIdle(svc, isvc);
  }

  private async stop(svc: Service): Promise<void> {
    svc.seq++;
    clearInterval(svc.idleTimer);
    svc.readyRevision = undefined;
    for (const pod of this.api.podsOf(svc.namespace, svc.name)) this.killPod(pod, 'Stopping container (InferenceService stopped)');
    await this.unload(svc.name);
    const isvc = this.api.getIsvc(svc.namespace, svc.name);
    if (!isvc) return;
    this.setStatus(svc, {
      observedGeneration: isvc.metadata.generation,
      conditions: conditions({ IngressReady: ['False', 'Stopped'], PredictorReady: ['False', 'Stopped'], Ready: ['False', 'Stopped'] }),
      modelStatus: { transitionStatus: 'UpToDate', states: { activeModelState: 'Pending', targetModelState: '' }, copies: { failedCopies: 0 } },
      deploymentMode: 'Serverless',
    });
  }

  /** Scheduled → storage-initializer → containers running (not ready yet). False when superseded. */
  private async bringUp(svc: Service, seq: number, podName: string, isvc: Obj, component: 'predictor' | 'transformer'): Promise<boolean> {
    const ns = svc.namespace;
    const storageUri = isvc.spec.predictor?.model?.storageUri ?? '';
    const event = (type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void =>
      this.api.recordEvent(ns, { kind: 'Pod', name: podName, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) }, type, reason, message, reason === 'Scheduled' ? 'default-scheduler' : 'kubelet');
    event('Normal', 'Scheduled', `Successfully assigned ${ns}/${podName} to fake-node-1`);
    if (component === 'predictor') {
      this.updatePod(ns, podName, (p) => {
        p.status.initContainerStatuses = [running('storage-initializer', 'kserve/storage-initializer:v0.15.0', 0)];
      });
      event('Normal', 'Started', 'Started container storage-initializer', 'storage-initializer');
      this.api.appendLog(ns, podName, 'storage-initializer', `INFO:root:Initializing, args: src_uri [${storageUri}] dest_path[ [/mnt/models]`);
      this.api.appendLog(ns, podName, 'storage-initializer', `INFO:kserve.storage:Copying contents of ${storageUri} to local`);
      await sleep(this.timings.initMs);
      if (seq !== svc.seq) return false;
      this.api.appendLog(ns, podName, 'storage-initializer', `INFO:kserve.storage:Successfully copied ${storageUri} to /mnt/models`);
      this.updatePod(ns, podName, (p) => {
        p.status.initContainerStatuses = [{ ...p.status.initContainerStatuses[0], ready: true, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: iso() } } }];
      });
    }
    const image = component === 'predictor' ? 'modeldeck/runtime:latest' : (isvc.spec.transformer?.containers?.[0]?.image ?? 'transformer:latest');
    this.updatePod(ns, podName, (p) => {
      p.status.phase = 'Running';
      p.status.containerStatuses = [running('kserve-container', image, 0), running('queue-proxy', 'knative/queue:v1.15', 0)];
      p.status.conditions = podConditions(false);
    });
    event('Normal', 'Started', 'Started container kserve-container', 'kserve-container');
    event('Normal', 'Started', 'Started container queue-proxy', 'queue-proxy');
    if (component === 'predictor') {
      const model = isvc.metadata.annotations?.['modeldeck.dev/model'] ?? '?';
      const version = isvc.metadata.annotations?.['modeldeck.dev/version'] ?? 'latest';
      this.api.appendLog(ns, podName, 'kserve-container', JSON.stringify({ level: 'info', msg: 'listening', protocol: 'rest', httpPort: 8080 }));
      this.api.appendLog(ns, podName, 'kserve-container', JSON.stringify({ level: 'info', msg: `loading ${model} version ${version} from /mnt/models`, deployment: svc.name }));
    } else {
      this.api.appendLog(ns, podName, 'kserve-container', `transformer ${svc.name}: predictor host ${svc.name}-predictor.${ns}`);
    }
    this.api.appendLog(ns, podName, 'queue-proxy', JSON.stringify({ severity: 'INFO', message: 'Queue-proxy will listen on port 8012 and forward to 8080' }));
    await sleep(this.timings.startMs);
    return seq === svc.seq;
  }

  private failLoad(svc: Service, isvc: Obj, podName: string, revisionName: string, message: string): void {
    const ns = svc.namespace;
    this.api.appendLog(ns, podName, 'kserve-container', JSON.stringify({ level: 'error', msg: message, deployment: svc.name }));
    this.updatePod(ns, podName, (p) => {
      const kserve = p.status.containerStatuses.find((c: Obj) => c.name === 'kserve-container');
      kserve.ready = false;
      kserve.started = false;
      kserve.restartCount = this.timings.crashRestarts;
      kserve.lastState = { terminated: { exitCode: 1, reason: 'Error', message, finishedAt: iso() } };
      kserve.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off 40s restarting failed container=kserve-container pod=${podName}` } };
      p.status.conditions = podConditions(false, 'ContainersNotReady', 'containers with unready status: [kserve-container]');
    });
    this.api.recordEvent(ns, { kind: 'Pod', name: podName, fieldPath: 'spec.containers{kserve-container}' }, 'Warning', 'BackOff', 'Back-off restarting failed container kserve-container in pod ' + podName, 'kubelet');
    const time = iso();
    this.setStatus(svc, {
      ...keepServing(this.api.getIsvc(ns, svc.name)?.status ?? {}),
      observedGeneration: isvc.metadata.generation,
      conditions: conditions({
        IngressReady: svc.readyRevision ? ['True'] : ['Unknown'],
        PredictorReady: ['False', 'RevisionFailed', `Revision "${revisionName}" failed with message: Container failed with: ${message}.`],
        Ready: ['False', 'RevisionFailed', `Revision "${revisionName}" failed with message: Container failed with: ${message}.`],
      }),
      modelStatus: {
        transitionStatus: 'BlockedByFailedLoad',
        states: { activeModelState: svc.readyRevision ? 'Loaded' : 'FailedToLoad', targetModelState: 'FailedToLoad' },
        lastFailureInfo: { reason: 'ModelLoadFailed', message, location: podName, modelRevisionName: revisionName, exitCode: 1, time },
        copies: { failedCopies: 1, totalCopies: 1 },
      },
    });
    this.api.recordEvent(ns, { kind: 'InferenceService', name: svc.name, uid: isvc.metadata.uid }, 'Warning', 'InternalError', `fails to load model: ${message}`, 'v1beta1Controllers');
  }

  private setReady(svc: Service, isvc: Obj, revisionName: string): void {
    const url = `http://${svc.name}.${svc.namespace}.${this.opts.domain}`;
    this.setStatus(svc, {
      observedGeneration: isvc.metadata.generation,
      url,
      address: { url: `http://${svc.name}-predictor.${svc.namespace}.svc.cluster.local` },
      conditions: conditions({ IngressReady: ['True'], PredictorReady: ['True'], Ready: ['True'], ...(isvc.spec.transformer ? { TransformerReady: ['True'] } : {}) }),
      components: {
        predictor: {
          url: `http://${svc.name}-predictor.${svc.namespace}.${this.opts.domain}`,
          address: { url: `http://${svc.name}-predictor.${svc.namespace}.svc.cluster.local` },
          latestCreatedRevision: revisionName,
          latestReadyRevision: revisionName,
          latestRolledoutRevision: revisionName,
          traffic: [{ revisionName, percent: 100, latestRevision: true }],
        },
      },
      modelStatus: { transitionStatus: 'UpToDate', states: { activeModelState: 'Loaded', targetModelState: 'Loaded' }, copies: { failedCopies: 0, totalCopies: 1 } },
      deploymentMode: 'Serverless',
    });
  }

  // Scale to zero: a minReplicas-0 service that had no request for idleMs loses its pods (and the
  // model is unloaded, so the next request really has to wake it up).
  private watchIdle(svc: Service, isvc: Obj): void {
    clearInterval(svc.idleTimer);
    if ((isvc.spec.predictor?.minReplicas ?? 1) !== 0) return;
    const seq = svc.seq;
    svc.idleTimer = setInterval(() => {
      if (seq !== svc.seq) return clearInterval(svc.idleTimer);
      const pods = this.api.podsOf(svc.namespace, svc.name);
      if (pods.length === 0 || svc.inflight > 0 || svc.activating || Date.now() - svc.lastRequestAt < this.timings.idleMs) return;
      for (const pod of pods) this.killPod(pod, 'Stopping container (scaled to zero)');
      void this.unload(svc.name);
    }, 50);
    svc.idleTimer.unref();
  }

  // Knative's activator: hold the request, start a pod, load the model, then let it through.
  private activate(svc: Service): Promise<boolean> {
    svc.activating ??= (async () => {
      const isvc = this.api.getIsvc(svc.namespace, svc.name);
      if (!isvc || svc.readyRevision === undefined) return false;
      const seq = svc.seq;
      const pod = this.newPod(svc, isvc, 'predictor', svc.readyRevision);
      if (!(await this.bringUp(svc, seq, pod, isvc, 'predictor'))) return false;
      const loaded = await this.load(svc, isvc);
      if (!loaded.ok || seq !== svc.seq) return false;
      this.setPodReady(svc.namespace, pod, true);
      svc.lastRequestAt = Date.now();
      return true;
    })().finally(() => (svc.activating = undefined));
    return svc.activating;
  }

  /** The ready service a Host (or :authority) names, as the gateway's virtual services route. */
  private serviceForHost(hostHeader: string): Service | undefined {
    const host = hostHeader.replace(/:\d+$/, '');
    const svc = [...this.services.values()].find((s) => host === `${s.name}.${s.namespace}.${this.opts.domain}` || host === `${s.name}-predictor.${s.namespace}.${this.opts.domain}`);
    return svc?.readyRevision === undefined ? undefined : svc;
  }

  /**
   * A gRPC call: forwarded stream to stream to the model server's gRPC port, :authority and
   * metadata unchanged; the answer's trailers (grpc-status) passed back as trailers.
   */
  private async routeGrpc(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const svc = this.serviceForHost(String(headers[':authority'] ?? ''));
    if (!svc || !this.opts.modelServerGrpc) {
      stream.respond({ ':status': 404 }, { endStream: true });
      return;
    }
    if (this.inferenceToken !== undefined && headers.authorization !== `Bearer ${this.inferenceToken}`) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'missing or wrong bearer token' }, { endStream: true });
      return;
    }
    svc.inflight++;
    svc.lastRequestAt = Date.now();
    const started = Date.now();
    const done = (): void => {
      svc.inflight--;
      svc.lastRequestAt = Date.now();
    };
    if (this.api.podsOf(svc.namespace, svc.name).filter((p) => p.metadata.labels.component === 'predictor').length === 0 && !(await this.activate(svc))) {
      done();
      stream.respond({ ':status': 503 }, { endStream: true });
      return;
    }
    if (!this.upstreamGrpc || this.upstreamGrpc.closed || this.upstreamGrpc.destroyed) {
      this.upstreamGrpc = http2.connect(`http://${this.opts.modelServerGrpc}`);
      this.upstreamGrpc.on('error', () => undefined);
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) forwarded[k] = v;
    const up = this.upstreamGrpc.request({ ...forwarded, ':method': 'POST', ':path': String(headers[':path']), ':authority': String(headers[':authority']) });
    let trailers: http2.OutgoingHttpHeaders = {};
    let grpcStatus = '?';
    up.on('response', (h) => {
      const { ':status': status, 'grpc-status': s, 'grpc-message': m, ...rest } = h;
      // A trailers-only answer carries grpc-status in its headers: sent on as trailers.
      if (s !== undefined) trailers = { 'grpc-status': s, ...(m !== undefined ? { 'grpc-message': m } : {}) };
      stream.respond({ ':status': status ?? 200, ...rest }, { waitForTrailers: true });
    });
    up.on('trailers', (t) => {
      trailers = { ...t };
    });
    stream.on('wantTrailers', () => {
      grpcStatus = String(trailers['grpc-status'] ?? '?');
      stream.sendTrailers(trailers);
    });
    up.on('error', (err) => stream.destroy(err));
    stream.on('error', () => up.close());
    stream.on('close', () => {
      done();
      const pod = this.api.podsOf(svc.namespace, svc.name).find((p) => p.metadata.labels.component === 'predictor');
      if (pod) this.api.appendLog(svc.namespace, pod.metadata.name, 'queue-proxy', JSON.stringify({ grpcRequest: { path: headers[':path'], grpcStatus, latency: `${((Date.now() - started) / 1000).toFixed(3)}s` } }));
    });
    stream.pipe(up);
    up.pipe(stream);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const svc = this.serviceForHost(req.headers.host ?? '');
    if (!svc) {
      // Istio answers a host it has no route for with an empty 404.
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return void res.end();
    }
    if (this.inferenceToken !== undefined && req.headers.authorization !== `Bearer ${this.inferenceToken}`) {
      res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' });
      return void res.end('missing or wrong bearer token');
    }
    svc.inflight++;
    svc.lastRequestAt = Date.now();
    const started = Date.now();
    try {
      if (this.api.podsOf(svc.namespace, svc.name).filter((p) => p.metadata.labels.component === 'predictor').length === 0 && !(await this.activate(svc))) {
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        return void res.end('no healthy upstream');
      }
      const status = await this.proxy(req, res);
      const pod = this.api.podsOf(svc.namespace, svc.name).find((p) => p.metadata.labels.component === 'predictor');
      if (pod) this.api.appendLog(svc.namespace, pod.metadata.name, 'queue-proxy', JSON.stringify({ httpRequest: { requestMethod: req.method, requestUrl: req.url, status, latency: `${((Date.now() - started) / 1000).toFixed(3)}s` } }));
    } finally {
      svc.inflight--;
      svc.lastRequestAt = Date.now();
    }
  }

  // The Host header goes through unchanged, as Istio and queue-proxy pass it to the container.
  private proxy(req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
    const target = new URL(req.url ?? '/', this.opts.modelServerUrl);
    return new Promise((resolve, reject) => {
      const upstream = http.request(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => resolve(up.statusCode ?? 502));
      });
      upstream.on('error', reject);
      req.pipe(upstream);
    });
  }

  private async load(svc: Service, isvc: Obj): Promise<{ ok: true; version: string } | { ok: false; message: string }> {
    const model = isvc.metadata.annotations?.['modeldeck.dev/model'];
    if (!model) return { ok: false, message: 'no modeldeck.dev/model annotation: this fake cluster only runs InferenceServices that ModelDeck built' };
    const version = isvc.metadata.annotations?.['modeldeck.dev/version'];
    const deployment: Record<string, unknown> = { name: svc.name, model: { name: model, version: version ? Number(version) : 'latest' } };
    if (isvc.spec.predictor?.model?.modelFormat?.name === 'huggingface') {
      // The Hugging Face runtime serves /openai/v1/...: played by ModelDeck with an LLM predictor script.
      if (!this.opts.llmPredictor) return { ok: false, message: 'this fake cluster has no stand-in for the Hugging Face runtime (FakeKubeOptions.llmPredictor)' };
      deployment.modelServer = 'script';
      deployment.predictor = this.opts.llmPredictor;
    }
    try {
      const res = await fetch(`${this.opts.modelServerUrl}/v2/repository/models/${encodeURIComponent(svc.name)}/load`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ deployment }),
      });
      const body = (await res.json()) as { error?: string; version?: string; state?: string; reason?: string };
      if (!res.ok) return { ok: false, message: body.error ?? `HTTP ${res.status}` };
      // A failed new version beside a working one is reported READY with "kept version N".
      if (version && body.version !== version) return { ok: false, message: body.reason ?? `version ${version} did not load` };
      return { ok: true, version: body.version ?? '?' };
    } catch (err) {
      return { ok: false, message: `the model server at ${this.opts.modelServerUrl} is unreachable: ${(err as Error).message}` };
    }
  }

  private async unload(name: string): Promise<void> {
    await fetch(`${this.opts.modelServerUrl}/v2/repository/models/${encodeURIComponent(name)}/unload`, { method: 'POST' }).catch(() => undefined);
  }

  private newPod(svc: Service, isvc: Obj, component: 'predictor' | 'transformer', revision: number): string {
    const revisionName = `${svc.name}-${component}-${String(revision).padStart(5, '0')}`;
    const name = `${revisionName}-deployment-${(++this.podCounter).toString(36).padStart(5, 'x')}`;
    const containers = [
      { name: 'kserve-container', image: component === 'predictor' ? 'modeldeck/runtime:latest' : (isvc.spec.transformer?.containers?.[0]?.image ?? 'transformer:latest') },
      { name: 'queue-proxy', image: 'knative/queue:v1.15' },
    ];
    this.api.putPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: svc.namespace,
        labels: { 'serving.kserve.io/inferenceservice': svc.name, component, 'serving.knative.dev/revision': revisionName, app: revisionName },
      },
      spec: { ...(component === 'predictor' ? { initContainers: [{ name: 'storage-initializer', image: 'kserve/storage-initializer:v0.15.0' }] } : {}), containers, nodeName: 'fake-node-1' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso() }],
        ...(component === 'predictor' ? { initContainerStatuses: [waiting('storage-initializer', 'kserve/storage-initializer:v0.15.0', 'PodInitializing')] } : {}),
        containerStatuses: containers.map((c) => waiting(c.name, c.image, component === 'predictor' ? 'PodInitializing' : 'ContainerCreating')),
      },
    });
    return name;
  }

  private setPodReady(namespace: string, podName: string, ready: boolean): void {
    this.updatePod(namespace, podName, (p) => {
      p.status.conditions = podConditions(ready);
      for (const c of p.status.containerStatuses) if (c.state.running) c.ready = ready;
    });
  }

  private killPod(pod: Obj, message: string): void {
    for (const c of pod.spec.containers) {
      this.api.recordEvent(pod.metadata.namespace, { kind: 'Pod', name: pod.metadata.name, fieldPath: `spec.containers{${c.name}}` }, 'Normal', 'Killing', `${message}: ${c.name}`, 'kubelet');
    }
    this.api.deletePod(pod.metadata.namespace, pod.metadata.name);
  }

  private updatePod(namespace: string, name: string, mutate: (pod: Obj) => void): void {
    const pod = this.api.getPod(namespace, name);
    if (!pod) return;
    mutate(pod);
    this.api.putPod(pod);
  }

  private setStatus(svc: Service, status: Obj): void {
    this.api.setIsvcStatus(svc.namespace, svc.name, status);
  }
}

/** url/address/components of the revision still serving while a new one rolls out. */
function keepServing(previous: Obj): Obj {
  const out: Obj = {};
  for (const k of ['url', 'address', 'components', 'deploymentMode']) if (previous[k] !== undefined) out[k] = previous[k];
  return out;
}

function conditions(spec: Record<string, [string, string?, string?]>): Obj[] {
  return Object.entries(spec).map(([type, [status, reason, message]]) => ({
    type,
    status,
    lastTransitionTime: iso(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    ...(type !== 'Ready' && status !== 'True' ? { severity: 'Info' } : {}),
  }));
}

function podConditions(ready: boolean, reason?: string, message?: string): Obj[] {
  const r = ready ? { status: 'True' } : { status: 'False', ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  return [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: iso() },
    { type: 'Initialized', status: 'True', lastTransitionTime: iso() },
    { type: 'ContainersReady', ...r, lastTransitionTime: iso() },
    { type: 'Ready', ...r, lastTransitionTime: iso() },
  ];
}

function running(name: string, image: string, restartCount: number): Obj {
  return { name, image, imageID: `docker.io/${image}@sha256:0`, ready: false, started: true, restartCount, state: { running: { startedAt: iso() } } };
}

function waiting(name: string, image: string, reason: string): Obj {
  return { name, image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason } } };
}

function iso(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A Duplex over `socket` whose first read yields `first` (bytes already taken off the socket). */
function replaying(socket: net.Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  duplex.push(first);
  socket.on('data', (d: Buffer) => {
    if (!duplex.push(d)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
