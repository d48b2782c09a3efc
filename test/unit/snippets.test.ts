/**
 * The snippets the extension contributes (media/snippets/*.code-snippets) and the "New from
 * template" files (media/templates/*): every snippet is expanded the way VS Code inserts it with
 * its defaults (and with each other choice), and what comes out is checked by the same code that
 * will read it: the registry's model.json validation, the deployment validation, the server's
 * tensor decoders, the KServe CRD schema, python3 and the TypeScript compiler. The scripts are run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import deploymentSchema from '../../schemas/deployment.schema.json';
import { DEPLOYMENT_DEFAULTS } from '../../src/core/deployment/deploymentSpec';
import { validateDeployment } from '../../src/core/deployment/validateDeployment';
import { validateModelMetadata } from '../../src/core/registry/modelMetadata';
import { decodeJsonInput } from '../../server/tensor/jsonCodec';
import { DATATYPES } from '../../server/tensor/types';
import { decodeV1Request } from '../../server/tensor/v1Codec';
import { strictCrdSchema } from '../support/kserveCrd';
import { assertOip } from '../support/openApi';
import { REPO_ROOT } from '../support/serverProcess';

const SNIPPETS_DIR = path.join(REPO_ROOT, 'media', 'snippets');
const TEMPLATES_DIR = path.join(REPO_ROOT, 'media', 'templates');
const IRIS_V2 = path.join(REPO_ROOT, 'examples', 'models', 'iris', '2');
const PYTHON = 'python3';

/** Snippet file → the language scopes every snippet in it must declare. */
const SNIPPET_FILES: Record<string, string[]> = {
  'json.code-snippets': ['json,jsonc'],
  'yaml.code-snippets': ['yaml'],
  'python.code-snippets': ['python'],
  'typescript.code-snippets': ['typescript', 'javascript'],
};

/** What package.json's contributes.snippets must say: no language, so each snippet's scope applies. */
const EXPECTED_CONTRIBUTION = Object.keys(SNIPPET_FILES).map((file) => ({ path: `./media/snippets/${file}` }));

/** The inputs/outputs contract every script template documents; comment markers and spacing aside. */
const CONTRACT = (rows: string): string =>
  [
    'Contract (as in Hopsworks; the ModelDeck script host calls these methods the same way):',
    `predict receives the request's instances as ${rows} (KServe V1 "instances")`,
    'and returns a list of predictions, one per row.',
    'preprocess receives and returns the request payload dict {"instances": [...]}.',
    'postprocess receives and returns the response dict {"predictions": [...]}.',
  ].join(' ');
const PYTHON_CONTRACT = CONTRACT('a Python list of rows');
const JS_CONTRACT = CONTRACT('an array of rows');

/** Three iris rows, one of each class. */
const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.3, 2.9, 6.3, 1.8],
];

// ---------------------------------------------------------------------------------------------
// VS Code snippet syntax: a parser and an expander that inserts what VS Code would with defaults.
// ---------------------------------------------------------------------------------------------

type SnippetNode =
  | { kind: 'text'; text: string }
  | { kind: 'tabstop'; index: number }
  | { kind: 'placeholder'; index: number; children: SnippetNode[] }
  | { kind: 'choice'; index: number; options: string[] }
  | { kind: 'variable'; name: string; children?: SnippetNode[] };

/** VS Code's snippet variables; any other name is a mistake (VS Code would insert the name itself). */
const KNOWN_VARIABLES = new Set([
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
function parseSnippet(source: string): SnippetNode[] {
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

type Definition = Extract<SnippetNode, { kind: 'placeholder' | 'choice' }>;

function walk(nodes: SnippetNode[], visit: (node: SnippetNode) => void): void {
  for (const node of nodes) {
    visit(node);
    if ((node.kind === 'placeholder' || node.kind === 'variable') && node.children) walk(node.children, visit);
  }
}

/** Placeholder or choice defining each tabstop number, checked to be consistent. */
function definitionsOf(nodes: SnippetNode[]): Map<number, Definition> {
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
function lintSnippet(body: string): void {
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

function collect<K extends SnippetNode['kind']>(nodes: SnippetNode[], kind: K): Extract<SnippetNode, { kind: K }>[] {
  const found: Extract<SnippetNode, { kind: K }>[] = [];
  walk(nodes, (node) => {
    if (node.kind === kind) found.push(node as Extract<SnippetNode, { kind: K }>);
  });
  return found;
}

interface ExpandOptions {
  /** Values of the variables the body uses; a known variable resolving to '' takes its default. */
  variables?: Record<string, string>;
  /** Tabstop number → option index to pick instead of the first. */
  choices?: Record<number, number>;
}

/** The text VS Code inserts when every placeholder keeps its default and every choice its first option. */
function expandSnippet(body: string, options: ExpandOptions = {}): string {
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
function expansions(body: string, variables: Record<string, string> = {}): { label: string; text: string }[] {
  const out = [{ label: 'defaults', text: expandSnippet(body, { variables }) }];
  for (const choice of collect(parseSnippet(body), 'choice')) {
    choice.options.forEach((option, k) => {
      if (k > 0) out.push({ label: `choice ${choice.index} = ${option}`, text: expandSnippet(body, { variables, choices: { [choice.index]: k } }) });
    });
  }
  return out;
}

/** Variables as VS Code resolves them for a document at `file` (date and time in local time). */
function snippetVariables(file: string, now = new Date(), offsetMinutes = now.getTimezoneOffset()): Record<string, string> {
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

interface SnippetDefinition {
  prefix: string | string[];
  body: string | string[];
  description: string;
  scope: string;
  isFileTemplate?: boolean;
}

/** JSONC as VS Code reads .code-snippets: comments outside strings are dropped. */
function parseJsonc(text: string): unknown {
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

function loadSnippetFile(file: string): Record<string, SnippetDefinition> {
  return parseJsonc(fs.readFileSync(path.join(SNIPPETS_DIR, file), 'utf8')) as Record<string, SnippetDefinition>;
}

const bodyText = (s: SnippetDefinition): string => (Array.isArray(s.body) ? s.body.join('\n') : s.body);
const prefixes = (s: SnippetDefinition): string[] => (Array.isArray(s.prefix) ? s.prefix : [s.prefix]);

/** The one snippet in `file` with `prefix` in `scope`. */
function snippet(file: string, prefix: string, scope?: string): SnippetDefinition {
  const found = Object.values(loadSnippetFile(file)).filter((s) => prefixes(s).includes(prefix) && (scope === undefined || s.scope === scope));
  assert.equal(found.length, 1, `${file} should have exactly one snippet with prefix ${prefix}${scope ? ` in ${scope}` : ''}`);
  return found[0]!;
}

const readTemplate = (name: string): string => fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf8');

/** Comment markers stripped and whitespace collapsed, to find the contract text in a script. */
function commentText(source: string): string {
  return source
    .split('\n')
    .map((line) => line.replace(/^\s*(#|\/\/|\*)/, ''))
    .join(' ')
    .replace(/\s+/g, ' ');
}

describe('snippet syntax helpers', () => {
  it('expand tabstops, placeholders, choices, variables and escapes like VS Code', () => {
    const variables = { TM_FILENAME_BASE: 'iris-prod', TM_SELECTED_TEXT: '' };
    assert.equal(expandSnippet('a$1b$0c'), 'abc');
    assert.equal(expandSnippet('${1:x} and $1'), 'x and x');
    assert.equal(expandSnippet('$1 and ${1:x}'), 'x and x');
    assert.equal(expandSnippet('${1|onnx,script|}'), 'onnx');
    assert.equal(expandSnippet('${1|onnx,script|}', { choices: { 1: 1 } }), 'script');
    assert.equal(expandSnippet('${1|a\\,b,c\\|d|}', { choices: { 1: 1 } }), 'c|d');
    assert.equal(expandSnippet('${1:${TM_FILENAME_BASE}}', { variables }), 'iris-prod');
    assert.equal(expandSnippet('$TM_FILENAME_BASE.json', { variables }), 'iris-prod.json');
    assert.equal(expandSnippet('${TM_SELECTED_TEXT:none}', { variables }), 'none');
    assert.equal(expandSnippet('${1:outer ${2:inner}}'), 'outer inner');
    assert.equal(expandSnippet('\\$HOME \\} \\\\ \\n {}'), '$HOME } \\ \\n {}');
    assert.equal(expandSnippet('${1:a \\} b}'), 'a } b');
  });

  it('refuse what would insert something other than intended', () => {
    assert.throws(() => expandSnippet('cost: $ 5'), /starts no tabstop/);
    assert.throws(() => expandSnippet('`${name}`'), /no value|unknown snippet variable/);
    assert.throws(() => expandSnippet('${NOT_A_VARIABLE}'), /unknown snippet variable/);
    assert.throws(() => expandSnippet('${1:open'), /unterminated/);
    assert.throws(() => expandSnippet('${1|a,b}'), /unterminated choice|must end/);
    assert.throws(() => expandSnippet('${1/(.*)/$1/}'), /unsupported/);
    assert.throws(() => lintSnippet('$1 $3'), /without gaps/);
    assert.throws(() => lintSnippet('${1:a} ${1:b}'), /defined twice/);
    assert.throws(() => lintSnippet('${1|only|}'), /two or more/);
  });

  it('parse .code-snippets as JSON with comments', () => {
    assert.deepEqual(parseJsonc('{ // c\n "a": "//x", /* c */ "b": "/*y*/" }'), { a: '//x', b: '/*y*/' });
  });
});

describe('snippet files', () => {
  for (const [file, scopes] of Object.entries(SNIPPET_FILES)) {
    it(`${file} parses and every snippet has prefix, body, description and the ${scopes.join(' / ')} scope`, () => {
      const snippets = loadSnippetFile(file);
      const names = Object.keys(snippets);
      assert.ok(names.length > 0, `${file} has no snippets`);
      const seen = new Set<string>();
      for (const [name, s] of Object.entries(snippets)) {
        const where = `${file} "${name}"`;
        const keys = Object.keys(s).filter((k) => !['prefix', 'body', 'description', 'scope', 'isFileTemplate'].includes(k));
        assert.deepEqual(keys, [], `${where} has unknown keys`);
        assert.ok(prefixes(s).length > 0 && prefixes(s).every((p) => typeof p === 'string' && /^\S+$/.test(p)), `${where}: prefix`);
        assert.ok(
          typeof s.body === 'string' || (Array.isArray(s.body) && s.body.length > 0 && s.body.every((l) => typeof l === 'string')),
          `${where}: body must be a string or an array of lines`,
        );
        assert.ok(typeof s.description === 'string' && s.description.trim().length > 10, `${where}: description`);
        assert.ok(scopes.includes(s.scope), `${where}: scope ${JSON.stringify(s.scope)} should be one of ${scopes.join(' / ')}`);
        assert.ok(s.isFileTemplate === undefined || typeof s.isFileTemplate === 'boolean', `${where}: isFileTemplate`);
        for (const p of prefixes(s)) {
          const key = `${s.scope} ${p}`;
          assert.ok(!seen.has(key), `${where}: prefix ${p} is used twice in scope ${s.scope}`);
          seen.add(key);
        }
        assert.doesNotThrow(() => lintSnippet(bodyText(s)), `${where}: body`);
      }
    });
  }

  it('package.json contributes exactly these snippet files, scoped by each snippet', (t) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes?: { snippets?: unknown } };
    if (pkg.contributes?.snippets === undefined) {
      t.skip('package.json has no contributes.snippets yet');
      return;
    }
    const byPath = (list: unknown): unknown => (Array.isArray(list) ? [...list].sort((a, b) => String(a?.path).localeCompare(String(b?.path))) : list);
    assert.deepEqual(byPath(pkg.contributes.snippets), byPath(EXPECTED_CONTRIBUTION));
    for (const entry of EXPECTED_CONTRIBUTION) assert.ok(fs.existsSync(path.join(REPO_ROOT, entry.path)), entry.path);
  });

  it('media/snippets holds only the contributed files', () => {
    assert.deepEqual(fs.readdirSync(SNIPPETS_DIR).sort(), Object.keys(SNIPPET_FILES).sort());
  });
});

// ---------------------------------------------------------------------------------------------
// JSON snippets.
// ---------------------------------------------------------------------------------------------

describe('JSON snippets', () => {
  const deploymentVars = snippetVariables('/ws/.modeldeck/deployments/iris-prod.json');

  it('every JSON snippet expands to valid JSON, with each choice too', () => {
    for (const [name, s] of Object.entries(loadSnippetFile('json.code-snippets'))) {
      for (const { label, text } of expansions(bodyText(s), deploymentVars)) {
        assert.doesNotThrow(() => JSON.parse(text), `${name} (${label}) is not JSON:\n${text}`);
      }
    }
  });

  it('model.json validates with the registry, has every documented key and a decodable input_example', () => {
    const s = snippet('json.code-snippets', 'modeldeck-model-json');
    const variableSets = [
      snippetVariables('/reg/iris/3/model.json'),
      snippetVariables('/reg/iris/3/model.json', new Date(2026, 0, 2, 3, 4, 5), 420),
      snippetVariables('/reg/iris/3/model.json', new Date(2026, 0, 2, 3, 4, 5), -330),
    ];
    for (const variables of variableSets) {
      for (const { label, text } of expansions(bodyText(s), variables)) {
        const json = JSON.parse(text) as Record<string, unknown>;
        assert.doesNotThrow(() => validateModelMetadata(json, `model.json snippet (${label})`), label);
      }
    }
    const meta = validateModelMetadata(JSON.parse(expandSnippet(bodyText(s), { variables: variableSets[1] })));
    assert.deepEqual(Object.keys(meta).sort(), ['created', 'description', 'framework', 'input_example', 'labels', 'metrics', 'tags']);
    assert.equal(meta.created, '2026-01-02T03:04:05-07:00');
    assert.ok(Object.values(meta.metrics ?? {}).length > 0);
    meta.input_example!.inputs.forEach((input, i) => {
      const tensor = decodeJsonInput(input, i);
      assert.deepEqual(tensor.shape, input.shape);
    });
    assertOip('inference_request', meta.input_example);
  });

  it('the deployment snippet validates, holds every key, and every default is the documented default', () => {
    const s = snippet('json.code-snippets', 'modeldeck-deployment');
    for (const { label, text } of expansions(bodyText(s), deploymentVars)) {
      const result = validateDeployment(JSON.parse(text));
      assert.ok(result.ok, `deployment snippet (${label}): ${result.ok ? '' : result.problems.map((p) => p.message).join('; ')}`);
    }
    const raw = JSON.parse(expandSnippet(bodyText(s), { variables: deploymentVars })) as Record<string, unknown>;
    const topLevel = Object.keys(deploymentSchema.properties).filter((k) => k !== '$schema');
    assert.deepEqual(Object.keys(raw).sort(), topLevel.sort(), 'every deployment key');
    assert.equal(raw.name, 'iris-prod', 'the name defaults to the file name, as .modeldeck/deployments/<name>.json expects');
    assert.deepEqual(raw.model, { name: 'iris', version: 'latest' });
    for (const [key, value] of Object.entries(DEPLOYMENT_DEFAULTS)) {
      if (key === 'predictor') continue; // a script path to fill in, needed when modelServer is "script"
      assert.deepEqual(raw[key], value, `${key} is written with its default`);
    }
    const predictor = raw.predictor as Record<string, unknown>;
    assert.deepEqual(Object.keys(predictor).sort(), ['environment', 'script']);
  });

  it('the choices of the deployment snippet are exactly the schema enums', () => {
    const choices = collect(parseSnippet(bodyText(snippet('json.code-snippets', 'modeldeck-deployment'))), 'choice').map((c) => c.options);
    const props = deploymentSchema.properties;
    assert.deepEqual(choices, [
      props.modelServer.enum,
      props.servingTool.enum,
      props.inferenceLogger.properties.mode.enum,
      ['false', 'true'],
      props.resources.properties.executionProviders.items.enum,
      props.protocol.enum,
    ]);
  });

  it('the KServe deployment snippet validates and targets KServe', () => {
    const s = snippet('json.code-snippets', 'modeldeck-deployment-kserve');
    for (const { label, text } of expansions(bodyText(s), deploymentVars)) {
      const result = validateDeployment(JSON.parse(text));
      assert.ok(result.ok, `KServe deployment snippet (${label}): ${result.ok ? '' : result.problems.map((p) => p.message).join('; ')}`);
      assert.equal(result.spec.servingTool, 'kserve');
      assert.ok(result.spec.kserve.storageUri && result.spec.kserve.namespace);
      assert.ok(result.spec.resources.cpu && result.spec.resources.memory);
      assert.equal(typeof result.spec.model.version, 'object');
    }
  });

  for (const prefix of ['oip-v2-infer', 'oip-v2-infer-binary']) {
    it(`${prefix}: every input decodes, the body matches the OIP schema and works as a model.json input_example`, () => {
      const s = snippet('json.code-snippets', prefix);
      const datatypeChoices = collect(parseSnippet(bodyText(s)), 'choice');
      assert.equal(datatypeChoices.length, 1);
      assert.deepEqual([...datatypeChoices[0]!.options].sort(), [...DATATYPES].sort(), 'datatype choices are the OIP datatypes');
      for (const { label, text } of expansions(bodyText(s))) {
        const body = JSON.parse(text) as { inputs: unknown[] };
        assertOip('inference_request', body);
        assert.doesNotThrow(() => validateModelMetadata({ input_example: body }), label);
      }
      const body = JSON.parse(expandSnippet(bodyText(s))) as {
        inputs: { shape: number[] }[];
        outputs: { name: string; parameters?: Record<string, unknown> }[];
        parameters: Record<string, unknown>;
      };
      assert.ok(body.inputs.length > 0);
      body.inputs.forEach((input, i) => {
        const tensor = decodeJsonInput(input, i);
        assert.equal(tensor.datatype, 'FP32');
        assert.deepEqual(tensor.shape, input.shape);
        assert.equal(tensor.data.length, input.shape.reduce((a, b) => a * b, 1));
      });
      assert.ok(body.outputs.length > 0 && body.outputs.every((o) => o.name.length > 0));
      if (prefix === 'oip-v2-infer-binary') {
        assert.equal(body.parameters.binary_data_output, true);
        assert.ok(body.outputs.every((o) => o.parameters?.binary_data === true));
      }
    });
  }

  it('the KServe V1 request decodes as instances for the iris model', () => {
    const body: unknown = JSON.parse(expandSnippet(bodyText(snippet('json.code-snippets', 'kserve-v1-predict'))));
    const [tensor, ...more] = decodeV1Request(body, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.equal(more.length, 0);
    assert.deepEqual(tensor!.shape, [2, 4]);
  });
});

// ---------------------------------------------------------------------------------------------
// YAML snippets against the KServe CRD.
// ---------------------------------------------------------------------------------------------

/** The YAML with every commented-out `key: value` line turned on (e.g. `# nvidia.com/gpu: "1"`). */
function uncommentKeys(yamlText: string): string {
  return yamlText.replace(/^(\s*)# ([A-Za-z0-9_./-]+: .+)$/gm, '$1$2');
}

describe('YAML snippets (KServe InferenceService)', () => {
  let validate: (doc: unknown) => string | undefined;

  before(() => {
    const { schema, keywords } = strictCrdSchema();
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const keyword of keywords) ajv.addKeyword({ keyword });
    const check = ajv.compile(schema);
    validate = (doc) => (check(doc) ? undefined : ajv.errorsText(check.errors, { separator: '\n' }));
  });

  const yamlSnippets = (): [string, SnippetDefinition][] => Object.entries(loadSnippetFile('yaml.code-snippets'));

  it('the strict CRD schema refuses a misspelt key and a bad quantity', () => {
    const text = expandSnippet(bodyText(snippet('yaml.code-snippets', 'kserve-isvc-onnx')));
    assert.match(validate(parseYaml(text.replace('storageUri:', 'storageURI:'))) ?? '', /additional properties/);
    assert.match(validate(parseYaml(text.replace('memory: 2Gi', 'memory: two-gigs'))) ?? '', /pattern/);
  });

  it('every YAML snippet, with each choice and with its commented-out keys turned on, is a valid InferenceService', () => {
    for (const [name, s] of yamlSnippets()) {
      for (const { label, text } of expansions(bodyText(s))) {
        for (const [variant, yamlText] of [['as inserted', text], ['optional keys on', uncommentKeys(text)]] as const) {
          const doc = parseYaml(yamlText, { strict: true, uniqueKeys: true }) as Record<string, unknown>;
          const problems = validate(doc);
          assert.equal(problems, undefined, `${name} (${label}, ${variant}):\n${problems}\n${yamlText}`);
          assert.equal(doc.apiVersion, 'serving.kserve.io/v1beta1');
          assert.equal(doc.kind, 'InferenceService');
          const metadata = doc.metadata as { name: unknown; namespace: unknown };
          assert.match(String(metadata.name), /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'KServe names are DNS-1035 labels');
          const predictor = (doc.spec as { predictor: Record<string, unknown> }).predictor;
          const model = predictor.model as Record<string, unknown>;
          assert.deepEqual(model.modelFormat, { name: 'onnx' });
          assert.ok(['v2', 'grpc-v2'].includes(model.protocolVersion as string));
          assert.match(String(model.storageUri), /^[a-z][a-z0-9+.-]*:\/\//);
          assert.ok((predictor.minReplicas as number) <= (predictor.maxReplicas as number));
        }
      }
    }
  });

  it('the ONNX InferenceService has batcher, logger, resources, and a GPU limit to uncomment', () => {
    const text = expandSnippet(bodyText(snippet('yaml.code-snippets', 'kserve-isvc-onnx')));
    const predictor = (parseYaml(text) as { spec: { predictor: Record<string, any> } }).spec.predictor;
    assert.deepEqual(predictor.batcher, { maxBatchSize: 32, maxLatency: 500 });
    assert.equal(predictor.logger.mode, 'all');
    assert.match(predictor.logger.url, /^https?:\/\//);
    assert.deepEqual(Object.keys(predictor.model.resources).sort(), ['limits', 'requests']);
    assert.equal(predictor.model.resources.limits['nvidia.com/gpu'], undefined, 'no GPU unless asked for');
    const on = (parseYaml(uncommentKeys(text)) as { spec: { predictor: Record<string, any> } }).spec.predictor;
    assert.equal(on.model.resources.limits['nvidia.com/gpu'], '1');
    assert.equal(on.model.runtime, 'kserve-tritonserver');
  });

  it('the transformer InferenceService runs a kserve-container that calls the predictor by its name and protocol', () => {
    const s = snippet('yaml.code-snippets', 'kserve-isvc-onnx-transformer');
    for (const { label, text } of expansions(bodyText(s))) {
      const doc = parseYaml(text) as { metadata: { name: string }; spec: Record<string, any> };
      const containers = doc.spec.transformer.containers as Record<string, any>[];
      assert.equal(containers.length, 1, label);
      const [container] = containers;
      assert.equal(container!.name, 'kserve-container');
      assert.ok(container!.image, 'image');
      const args = container!.args as string[];
      assert.equal(args[args.indexOf('--model_name') + 1], doc.metadata.name);
      assert.equal(args[args.indexOf('--protocol') + 1], doc.spec.predictor.model.protocolVersion);
      const env = Object.fromEntries((container!.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      assert.equal(env.MODEL_NAME, doc.metadata.name);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Script templates and their snippets: Python.
// ---------------------------------------------------------------------------------------------

let scratch: string;

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-snippets-'));
  // Modules written here resolve packages (onnxruntime-node, @types/node) from the repository.
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
});

after(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** python3 with bytecode caches kept out of the repository. */
function python(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPYCACHEPREFIX: path.join(scratch, 'pycache'), PYTHONDONTWRITEBYTECODE: '1', ...env },
    timeout: 60_000,
  });
  if (result.error) throw new Error(`${PYTHON} could not be run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const PY_TEMPLATES: Record<string, { file: string; prefix: string }> = {
  Predictor: { file: 'predictor.py', prefix: 'modeldeck-predictor' },
  Predict: { file: 'predict_legacy.py', prefix: 'modeldeck-predict-legacy' },
  Transformer: { file: 'transformer.py', prefix: 'modeldeck-transformer' },
};

/** Imports a script by path, creates `cls` and calls methods; prints JSON (or the error raised). */
const PY_DRIVER = `
import importlib.util, json, os, sys

if os.environ.get("BLOCK_ONNXRUNTIME"):
    class Block(object):
        def find_spec(self, name, path=None, target=None):
            if name == "onnxruntime" or name.startswith("onnxruntime."):
                raise ImportError("No module named 'onnxruntime' (hidden by the test)")
            return None
    sys.meta_path.insert(0, Block())

script, cls, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    spec = importlib.util.spec_from_file_location("script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    obj = getattr(module, cls)()
    attrs = ["model_files_path", "artifact_files_path", "deployment_name", "model_name", "model_version", "artifact_version"]
    out = {"attrs": {a: getattr(obj, a) for a in attrs}, "calls": [getattr(obj, m)(arg) for m, arg in calls]}
except Exception as err:
    out = {"error": type(err).__name__, "message": str(err)}
print(json.dumps(out))
`;

/** Stands in for onnxruntime where it is not installed: checks what the template feeds it. */
const FAKE_ONNXRUNTIME = `
import os
import numpy


class NodeArg(object):
    def __init__(self, name, type, shape):
        self.name, self.type, self.shape = name, type, shape


def get_available_providers():
    return ["CPUExecutionProvider"]


class InferenceSession(object):
    def __init__(self, path, providers=None):
        if not (path.endswith(".onnx") and os.path.isfile(path)):
            raise FileNotFoundError(path)
        if providers != ["CPUExecutionProvider"]:
            raise ValueError("providers: %r" % (providers,))

    def get_inputs(self):
        return [NodeArg("float_input", "tensor(float)", ["batch", 4])]

    def get_outputs(self):
        return [NodeArg("label", "tensor(int64)", ["batch"]), NodeArg("probabilities", "tensor(float)", ["batch", 3])]

    def run(self, names, feed):
        x = feed["float_input"]
        if x.dtype != numpy.float32 or x.ndim != 2 or x.shape[1] != 4:
            raise ValueError("fed %s %s" % (x.dtype, x.shape))
        label = (x[:, 2] > 2.5).astype(numpy.int64) + (x[:, 2] > 5.0).astype(numpy.int64)
        outputs = {"label": label, "probabilities": numpy.eye(3, dtype=numpy.float32)[label]}
        return [outputs[name] for name in names]
`;

const SERVING_ENV = {
  MODEL_FILES_PATH: IRIS_V2,
  ARTIFACT_FILES_PATH: '/artifacts/iris/2',
  DEPLOYMENT_NAME: 'iris-prod',
  MODEL_NAME: 'iris',
  MODEL_VERSION: '2',
  ARTIFACT_VERSION: '1',
};
const SERVING_ATTRS = {
  model_files_path: IRIS_V2,
  artifact_files_path: '/artifacts/iris/2',
  deployment_name: 'iris-prod',
  model_name: 'iris',
  model_version: '2',
  artifact_version: '1',
};

interface DriverOutput {
  attrs?: Record<string, string>;
  calls?: unknown[];
  error?: string;
  message?: string;
}

function runPython(script: string, cls: string, calls: [string, unknown][], env: Record<string, string> = {}): DriverOutput {
  const driver = path.join(scratch, 'driver.py');
  fs.writeFileSync(driver, PY_DRIVER);
  const result = python([driver, script, cls, JSON.stringify(calls)], env);
  assert.equal(result.status, 0, `driver failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as DriverOutput;
}

function pythonHas(module: string): boolean {
  return python(['-c', `import ${module}`]).status === 0;
}

describe('Python templates and snippets', () => {
  let fakeRuntime: string;

  before(() => {
    fakeRuntime = path.join(scratch, 'fake-ort');
    fs.mkdirSync(path.join(fakeRuntime, 'onnxruntime'), { recursive: true });
    fs.writeFileSync(path.join(fakeRuntime, 'onnxruntime', '__init__.py'), FAKE_ONNXRUNTIME);
  });

  it('each snippet inserts exactly its template, and both document the inputs/outputs contract', () => {
    for (const { file, prefix } of Object.values(PY_TEMPLATES)) {
      const s = snippet('python.code-snippets', prefix);
      assert.equal(expandSnippet(bodyText(s)), readTemplate(file), `${prefix} should insert media/templates/${file}`);
      assert.ok(commentText(readTemplate(file)).includes(PYTHON_CONTRACT), `${file} documents the contract`);
    }
    assert.deepEqual(
      fs.readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.py')).sort(),
      Object.values(PY_TEMPLATES).map((t) => t.file).sort(),
    );
  });

  it('the templates and the expanded snippets compile with python3 -m py_compile', () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'py-'));
    const files = Object.values(PY_TEMPLATES).map(({ file, prefix }) => {
      const expanded = path.join(dir, file);
      fs.writeFileSync(expanded, expandSnippet(bodyText(snippet('python.code-snippets', prefix))));
      return [path.join(TEMPLATES_DIR, file), expanded];
    });
    const result = python(['-m', 'py_compile', ...files.flat()]);
    assert.equal(result.status, 0, result.stderr);
    // py_compile must really be judging the files: a broken copy fails.
    const broken = path.join(dir, 'broken.py');
    fs.writeFileSync(broken, readTemplate('predictor.py').replace('def predict(self, inputs):', 'def predict(self, inputs)'));
    assert.notEqual(python(['-m', 'py_compile', broken]).status, 0);
  });

  it('the transformer template runs preprocess and postprocess on a sample payload', () => {
    const payload = { instances: IRIS_ROWS, id: 'r1' };
    const response = { predictions: [0, 1, 2] };
    const out = runPython(path.join(TEMPLATES_DIR, 'transformer.py'), 'Transformer', [
      ['preprocess', payload],
      ['postprocess', response],
    ], SERVING_ENV);
    assert.equal(out.error, undefined, out.message);
    assert.deepEqual(out.attrs, SERVING_ATTRS);
    assert.deepEqual(out.calls, [payload, response]);
    const bad = runPython(path.join(TEMPLATES_DIR, 'transformer.py'), 'Transformer', [['preprocess', { inputs: [] }]]);
    assert.equal(bad.error, 'ValueError');
    assert.match(bad.message!, /"instances"/);
  });

  it('the predictor templates refuse to start without onnxruntime, saying how to install it', () => {
    for (const [cls, { file }] of Object.entries(PY_TEMPLATES)) {
      if (cls === 'Transformer') continue;
      const out = runPython(path.join(TEMPLATES_DIR, file), cls, [], { ...SERVING_ENV, BLOCK_ONNXRUNTIME: '1' });
      assert.equal(out.error, 'ImportError', `${file}: ${JSON.stringify(out)}`);
      assert.match(out.message!, /pip install onnxruntime(?!-)/);
    }
  });

  it('the predictor templates load model.onnx from MODEL_FILES_PATH and return one prediction per row', (t) => {
    if (!pythonHas('numpy')) {
      t.skip('python3 has no numpy, which the stand-in onnxruntime needs');
      return;
    }
    const env = { ...SERVING_ENV, PYTHONPATH: fakeRuntime };
    const expected = [
      { label: 0, probabilities: [1, 0, 0] },
      { label: 1, probabilities: [0, 1, 0] },
      { label: 2, probabilities: [0, 0, 1] },
    ];
    const predictor = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [['predict', IRIS_ROWS]], env);
    assert.equal(predictor.error, undefined, predictor.message);
    assert.deepEqual(predictor.attrs, SERVING_ATTRS);
    assert.deepEqual(predictor.calls, [expected]);

    const legacy = runPython(path.join(TEMPLATES_DIR, 'predict_legacy.py'), 'Predict', [
      ['predict', IRIS_ROWS],
      ['classify', IRIS_ROWS],
      ['regress', IRIS_ROWS],
    ], env);
    assert.equal(legacy.error, undefined, legacy.message);
    assert.deepEqual(legacy.attrs, SERVING_ATTRS);
    assert.deepEqual(legacy.calls, [expected, [0, 1, 2], [0, 1, 2]]);

    // A folder without model.onnx but with one other .onnx file, and the file itself, work too.
    const folder = fs.mkdtempSync(path.join(scratch, 'model-'));
    fs.copyFileSync(path.join(IRIS_V2, 'model.onnx'), path.join(folder, 'iris.onnx'));
    for (const where of [folder, path.join(folder, 'iris.onnx')]) {
      const out = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [['predict', IRIS_ROWS]], { ...env, MODEL_FILES_PATH: where });
      assert.deepEqual(out.calls, [expected], where);
    }
    const missing = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [], { ...env, MODEL_FILES_PATH: scratch });
    assert.equal(missing.error, 'FileNotFoundError');
    const unset = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [], { PYTHONPATH: fakeRuntime, MODEL_FILES_PATH: '' });
    assert.equal(unset.error, 'RuntimeError');
    assert.match(unset.message!, /MODEL_FILES_PATH/);
  });

  it('with a real onnxruntime, the predictor template classifies the iris rows', (t) => {
    if (!pythonHas('onnxruntime')) {
      t.skip('python3 has no onnxruntime (pip install onnxruntime to run this)');
      return;
    }
    const out = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [['predict', IRIS_ROWS]], SERVING_ENV);
    assert.equal(out.error, undefined, out.message);
    const predictions = out.calls![0] as { label: number; probabilities: number[] }[];
    assert.deepEqual(predictions.map((p) => p.label), [0, 1, 2]);
  });
});

// ---------------------------------------------------------------------------------------------
// Script templates and their snippets: TypeScript and JavaScript.
// ---------------------------------------------------------------------------------------------

const TS_TEMPLATES: Record<string, string> = { 'modeldeck-predictor': 'predictor.ts', 'modeldeck-transformer': 'transformer.ts' };

/** Tokens of a module, comments, whitespace and trailing commas aside. */
function tokens(source: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, source);
  const out: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) out.push(scanner.getTokenText());
  return out.filter((tok, i) => !(tok === ',' && [')', ']', '}'].includes(out[i + 1] ?? '')));
}

interface PredictorModule {
  Predictor: new () => { predict(inputs: unknown[]): Promise<unknown[]>; modelName: string; deploymentName: string };
}
interface TransformerModule {
  Transformer: new () => {
    preprocess(payload: { instances: unknown[] }): Promise<unknown>;
    postprocess(response: { predictions: unknown[] }): Promise<unknown>;
  };
}

/** Runs `fn` with the serving environment variables set, restoring them afterwards. */
async function withServingEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(SERVING_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SERVING_ENV);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('TypeScript and JavaScript templates and snippets', () => {
  let dir: string;
  const jsFile = (prefix: string): string => path.join(dir, `${prefix}.mjs`);
  const tsFile = (prefix: string): string => path.join(dir, `${prefix}.ts`);

  before(() => {
    dir = fs.mkdtempSync(path.join(scratch, 'ts-'));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    for (const prefix of Object.keys(TS_TEMPLATES)) {
      fs.writeFileSync(tsFile(prefix), expandSnippet(bodyText(snippet('typescript.code-snippets', prefix, 'typescript'))));
      fs.writeFileSync(jsFile(prefix), expandSnippet(bodyText(snippet('typescript.code-snippets', prefix, 'javascript'))));
    }
  });

  it('each TypeScript snippet inserts exactly its template; every variant documents the contract', () => {
    for (const [prefix, file] of Object.entries(TS_TEMPLATES)) {
      assert.equal(fs.readFileSync(tsFile(prefix), 'utf8'), readTemplate(file), `${prefix} should insert media/templates/${file}`);
      for (const source of [readTemplate(file), fs.readFileSync(jsFile(prefix), 'utf8')]) {
        assert.ok(commentText(source).includes(JS_CONTRACT), `${prefix} documents the contract`);
      }
    }
  });

  it('the templates and the expanded snippets type-check (strict) and the JavaScript ones parse', () => {
    const roots = [
      ...Object.values(TS_TEMPLATES).map((f) => path.join(TEMPLATES_DIR, f)),
      ...Object.keys(TS_TEMPLATES).flatMap((p) => [tsFile(p), jsFile(p)]),
    ];
    const program = ts.createProgram(roots, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
      skipLibCheck: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      allowJs: true,
      checkJs: false,
    });
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...roots.filter((f) => f.endsWith('.ts')).flatMap((f) => program.getSemanticDiagnostics(program.getSourceFile(f))),
    ];
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => REPO_ROOT,
      getNewLine: () => '\n',
    });
    assert.equal(diagnostics.length, 0, text);
    for (const root of roots) assert.ok(program.getSourceFile(root), root);
  });

  it('each JavaScript snippet is its TypeScript template with the types taken out', () => {
    for (const [prefix, file] of Object.entries(TS_TEMPLATES)) {
      const stripped = ts.transpileModule(readTemplate(file), {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      }).outputText;
      assert.deepEqual(tokens(fs.readFileSync(jsFile(prefix), 'utf8')), tokens(stripped), `${prefix} (javascript)`);
    }
  });

  it('the predictor template and snippet run the iris model with onnxruntime-node, one prediction per row', async () => {
    const results: unknown[][] = [];
    for (const module of [path.join(TEMPLATES_DIR, 'predictor.ts'), jsFile('modeldeck-predictor')]) {
      const { Predictor } = (await import(pathToFileURL(module).href)) as PredictorModule;
      const predictions = await withServingEnv(async () => {
        const predictor = new Predictor();
        assert.equal(predictor.modelName, 'iris');
        assert.equal(predictor.deploymentName, 'iris-prod');
        return predictor.predict(IRIS_ROWS);
      });
      assert.equal(predictions.length, IRIS_ROWS.length);
      const rows = predictions as { label: number; probabilities: number[] }[];
      assert.deepEqual(rows.map((r) => r.label), [0, 1, 2]);
      for (const row of rows) {
        assert.equal(row.probabilities.length, 3);
        assert.ok(Math.abs(row.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
        assert.equal(row.probabilities.indexOf(Math.max(...row.probabilities)), row.label);
      }
      results.push(predictions);
    }
    assert.deepEqual(results[0], results[1], 'the TypeScript and JavaScript predictors agree');
  });

  it('the predictor template fails clearly without MODEL_FILES_PATH or a model file', async () => {
    const { Predictor } = (await import(pathToFileURL(path.join(TEMPLATES_DIR, 'predictor.ts')).href)) as PredictorModule;
    const saved = process.env.MODEL_FILES_PATH;
    try {
      delete process.env.MODEL_FILES_PATH;
      assert.throws(() => new Predictor(), /MODEL_FILES_PATH is not set/);
      process.env.MODEL_FILES_PATH = dir;
      assert.throws(() => new Predictor(), /exactly one \.onnx file/);
    } finally {
      if (saved === undefined) delete process.env.MODEL_FILES_PATH;
      else process.env.MODEL_FILES_PATH = saved;
    }
  });

  it('the transformer template and snippet pass the payload and the response through the contract', async () => {
    for (const module of [path.join(TEMPLATES_DIR, 'transformer.ts'), jsFile('modeldeck-transformer')]) {
      const { Transformer } = (await import(pathToFileURL(module).href)) as TransformerModule;
      const transformer = await withServingEnv(async () => new Transformer());
      const payload = { instances: IRIS_ROWS, id: 'r1' };
      assert.deepEqual(await transformer.preprocess(structuredClone(payload)), payload);
      const response = { predictions: [0, 1, 2] };
      assert.deepEqual(await transformer.postprocess(structuredClone(response)), response);
      await assert.rejects(transformer.preprocess({} as { instances: unknown[] }), /"instances"/);
      await assert.rejects(transformer.postprocess({} as { predictions: unknown[] }), /"predictions"/);
    }
  });
});
