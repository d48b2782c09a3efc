/**
 * Runs a Dockerfile's instructions without Docker, for tests of the generated runtime image:
 * FROM is recorded (the base image's Node is the test's own Node 20), WORKDIR/ENV/USER/EXPOSE are
 * tracked, COPY copies from the build context into a temporary root file system, RUN runs its
 * shell command there, and ENTRYPOINT/CMD give the command a container would start.
 *
 * What it does not emulate: image layers, the base image's own files (only Node is assumed),
 * USER's permissions, ARG, ADD, multi-stage builds, shell-form ENTRYPOINT. Paths inside the image
 * are mapped under `rootfs`; a command run "in the container" gets its absolute paths mapped by the
 * caller (the network and /mnt/models are not isolated here).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One instruction. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

/** The state after running the file. */
export interface EmulatedImage {
  from: string;
  platform?: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  exposed: number[];
  entrypoint: string[];
  cmd: string[];
  /** Each RUN with its exit status and output. */
  runs: { command: string; status: number | null; output: string }[];
}

/** Instructions in order; line continuations joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!buffer && (/^\s*#/.test(line) || line.trim() === '')) return;
    if (!buffer) start = i + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(buffer);
    if (!m) throw new Error(`line ${start}: not an instruction: ${buffer}`);
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buffer = '';
  });
  return out;
}

/** Exec form (`["a", "b"]`) only: shell form would need a shell in the image to mean the same. */
export function execForm(args: string, keyword: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${keyword} must be in exec form (a JSON array of strings)`);
  return parsed;
}

/** Runs `dockerfile` against `context`, building the image's files under `rootfs`. */
export function emulateDockerfile(dockerfile: string, context: string, rootfs: string): EmulatedImage {
  const image: EmulatedImage = { from: '', workdir: '/', env: {}, exposed: [], entrypoint: [], cmd: [], runs: [] };
  const inImage = (p: string): string => path.join(rootfs, path.posix.isAbsolute(p) ? p : path.posix.join(image.workdir, p));
  for (const ins of parseDockerfile(dockerfile)) {
    switch (ins.keyword) {
      case 'FROM': {
        const platform = /--platform=(\S+)/.exec(ins.args)?.[1];
        image.from = ins.args.replace(/--platform=\S+\s*/, '').trim();
        if (platform) image.platform = platform;
        break;
      }
      case 'WORKDIR':
        image.workdir = path.posix.resolve(image.workdir, ins.args);
        fs.mkdirSync(inImage(image.workdir), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\w+)[= ](.*)$/.exec(ins.args);
        if (!m) throw new Error(`line ${ins.line}: ENV ${ins.args}`);
        image.env[m[1]!] = m[2]!;
        break;
      }
      case 'COPY': {
        const parts = ins.args.split(/\s+/);
        const dest = parts.pop()!;
        if (parts.some((p) => p.startsWith('--'))) throw new Error(`line ${ins.line}: COPY flags are not emulated`);
        for (const src of parts) {
          const from = path.join(context, src);
          if (!fs.existsSync(from)) throw new Error(`line ${ins.line}: COPY ${src}: not in the build context ${context}`);
          // Docker: a directory's contents go into dest; files go into dest/ when it ends in '/' or there are several.
          const intoDir = dest.endsWith('/') || parts.length > 1;
          const target = fs.statSync(from).isDirectory() || !intoDir ? inImage(dest) : path.join(inImage(dest), path.basename(src));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.cpSync(from, target, { recursive: true });
        }
        break;
      }
      case 'RUN': {
        const r = spawnSync('sh', ['-c', ins.args], { cwd: inImage(image.workdir), env: { ...process.env, ...image.env }, encoding: 'utf8' });
        image.runs.push({ command: ins.args, status: r.status, output: `${r.stdout}${r.stderr}` });
        if (r.status !== 0) throw new Error(`line ${ins.line}: RUN ${ins.args} failed (${r.status}):\n${r.stdout}${r.stderr}`);
        break;
      }
      case 'USER':
        image.user = ins.args;
        break;
      case 'EXPOSE':
        image.exposed.push(...ins.args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, ''))));
        break;
      case 'ENTRYPOINT':
        image.entrypoint = execForm(ins.args, 'ENTRYPOINT');
        break;
      case 'CMD':
        image.cmd = execForm(ins.args, 'CMD');
        break;
      default:
        throw new Error(`line ${ins.line}: ${ins.keyword} is not emulated`);
    }
  }
  return image;
}
