/**
 * Pods that users create, and exec into them, for the fake Kubernetes API (fakeKubeApi.ts, option
 * `claims`): what ModelDeck's pvc:// upload does (a short-lived pod that mounts a claim, then
 * `tar xf -` / `find` / `cat` / `rm` over the exec WebSocket, like `kubectl cp`).
 *
 * What the double covers: POST/GET/DELETE of a pod (generateName, Pending → Running, or Pending with
 * PodScheduled False when its claim does not exist, as the scheduler reports it); the exec endpoint's
 * WebSocket protocol as the API server speaks it (subprotocol v5.channel.k8s.io, else v4: a channel byte
 * per frame, stdin 0, stdout 1, stderr 2, a V1Status on channel 3, v5's close-stdin frame [255, 0]),
 * bearer-token authentication of the upgrade.
 * What it does not: the container is not isolated. The "kubelet" runs the exec'd command on this
 * machine with the host's sh/tar/find/cat/rm (not the image's busybox), with the pod's claim mount
 * path rewritten to the host folder standing for that claim's volume; no image pull, no resource
 * limits, no activeDeadlineSeconds, no RBAC (pods/exec permission is not checked).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { FakeKubeApi } from './fakeKubeApi';

// `ws` comes with @kubernetes/client-node (its exec transport); only the server side is used here.
const { WebSocketServer } = require('ws') as {
  WebSocketServer: new (opts: { noServer: boolean; handleProtocols?: (protocols: Set<string>) => string | false }) => {
    handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: FakeWebSocket) => void): void;
  };
};
interface FakeWebSocket {
  protocol: string;
  send(data: Buffer): void;
  close(): void;
  on(event: 'message', cb: (data: Buffer) => void): void;
  on(event: 'close', cb: () => void): void;
}

type Obj = Record<string, any>;

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;

/** POST …/pods: stores the pod Pending, then Running (or stuck Pending when a claim is missing). */
export function createPod(api: FakeKubeApi, namespace: string, body: Obj, claims: Record<string, string>): { code: number; obj: Obj } {
  const pod: Obj = structuredClone(body);
  pod.metadata ??= {};
  pod.metadata.namespace = namespace;
  if (!pod.metadata.name) {
    if (!pod.metadata.generateName) return { code: 422, obj: failure(422, 'Invalid', 'metadata.name or metadata.generateName is required') };
    pod.metadata.name = `${pod.metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
  }
  if (api.getPod(namespace, pod.metadata.name)) return { code: 409, obj: failure(409, 'AlreadyExists', `pods "${pod.metadata.name}" already exists`) };
  pod.status = { phase: 'Pending', conditions: [] };
  api.putPod(pod);
  const missing = (pod.spec?.volumes ?? []).map((v: Obj) => v.persistentVolumeClaim?.claimName).filter((c: unknown): c is string => typeof c === 'string' && !(c in claims));
  setTimeout(() => {
    const current = api.getPod(namespace, pod.metadata.name);
    if (!current) return;
    if (missing.length > 0) {
      current.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: `0/1 nodes are available: persistentvolumeclaim "${missing[0]}" not found.` }] };
    } else {
      const started = new Date().toISOString();
      current.status = {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: (current.spec?.containers ?? []).map((c: Obj) => ({ name: c.name, image: c.image, ready: true, restartCount: 0, state: { running: { startedAt: started } } })),
      };
    }
    api.putPod(current);
  }, 30).unref();
  return { code: 201, obj: api.getPod(namespace, pod.metadata.name)! };
}

/** Serves the exec endpoint on the API server's upgrade requests. */
export function attachExec(api: FakeKubeApi, server: http.Server, claims: Record<string, string>): void {
  const wss = new WebSocketServer({
    noServer: true,
    // The API server picks the newest channel protocol both sides speak.
    handleProtocols: (protocols) => (protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = EXEC_PATH.exec(url.pathname);
    const reject = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}`);
    };
    if (!m) return reject(404, 'Not Found');
    if (req.headers.authorization !== `Bearer ${api.token}`) return reject(401, 'Unauthorized');
    const pod = api.getPod(m[1]!, m[2]!);
    if (!pod) return reject(404, `pods "${m[2]}" not found`);
    if (pod.status?.phase !== 'Running') return reject(400, `pod ${m[2]} is not running`);
    const command = url.searchParams.getAll('command');
    const containerName = url.searchParams.get('container') ?? pod.spec?.containers?.[0]?.name;
    const container = (pod.spec?.containers ?? []).find((c: Obj) => c.name === containerName);
    if (!container || command.length === 0) return reject(400, 'container and command are required');
    // The container's claim mounts, as host folders.
    const mounts: [string, string][] = [];
    for (const vm of container.volumeMounts ?? []) {
      const claim = (pod.spec?.volumes ?? []).find((v: Obj) => v.name === vm.name)?.persistentVolumeClaim?.claimName;
      if (claim && claims[claim]) mounts.push([String(vm.mountPath).replace(/\/+$/, ''), claims[claim]!]);
    }
    const mapped = command.map((arg) => mounts.reduce((a, [mountPath, host]) => a.replace(new RegExp(`${escapeRegExp(mountPath)}(?=/|'|"|\\s|$)`, 'g'), host), arg));
    wss.handleUpgrade(req, socket, head, (ws) => runExec(ws, mapped, mounts[0]?.[1]));
  });
}

function runExec(ws: FakeWebSocket, command: string[], cwd: string | undefined): void {
  const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], ...(cwd && fs.existsSync(cwd) ? { cwd } : {}) });
  const frame = (channel: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([channel]), data]);
  child.stdout.on('data', (d: Buffer) => ws.send(frame(1, d)));
  child.stderr.on('data', (d: Buffer) => ws.send(frame(2, d)));
  child.stdin.on('error', () => undefined); // the command may exit before reading everything (tar at its end blocks)
  ws.on('message', (data: Buffer) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length === 0) return;
    if (buf[0] === 0) child.stdin.write(buf.subarray(1));
    else if (buf[0] === 255 && buf[1] === 0) child.stdin.end(); // v5: stdin closed
  });
  // v4 clients close the socket when their stdin ends: the command's stdin ends too.
  ws.on('close', () => child.stdin.end());
  let finished = false;
  const finish = (code: number | null, err?: Error): void => {
    if (finished) return;
    finished = true;
    const status =
      code === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: err ? err.message : `command terminated with non-zero exit code: exit status ${code}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code ?? 1) }] } };
    ws.send(frame(3, Buffer.from(JSON.stringify(status))));
    ws.close();
  };
  child.on('error', (err) => finish(127, err));
  child.on('close', (code) => finish(code));
}

function failure(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
