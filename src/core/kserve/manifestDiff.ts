/**
 * What applying a manifest would change, limited to the fields ModelDeck manages: the fields in
 * the new manifest plus those the cluster records as owned by our field manager (server-side
 * apply removes a field we applied before and no longer apply). Fields the cluster or other tools
 * own (defaults, status, someone's `kubectl edit` of another field) are not ours and not shown.
 * Lists are compared whole, as KServe's container lists are replaced whole by an apply.
 */
import { FIELD_MANAGER } from './kserveTypes';
import type { InferenceServiceManifest, InferenceServiceObject } from './kserveTypes';

/** One changed field. */
export interface FieldChange {
  /** Readable path: spec.predictor.maxReplicas, metadata.labels["modeldeck.dev/version"]. */
  path: string;
  /** The same path as keys, for tools. */
  segments: string[];
  kind: 'added' | 'removed' | 'changed';
  /** Value in the cluster (absent for "added"). */
  before?: unknown;
  /** Value in the new manifest (absent for "removed"). */
  after?: unknown;
}

// Identity, not content: an apply never changes these.
const IDENTITY = new Set(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace']);

/** The changes from the live object (undefined: not in the cluster yet) to `desired`. */
export function diffManifest(
  desired: InferenceServiceManifest,
  live: InferenceServiceObject | undefined,
  manager: string = FIELD_MANAGER,
): FieldChange[] {
  const paths = new Map<string, string[]>();
  for (const segments of leafPaths(desired)) paths.set(key(segments), segments);
  if (live) for (const segments of ownedPaths(live, manager)) paths.set(key(segments), segments);
  const changes: FieldChange[] = [];
  for (const segments of paths.values()) {
    const path = formatFieldPath(segments);
    if (IDENTITY.has(path)) continue;
    const before = live ? valueAt(live, segments) : undefined;
    const after = valueAt(desired, segments);
    if (deepEqual(before, after)) continue;
    const change: FieldChange = { path, segments, kind: before === undefined ? 'added' : after === undefined ? 'removed' : 'changed' };
    if (before !== undefined) change.before = before;
    if (after !== undefined) change.after = after;
    changes.push(change);
  }
  // Code-point order: the same on every machine, whatever its locale.
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One line per change: `~ path: before → after`, `+ path: value`, `- path: value`. */
export function formatManifestDiff(changes: readonly FieldChange[]): string {
  if (changes.length === 0) return 'No changes to the fields ModelDeck manages.\n';
  const lines = changes.map((c) => {
    if (c.kind === 'added') return `+ ${c.path}: ${show(c.after)}`;
    if (c.kind === 'removed') return `- ${c.path}: ${show(c.before)}`;
    return `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`;
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The live object and the manifest cut down to the managed fields, for a side-by-side diff
 * editor (two YAML documents that differ exactly where {@link diffManifest} says).
 */
export function managedFieldsView(
  desired: InferenceServiceManifest,
  live: InferenceServiceObject | undefined,
  manager: string = FIELD_MANAGER,
): { live: Record<string, unknown>; desired: Record<string, unknown> } {
  const paths = [...leafPaths(desired), ...(live ? ownedPaths(live, manager) : [])];
  const pick = (source: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const segments of paths) {
      const value = valueAt(source, segments);
      if (value !== undefined) setAt(out, segments, value);
    }
    return out;
  };
  return { live: live ? pick(live) : {}, desired: pick(desired) };
}

/**
 * Leaf paths a manager owns according to metadata.managedFields (fieldsV1: `f:name` keys; `k:`,
 * `v:` and `i:` enter list items, so the list itself is taken as the leaf).
 */
export function ownedPaths(live: InferenceServiceObject, manager: string = FIELD_MANAGER): string[][] {
  const out = new Map<string, string[]>();
  for (const entry of live.metadata.managedFields ?? []) {
    if (entry.manager !== manager || entry.subresource === 'status' || !entry.fieldsV1) continue;
    walkFields(entry.fieldsV1, [], (segments) => out.set(key(segments), segments));
  }
  return [...out.values()];
}

/** `spec.predictor.model.storageUri`, `metadata.labels["modeldeck.dev/model"]`. */
export function formatFieldPath(segments: readonly string[]): string {
  return segments.map((s, i) => (/^[A-Za-z_$][\w$]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`)).join('');
}

function walkFields(node: Record<string, unknown>, prefix: string[], emit: (segments: string[]) => void): void {
  const children = Object.entries(node).filter(([k]) => k !== '.');
  if (children.length === 0) {
    if (prefix.length > 0) emit(prefix);
    return;
  }
  for (const [k, child] of children) {
    if (k.startsWith('f:')) walkFields((child ?? {}) as Record<string, unknown>, [...prefix, k.slice(2)], emit);
    else emit(prefix); // k:/v:/i: — an item of a list: the list is the unit we compare
  }
}

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : leafPaths(v, [...prefix, k])));
  }
  return prefix.length > 0 ? [prefix] : [];
}

function valueAt(source: unknown, segments: readonly string[]): unknown {
  let node = source;
  for (const s of segments) {
    if (!isPlainObject(node)) return undefined;
    node = node[s];
  }
  return node;
}

function setAt(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node = target;
  for (const s of segments.slice(0, -1)) {
    if (!isPlainObject(node[s])) node[s] = {};
    node = node[s] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function key(segments: readonly string[]): string {
  return JSON.stringify(segments);
}

function show(value: unknown): string {
  return JSON.stringify(value);
}
