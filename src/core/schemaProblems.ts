/**
 * Turns ajv's JSON-schema errors into precise, human messages that name the key path, what was
 * expected and what was found. Shared by the deployment spec and model.json validation so both
 * speak the same way; the schemas themselves are also served to VS Code, which reads the same
 * `patternErrorMessage` / `errorMessage` annotations used here.
 */
import Ajv from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** One schema violation, ready to show to a person. */
export interface SchemaProblem {
  /** Key path: dotted keys, array indexes in brackets ("resources.executionProviders[1]"); "" for the document itself. */
  path: string;
  /** Full sentence naming the path, the expectation and the offending value. */
  message: string;
}

/** How messages are laid out for one kind of document. */
export interface SchemaMessageStyle {
  /** Between the key path and the expectation: `protocol: must be …` vs `metrics.x must be …`. */
  separator: string;
  /** Stands in for the key path when the document itself is wrong (e.g. not an object). */
  rootLabel: string;
}

/** Validates a value against a schema and returns every problem (empty when valid). */
export type SchemaChecker = (data: unknown) => SchemaProblem[];

// Human wording for the string formats our schemas use.
const FORMAT_PHRASES: Record<string, string> = {
  'date-time': 'an ISO 8601 date-time such as "2024-05-01T12:00:00Z"',
};

const VALUE_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
]);

/**
 * Compiles `schema` on first use (extension activation should not pay for schemas it never
 * checks) and returns a checker producing {@link SchemaProblem}s instead of ajv's generic text.
 */
export function createSchemaChecker(schema: object, style: SchemaMessageStyle): SchemaChecker {
  let validate: ValidateFunction | undefined;
  return (data) => {
    validate ??= compile(schema);
    if (validate(data)) return [];
    return describeSchemaErrors(validate.errors ?? [], data, style);
  };
}

function compile(schema: object): ValidateFunction {
  // verbose: errors then carry the offending value and the schema node, which the messages quote.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictNumbers: true });
  // Editor-facing annotations (VS Code understands them); ajv only has to tolerate them.
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' });
  addFormats(ajv, ['date-time']);
  return ajv.compile(schema);
}

/** Converts raw ajv errors (compiled with `allErrors` and `verbose`) into problems. */
export function describeSchemaErrors(
  errors: readonly ErrorObject[],
  root: unknown,
  style: SchemaMessageStyle,
): SchemaProblem[] {
  const skipped = new Set<ErrorObject>();
  for (const composite of errors) {
    if (composite.keyword !== 'anyOf' && composite.keyword !== 'oneOf') continue;
    const prefix = `${composite.schemaPath}/`;
    const branches = errors.filter(
      (e) => e !== composite && e.schemaPath.startsWith(prefix) && e.instancePath.startsWith(composite.instancePath),
    );
    const followed = objectBranch(composite);
    if (followed === undefined) {
      // A scalar of the wrong kind: each branch's complaint alone would mislead ("must be integer"
      // when a string would also do), so the union's own wording stands for all of them.
      for (const e of branches) skipped.add(e);
    } else {
      // An object was given, so the object form was clearly meant: its precise errors help more.
      skipped.add(composite);
      const keep = `${prefix}${followed}/`;
      for (const e of branches) if (!e.schemaPath.startsWith(keep)) skipped.add(e);
    }
  }

  const problems: SchemaProblem[] = [];
  const valueErrorPaths = new Set<string>();
  for (const e of errors) {
    if (skipped.has(e)) continue;
    const segments = pathSegments(e.instancePath, root);
    const here = formatPath(segments);
    if (VALUE_KEYWORDS.has(e.keyword)) {
      // One message per value: the expectation already lists the type, bounds and allowed values.
      if (valueErrorPaths.has(here)) continue;
      valueErrorPaths.add(here);
    }
    problems.push(describeOne(e, segments, style));
  }
  return problems;
}

function objectBranch(e: ErrorObject): number | undefined {
  const data = e.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const branches = (e.schema as AnySchemaObject[] | undefined) ?? [];
  const index = branches.findIndex((b) => b.type === 'object');
  return index >= 0 ? index : undefined;
}

function describeOne(e: ErrorObject, segments: (string | number)[], style: SchemaMessageStyle): SchemaProblem {
  const node = (e.parentSchema ?? {}) as AnySchemaObject;
  const here = formatPath(segments);
  const lead = `${here || style.rootLabel}${style.separator}`;
  const got = `(got ${showValue(e.data)})`;
  switch (e.keyword) {
    case 'required': {
      const key = String(e.params.missingProperty);
      return {
        path: formatPath([...segments, key]),
        message: `missing required key ${JSON.stringify(key)}${here ? ` at ${here}` : ''}`,
      };
    }
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((node.properties as object | undefined) ?? {});
      const guess = closest(key, allowed);
      return {
        path: formatPath([...segments, key]),
        message:
          `unknown key ${JSON.stringify(key)} at ${here || 'top level'} (allowed: ${allowed.join(', ') || 'none'})` +
          (guess ? `; did you mean ${JSON.stringify(guess)}?` : ''),
      };
    }
    case 'anyOf':
    case 'oneOf': {
      const wording =
        typeof node.errorMessage === 'string' ? node.errorMessage : `must match one of the allowed forms`;
      return { path: here, message: `${lead}${wording} ${got}` };
    }
    case 'pattern': {
      const wording =
        typeof node.patternErrorMessage === 'string'
          ? node.patternErrorMessage
          : `must match the pattern ${String(e.params.pattern)}`;
      return { path: here, message: `${lead}${wording} ${got}` };
    }
    case 'minLength': {
      const limit = Number(e.params.limit);
      const wording = limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
      return { path: here, message: `${lead}${wording} ${got}` };
    }
    case 'maxLength': {
      const length = typeof e.data === 'string' ? e.data.length : 0;
      return {
        path: here,
        message: `${lead}must be at most ${Number(e.params.limit)} characters long (got ${length} characters)`,
      };
    }
    case 'minItems': {
      const limit = Number(e.params.limit);
      const wording = limit === 1 ? 'must list at least one item' : `must list at least ${limit} items`;
      return { path: here, message: `${lead}${wording} ${got}` };
    }
    case 'maxItems':
      return { path: here, message: `${lead}must list at most ${Number(e.params.limit)} items ${got}` };
    case 'uniqueItems': {
      const list = Array.isArray(e.data) ? e.data : [];
      const repeated = list[Number(e.params.j)];
      return { path: here, message: `${lead}must not list ${showValue(repeated)} more than once ${got}` };
    }
    case 'format': {
      const format = String(e.params.format);
      return { path: here, message: `${lead}must be ${FORMAT_PHRASES[format] ?? `a valid ${format}`} ${got}` };
    }
    default:
      if (VALUE_KEYWORDS.has(e.keyword)) {
        return { path: here, message: `${lead}must be ${expectation(node)} ${got}` };
      }
      // Not used by our schemas today; still name the rule rather than echo ajv's wording.
      return { path: here, message: `${lead}violates the schema rule "${e.keyword}" ${got}` };
  }
}

/** "an integer ≥ 1", "one of "rest", "grpc"", "an object with keys a, b" … for a schema node. */
function expectation(node: AnySchemaObject): string {
  if (Array.isArray(node.enum)) {
    return node.enum.length === 1 ? showValue(node.enum[0]) : `one of ${node.enum.map(showValue).join(', ')}`;
  }
  if ('const' in node) return showValue(node.const);
  switch (node.type) {
    case 'integer':
      return `an integer${bounds(node)}`;
    case 'number':
      return `a finite number${bounds(node)}`;
    case 'string': {
      if (typeof node.patternErrorMessage === 'string') return node.patternErrorMessage.replace(/^must be /, '');
      return 'a string';
    }
    case 'boolean':
      return 'true or false';
    case 'array': {
      const items = node.items as AnySchemaObject | undefined;
      if (items && Array.isArray(items.enum)) return `a list of ${items.enum.map(showValue).join(', ')}`;
      if (items && typeof items.type === 'string') return `a list of ${plural(items.type)}`;
      return 'a list';
    }
    case 'object': {
      const keys = Object.keys((node.properties as object | undefined) ?? {});
      return keys.length > 0 ? `an object with keys ${keys.join(', ')}` : 'an object';
    }
    default:
      return 'a valid value';
  }
}

function plural(type: string): string {
  return type === 'integer' ? 'integers' : type === 'number' ? 'numbers' : `${type}s`;
}

function bounds(node: AnySchemaObject): string {
  const min = node.minimum as number | undefined;
  const max = node.maximum as number | undefined;
  const xmin = node.exclusiveMinimum as number | undefined;
  const xmax = node.exclusiveMaximum as number | undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`≥ ${min}`);
  if (xmin !== undefined) parts.push(`> ${xmin}`);
  if (max !== undefined) parts.push(`≤ ${max}`);
  if (xmax !== undefined) parts.push(`< ${xmax}`);
  return parts.length > 0 ? ` ${parts.join(' and ')}` : '';
}

/** JSON-pointer segments resolved against the data, so array indexes stay numbers. */
function pathSegments(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const segments: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

/** `a.b[2].c`; keys that would read ambiguously in dotted form are quoted: `metrics["top.1"]`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Short, JSON-like rendering of an offending value for "(got …)". */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

// A typo suggestion for unknown keys: case-insensitive match or edit distance ≤ 2.
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = c.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
