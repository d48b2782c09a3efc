/**
 * "Why not ready?": everything that explains an InferenceService that is not serving, gathered in
 * one place — conditions and their messages, status.modelStatus (states, lastFailureInfo), recent
 * events of the service and its pods, pod phases and container states — plus plain-language
 * findings with what to do. Pure: the client fetches, this reads.
 */
import { readinessVerdict } from './inferenceServiceStatus';
import type { ReadinessVerdict } from './inferenceServiceStatus';
import type { Condition, ContainerStatus, EventObject, InferenceServiceObject, ModelStatus, PodObject } from './kserveTypes';

/** One container of a pod as the diagnosis shows it. */
export interface ContainerReport {
  name: string;
  /** Init containers (storage-initializer) run before the others. */
  init: boolean;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** Waiting or terminated reason: ImagePullBackOff, CrashLoopBackOff, OOMKilled, Completed, Error … */
  reason?: string;
  message?: string;
  exitCode?: number;
  restarts: number;
  ready: boolean;
  /** How the previous run ended, when it restarted. */
  lastTermination?: { reason?: string; exitCode?: number; message?: string };
}

/** One pod. */
export interface PodReport {
  name: string;
  /** predictor or transformer (KServe's `component` label). */
  component?: string;
  phase: string;
  /** Unschedulable and similar pod-level trouble. */
  problem?: string;
  containers: ContainerReport[];
}

/** One event, newest first in {@link Diagnosis.events}. */
export interface EventReport {
  /** "InferenceService/iris" or "Pod/iris-predictor-…". */
  object: string;
  type: string;
  reason: string;
  message: string;
  count: number;
  /** ISO time of the last occurrence, when known. */
  time?: string;
}

/** The whole picture. */
export interface Diagnosis {
  name: string;
  namespace: string;
  verdict: ReadinessVerdict;
  /** Not-True conditions first, then the rest. */
  conditions: Condition[];
  modelStatus?: ModelStatus;
  pods: PodReport[];
  events: EventReport[];
  /** Plain sentences: what is wrong and what to do, most telling first. */
  findings: string[];
}

/** Most events worth reading; a crash loop can write hundreds. */
const MAX_EVENTS = 30;

/** Builds the diagnosis from what the cluster returned (missing pieces simply stay empty). */
export function diagnose(isvc: InferenceServiceObject, pods: readonly PodObject[], events: readonly EventObject[]): Diagnosis {
  const conditions = [...(isvc.status?.conditions ?? [])].sort((a, b) => Number(a.status === 'True') - Number(b.status === 'True'));
  const podReports = pods.map(podReport);
  const eventReports = events
    .map(eventReport)
    .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''))
    .slice(0, MAX_EVENTS);
  const diagnosis: Diagnosis = {
    name: isvc.metadata.name,
    namespace: isvc.metadata.namespace ?? 'default',
    verdict: readinessVerdict(isvc, pods),
    conditions,
    pods: podReports,
    events: eventReports,
    findings: findingsFor(isvc, podReports, eventReports),
  };
  if (isvc.status?.modelStatus) diagnosis.modelStatus = isvc.status.modelStatus;
  return diagnosis;
}

/** Markdown for the "Why not ready?" view (and for a log). */
export function formatDiagnosis(d: Diagnosis): string {
  const lines: string[] = [`# Why is ${d.namespace}/${d.name} not ready?`, ''];
  const headline =
    d.verdict.kind === 'ready' ? 'It is Ready.' : d.verdict.kind === 'failed' ? `Failed: ${d.verdict.reasons.join('; ')}` : `Still starting: ${d.verdict.reason}`;
  lines.push(headline, '');
  if (d.findings.length > 0) {
    lines.push('## Findings', '', ...d.findings.map((f) => `- ${f}`), '');
  }
  lines.push('## Conditions', '');
  if (d.conditions.length === 0) lines.push('No conditions yet: the KServe controller has not reported on it (is KServe installed and running?).');
  else {
    lines.push('| type | status | reason | message |', '| --- | --- | --- | --- |');
    for (const c of d.conditions) lines.push(`| ${c.type} | ${c.status} | ${c.reason ?? ''} | ${cell(c.message)} |`);
  }
  lines.push('', '## Model status', '');
  const ms = d.modelStatus;
  if (!ms) lines.push('Not reported.');
  else {
    lines.push(`- transition: ${ms.transitionStatus ?? '?'}`);
    lines.push(`- active model state: ${ms.states?.activeModelState ?? '?'}; target: ${ms.states?.targetModelState || '-'}`);
    if (ms.copies) lines.push(`- copies: ${ms.copies.totalCopies ?? '?'} total, ${ms.copies.failedCopies ?? 0} failed`);
    const f = ms.lastFailureInfo;
    if (f) {
      lines.push(`- last failure: ${f.reason ?? '?'}${f.location ? ` in ${f.location}` : ''}${f.exitCode !== undefined ? `, exit code ${f.exitCode}` : ''}${f.time ? ` at ${f.time}` : ''}`);
      if (f.message) lines.push('', '```text', f.message, '```');
    }
  }
  lines.push('', '## Pods', '');
  if (d.pods.length === 0) lines.push('No pods (scaled to zero, stopped, or not created yet).');
  for (const p of d.pods) {
    lines.push(`### ${p.name}${p.component ? ` (${p.component})` : ''}: ${p.phase}`);
    if (p.problem) lines.push('', p.problem);
    lines.push('', '| container | state | reason | restarts | last termination |', '| --- | --- | --- | --- | --- |');
    for (const c of p.containers) {
      const state = `${c.state}${c.ready ? ', ready' : ''}${c.exitCode !== undefined ? `, exit ${c.exitCode}` : ''}`;
      const last = c.lastTermination ? `${c.lastTermination.reason ?? ''} ${c.lastTermination.exitCode !== undefined ? `(exit ${c.lastTermination.exitCode})` : ''}`.trim() : '';
      lines.push(`| ${c.init ? `${c.name} (init)` : c.name} | ${state} | ${cell([c.reason, c.message].filter(Boolean).join(': '))} | ${c.restarts} | ${cell(last)} |`);
    }
    lines.push('');
  }
  lines.push('## Recent events', '');
  if (d.events.length === 0) lines.push('None (events expire after an hour by default).');
  else {
    lines.push('| time | object | type | reason | message |', '| --- | --- | --- | --- | --- |');
    for (const e of d.events) lines.push(`| ${e.time ?? ''} | ${e.object} | ${e.type} | ${e.reason} | ${cell(e.message)}${e.count > 1 ? ` (×${e.count})` : ''} |`);
  }
  return `${lines.join('\n')}\n`;
}

function podReport(pod: PodObject): PodReport {
  const containers = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => containerReport(s, true)),
    ...(pod.status?.containerStatuses ?? []).map((s) => containerReport(s, false)),
  ];
  // Containers the kubelet has not reported yet are still worth listing (a pod stuck Pending).
  for (const [list, init] of [[pod.spec?.initContainers ?? [], true], [pod.spec?.containers ?? [], false]] as const) {
    for (const c of list) {
      if (!containers.some((r) => r.name === c.name && r.init === init)) containers.push({ name: c.name, init, state: 'unknown', restarts: 0, ready: false });
    }
  }
  const report: PodReport = { name: pod.metadata.name, phase: pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Unknown'), containers };
  const component = pod.metadata.labels?.component;
  if (component) report.component = component;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) report.problem = `Not scheduled (${unscheduled.reason ?? 'Unschedulable'}): ${unscheduled.message ?? ''}`.trim();
  else if (pod.status?.reason) report.problem = `${pod.status.reason}${pod.status.message ? `: ${pod.status.message}` : ''}`;
  return report;
}

function containerReport(s: ContainerStatus, init: boolean): ContainerReport {
  const report: ContainerReport = { name: s.name, init, state: 'unknown', restarts: s.restartCount ?? 0, ready: s.ready === true };
  const { waiting, running, terminated } = s.state ?? {};
  if (waiting) Object.assign(report, { state: 'waiting' }, defined({ reason: waiting.reason, message: waiting.message }));
  else if (running) report.state = 'running';
  else if (terminated) Object.assign(report, { state: 'terminated' }, defined({ reason: terminated.reason, message: terminated.message, exitCode: terminated.exitCode }));
  const last = s.lastState?.terminated;
  if (last) report.lastTermination = defined({ reason: last.reason, exitCode: last.exitCode, message: last.message });
  return report;
}

function eventReport(e: EventObject): EventReport {
  const report: EventReport = {
    object: `${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}`,
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? 1,
  };
  const time = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
  if (time) report.time = time;
  return report;
}

function findingsFor(isvc: InferenceServiceObject, pods: PodReport[], events: EventReport[]): string[] {
  const out: string[] = [];
  const info = isvc.status?.modelStatus?.lastFailureInfo;
  if (info?.reason === 'ModelLoadFailed') {
    out.push(`The model failed to load${info.location ? ` in ${info.location}` : ''}: ${info.message ?? 'no message'}. Check that storageUri holds a model.onnx the server can open.`);
  } else if (info?.reason === 'NoSupportingRuntime' || info?.reason === 'RuntimeNotRecognized') {
    out.push(`No serving runtime takes this model (${info.reason}${info.message ? `: ${info.message}` : ''}). Install ModelDeck's ClusterServingRuntime or set kserve.runtime to one that supports the format and protocol.`);
  } else if (info?.reason) {
    out.push(`${info.reason}${info.message ? `: ${info.message}` : ''}`);
  }
  for (const pod of pods) {
    for (const c of pod.containers) {
      const where = `${c.name} in ${pod.name}`;
      const oom = c.reason === 'OOMKilled' || c.lastTermination?.reason === 'OOMKilled';
      if (oom) out.push(`${where} was killed for using more memory than its limit (OOMKilled). Raise resources.memory.`);
      if (c.reason === 'ImagePullBackOff' || c.reason === 'ErrImagePull' || c.reason === 'InvalidImageName') {
        out.push(`${where} cannot pull its image (${c.reason}${c.message ? `: ${c.message}` : ''}). Check the image name and tag, and that the namespace has the pull secret.`);
      } else if (c.reason === 'CrashLoopBackOff' && !oom) {
        const last = c.lastTermination;
        out.push(`${where} keeps crashing (restarted ${c.restarts} times${last ? `; last exit ${last.exitCode ?? '?'}${last.reason ? ` ${last.reason}` : ''}` : ''}). Its log says why: Show Logs.`);
      } else if (c.reason === 'CreateContainerConfigError' || c.reason === 'CreateContainerError') {
        out.push(`${where} cannot be created (${c.reason}${c.message ? `: ${c.message}` : ''}).`);
      }
      if (c.init && c.name === 'storage-initializer' && ((c.state === 'terminated' && (c.exitCode ?? 0) !== 0) || c.reason === 'CrashLoopBackOff')) {
        out.push(`The storage-initializer could not fetch the model. Check kserve.storageUri and the storage credentials (service account or secret) of the namespace.`);
      }
    }
    if (pod.problem?.startsWith('Not scheduled')) out.push(`${pod.name}: ${pod.problem}. Lower resources (cpu, memory, gpu) or add nodes.`);
  }
  for (const c of isvc.status?.conditions ?? []) {
    if (c.status === 'False' && c.message && !out.some((f) => f.includes(c.message!))) out.push(`${c.type}: ${c.message}`);
  }
  const warnings = events.filter((e) => e.type === 'Warning');
  if (out.length === 0 && warnings.length > 0) out.push(`Latest warning on ${warnings[0]!.object}: ${warnings[0]!.reason}: ${warnings[0]!.message}`);
  if (out.length === 0 && (isvc.status?.conditions ?? []).length === 0) {
    out.push('The KServe controller has not written any status. Is KServe installed in the cluster and its controller running?');
  }
  return [...new Set(out)];
}

function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Table cells: one line, no pipe characters breaking the table.
function cell(text: string | undefined): string {
  return (text ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
