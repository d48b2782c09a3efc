/**
 * The example workspace: the bundled example registry (examples/models), its deployment files
 * (examples/.modeldeck/deployments) and request files (examples/requests), copied into a folder the
 * user picks. Existing files are never overwritten without asking: the plan sorts every file into
 * "create", "unchanged" (same bytes already there), "conflicts" (other content: only on the user's
 * word) and "blocked" (a folder or link where the file goes: never touched). No vscode here.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The parts of the bundled `examples/` folder that make the example workspace (relative, `/`). */
export const EXAMPLE_WORKSPACE_PARTS = ['models', '.modeldeck/deployments', 'requests', 'scripts'] as const;

/** What the target folder holds where an example file would go. */
export type TargetState = 'missing' | 'identical' | 'different' | 'notAFile';

/** One example file (path relative to `examples/`, with `/`) and what the target has there. */
export interface ExampleFile {
  path: string;
  target: TargetState;
}

/** Every example file sorted by what copying it would do. */
export interface ExampleCopyPlan {
  /** The target lacks them: copied. */
  create: string[];
  /** The target has the same bytes: left alone. */
  unchanged: string[];
  /** The target has other content: overwritten only when the user says so. */
  conflicts: string[];
  /** A folder, a link or something under a file sits where they go: never touched. */
  blocked: string[];
}

/** What the user answered about conflicts: replace them with the examples, or keep theirs. */
export type ConflictChoice = 'overwrite' | 'keep';

/** A relative path with `/` that stays inside the folder it is relative to. */
export function isSafeRelativePath(p: string): boolean {
  if (!p || p.includes('\\') || p.includes('\0') || path.posix.isAbsolute(p) || /^[A-Za-z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Sorts the files into the plan's groups (each sorted); refuses a path that would leave the target. */
export function planExampleCopy(files: readonly ExampleFile[]): ExampleCopyPlan {
  const plan: ExampleCopyPlan = { create: [], unchanged: [], conflicts: [], blocked: [] };
  const seen = new Set<string>();
  for (const f of files) {
    if (!isSafeRelativePath(f.path)) throw new Error(`example file path "${f.path}" is not a relative path inside the examples`);
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    const group = f.target === 'missing' ? plan.create : f.target === 'identical' ? plan.unchanged : f.target === 'different' ? plan.conflicts : plan.blocked;
    group.push(f.path);
  }
  for (const g of Object.values(plan)) g.sort();
  return plan;
}

/**
 * The files to write: the missing ones, plus the conflicting ones only with `overwrite`. With
 * conflicts and no choice this throws: nothing may be overwritten without asking.
 */
export function filesToWrite(plan: ExampleCopyPlan, choice?: ConflictChoice): { path: string; overwrite: boolean }[] {
  if (plan.conflicts.length > 0 && choice === undefined) {
    throw new Error(`the folder already has ${count(plan.conflicts.length)} with other content than the examples; ask before overwriting them`);
  }
  return [
    ...plan.create.map((p) => ({ path: p, overwrite: false })),
    ...(choice === 'overwrite' ? plan.conflicts.map((p) => ({ path: p, overwrite: true })) : []),
  ];
}

/** One line for the user: what copying does (or did) with each group. */
export function describePlan(plan: ExampleCopyPlan, choice?: ConflictChoice): string {
  const parts = [`${count(plan.create.length)} new`];
  const k = plan.conflicts.length;
  if (k) parts.push(choice === 'overwrite' ? `${count(k)} overwritten` : choice === 'keep' ? `${count(k)} of yours kept` : `${count(k)} ${k === 1 ? 'differs' : 'differ'} from the examples`);
  if (plan.unchanged.length) parts.push(`${count(plan.unchanged.length)} already the same`);
  if (plan.blocked.length) parts.push(`${count(plan.blocked.length)} skipped (a folder or link is in the way)`);
  return parts.join(', ');
}

function count(n: number): string {
  return `${n} file${n === 1 ? '' : 's'}`;
}

/** The example workspace's files under `examplesRoot` (relative, `/`, sorted); `__pycache__` skipped. */
export async function listExampleFiles(examplesRoot: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(path.join(examplesRoot, ...rel.split('/')), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== '__pycache__') await walk(child);
      } else if (e.isFile()) {
        out.push(child);
      }
    }
  };
  for (const part of EXAMPLE_WORKSPACE_PARTS) await walk(part);
  return out.sort();
}

/** What `targetRoot` holds at each file's place (compared byte for byte with the example). */
export async function inspectTarget(examplesRoot: string, targetRoot: string, files: readonly string[]): Promise<ExampleFile[]> {
  const out: ExampleFile[] = [];
  for (const rel of files) {
    if (!isSafeRelativePath(rel)) throw new Error(`example file path "${rel}" is not a relative path inside the examples`);
    out.push({ path: rel, target: await targetState(path.join(examplesRoot, ...rel.split('/')), targetRoot, path.join(targetRoot, ...rel.split('/'))) });
  }
  return out;
}

async function targetState(source: string, targetRoot: string, target: string): Promise<TargetState> {
  let st;
  try {
    st = await fs.lstat(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // A parent that is a file or a link (not a folder) blocks it too.
      return (await parentsAreFolders(targetRoot, target)) ? 'missing' : 'notAFile';
    }
    if (code === 'ENOTDIR') return 'notAFile';
    throw err;
  }
  if (!st.isFile()) return 'notAFile';
  const src = await fs.stat(source);
  if (src.size !== st.size) return 'different';
  const [a, b] = await Promise.all([fs.readFile(source), fs.readFile(target)]);
  return a.equals(b) ? 'identical' : 'different';
}

/**
 * Whether the nearest existing ancestor of `p` below `root` is a real folder (not a file, not a link
 * that would send the copy elsewhere). `root` itself is the user's pick and may be a link.
 */
async function parentsAreFolders(root: string, p: string): Promise<boolean> {
  let dir = path.dirname(p);
  for (;;) {
    if (path.relative(root, dir) === '') return true;
    try {
      const st = await fs.lstat(dir);
      if (!st.isDirectory()) return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const up = path.dirname(dir);
      if (up === dir) return true;
      dir = up;
      continue;
    }
    // The first existing ancestor is a folder: the rest of the chain gets created.
    return true;
  }
}

/**
 * Copies the files from `filesToWrite`. A file planned as new is written with COPYFILE_EXCL, so one
 * that appeared since the plan was made is never overwritten (the copy fails with its name instead).
 */
export async function copyExampleFiles(examplesRoot: string, targetRoot: string, files: readonly { path: string; overwrite: boolean }[]): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    if (!isSafeRelativePath(f.path)) throw new Error(`example file path "${f.path}" is not a relative path inside the examples`);
    const dest = path.join(targetRoot, ...f.path.split('/'));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      await fs.copyFile(path.join(examplesRoot, ...f.path.split('/')), dest, f.overwrite ? 0 : fsConstants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${f.path} appeared in ${targetRoot} while copying; it was left as it is`);
      throw err;
    }
    written.push(f.path);
  }
  return written;
}
