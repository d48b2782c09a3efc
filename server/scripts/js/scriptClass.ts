/**
 * Finding and instantiating the script's class: `Predictor` (role predictor) or `Transformer`
 * (role transformer), exported by name (`export class Predictor`, `module.exports.Predictor`), inside
 * the default export (`export default { Predictor }`), or as the default export / `module.exports`
 * itself when that class has the right name (or none).
 */
import * as path from 'node:path';
import type { ScriptRole } from '../scriptProtocol';
import { ScriptShapeError } from './loadErrors';

/** Class name per role. */
export const CLASS_NAMES: Readonly<Record<ScriptRole, string>> = { predictor: 'Predictor', transformer: 'Transformer' };

type Constructor = new () => object;

const isObjectLike = (v: unknown): v is Record<string, unknown> => (typeof v === 'object' || typeof v === 'function') && v !== null;

function exportedNames(exports: unknown): string[] {
  if (!isObjectLike(exports)) return [];
  const names = new Set(Object.keys(exports));
  const def = exports['default'];
  if (isObjectLike(def) && typeof def !== 'function') {
    // An imported CommonJS file: `default` is module.exports itself, so list what it holds instead.
    names.delete('default');
    for (const k of Object.keys(def)) names.add(k);
  }
  return [...names].filter((n) => n !== '__esModule');
}

/** The class to instantiate; throws ScriptShapeError saying what the file exports instead. */
export function findScriptClass(exports: unknown, role: ScriptRole, scriptPath: string): Constructor {
  const name = CLASS_NAMES[role];
  const named = (v: unknown): boolean => typeof v === 'function' && (v.name === name || v.name === '' || v.name === 'default');
  const candidates: unknown[] = [];
  if (isObjectLike(exports)) {
    candidates.push(exports[name]);
    const def = exports['default'];
    if (isObjectLike(def)) candidates.push(def[name]);
    if (named(def)) candidates.push(def);
  }
  if (typeof exports === 'function' && exports.name === name) candidates.push(exports);
  const found = candidates.find((c) => typeof c === 'function');
  if (found) return found as Constructor;

  const file = path.basename(scriptPath);
  const names = exportedNames(exports);
  const other = role === 'predictor' ? CLASS_NAMES.transformer : CLASS_NAMES.predictor;
  const hint = names.includes(other) ? ` (it exports ${other}: is the script's role ${role === 'predictor' ? 'transformer' : 'predictor'}?)` : '';
  const listing = names.length ? `; it exports ${names.join(', ')}` : '; it exports nothing';
  throw new ScriptShapeError(`no class ${name} in ${file}${hint || listing} (export class ${name} { … })`);
}

/**
 * Instantiates the class. A constructor that returns a promise (an async factory: `return (async () => { …; return this; })()`)
 * is awaited, so loading ends when the instance is ready.
 */
export async function instantiate(cls: Constructor): Promise<object> {
  const made: unknown = new cls();
  if (isObjectLike(made) && typeof (made as { then?: unknown }).then === 'function') {
    const ready: unknown = await (made as unknown as PromiseLike<unknown>);
    if (!isObjectLike(ready)) throw new ScriptShapeError(`the ${cls.name || 'script'} constructor returned a promise that resolved to ${String(ready)}, expected the instance`);
    return ready;
  }
  return made as object;
}

/** Public methods of an instance (prototype chain up to Object, plus function-valued own fields), and which of them are async. */
export function methodsOf(instance: object): { methods: string[]; asyncMethods: string[] } {
  const methods = new Set<string>();
  const asyncMethods = new Set<string>();
  const consider = (owner: object): void => {
    for (const key of Object.getOwnPropertyNames(owner)) {
      if (key === 'constructor' || key.startsWith('_') || methods.has(key)) continue;
      const d = Object.getOwnPropertyDescriptor(owner, key);
      // Getters are not called: a getter with side effects must not run at load.
      if (!d || typeof d.value !== 'function') continue;
      methods.add(key);
      if ((d.value as { constructor?: { name?: string } }).constructor?.name === 'AsyncFunction') asyncMethods.add(key);
    }
  };
  consider(instance);
  for (let p = Object.getPrototypeOf(instance) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) consider(p);
  return { methods: [...methods], asyncMethods: [...asyncMethods] };
}
