/**
 * How the JS host loads a user's script inside its worker thread.
 *
 * - `.ts` / `.cts` / `.mts` are compiled by sucrase at load (one file at a time, to CommonJS; sucrase
 *   keeps every line where it was, so stack traces point at the .ts lines) through a require hook, so
 *   TypeScript helpers beside the script load too (`./helper`, or `./helper.js` naming helper.ts as
 *   tsc's NodeNext style does). sucrase is plain JavaScript bundled into the host: no native binary per
 *   platform to ship. CommonJS output has no top-level await; `import.meta.url`, `.filename` and
 *   `.dirname` are provided.
 * - `.cjs` is required; `.js` and `.mjs` are imported (Node decides CJS or ESM as it would for
 *   `node script.js`; CommonJS exports appear as named exports and as `default`).
 * - Relative imports resolve from the script's folder (each file resolves from its own folder, as in Node).
 * - `onnxruntime-node` (and `onnxruntime-common`) resolve from the script's folder first and else from
 *   the server's own copy, so a workspace without node_modules can use the runtime the server ships.
 *   Other packages must be installed beside the script.
 */
import Module, { createRequire, register } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'sucrase';

/** Extensions the host loads. */
export const SCRIPT_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts'] as const;
const TS_EXTENSIONS = new Set(['.ts', '.cts', '.mts']);

/** Packages a script may use from the server's own node_modules when its folder has none. */
export const SERVER_PROVIDED_PACKAGES = ['onnxruntime-node', 'onnxruntime-common'] as const;

/** A compile (syntax) error, with the place the parser reports. */
export class ScriptCompileError extends SyntaxError {
  override name = 'SyntaxError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    /** Source line and caret, for the traceback. */
    readonly excerpt: string,
  ) {
    super(message);
  }
}

/**
 * A sucrase parse error as a ScriptCompileError; undefined when `err` is not one. sucrase says
 * "Error transforming <file>: Unexpected token (3:12)" with `loc` {line, column (0-based)}.
 */
export function compileErrorOf(err: unknown, file: string, source?: string): ScriptCompileError | undefined {
  const loc = (err as { loc?: { line?: unknown; column?: unknown } } | null)?.loc;
  if (!(err instanceof Error) || typeof loc?.line !== 'number' || typeof loc.column !== 'number') return undefined;
  const text = err.message.replace(/^Error transforming [^:]*: /, '').replace(/ \(\d+:\d+\)$/, '');
  const where = `${file}:${loc.line}:${loc.column + 1}`;
  const lineText = source?.split('\n')[loc.line - 1];
  const excerpt = lineText !== undefined ? `${where}\n${lineText}\n${' '.repeat(loc.column)}^` : where;
  return new ScriptCompileError(text, file, loc.line, loc.column + 1, excerpt);
}

const META_NAMES: Record<string, string> = { url: '__modeldeck_meta_url', filename: '__modeldeck_meta_filename', dirname: '__modeldeck_meta_dirname' };
// On the first line, before the code: no line moves.
const IMPORT_META_PRELUDE =
  'var __modeldeck_meta_url = require("node:url").pathToFileURL(__filename).href, __modeldeck_meta_filename = __filename, __modeldeck_meta_dirname = __dirname;';

/** CommonJS JavaScript of a TypeScript file, line for line; `import.meta.url` / `filename` / `dirname` work. */
export function compileTypeScript(source: string, file: string): string {
  let code: string;
  try {
    code = transform(source, { transforms: ['typescript', 'imports'], filePath: file, production: true }).code;
  } catch (err) {
    throw compileErrorOf(err, file, source) ?? err;
  }
  // CommonJS has no import.meta: give it the file's own values (ES-module style TypeScript uses them).
  const replaced = code.replace(/\bimport\.meta\.(url|filename|dirname)\b/g, (_m, name: string) => META_NAMES[name]!);
  return replaced === code ? code : IMPORT_META_PRELUDE + replaced;
}

/** Where a JavaScript file has a syntax error (Node's ES-module syntax errors carry no place); undefined if none is found. */
export function syntaxErrorIn(file: string): ScriptCompileError | undefined {
  const source = fs.readFileSync(file, 'utf8');
  try {
    transform(source, { transforms: ['imports'], filePath: file });
    return undefined;
  } catch (err) {
    return compileErrorOf(err, file, source);
  }
}

type Extensions = Record<string, (module: { _compile(code: string, file: string): void }, filename: string) => void>;
type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: { paths?: string[] }) => string;
const internals = Module as unknown as { _extensions: Extensions; _resolveFilename: ResolveFilename };

const isServerProvided = (specifier: string): boolean =>
  SERVER_PROVIDED_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));

/** `./helper.js` → `./helper.ts` (tsc's NodeNext style names the output file); undefined for others. */
function typeScriptAlternative(request: string): string | undefined {
  if (!request.startsWith('.') && !path.isAbsolute(request)) return undefined;
  const m = /\.(c|m)?js$/.exec(request);
  return m ? `${request.slice(0, -m[0].length)}.${m[1] ?? ''}ts` : undefined;
}

let installed = false;

/**
 * Installs the TypeScript require hooks and the resolution fallbacks in this thread (once).
 * `serverDir` is where the server's own node_modules are found from (the host bundle's folder).
 */
export function installLoaders(serverDir: string): void {
  if (installed) return;
  installed = true;
  for (const ext of TS_EXTENSIONS) {
    internals._extensions[ext] = (module, filename) => module._compile(compileTypeScript(fs.readFileSync(filename, 'utf8'), filename), filename);
  }

  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    try {
      return resolveFilename.call(this, request, parent, isMain, options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
      const alternative = typeScriptAlternative(request);
      if (alternative) {
        try {
          return resolveFilename.call(this, alternative, parent, isMain, options);
        } catch {
          /* the original error says what was asked for */
        }
      }
      if (isServerProvided(request)) {
        try {
          return resolveFilename.call(this, request, parent, isMain, { paths: [serverDir] });
        } catch {
          /* not shipped either: report the script's own failure */
        }
      }
      throw err;
    }
  };

  // ES modules resolve outside _resolveFilename: a resolve hook (run on Node's loader thread) does the same fallback.
  if (typeof register === 'function') {
    const hooks = `
      let parentURL;
      const provided = ${JSON.stringify(SERVER_PROVIDED_PACKAGES)};
      export async function initialize(data) { parentURL = data.parentURL; }
      export async function resolve(specifier, context, next) {
        try {
          return await next(specifier, context);
        } catch (err) {
          if (err && err.code === 'ERR_MODULE_NOT_FOUND' && provided.some((p) => specifier === p || specifier.startsWith(p + '/'))) {
            try { return await next(specifier, { ...context, parentURL }); } catch {}
          }
          throw err;
        }
      }`;
    register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { parentURL: pathToFileURL(path.join(serverDir, 'noop.js')).href } });
  }
}

/** Loads a script file and returns what it exports (module.exports, or the ES module namespace). */
export async function loadScriptModule(file: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (TS_EXTENSIONS.has(ext) || ext === '.cjs') return createRequire(file)(file);
  if (ext === '.js' || ext === '.mjs') return import(pathToFileURL(file).href);
  throw new Error(`cannot load ${path.basename(file)}: a JS script host loads ${SCRIPT_EXTENSIONS.join(', ')} files`);
}
