/**
 * How the JS host loads a user's script inside its worker thread.
 *
 * - `.ts` / `.cts` / `.mts` are compiled by esbuild at load (one file at a time, to CommonJS, inline
 *   source maps so stack traces point at the .ts lines) through a require hook, so TypeScript helpers
 *   beside the script load too (`./helper`, or `./helper.js` naming helper.ts as tsc's NodeNext style
 *   does). CommonJS output has no top-level await (esbuild's error says so, with the line);
 *   `import.meta.url`, `.filename` and `.dirname` are provided.
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

/** Extensions the host loads. */
export const SCRIPT_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts'] as const;
const TS_EXTENSIONS = new Set(['.ts', '.cts', '.mts']);

/** Packages a script may use from the server's own node_modules when its folder has none. */
export const SERVER_PROVIDED_PACKAGES = ['onnxruntime-node', 'onnxruntime-common'] as const;

/** A TypeScript compile error, with the place esbuild reports. */
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

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}
interface Esbuild {
  transformSync(source: string, options: Record<string, unknown>): { code: string };
}

let esbuildModule: Esbuild | undefined;

/** esbuild, loaded on first use (scripts in plain JS never need it). */
export function loadEsbuild(): Esbuild {
  if (esbuildModule) return esbuildModule;
  try {
    // A plain require: esbuild ships a native binary per platform and cannot be bundled.
    esbuildModule = require('esbuild') as Esbuild;
  } catch (err) {
    throw new Error(
      `TypeScript scripts are compiled with esbuild, which could not be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ` +
        'reinstall the extension, or write the script in JavaScript',
    );
  }
  return esbuildModule;
}

/** The first esbuild error of a failed transform as a ScriptCompileError; undefined when `err` is not one. */
export function compileErrorOf(err: unknown, file: string): ScriptCompileError | undefined {
  const errors = (err as { errors?: EsbuildMessage[] } | null)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (!first) return undefined;
  const loc = first.location;
  const where = loc ? `${loc.file || file}:${loc.line}:${loc.column + 1}` : file;
  const excerpt = loc ? `${where}\n${loc.lineText}\n${' '.repeat(loc.column)}^` : where;
  return new ScriptCompileError(first.text, loc?.file || file, loc?.line, loc ? loc.column + 1 : undefined, excerpt);
}

const IMPORT_META_BANNER =
  'var __modeldeck_meta_url = require("node:url").pathToFileURL(__filename).href, __modeldeck_meta_filename = __filename, __modeldeck_meta_dirname = __dirname;';
const IMPORT_META_DEFINES = {
  'import.meta.url': '__modeldeck_meta_url',
  'import.meta.filename': '__modeldeck_meta_filename',
  'import.meta.dirname': '__modeldeck_meta_dirname',
};

/** CommonJS JavaScript (inline source map) of a TypeScript file; `import.meta.url` / `filename` / `dirname` work. */
export function compileTypeScript(source: string, file: string): string {
  const esbuild = loadEsbuild();
  try {
    return esbuild.transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      sourcefile: file,
      logLevel: 'silent',
      // CommonJS has no import.meta: give it the file's own values (ES-module style TypeScript uses them).
      banner: IMPORT_META_BANNER,
      define: IMPORT_META_DEFINES,
    }).code;
  } catch (err) {
    throw compileErrorOf(err, file) ?? err;
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
  // Stack traces of compiled TypeScript point at the .ts lines.
  process.setSourceMapsEnabled(true);

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
