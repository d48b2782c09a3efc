/**
 * pvc:// through a short-lived pod: `kubectl cp`'s mechanism with the Kubernetes client library.
 * A pod mounting the claim (busybox, `sleep`, deleted on close and bounded by
 * activeDeadlineSeconds should ModelDeck die first) receives the artifact as a tar stream on the
 * stdin of `tar xf -` over the exec WebSocket; listing, reading the manifest and deleting are
 * `find`, `cat` and `rm` execs. Plain Node; no vscode.
 */
import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { CoreV1Api, Exec } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod, V1Status } from '@kubernetes/client-node';
import { ArtifactError } from './artifactTypes';
import type { RemoteArtifactStorage, UploadFile } from './artifactUpload';
import type { StorageTarget } from './storageTarget';
import { tarStream } from './tarStream';

/** Where the claim is mounted in the upload pod. */
export const PVC_MOUNT = '/pvc';
/** Default image of the upload pod: it needs sh, tar, find, cat, rm. */
export const PVC_UPLOAD_IMAGE = 'busybox:1.36';
const CONTAINER = 'upload';
const NO_STATUS = 'the exec stream closed without a status';

/** The upload pod for a claim. */
export function uploadPodManifest(claim: string, namespace: string, image = PVC_UPLOAD_IMAGE): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'modeldeck-upload-', namespace, labels: { 'app.kubernetes.io/managed-by': 'modeldeck', 'modeldeck.dev/purpose': 'artifact-upload' } },
    spec: {
      restartPolicy: 'Never',
      // Gone after 30 minutes even if ModelDeck never deletes it.
      activeDeadlineSeconds: 1800,
      containers: [{ name: CONTAINER, image, command: ['sh', '-c', 'sleep 1800'], volumeMounts: [{ name: 'store', mountPath: PVC_MOUNT }] }],
      volumes: [{ name: 'store', persistentVolumeClaim: { claimName: claim } }],
    },
  };
}

/** A shell word, single-quoted. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class PvcStorage implements RemoteArtifactStorage {
  readonly uri: string;
  private pod: Promise<string> | undefined;
  private readonly core: CoreV1Api;
  private readonly dir: string;

  constructor(
    private readonly target: Extract<StorageTarget, { scheme: 'pvc' }>,
    private readonly kube: { kc: KubeConfig; namespace: string; image?: string; readyTimeoutMs?: number },
  ) {
    this.uri = target.uri;
    this.core = kube.kc.makeApiClient(CoreV1Api);
    this.dir = target.prefix ? `${PVC_MOUNT}/${target.prefix}` : PVC_MOUNT;
  }

  async list(): Promise<string[]> {
    const r = await this.exec(['sh', '-c', `[ -d ${shellQuote(this.dir)} ] && cd ${shellQuote(this.dir)} && find . -type f || true`]);
    return r.stdout
      .split('\n')
      .map((l) => l.trim().replace(/^\.\//, ''))
      .filter(Boolean)
      .sort();
  }

  async readText(rel: string): Promise<string | undefined> {
    const r = await this.exec(['cat', `${this.dir}/${rel}`], undefined, true);
    return r.ok ? r.stdout : undefined;
  }

  async write(files: readonly UploadFile[], onFile: (file: UploadFile) => void): Promise<void> {
    const r = await this.exec(['sh', '-c', `mkdir -p ${shellQuote(this.dir)} && tar xf - -C ${shellQuote(this.dir)}`], tarStream(files, (e) => onFile(e as UploadFile)), true);
    // API servers before v5.channel.k8s.io cannot be told that stdin ended: the client library closes
    // the socket instead, so no status arrives. Then what is there says whether tar got everything.
    if (!r.ok && r.message === NO_STATUS) {
      const there = new Set(await this.list());
      const missing = files.filter((f) => !there.has(f.path)).map((f) => f.path);
      if (missing.length === 0) return;
      throw new ArtifactError('storage', `writing to ${this.uri} did not finish: missing ${missing.join(', ')}`);
    }
    if (!r.ok) throw new ArtifactError('storage', `writing to ${this.uri} failed in the upload pod: ${r.stderr.trim() || r.message}`);
  }

  async remove(rels: readonly string[]): Promise<void> {
    if (rels.length === 0) return;
    const r = await this.exec(['rm', '-f', '--', ...rels.map((x) => `${this.dir}/${x}`)], undefined, true);
    if (!r.ok) throw new ArtifactError('storage', `deleting from ${this.uri} failed: ${r.stderr.trim() || r.message}`);
  }

  async close(): Promise<void> {
    const pod = this.pod;
    this.pod = undefined;
    if (!pod) return;
    const name = await pod.catch(() => undefined);
    if (name) await this.core.deleteNamespacedPod({ name, namespace: this.kube.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  }

  /** Creates the pod once and waits until it runs (bounded); a pod that cannot start says why. */
  private ensurePod(): Promise<string> {
    this.pod ??= (async () => {
      let created: V1Pod;
      try {
        created = await this.core.createNamespacedPod({ namespace: this.kube.namespace, body: uploadPodManifest(this.target.claim, this.kube.namespace, this.kube.image) });
      } catch (err) {
        throw new ArtifactError('storage', `cannot start the upload pod for ${this.uri} in ${this.kube.namespace}: ${(err as Error).message}`, { cause: err });
      }
      const name = created.metadata!.name!;
      const deadline = Date.now() + (this.kube.readyTimeoutMs ?? 120_000);
      for (;;) {
        const pod = await this.core.readNamespacedPod({ name, namespace: this.kube.namespace });
        const phase = pod.status?.phase;
        if (phase === 'Running') return name;
        const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
        if (phase === 'Failed' || phase === 'Succeeded' || (waiting?.reason && /ImagePull|ErrImage|CreateContainerConfigError/.test(waiting.reason)) || Date.now() > deadline) {
          await this.core.deleteNamespacedPod({ name, namespace: this.kube.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
          const why = waiting?.reason ? `${waiting.reason}: ${waiting.message ?? ''}` : (pod.status?.conditions?.find((c) => c.status === 'False')?.message ?? `phase ${phase ?? 'unknown'}`);
          throw new ArtifactError('storage', `the upload pod for ${this.uri} did not start (${why}); is the claim ${this.target.claim} bound and mountable in ${this.kube.namespace}?`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    return this.pod;
  }

  /** Runs a command in the pod; resolves with its output when the API server reports its status. */
  private async exec(command: string[], stdin?: Readable, allowFailure = false): Promise<{ ok: boolean; stdout: string; stderr: string; message: string }> {
    const pod = await this.ensurePod();
    let stdout = '';
    let stderr = '';
    const collect = (append: (s: string) => void): Writable =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          append(chunk.toString('utf8'));
          cb();
        },
      });
    const result = await new Promise<{ ok: boolean; message: string }>((resolve, reject) => {
      new Exec(this.kube.kc)
        .exec(this.kube.namespace, pod, CONTAINER, command, collect((s) => (stdout += s)), collect((s) => (stderr += s)), stdin ?? null, false, (status: V1Status) => resolve({ ok: status.status === 'Success', message: status.message ?? '' }))
        .then((ws) => ws.on('close', () => resolve({ ok: false, message: NO_STATUS })))
        .catch((err: unknown) => reject(new ArtifactError('storage', `exec in the upload pod for ${this.uri} failed: ${(err as Error).message}`, { cause: err })));
    });
    if (!result.ok && !allowFailure) throw new ArtifactError('storage', `${command[0]} in the upload pod for ${this.uri} failed: ${stderr.trim() || result.message}`);
    return { ...result, stdout, stderr };
  }
}
