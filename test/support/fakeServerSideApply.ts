/**
 * Server-side apply for the fake Kubernetes API (test/support/fakeKubeApi.ts): field ownership per
 * manager, conflicts, force, removal of fields a manager stops applying, and metadata.managedFields
 * in the FieldsV1 format. Lists are owned and replaced whole (real SSA merges list-map items by key;
 * KServe's lists that ModelDeck writes are small and written whole, so the difference does not show).
 */

/** A field path: keys from the object root. */
export type FieldPath = string[];

/** Ownership of one object: manager → (operation, owned leaf paths). */
export type Ownership = Map<string, { operation: 'Apply' | 'Update'; paths: Map<string, FieldPath>; time: string }>;

/** A field another manager owns with a different value. */
export interface Conflict {
  manager: string;
  path: FieldPath;
}

// Identity fields are part of every apply but owned by nobody.
const IDENTITY = new Set(['["apiVersion"]', '["kind"]', '["metadata","name"]', '["metadata","namespace"]']);
// Fields the server owns (never part of an apply's ownership).
const SERVER_FIELDS = new Set(['status', 'metadata.managedFields', 'metadata.resourceVersion', 'metadata.generation', 'metadata.uid', 'metadata.creationTimestamp']);

/** Leaf paths of an object: scalars, lists and empty maps are leaves. */
export function leafPaths(value: unknown, prefix: FieldPath = []): FieldPath[] {
  if (isMap(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => {
      const path = [...prefix, k];
      if (v === undefined || SERVER_FIELDS.has(path.join('.'))) return [];
      return leafPaths(v, path);
    });
  }
  return prefix.length > 0 && !IDENTITY.has(key(prefix)) ? [prefix] : [];
}

/**
 * Applies `applied` for `manager` onto `current` (undefined: create). Returns the new object and
 * ownership, or the conflicts when there are some and `force` is off.
 */
export function serverSideApply(
  current: Record<string, unknown> | undefined,
  applied: Record<string, unknown>,
  ownership: Ownership,
  manager: string,
  force: boolean,
  now: string,
): { object: Record<string, unknown>; ownership: Ownership } | { conflicts: Conflict[] } {
  const next = structuredClone(current ?? {});
  const owners = cloneOwnership(ownership);
  const newPaths = leafPaths(applied);
  const conflicts: Conflict[] = [];
  for (const path of newPaths) {
    const same = deepEqual(valueAt(next, path), valueAt(applied, path));
    for (const [other, entry] of owners) {
      if (other === manager) continue;
      const overlapping = [...entry.paths.values()].filter((p) => isPrefix(p, path) || isPrefix(path, p));
      if (overlapping.length === 0) continue;
      if (same) continue; // agreeing on a value is shared ownership, not a conflict
      if (!force) conflicts.push({ manager: other, path });
      else for (const p of overlapping) entry.paths.delete(key(p));
    }
  }
  if (conflicts.length > 0) return { conflicts };

  const mine = owners.get(manager);
  const oldPaths = mine ? [...mine.paths.values()] : [];
  const newKeys = new Set(newPaths.map(key));
  for (const path of oldPaths) {
    if (newKeys.has(key(path))) continue;
    // Still wanted by another manager: it stays (they own it); else it goes.
    const ownedElsewhere = [...owners].some(([m, e]) => m !== manager && [...e.paths.values()].some((p) => isPrefix(p, path) || isPrefix(path, p)));
    if (!ownedElsewhere) deleteAt(next, path);
  }
  for (const path of newPaths) setAt(next, path, structuredClone(valueAt(applied, path)));
  for (const k of ['apiVersion', 'kind']) next[k] = applied[k];
  const meta = (next.metadata ??= {}) as Record<string, unknown>;
  const appliedMeta = (applied.metadata ?? {}) as Record<string, unknown>;
  meta.name = appliedMeta.name;
  if (appliedMeta.namespace !== undefined) meta.namespace = appliedMeta.namespace;
  owners.set(manager, { operation: 'Apply', paths: new Map(newPaths.map((p) => [key(p), p])), time: now });
  for (const [m, e] of owners) if (e.paths.size === 0) owners.delete(m);
  return { object: next, ownership: owners };
}

/**
 * A plain update (kubectl edit, a controller's PUT) by `manager`: it takes the fields whose value
 * it changed, from whoever owned them, without conflicts.
 */
export function recordUpdate(before: Record<string, unknown>, after: Record<string, unknown>, ownership: Ownership, manager: string, now: string): Ownership {
  const owners = cloneOwnership(ownership);
  const changed = leafPaths(after).filter((p) => !deepEqual(valueAt(before, p), valueAt(after, p)));
  const removed = leafPaths(before).filter((p) => valueAt(after, p) === undefined);
  for (const entry of owners.values()) for (const p of [...changed, ...removed]) for (const [k, q] of entry.paths) if (isPrefix(q, p) || isPrefix(p, q)) entry.paths.delete(k);
  const mine = owners.get(manager) ?? { operation: 'Update' as const, paths: new Map<string, FieldPath>(), time: now };
  for (const p of changed) mine.paths.set(key(p), p);
  owners.set(manager, { ...mine, operation: 'Update', time: now });
  for (const [m, e] of owners) if (e.paths.size === 0) owners.delete(m);
  return owners;
}

/** metadata.managedFields as the API server shows it (FieldsV1: `f:` keys, `{}` leaves). */
export function managedFieldsOf(ownership: Ownership, apiVersion: string): Record<string, unknown>[] {
  return [...ownership].map(([manager, e]) => {
    const fields: Record<string, unknown> = {};
    for (const path of e.paths.values()) {
      let node = fields;
      for (const s of path) node = (node[`f:${s}`] ??= {}) as Record<string, unknown>;
    }
    return { manager, operation: e.operation, apiVersion, time: e.time, fieldsType: 'FieldsV1', fieldsV1: fields };
  });
}

/** Human form of a path, as the API server writes it in conflict messages: `.spec.predictor.maxReplicas`. */
export function showPath(path: FieldPath): string {
  return path.map((s) => (/^[A-Za-z_][\w]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('');
}

function cloneOwnership(o: Ownership): Ownership {
  return new Map([...o].map(([m, e]) => [m, { ...e, paths: new Map(e.paths) }]));
}

function key(path: FieldPath): string {
  return JSON.stringify(path);
}

function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

export function valueAt(source: unknown, path: FieldPath): unknown {
  let node = source;
  for (const s of path) {
    if (!isMap(node)) return undefined;
    node = node[s];
  }
  return node;
}

function setAt(target: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let node = target;
  for (const s of path.slice(0, -1)) {
    if (!isMap(node[s])) node[s] = {};
    node = node[s] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

// Deletes a leaf and the maps it leaves empty behind it.
function deleteAt(target: Record<string, unknown>, path: FieldPath): void {
  const parents: Record<string, unknown>[] = [];
  let node: unknown = target;
  for (const s of path.slice(0, -1)) {
    if (!isMap(node)) return;
    parents.push(node);
    node = node[s];
  }
  if (!isMap(node)) return;
  delete node[path[path.length - 1]!];
  for (let i = path.length - 2; i >= 0; i--) {
    const parent = parents[i]!;
    const child = parent[path[i]!];
    if (isMap(child) && Object.keys(child).length === 0) delete parent[path[i]!];
    else break;
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
