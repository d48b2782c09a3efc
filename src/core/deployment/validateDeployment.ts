/**
 * Validation, defaults and file handling for deployment specs. The shipped JSON schema is the
 * single source of the per-key rules (VS Code validates with it too); rules that relate several
 * keys live here in code.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import deploymentSchema from '../../../schemas/deployment.schema.json';
import { createSchemaChecker, showValue } from '../schemaProblems';
import { applyDeploymentDefaults } from './deploymentSpec';
import type { DeploymentInput, DeploymentSpec } from './deploymentSpec';
import { DeploymentSpecError } from './deploymentErrors';
import type { DeploymentProblem } from './deploymentErrors';

// Callers validating specs need the error type too; one import site keeps that simple.
export { DeploymentSpecError } from './deploymentErrors';
export type { DeploymentProblem } from './deploymentErrors';

/** Outcome of {@link validateDeployment}: a complete spec plus advice, or every problem found. */
export type DeploymentValidation =
  | { ok: true; spec: DeploymentSpec; warnings: string[] }
  | { ok: false; problems: DeploymentProblem[] };

const checkSchema = createSchemaChecker(deploymentSchema, { separator: ': ', rootLabel: 'deployment spec' });

const DNS_LABEL = new RegExp(deploymentSchema.properties.name.pattern);
const DNS_LABEL_MAX = deploymentSchema.properties.name.maxLength;
const CPU_PATTERN = new RegExp(deploymentSchema.properties.resources.properties.cpu.pattern);
const MEMORY_PATTERN = new RegExp(deploymentSchema.properties.resources.properties.memory.pattern);

/** Checks a parsed deployment (the on-disk form) and fills defaults; never throws. */
export function validateDeployment(input: unknown): DeploymentValidation {
  const problems = [...checkSchema(input), ...crossFieldProblems(input)];
  if (problems.length > 0) return { ok: false, problems };
  const spec = applyDeploymentDefaults(input as DeploymentInput);
  return { ok: true, spec, warnings: deploymentWarnings(spec) };
}

/** Validates and fills defaults; throws {@link DeploymentSpecError} (reason "invalid") listing every problem. */
export function parseDeployment(input: unknown, source?: string): DeploymentSpec {
  const result = validateDeployment(input);
  if (!result.ok) throw new DeploymentSpecError(result.problems, { source, reason: 'invalid' });
  return result.spec;
}

/**
 * Parses JSON text (a file's contents) then validates it. Malformed JSON becomes a problem at
 * path "" naming the file, the parser's message and, when known, the line and column.
 */
export function parseDeploymentText(text: string, source?: string): DeploymentSpec {
  let json: unknown;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const what = source === undefined ? 'deployment spec' : path.basename(source);
    const message = `${what} is not valid JSON: ${jsonErrorMessage(err, text)}`;
    throw new DeploymentSpecError([{ path: '', message }], { source, reason: 'invalid' });
  }
  return parseDeployment(json, source);
}

/** `<root>/.modeldeck/deployments/<name>.json`; refuses names that are not DNS-1123 labels (they could escape the folder). */
export function deploymentFilePath(workspaceRoot: string, name: string): string {
  const problem = nameProblem(name);
  if (problem) throw new DeploymentSpecError([problem], { reason: 'invalid' });
  return path.join(workspaceRoot, '.modeldeck', 'deployments', `${name}.json`);
}

/**
 * Reads every `*.json` in `dir` (hidden files skipped). A bad file is reported in `errors`, never
 * thrown, so one typo does not hide the other deployments. Two files declaring the same name:
 * the one whose file name matches the spec name wins (else the first by file name) and the others
 * are reported with reason "duplicate-name". A missing folder means no deployments yet.
 */
export async function loadDeploymentsDir(
  dir: string,
): Promise<{ specs: DeploymentSpec[]; errors: DeploymentSpecError[] }> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { specs: [], errors: [] };
    throw err;
  }
  const files = entries.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();

  const loaded: { file: string; spec: DeploymentSpec }[] = [];
  const errors: DeploymentSpecError[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      const message = `${name} could not be read: ${(err as Error).message}`;
      errors.push(new DeploymentSpecError([{ path: '', message }], { source: file, reason: 'unreadable' }));
      continue;
    }
    try {
      loaded.push({ file, spec: parseDeploymentText(text, file) });
    } catch (err) {
      if (!(err instanceof DeploymentSpecError)) throw err;
      errors.push(err);
    }
  }

  const byName = new Map<string, { file: string; spec: DeploymentSpec }[]>();
  for (const entry of loaded) {
    const group = byName.get(entry.spec.name) ?? [];
    group.push(entry);
    byName.set(entry.spec.name, group);
  }
  const specs: DeploymentSpec[] = [];
  for (const entry of loaded) {
    const group = byName.get(entry.spec.name) ?? [entry];
    const winner = group.find((e) => path.basename(e.file) === `${e.spec.name}.json`) ?? group[0];
    if (entry === winner) {
      specs.push(entry.spec);
      continue;
    }
    const message = `name: "${entry.spec.name}" is already used by ${path.basename(winner.file)}; deployment names must be unique`;
    errors.push(new DeploymentSpecError([{ path: 'name', message }], { source: entry.file, reason: 'duplicate-name' }));
  }
  return { specs, errors };
}

/**
 * Writes `<dir>/<spec.name>.json` (validated, defaults filled, 2-space JSON) and returns its path.
 * Without `overwrite` an existing file is never touched: DeploymentSpecError with reason "exists".
 */
export async function saveDeployment(
  dir: string,
  spec: DeploymentSpec,
  opts: { overwrite: boolean },
): Promise<string> {
  const checked = parseDeployment(spec);
  const file = path.join(dir, `${checked.name}.json`);
  const text = `${JSON.stringify(checked, null, 2)}\n`;
  await fs.mkdir(dir, { recursive: true });
  if (!opts.overwrite) {
    try {
      // 'wx' fails when the file exists, atomically: no check-then-write race.
      await fs.writeFile(file, text, { encoding: 'utf8', flag: 'wx' });
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
      const message = `a deployment named "${checked.name}" already exists at ${file}; save with overwrite to replace it`;
      throw new DeploymentSpecError([{ path: 'name', message }], { source: file, reason: 'exists' });
    }
    return file;
  }
  // Replace via a hidden temp file and rename so that readers never see a half-written spec.
  const temp = path.join(dir, `.${checked.name}.json.${process.pid}-${Date.now()}.tmp`);
  try {
    await fs.writeFile(temp, text, 'utf8');
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  return file;
}

function crossFieldProblems(input: unknown): DeploymentProblem[] {
  if (!isRecord(input)) return [];
  const problems: DeploymentProblem[] = [];

  const predictor = isRecord(input.predictor) ? input.predictor : {};
  if (input.modelServer === 'script' && predictor.script === undefined) {
    problems.push({
      path: 'predictor.script',
      message: 'predictor.script: required when modelServer is "script" (got nothing)',
    });
  }

  const kserve = isRecord(input.kserve) ? input.kserve : {};
  // gRPC has one KServe protocol (grpc-v2); a REST version next to it is a contradiction, not a preference.
  if (input.protocol === 'grpc' && (kserve.protocolVersion === 'v1' || kserve.protocolVersion === 'v2')) {
    problems.push({
      path: 'kserve.protocolVersion',
      message: `kserve.protocolVersion: only applies when protocol is "rest" (protocol "grpc" always uses "grpc-v2") (got ${showValue(kserve.protocolVersion)})`,
    });
  }

  const resources = isRecord(input.resources) ? input.resources : {};
  const { minReplicas, maxReplicas, cpu, memory } = resources;
  // Only judged when each value is individually valid; the schema already reports the rest.
  if (isCount(minReplicas, 0) && isCount(maxReplicas, 1) && maxReplicas < minReplicas) {
    problems.push({
      path: 'resources.maxReplicas',
      message: `resources.maxReplicas: must be ≥ resources.minReplicas (${minReplicas}) (got ${maxReplicas})`,
    });
  }
  if (typeof cpu === 'string' && CPU_PATTERN.test(cpu) && quantityValue(cpu) === 0) {
    problems.push({ path: 'resources.cpu', message: `resources.cpu: must be greater than zero (got ${showValue(cpu)})` });
  }
  if (typeof memory === 'string' && MEMORY_PATTERN.test(memory) && quantityValue(memory) === 0) {
    problems.push({
      path: 'resources.memory',
      message: `resources.memory: must be greater than zero (got ${showValue(memory)})`,
    });
  }
  return problems;
}

function deploymentWarnings(spec: DeploymentSpec): string[] {
  const warnings: string[] = [];
  const { gpu, executionProviders } = spec.resources;
  if (gpu > 0 && executionProviders.length === 1 && executionProviders[0] === 'cpu') {
    warnings.push(
      `resources.gpu asks for ${gpu} GPU${gpu === 1 ? '' : 's'} but resources.executionProviders is only ["cpu"]; ` +
        'the server decides whether a GPU provider is used (list "cuda" or "tensorrt" to ask for one)',
    );
  }
  return warnings;
}

function nameProblem(name: unknown): DeploymentProblem | undefined {
  if (typeof name === 'string' && DNS_LABEL.test(name) && name.length <= DNS_LABEL_MAX) return undefined;
  const rule = deploymentSchema.properties.name.patternErrorMessage;
  return { path: 'name', message: `name: ${rule}, at most ${DNS_LABEL_MAX} characters (got ${showValue(name)})` };
}

// "500m" → 0.5, "2Gi" → 2: only compared with zero, so the unit scale does not matter.
function quantityValue(quantity: string): number {
  return Number.parseFloat(quantity.replace(/[A-Za-z]+$/, ''));
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function errorCode(err: unknown): string | undefined {
  return isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
}

// V8 reports only a character offset; a line and column are what an editor user can act on.
function jsonErrorMessage(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const match = /at position (\d+)/.exec(message);
  if (!match || /line \d+/.test(message)) return message;
  const before = text.replace(/^\uFEFF/, '').slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}
