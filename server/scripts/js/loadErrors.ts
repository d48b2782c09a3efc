/**
 * Turns whatever went wrong while loading a JS/TS script (compile error, syntax error, missing module,
 * a throw during import or in the constructor, no class) into a 'load-failed' message that points at
 * the user's file and line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScriptLocation, ScriptResponse } from '../scriptProtocol';
import { ScriptCompileError, compileErrorOf, syntaxErrorIn } from './moduleLoader';

type LoadFailed = Extract<ScriptResponse, { type: 'load-failed' }>;

/** A script that loaded but cannot serve (no class, a class that is not constructible, …): its message is the whole message. */
export class ScriptShapeError extends Error {
  override name = 'ScriptShapeError';
}

interface Frame {
  file: string;
  line: number;
}

function toPath(file: string): string {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file);
    } catch {
      return file;
    }
  }
  return file;
}

/** File/line frames of a V8 stack, top first (node: internals left out). */
export function stackFrames(stack: string | undefined): Frame[] {
  const frames: Frame[] = [];
  for (const raw of (stack ?? '').split('\n')) {
    const m = /^\s*at (?:.*? \()?(.+?):(\d+):\d+\)?$/.exec(raw);
    if (!m || m[1]!.startsWith('node:') || m[1]!.startsWith('data:') || m[1] === '<anonymous>') continue;
    frames.push({ file: toPath(m[1]!), line: Number(m[2]) });
  }
  return frames;
}

const inside = (dir: string, file: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};
const inNodeModules = (file: string): boolean => file.split(/[\\/]/).includes('node_modules');

/**
 * The user's place in a stack: the first frame in the script's folder (not its node_modules), else the
 * first frame that is neither the host's own code nor a package.
 */
export function userFrame(stack: string | undefined, scriptPath: string, hostDir: string): Frame | undefined {
  const frames = stackFrames(stack);
  const scriptDir = path.dirname(scriptPath);
  return (
    frames.find((f) => (f.file === scriptPath || inside(scriptDir, f.file)) && !inNodeModules(f.file)) ??
    frames.find((f) => !inside(hostDir, f.file) && !inNodeModules(f.file))
  );
}

/**
 * A stack for the user's log: the host's own frames (its bundle folder), Node internals and the
 * resolve hook's data: URL are left out; everything else (the script, its packages) stays. A stack
 * with nothing but such frames keeps its message lines only.
 */
export function cleanStack(stack: string, hostDir: string): string {
  return stack
    .split('\n')
    .filter((line) => {
      const m = /^\s*at (?:.*? \()?(.+?)(?::\d+:\d+)?\)?$/.exec(line);
      if (!m) return true;
      const file = m[1]!;
      if (file.startsWith('node:') || file.startsWith('data:') || file.includes('(data:text/javascript')) return false;
      return !inside(hostDir, toPath(file));
    })
    .join('\n');
}

/** "file:line" header Node puts on a CommonJS SyntaxError's stack ("/x/p.js:3\n<line>\n   ^\n\nSyntaxError: …"). */
function syntaxHeader(stack: string | undefined): Frame | undefined {
  const m = /^(.+):(\d+)\r?\n/.exec(stack ?? '');
  return m ? { file: toPath(m[1]!), line: Number(m[2]) } : undefined;
}

/** A bare specifier's package name ("@scope/pkg/sub" → "@scope/pkg"); undefined for paths. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:') || /^[A-Za-z]:[\\/]/.test(specifier) || specifier.startsWith('node:')) {
    return undefined;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The 1-based line of a file that mentions a quoted specifier (ESM import errors carry no line). */
function lineMentioning(file: string, specifier: string): number | undefined {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(`'${specifier}'`) || l.includes(`"${specifier}"`) || l.includes(`\`${specifier}\``));
    return i >= 0 ? i + 1 : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

/** The 'load-failed' message for an error raised while loading `scriptPath`. */
export function describeLoadError(err: unknown, scriptPath: string, hostDir: string): LoadFailed {
  const withLocation = (base: Omit<LoadFailed, 'type' | 'location'>, location: ScriptLocation | undefined): LoadFailed =>
    location ? { type: 'load-failed', ...base, location } : { type: 'load-failed', ...base };

  if (!(err instanceof Error)) {
    return { type: 'load-failed', message: `the script threw ${typeof err === 'string' ? JSON.stringify(err) : String(err)} (not an Error) while loading`, location: { file: scriptPath } };
  }
  const compile = err instanceof ScriptCompileError ? err : compileErrorOf(err, scriptPath);
  if (compile) {
    return withLocation({ message: `SyntaxError: ${compile.message}`, traceback: compile.excerpt }, compile.line !== undefined ? { file: compile.file, line: compile.line } : { file: compile.file });
  }
  if (err instanceof ScriptShapeError) return { type: 'load-failed', message: err.message, location: { file: scriptPath } };

  const traceback = cleanStack(err.stack ?? `${err.name}: ${err.message}`, hostDir);
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    // CJS: "Cannot find module 'x'\nRequire stack: …"; ESM: "Cannot find package 'x' imported from /p/a.mjs".
    const specifier = /Cannot find (?:module|package) '([^']+)'/.exec(err.message)?.[1];
    const importer = /imported from (.+)$/m.exec(err.message)?.[1];
    const missingModule = specifier ? packageNameOf(specifier) : undefined;
    let location: ScriptLocation | undefined = userFrame(err.stack, scriptPath, hostDir);
    if (!location && importer) {
      const file = toPath(importer.trim());
      const line = specifier ? lineMentioning(file, specifier) : undefined;
      location = line !== undefined ? { file, line } : { file };
    }
    const base: Omit<LoadFailed, 'type' | 'location'> = { message: `${err.name}: ${firstLine(err.message)}`, traceback };
    if (missingModule) base.missingModule = missingModule;
    return withLocation(base, location);
  }
  if (err instanceof SyntaxError) {
    const header = syntaxHeader(err.stack);
    if (header) return withLocation({ message: `SyntaxError: ${err.message}`, traceback }, header);
    const ext = path.extname(scriptPath).toLowerCase();
    if (ext === '.js' || ext === '.mjs') {
      let found: ScriptCompileError | undefined;
      try {
        found = syntaxErrorIn(scriptPath);
      } catch {
        found = undefined; // unreadable: say what we know
      }
      if (found && found.line !== undefined) {
        return withLocation({ message: `SyntaxError: ${err.message}`, traceback: `${found.excerpt}\n\n${traceback}` }, { file: found.file, line: found.line });
      }
      // "The requested module './x.mjs' does not provide an export named 'y'": the import's line.
      const requested = /requested module '([^']+)'/.exec(err.message)?.[1];
      const line = requested ? lineMentioning(scriptPath, requested) : undefined;
      if (line !== undefined) return withLocation({ message: `SyntaxError: ${err.message}`, traceback }, { file: scriptPath, line });
    }
  }
  const frame = userFrame(err.stack, scriptPath, hostDir);
  return withLocation({ message: `${err.name}: ${err.message}`, traceback }, frame ?? { file: scriptPath });
}
