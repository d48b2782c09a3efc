/**
 * Which Python runs a deployment's scripts, in the order a user expects: the deployment's
 * `predictor.environment`, else the `modeldeck.python.interpreter` setting, else the Python
 * extension's selected interpreter, else `python3` on PATH (Windows: `python`, then `py -3`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where the interpreter came from. */
export type PythonSource = 'deployment' | 'setting' | 'python-extension' | 'path';

/** The interpreter a script host will run. */
export interface ResolvedPython {
  /** Absolute path of the interpreter executable (for PATH lookups: the interpreter's sys.executable). */
  path: string;
  /** Which rule chose it. */
  source: PythonSource;
  /** "3.11.2". */
  version: string;
}

/** Inputs of {@link resolvePythonInterpreter}; empty strings count as unset. */
export interface ResolvePythonOptions {
  /** The deployment's `predictor.environment`: an interpreter file or command, or a venv/conda folder. */
  environment?: string;
  /** The `modeldeck.python.interpreter` setting (same forms). */
  setting?: string;
  /** The Python extension's active interpreter, if that extension is installed. */
  extensionInterpreter?: string;
  /** Folder relative paths are resolved against (the deployment's or workspace folder). */
  cwd: string;
  /** Platform rules to follow (default: this process's); for tests. */
  platform?: NodeJS.Platform;
}

/** Oldest Python the host supports. */
export const MIN_PYTHON: readonly [number, number] = [3, 8];

/** Why no interpreter could be used. */
export type PythonErrorReason = 'missing' | 'not-python' | 'too-old' | 'not-found';

/** A Python interpreter that cannot be used, with the reason and the rule that named it. */
export class PythonInterpreterError extends Error {
  constructor(
    readonly reason: PythonErrorReason,
    message: string,
    /** Rule that named the interpreter (absent for `not-found`: nothing was named and PATH had none). */
    readonly source?: PythonSource,
    /** What was tried: the path or command. */
    readonly candidate?: string,
  ) {
    super(message);
    this.name = 'PythonInterpreterError';
  }
}

const SOURCE_LABEL: Record<PythonSource, string> = {
  deployment: 'the deployment\'s predictor.environment',
  setting: 'the setting modeldeck.python.interpreter',
  'python-extension': 'the Python extension\'s interpreter',
  path: 'PATH',
};

const PROBE = 'import sys; print(sys.version.split()[0]); print(sys.executable)';
const PROBE_TIMEOUT_MS = 20_000;
const probes = new Map<string, Promise<{ version: string; executable: string }>>();

/** Forgets cached interpreter versions (after an environment was recreated). */
export function clearPythonCache(): void {
  probes.clear();
}

/** Runs the interpreter once to learn its version (cached per command line). */
function probe(command: string, args: string[] = []): Promise<{ version: string; executable: string }> {
  const key = [command, ...args].join('\0');
  let p = probes.get(key);
  if (!p) {
    p = new Promise((resolve, reject) => {
      execFile(command, [...args, '-c', PROBE], { timeout: PROBE_TIMEOUT_MS, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) {
          reject(Object.assign(err, { stderr }));
          return;
        }
        const [version = '', executable = ''] = stdout.trim().split(/\r?\n/);
        if (!/^\d+\.\d+/.test(version)) reject(new Error(`unexpected output: ${stdout.slice(0, 200)}`));
        else resolve({ version: version.trim(), executable: executable.trim() });
      });
    });
    probes.set(key, p);
    p.catch(() => probes.delete(key)); // failures are not cached: the user may fix them
  }
  return p;
}

function isTooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => parseInt(n, 10));
  return major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1]);
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Interpreters inside a venv or conda folder, most likely first. */
function interpretersIn(folder: string, platform: NodeJS.Platform): string[] {
  return platform === 'win32'
    ? [path.join(folder, 'Scripts', 'python.exe'), path.join(folder, 'python.exe')]
    : [path.join(folder, 'bin', 'python3'), path.join(folder, 'bin', 'python')];
}

/** One named interpreter (file, folder or command) → resolved, or a PythonInterpreterError. */
async function resolveNamed(spec: string, source: PythonSource, cwd: string, platform: NodeJS.Platform): Promise<ResolvedPython> {
  const label = SOURCE_LABEL[source];
  const looksLikePath = /[\\/]/.test(spec) || spec.startsWith('~') || spec.startsWith('.');
  if (!looksLikePath) {
    // A command name such as "python3.11": looked up on PATH by the OS.
    try {
      const { version, executable } = await probe(spec);
      return checked({ path: executable || spec, source, version }, spec);
    } catch (e) {
      if (e instanceof PythonInterpreterError) throw e;
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new PythonInterpreterError(
        missing ? 'missing' : 'not-python',
        missing ? `${label} names "${spec}", which is not a command on PATH` : `${label} names "${spec}", which is not a working Python: ${failure(e)}`,
        source,
        spec,
      );
    }
  }
  const abs = path.resolve(cwd, expandHome(spec));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new PythonInterpreterError('missing', `${label} is "${spec}", which does not exist (${abs})`, source, abs);
  }
  let file = abs;
  if (stat.isDirectory()) {
    const found = interpretersIn(abs, platform).find((f) => fs.existsSync(f));
    if (!found) {
      const expected = platform === 'win32' ? 'Scripts\\python.exe or python.exe' : 'bin/python3 or bin/python';
      throw new PythonInterpreterError('not-python', `${label} is the folder "${spec}", which is not a Python environment (no ${expected} in ${abs})`, source, abs);
    }
    file = found;
  }
  let version: string;
  try {
    ({ version } = await probe(file));
  } catch (e) {
    throw new PythonInterpreterError('not-python', `${label} is "${spec}", which is not a working Python interpreter (${file}: ${failure(e)})`, source, file);
  }
  return checked({ path: file, source, version }, spec);
}

function checked(found: ResolvedPython, spec: string): ResolvedPython {
  if (isTooOld(found.version)) {
    throw new PythonInterpreterError(
      'too-old',
      `${SOURCE_LABEL[found.source]} gives Python ${found.version} (${found.path}); scripts need Python ${MIN_PYTHON.join('.')} or newer`,
      found.source,
      spec,
    );
  }
  return found;
}

function failure(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
  if (err.killed) return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  const last = (err.stderr ?? '').trim().split(/\r?\n/).pop();
  return last || err.code?.toString() || err.message;
}

/**
 * Picks the interpreter for a deployment's scripts. A deployment environment or a setting that
 * does not work is an error (it was asked for); a stale Python-extension interpreter falls through to
 * PATH. Versions are learnt by running the interpreter once (cached).
 */
export async function resolvePythonInterpreter(opts: ResolvePythonOptions): Promise<ResolvedPython> {
  const platform = opts.platform ?? process.platform;
  if (opts.environment?.trim()) return resolveNamed(opts.environment.trim(), 'deployment', opts.cwd, platform);
  if (opts.setting?.trim()) return resolveNamed(opts.setting.trim(), 'setting', opts.cwd, platform);
  if (opts.extensionInterpreter?.trim()) {
    try {
      return await resolveNamed(opts.extensionInterpreter.trim(), 'python-extension', opts.cwd, platform);
    } catch {
      /* an interpreter the extension remembers may be gone: PATH next */
    }
  }
  const commands: Array<[string, string[]]> = platform === 'win32' ? [['python', []], ['py', ['-3']]] : [['python3', []], ['python', []]];
  for (const [command, args] of commands) {
    try {
      const { version, executable } = await probe(command, args);
      if (isTooOld(version)) continue;
      return { path: executable || command, source: 'path', version };
    } catch {
      /* next */
    }
  }
  throw new PythonInterpreterError(
    'not-found',
    `no Python ${MIN_PYTHON.join('.')}+ found on PATH (tried ${commands.map(([c, a]) => [c, ...a].join(' ')).join(', ')}): set predictor.environment in the deployment or the setting modeldeck.python.interpreter`,
  );
}

/** Import names whose pip package is called differently. */
const PIP_PACKAGES: Record<string, string> = {
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  cv2: 'opencv-python',
  PIL: 'Pillow',
  yaml: 'PyYAML',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  dotenv: 'python-dotenv',
  attr: 'attrs',
  Crypto: 'pycryptodome',
  jwt: 'PyJWT',
  serial: 'pyserial',
  zmq: 'pyzmq',
  OpenSSL: 'pyOpenSSL',
  docx: 'python-docx',
  fitz: 'PyMuPDF',
  magic: 'python-magic',
  google: 'protobuf',
};

/** The pip package that provides an import name ("sklearn.ensemble" → "scikit-learn"). */
export function pipPackageFor(module: string): string {
  const top = module.split('.')[0]!;
  return PIP_PACKAGES[top] ?? top.replace(/_/g, '-');
}

/** `"<interpreter> -m pip install <package>"` for a module that could not be imported. */
export function pipInstallHint(interpreter: string, module: string): string {
  const exe = /\s/.test(interpreter) ? `"${interpreter}"` : interpreter;
  return `${exe} -m pip install ${pipPackageFor(module)}`;
}
