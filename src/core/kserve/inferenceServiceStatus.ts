/**
 * What an InferenceService's status means to a person: one state, its URLs, traffic and replicas
 * (the Deployments view), and whether waiting for Ready is still worth it (the apply progress).
 * Pure: reads objects the client fetched.
 */
import { ISVC_POD_LABEL, MODELDECK_KEYS, STOP_ANNOTATION } from './kserveTypes';
import type { Condition, InferenceServiceObject, PodObject } from './kserveTypes';

/** The one-word state shown in the tree. */
export type InferenceServiceState = 'Ready' | 'Progressing' | 'Failed' | 'Stopped' | 'Deleting';

/** One row of the Deployments view for a remote deployment. */
export interface InferenceServiceSummary {
  /** InferenceService name. */
  name: string;
  /** Its namespace. */
  namespace: string;
  /** See {@link InferenceServiceState}. */
  state: InferenceServiceState;
  /** Why it is not Ready (or was stopped), in a sentence; undefined when Ready. */
  reason?: string;
  /** External URL (status.url), e.g. http://iris.ml-team.example.com. */
  url?: string;
  /** Cluster-internal URL (status.address.url). */
  internalUrl?: string;
  /** Traffic split of the predictor: revision, percent, whether it is the latest. */
  traffic: { revision: string; percent: number; latest: boolean; tag?: string }[];
  /** Pods of the service: how many are ready out of how many, and the configured range. */
  replicas: { ready: number; total: number; min?: number; max?: number };
  /** modelStatus.states.activeModelState (Pending, Loading, Loaded, FailedToLoad …). */
  modelState?: string;
  /** Registry model and version from ModelDeck's annotations, when it was deployed by ModelDeck. */
  model?: string;
  version?: string;
  /** True while the serving.kserve.io/stop annotation is "true". */
  stopped: boolean;
  /** False while the controller has not yet reconciled the latest spec (status is about an older one). */
  upToDate: boolean;
}

/** Whether to keep waiting for Ready. */
export type ReadinessVerdict =
  | { kind: 'ready' }
  | { kind: 'failed'; reasons: string[] }
  | { kind: 'waiting'; reason: string };

// Knative/KServe condition reasons after which the controller will not get further by itself.
const TERMINAL_CONDITION_REASONS = new Set(['RevisionFailed', 'ContainerMissing', 'ProgressDeadlineExceeded', 'InvalidSpec', 'NoSupportingRuntime', 'RuntimeNotRecognized', 'InvalidPredictorSpec']);
const TERMINAL_FAILURE_INFO = new Set(['ModelLoadFailed', 'NoSupportingRuntime', 'RuntimeNotRecognized', 'InvalidPredictorSpec', 'RuntimeDisabled']);
// Container waiting reasons that retrying will not fix. ErrImagePull alone is not here: the
// kubelet retries it and a registry hiccup clears; ImagePullBackOff means it already failed again.
const TERMINAL_WAITING_REASONS = new Set(['ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff', 'RunContainerError']);

/** The Ready condition (or any other by type). */
export function conditionOf(isvc: InferenceServiceObject, type = 'Ready'): Condition | undefined {
  return isvc.status?.conditions?.find((c) => c.type === type);
}

/** True while the stop annotation says "true" (KServe reads exactly that string). */
export function isStopped(isvc: InferenceServiceObject): boolean {
  return isvc.metadata.annotations?.[STOP_ANNOTATION] === 'true';
}

/** Pods that belong to the service (by KServe's label). */
export function podsOf(name: string, pods: readonly PodObject[]): PodObject[] {
  return pods.filter((p) => p.metadata.labels?.[ISVC_POD_LABEL] === name);
}

/**
 * Ready, certainly failed, or still worth waiting for. Status written for an older generation is
 * not trusted: right after an update it still says Ready about the previous spec.
 */
export function readinessVerdict(isvc: InferenceServiceObject, pods: readonly PodObject[] = []): ReadinessVerdict {
  if (isvc.metadata.deletionTimestamp) return { kind: 'failed', reasons: ['it is being deleted'] };
  if (isStopped(isvc)) return { kind: 'failed', reasons: [`it is stopped (${STOP_ANNOTATION}: "true"); start it to serve again`] };
  const generation = isvc.metadata.generation;
  const observed = isvc.status?.observedGeneration;
  const current = generation === undefined || (observed !== undefined && observed >= generation);
  // Pods of the revision being rolled out only: the previous one may still crash-loop while its
  // fix rolls out, and that must not fail the wait for the fix.
  const failures = [...statusFailures(isvc, current), ...(current ? podFailures(currentRevisionPods(isvc, pods)) : [])];
  if (failures.length > 0) return { kind: 'failed', reasons: failures };
  if (!current) return { kind: 'waiting', reason: `the KServe controller has not reconciled generation ${generation} yet` };
  const ready = conditionOf(isvc);
  if (ready?.status === 'True') return { kind: 'ready' };
  return { kind: 'waiting', reason: waitingReason(isvc, pods) };
}

/** The row for the tree. */
export function summarizeInferenceService(isvc: InferenceServiceObject, pods: readonly PodObject[] = []): InferenceServiceSummary {
  const own = podsOf(isvc.metadata.name, pods).filter((p) => !p.metadata.deletionTimestamp);
  const predictor = (isvc.spec as { predictor?: { minReplicas?: number; maxReplicas?: number } }).predictor ?? {};
  const verdict = readinessVerdict(isvc, pods);
  const stopped = isStopped(isvc);
  const state: InferenceServiceState = isvc.metadata.deletionTimestamp
    ? 'Deleting'
    : stopped
      ? 'Stopped'
      : verdict.kind === 'ready'
        ? 'Ready'
        : verdict.kind === 'failed'
          ? 'Failed'
          : 'Progressing';
  const summary: InferenceServiceSummary = {
    name: isvc.metadata.name,
    namespace: isvc.metadata.namespace ?? 'default',
    state,
    traffic: (isvc.status?.components?.predictor?.traffic ?? []).map((t) => ({
      revision: t.revisionName ?? t.tag ?? '(unnamed)',
      percent: t.percent ?? 0,
      latest: t.latestRevision === true,
      ...(t.tag ? { tag: t.tag } : {}),
    })),
    replicas: {
      ready: own.filter(isPodReady).length,
      total: own.length,
      ...(predictor.minReplicas !== undefined ? { min: predictor.minReplicas } : {}),
      ...(predictor.maxReplicas !== undefined ? { max: predictor.maxReplicas } : {}),
    },
    stopped,
    upToDate: isvc.metadata.generation === undefined || (isvc.status?.observedGeneration ?? -1) >= isvc.metadata.generation,
  };
  if (verdict.kind === 'failed') summary.reason = verdict.reasons.join('; ');
  else if (verdict.kind === 'waiting') summary.reason = verdict.reason;
  if (isvc.status?.url) summary.url = isvc.status.url;
  if (isvc.status?.address?.url) summary.internalUrl = isvc.status.address.url;
  const modelState = isvc.status?.modelStatus?.states?.activeModelState;
  if (modelState) summary.modelState = modelState;
  const model = isvc.metadata.annotations?.[MODELDECK_KEYS.model];
  if (model) summary.model = model;
  const version = isvc.metadata.annotations?.[MODELDECK_KEYS.version];
  if (version) summary.version = version;
  return summary;
}

/**
 * Pods of the latest created revision of each component (Knative labels pods with their revision;
 * pods without the label, as in RawDeployment mode, all count).
 */
export function currentRevisionPods(isvc: InferenceServiceObject, pods: readonly PodObject[]): PodObject[] {
  return podsOf(isvc.metadata.name, pods).filter((p) => {
    const revision = p.metadata.labels?.['serving.knative.dev/revision'];
    const latest = isvc.status?.components?.[p.metadata.labels?.component ?? 'predictor']?.latestCreatedRevision;
    return revision === undefined || latest === undefined || revision === latest;
  });
}

/** A pod counts as a ready replica when its Ready condition is True. */
export function isPodReady(pod: PodObject): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function statusFailures(isvc: InferenceServiceObject, current: boolean): string[] {
  const out: string[] = [];
  const ms = isvc.status?.modelStatus;
  const info = ms?.lastFailureInfo;
  const blocked = ms?.transitionStatus === 'BlockedByFailedLoad' || ms?.transitionStatus === 'InvalidSpec';
  const failedState = ms?.states?.activeModelState === 'FailedToLoad' || ms?.states?.targetModelState === 'FailedToLoad';
  if (current && (blocked || failedState || (info?.reason && TERMINAL_FAILURE_INFO.has(info.reason)))) {
    const what = info?.reason ?? ms?.transitionStatus ?? 'FailedToLoad';
    out.push(`${what}${info?.message ? `: ${info.message}` : ''}`);
  }
  if (current) {
    for (const c of isvc.status?.conditions ?? []) {
      if (c.status === 'False' && c.reason && TERMINAL_CONDITION_REASONS.has(c.reason)) {
        const text = `${c.type} ${c.reason}${c.message ? `: ${c.message}` : ''}`;
        if (!out.some((o) => o.includes(c.message ?? text))) out.push(text);
      }
    }
  }
  return out;
}

function podFailures(pods: readonly PodObject[]): string[] {
  const out: string[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const cs of statuses) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && TERMINAL_WAITING_REASONS.has(waiting.reason)) {
        const last = cs.lastState?.terminated;
        const lastText = last ? ` (last exit ${last.exitCode ?? '?'}${last.reason ? `: ${last.reason}` : ''})` : '';
        out.push(`${cs.name} in pod ${pod.metadata.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}${lastText}`);
      }
    }
  }
  return out;
}

function waitingReason(isvc: InferenceServiceObject, pods: readonly PodObject[]): string {
  const own = currentRevisionPods(isvc, pods);
  for (const pod of own) {
    const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unscheduled) return `pod ${pod.metadata.name} is not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'no node fits'}`;
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      if (cs.state?.waiting?.reason && cs.state.waiting.reason !== 'PodInitializing' && cs.state.waiting.reason !== 'ContainerCreating') {
        return `${cs.name} in pod ${pod.metadata.name}: ${cs.state.waiting.reason}${cs.state.waiting.message ? `: ${cs.state.waiting.message}` : ''}`;
      }
    }
  }
  const pending = (isvc.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.status !== 'True');
  const first = pending.find((c) => c.message) ?? pending[0];
  if (first) return `${first.type} is ${first.status}${first.reason ? ` (${first.reason})` : ''}${first.message ? `: ${first.message}` : ''}`;
  const state = isvc.status?.modelStatus?.states?.activeModelState;
  if (state && state !== 'Loaded') return `the model is ${state}`;
  if (own.length > 0) return `${own.length} pod(s): ${own.map((p) => `${p.metadata.name} ${p.status?.phase ?? 'Pending'}`).join(', ')}`;
  return 'waiting for the Ready condition';
}
