/**
 * Saved load tests of a workspace: `.modeldeck/loadtests/<deployment>/<time>.json` with a Markdown
 * twin, so runs can be compared later (and committed, or not, as the user likes).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseRecord, recordMarkdown, type LoadTestRecord } from './loadTestReport';

/** A deployment key as one folder name (remote keys hold `:` and `/`). */
export function runFolderName(deployment: string): string {
  return deployment.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function runsFolder(workspaceFolder: string, deployment: string): string {
  return path.join(workspaceFolder, '.modeldeck', 'loadtests', runFolderName(deployment));
}

/** Saved runs of a deployment, newest first; unreadable files are skipped. */
export async function listRuns(workspaceFolder: string, deployment: string): Promise<{ file: string; record: LoadTestRecord }[]> {
  const dir = runsFolder(workspaceFolder, deployment);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out: { file: string; record: LoadTestRecord }[] = [];
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    const file = path.join(dir, n);
    try {
      const record = parseRecord(JSON.parse(await fs.readFile(file, 'utf8')));
      if (record && record.deployment === deployment) out.push({ file, record });
    } catch {
      // a half-written or hand-edited file: not a run to compare with
    }
  }
  return out.sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
}

/** Writes the run (JSON + Markdown, compared with `earlier` when given); returns both paths. */
export async function saveRun(workspaceFolder: string, record: LoadTestRecord, earlier?: LoadTestRecord): Promise<{ json: string; markdown: string }> {
  const dir = runsFolder(workspaceFolder, record.deployment);
  await fs.mkdir(dir, { recursive: true });
  const base = path.join(dir, record.startedAt.replace(/[:.]/g, '-'));
  const json = `${base}.json`;
  const markdown = `${base}.md`;
  await fs.writeFile(json, JSON.stringify(record, null, 2) + '\n');
  await fs.writeFile(markdown, recordMarkdown(record, earlier));
  return { json, markdown };
}
