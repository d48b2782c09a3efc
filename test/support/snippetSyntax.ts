/**
 * Shared by the snippet and template tests: where the snippets and templates live, the contract text
 * every script template documents, and a parser/expander of VS Code snippet syntax that inserts what
 * VS Code would (with defaults or with a chosen option), strict where VS Code is lenient.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './serverProcess';

export const SNIPPETS_DIR = path.join(REPO_ROOT, 'media', 'snippets');
export const TEMPLATES_DIR = path.join(REPO_ROOT, 'media', 'templates');
export const IRIS_V2 = path.join(REPO_ROOT, 'examples', 'models', 'iris', '2');
export const PYTHON = 'python3';

/** Snippet file → the language scopes every snippet in it must declare. */
export const SNIPPET_FILES: Record<string, string[]> = {
  'json.code-snippets': ['json,jsonc'],
  'yaml.code-snippets': ['yaml'],
  'python.code-snippets': ['python'],
  'typescript.code-snippets': ['typescript', 'javascript'],
};

/** What package.json's contributes.snippets must say: no language, so each snippet's scope applies. */
export const EXPECTED_CONTRIBUTION = Object.keys(SNIPPET_FILES).map((file) => ({ path: `./media/snippets/${file}` }));

/** The inputs/outputs contract every script template documents; comment markers and spacing aside. */
export const CONTRACT = (rows: string): string =>
  [
    'Contract (as in Hopsworks; the ModelDeck script host calls these methods the same way):',
    `predict receives the request's instances as ${rows} (KServe V1 "instances")`,
    'and returns a list of predictions, one per row.',
    'preprocess receives and returns the request payload dict {"instances": [...]}.',
    'postprocess receives and returns the response dict {"predictions": [...]}.',
  ].join(' ');
export const PYTHON_CONTRACT = CONTRACT('a Python list of rows');
export const JS_CONTRACT = CONTRACT('an array of rows');

/** Three iris rows, one of each class. */
export const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.3, 2.9, 6.3, 1.8],
];

// ---------------------------------------------------------------------------------------------
// VS Code snippet syntax: a parser and an expander that inserts what VS Code would with defaults.
// ---------------------------------------------------------------------------------------------

export type SnippetNode =
  | { kind: 'text'; text: string }
  | { kind: 'tabstop'; index: number }
  | { kind: 'placeholder'; index: number; children: SnippetNode[] }
  | { kind: 'choice'; index: number; options: string[] }
  | { kind: 'variable'; name: string; children?: SnippetNode[] };

/** VS Code's snippet variables; any other name is a mistake (VS Code would insert the name itself). */
export const KNOWN_VARIABLES = new Set([
  'TM_SELECTED_TEXT', 'TM_CURRENT_LINE', 'TM_CURRENT_WORD', 'TM_LINE_INDEX', 'TM_LINE_NUMBER',
  'TM_FILENAME', 'TM_FILENAME_BASE', 'TM_DIRECTORY', 'TM_FILEPATH', 'RELATIVE_FILEPATH', 'CLIPBOARD',
  'WORKSPACE_NAME', 'WORKSPACE_FOLDER', 'CURSOR_INDEX', 'CURSOR_NUMBER', 'CURRENT_YEAR',
  'CURRENT_YEAR_SHORT', 'CURRENT_MONTH', 'CURRENT_MONTH_NAME', 'CURRENT_MONTH_NAME_SHORT',
  'CURRENT_DATE', 'CURRENT_DAY_NAME', 'CURRENT_DAY_NAME_SHORT', 'CURRENT_HOUR', 'CURRENT_MINUTE',
  'CURRENT_SECOND', 'CURRENT_SECONDS_UNIX', 'CURRENT_TIMEZONE_OFFSET', 'RANDOM', 'RANDOM_HEX', 'UUID',
  'BLOCK_COMMENT_START', 'BLOCK_COMMENT_END', 'LINE_COMMENT',
]);

/**
 * Parses VS Code snippet syntax: `$1`, `${1}`, `${1:default}` (nestable), `${1|a,b|}`, `$0`,
 * `$NAME`, `${NAME}`, `${NAME:default}`, and the escapes `\$`, `\}`, `\\` (`\,` `\|` in choices).
 * Strict where VS Code is lenient: a `$` that starts nothing must be escaped, and transforms are
 * refused, so that a slip in a snippet fails here instead of inserting something surprising.
 */
export function parseSnippet(source: string): SnippetNode[] {
  let pos = 0;
  const fail = (message: string): never => {
    const around = JSON.stringify(source.slice(Math.max(0, pos - 30), pos + 30));
    throw new Error(`snippet syntax: ${message} at offset ${pos} near ${around}`);
  };

  function sequence(inside: boolean): SnippetNode[] {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') nodes.push({ kind: 'text', text });
      text = '';
    };
    while (pos < source.length) {
      const ch = source[pos]!;
      if (ch === '\\') {
        const next = source[pos + 1];
        if (next === '$' || next === '}' || next === '\\') {
          text += next;
          pos += 2;
        } else {
          text += ch;
          pos += 1;
        }
      } else if (ch === '}' && inside) {
        flush();
        pos += 1;
        return nodes;
      } else if (ch === '$') {
        flush();
        nodes.push(dollar());
      } else {
        text += ch;
        pos += 1;
      }
    }
    if (inside) fail('unterminated ${...}');
    flush();
    return nodes;
  }

  function dollar(): SnippetNode {
    pos += 1;
    const rest = (): string => source.slice(pos);
    let m = /^\d+/.exec(rest());
    if (m) {
      pos += m[0].length;
      return { kind: 'tabstop', index: Number(m[0]) };
    }
    m = /^[_A-Za-z][_A-Za-z0-9]*/.exec(rest());
    if (m) {
      pos += m[0].length;
      return { kind: 'variable', name: m[0] };
    }
    if (source[pos] !== '{') return fail('a "$" that starts no tabstop or variable (write \\$ for a dollar sign)');
    pos += 1;
    m = /^\d+/.exec(rest());
    if (m) {
      pos += m[0].length;
      const index = Number(m[0]);
      const c = source[pos];
      pos += 1;
      if (c === '}') return { kind: 'tabstop', index };
      if (c === ':') return { kind: 'placeholder', index, children: sequence(true) };
      if (c === '|') return { kind: 'choice', index, options: choice() };
      return fail(`unsupported tabstop syntax after \${${index}`);
    }
    m = /^[_A-Za-z][_A-Za-z0-9]*/.exec(rest());
    if (m) {
      pos += m[0].length;
      const name = m[0];
      const c = source[pos];
      pos += 1;
      if (c === '}') return { kind: 'variable', name };
      if (c === ':') return { kind: 'variable', name, children: sequence(true) };
      return fail(`unsupported variable syntax after \${${name}`);
    }
    return fail('a "${" that starts no tabstop, placeholder or variable');
  }

  function choice(): string[] {
    const options: string[] = [];
    let current = '';
    while (pos < source.length) {
      const ch = source[pos]!;
      const next = source[pos + 1];
      if (ch === '\\' && (next === ',' || next === '|' || next === '\\')) {
        current += next;
        pos += 2;
      } else if (ch === ',') {
        options.push(current);
        current = '';
        pos += 1;
      } else if (ch === '|') {
        if (next !== '}') fail('a choice must end with "|}"');
        options.push(current);
        pos += 2;
        return options;
      } else {
        current += ch;
        pos += 1;
      }
    }
    return fail('unterminated choice');
  }

  return sequence(false);
}

export type Definition = Extract<SnippetNode, { kind: 'placeholder' | 'choice' }>;

export function walk(nodes: SnippetNode[], visit: (node: SnippetNode) => void): void {
  for (const node of nodes) {
    visit(node);
    if ((node.kind === 'placeholder' || node.kind === 'variable') && node.children) walk(node.children, visit);
  }
}

/** Placeholder or choice defining each tabstop number, checked to be consistent. */
export function definitionsOf(nodes: SnippetNode[]): Map<number, Definition> {
  const defs = new Map<number, Definition>();
  walk(nodes, (node) => {
    if (node.kind !== 'placeholder' && node.kind !== 'choice') return;
    const seen = defs.get(node.index);
    if (seen && JSON.stringify(seen) !== JSON.stringify(node)) {
      throw new Error(`tabstop ${node.index} is defined twice, differently`);
    }
    defs.set(node.index, node);
  });
  return defs;
}

/** Checks a body beyond parsing: known variables, consistent definitions, tab order 1..n without gaps. */
export function lintSnippet(body: string): void {
  const nodes = parseSnippet(body);
  definitionsOf(nodes);
  const indexes = new Set<number>();
  walk(nodes, (node) => {
    if (node.kind === 'variable' && !KNOWN_VARIABLES.has(node.name)) throw new Error(`unknown snippet variable ${node.name}`);
    if (node.kind === 'tabstop' || node.kind === 'placeholder' || node.kind === 'choice') indexes.add(node.index);
  });
  const numbered = [...indexes].filter((i) => i > 0).sort((a, b) => a - b);
  numbered.forEach((index, k) => assert.equal(index, k + 1, `tabstops should run 1..${numbered.length} without gaps: ${numbered.join(', ')}`));
  for (const choice of collect(nodes, 'choice')) {
    assert.ok(choice.options.length >= 2 && choice.options.every((o) => o !== ''), `choice ${choice.index} needs two or more non-empty options`);
  }
}

export function collect<K extends SnippetNode['kind']>(nodes: SnippetNode[], kind: K): Extract<SnippetNode, { kind: K }>[] {
  const found: Extract<SnippetNode, { kind: K }>[] = [];
  walk(nodes, (node) => {
    if (node.kind === kind) found.push(node as Extract<SnippetNode, { kind: K }>);
  });
  return found;
}

export interface ExpandOptions {
  /** Values of the variables the body uses; a known variable resolving to '' takes its default. */
  variables?: Record<string, string>;
  /** Tabstop number → option index to pick instead of the first. */
  choices?: Record<number, number>;
}

/** The text VS Code inserts when every placeholder keeps its default and every choice its first option. */
export function expandSnippet(body: string, options: ExpandOptions = {}): string {
  const nodes = parseSnippet(body);
  const defs = definitionsOf(nodes);
  const active = new Set<number>();
  const valueOf = (index: number): string => {
    const def = defs.get(index);
    if (!def) return '';
    if (def.kind === 'choice') {
      const pick = options.choices?.[index] ?? 0;
      const option = def.options[pick];
      if (option === undefined) throw new Error(`choice ${index} has no option ${pick}`);
      return option;
    }
    if (active.has(index)) throw new Error(`placeholder ${index} contains itself`);
    active.add(index);
    const text = render(def.children);
    active.delete(index);
    return text;
  };
  const render = (list: SnippetNode[]): string =>
    list
      .map((node) => {
        switch (node.kind) {
          case 'text':
            return node.text;
          case 'tabstop':
          case 'placeholder':
          case 'choice':
            return valueOf(node.index);
          case 'variable': {
            if (!KNOWN_VARIABLES.has(node.name)) throw new Error(`unknown snippet variable ${node.name}`);
            const value = options.variables?.[node.name];
            if (value === undefined) throw new Error(`the test gave no value for snippet variable ${node.name}`);
            return value === '' && node.children ? render(node.children) : value;
          }
        }
      })
      .join('');
  return render(nodes);
}

/** Every expansion worth checking: all defaults, then each other option of each choice alone. */
export function expansions(body: string, variables: Record<string, string> = {}): { label: string; text: string }[] {
  const out = [{ label: 'defaults', text: expandSnippet(body, { variables }) }];
  for (const choice of collect(parseSnippet(body), 'choice')) {
    choice.options.forEach((option, k) => {
      if (k > 0) out.push({ label: `choice ${choice.index} = ${option}`, text: expandSnippet(body, { variables, choices: { [choice.index]: k } }) });
    });
  }
  return out;
}

/** Variables as VS Code resolves them for a document at `file` (date and time in local time). */
export function snippetVariables(file: string, now = new Date(), offsetMinutes = now.getTimezoneOffset()): Record<string, string> {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const sign = offsetMinutes > 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return {
    TM_FILENAME: path.basename(file),
    TM_FILENAME_BASE: path.basename(file, path.extname(file)),
    TM_FILEPATH: file,
    TM_DIRECTORY: path.dirname(file),
    CURRENT_YEAR: String(now.getFullYear()),
    CURRENT_MONTH: pad(now.getMonth() + 1),
    CURRENT_DATE: pad(now.getDate()),
    CURRENT_HOUR: pad(now.getHours()),
    CURRENT_MINUTE: pad(now.getMinutes()),
    CURRENT_SECOND: pad(now.getSeconds()),
    CURRENT_TIMEZONE_OFFSET: `${sign}${pad(Math.trunc(abs / 60))}:${pad(abs % 60)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Snippet files.
// ---------------------------------------------------------------------------------------------

export interface SnippetDefinition {
  prefix: string | string[];
  body: string | string[];
  description: string;
  scope: string;
  isFileTemplate?: boolean;
}

/** JSONC as VS Code reads .code-snippets: comments outside strings are dropped. */
export function parseJsonc(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i));
      if (!end) throw new Error(`unterminated string at offset ${i}`);
      out += end[0];
      i += end[0].length - 1;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unterminated comment at offset ${i}`);
      i = end + 1;
    } else {
      out += ch;
    }
  }
  return JSON.parse(out);
}

export function loadSnippetFile(file: string): Record<string, SnippetDefinition> {
  return parseJsonc(fs.readFileSync(path.join(SNIPPETS_DIR, file), 'utf8')) as Record<string, SnippetDefinition>;
}

export const bodyText = (s: SnippetDefinition): string => (Array.isArray(s.body) ? s.body.join('\n') : s.body);
export const prefixes = (s: SnippetDefinition): string[] => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]);

/** The one snippet in `file` with `prefix` in `scope`. */
export function snippet(file: string, prefix: string, scope?: string): SnippetDefinition {
  const found = Object.values(loadSnippetFile(file)).filter((s) => prefixes(s).includes(prefix) && (scope === undefined || s.scope === scope));
  assert.equal(found.length, 1, `${file} should have exactly one snippet with prefix ${prefix}${scope ? ` in ${scope}` : ''}`);
  return found[0]!;
}

export const readTemplate = (name: string): string => fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf8');

/** Comment markers stripped and whitespace collapsed, to find the contract text in a script. */
export function commentText(source: string): string {
  return source
    .split('\n')
    .map((line) => line.replace(/^\s*(#|\/\/|\*)/, ''))
    .join(' ')
    .replace(/\s+/g, ' ');
}

/** A scratch folder for the test file that calls this (top level), with the repository's node_modules linked in. */
/** The serving environment the script host gives a script (Hopsworks' variables), for iris v2. */
export const SERVING_ENV = {
  MODEL_FILES_PATH: IRIS_V2,
  ARTIFACT_FILES_PATH: '/artifacts/iris/2',
  DEPLOYMENT_NAME: 'iris-prod',
  MODEL_NAME: 'iris',
  MODEL_VERSION: '2',
  ARTIFACT_VERSION: '1',
};

export function useScratchDir(): () => string {
  let scratch: string | undefined;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-snippets-'));
    // Modules written here resolve packages (onnxruntime-node, @types/node) from the repository.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
  });
  after(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });
  return () => {
    if (!scratch) throw new Error('the scratch folder exists only while tests run');
    return scratch;
  };
}
