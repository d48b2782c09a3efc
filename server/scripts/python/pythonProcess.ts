/**
 * The Node side of a Python script host: one `<python> modeldeck_host.py` process, driven as a
 * {@link ScriptChannel} (Worker-like) over framed binary messages on its stdin/stdout (frames.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import type { ScriptChannel, ScriptRequest, ScriptResponse } from '../scriptProtocol';
import { decodeFrame, encodeFrame, FrameReader } from './frames';

/**
 * Where modeldeck_host.py is: beside the bundle (`dist/scripts/`, copied there by esbuild.mjs), or
 * beside this file when the sources run under tsx (tests).
 */
export function defaultHostFile(): string {
  const candidates = [path.join(__dirname, 'scripts', 'modeldeck_host.py'), path.join(__dirname, 'modeldeck_host.py')];
  return candidates.find((f) => fs.existsSync(f)) ?? candidates[0]!;
}

/** Extra settings for the host process. */
export interface PythonHostOptions {
  /** Environment of the process (default: the server's); the script's own variables come with 'load'. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait after SIGTERM before killing outright (ms). */
  killGraceMs?: number;
}

/**
 * Starts `interpreter hostFile` and returns it as a channel. Spawn failures (no such interpreter)
 * arrive as an 'error' event followed by 'exit'.
 */
export function spawnPythonHost(interpreter: string, hostFile: string = defaultHostFile(), options: PythonHostOptions = {}): ScriptChannel {
  return new PythonHostChannel(interpreter, hostFile, options);
}

/** Frames up to this size are written as one joined buffer. */
const SMALL_FRAME = 64 * 1024;

/** How long 'exit' waits for the pipes to close after the process ended (a grandchild may hold stderr). */
const CLOSE_GRACE_MS = 250;

class PythonHostChannel extends EventEmitter implements ScriptChannel {
  private readonly child: ChildProcess;
  private exitCode: number | undefined;
  private readonly exited: Promise<number>;
  private resolveExited!: (code: number) => void;
  private stderrPending = '';
  private strayPending = '';

  constructor(
    private readonly interpreter: string,
    hostFile: string,
    private readonly options: PythonHostOptions,
  ) {
    super();
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.child = spawn(interpreter, [hostFile], {
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      env: { ...(options.env ?? process.env), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    // Decoded first, emitted after: an exception thrown by a 'message' listener is the listener's,
    // not a broken stream.
    const batch: ScriptResponse[] = [];
    let stray = '';
    const reader = new FrameReader(
      (frame) => batch.push(decodeFrame(frame)),
      (text) => (stray += text),
    );
    this.child.stdout!.on('data', (chunk: Buffer) => {
      let broken: Error | undefined;
      try {
        reader.push(chunk);
      } catch (e) {
        broken = e as Error;
      }
      if (stray) {
        const text = stray;
        stray = '';
        this.lines(text, 'stdout');
      }
      for (const msg of batch.splice(0)) this.emit('message', msg);
      if (broken) {
        // Out of step (something wrote into the frame stream): nothing after this can be trusted.
        this.child.stdout!.removeAllListeners('data');
        this.fail(new Error(`Python host sent an unreadable frame: ${broken.message}`));
        this.child.kill();
      }
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => this.lines(text, 'stderr'));
    this.child.stdin!.on('error', () => {
      /* EPIPE once the process is gone: 'exit' reports it */
    });
    this.child.on('error', (err: NodeJS.ErrnoException) => {
      const what = err.code === 'ENOENT' ? `no such Python interpreter: ${this.interpreter}` : `Python host (${this.interpreter}): ${err.message}`;
      this.fail(new Error(what));
      if (this.child.pid === undefined) this.finish(127); // never started: no 'exit' will come
    });
    let closeTimer: NodeJS.Timeout | undefined;
    this.child.on('exit', (code, signal) => {
      const exitCode = code ?? 128 + ((signal && osConstants.signals[signal]) || 0);
      // Frames still in the pipe are delivered first: 'close' follows once stdout is drained.
      closeTimer = setTimeout(() => {
        this.child.stdout!.destroy();
        this.child.stderr!.destroy();
        this.finish(exitCode);
      }, CLOSE_GRACE_MS);
      this.child.once('close', () => {
        clearTimeout(closeTimer);
        this.finish(exitCode);
      });
    });
  }

  postMessage(msg: ScriptRequest): void {
    const stdin = this.child.stdin;
    if (this.exitCode !== undefined || !stdin || !stdin.writable) return; // as a terminated Worker: dropped
    const chunks = encodeFrame(msg);
    if (chunks.length === 1) {
      stdin.write(chunks[0]);
      return;
    }
    let size = 0;
    for (const c of chunks) size += c.byteLength;
    if (size <= SMALL_FRAME) {
      // Copying a small frame into one buffer is cheaper than a vectored write.
      stdin.write(Buffer.concat(chunks, size));
      return;
    }
    stdin.cork(); // one writev for the header and every tensor, no copies
    for (const c of chunks) stdin.write(c);
    stdin.uncork();
  }

  terminate(): Promise<number> {
    if (this.exitCode === undefined && this.child.pid !== undefined) {
      // kill() without a signal name works on Windows too (TerminateProcess). 'SIGKILL' is accepted
      // there as well; it is only needed when a script traps SIGTERM.
      this.child.kill();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), this.options.killGraceMs ?? 2000);
      timer.unref();
      void this.exited.then(() => clearTimeout(timer));
    }
    return this.exited;
  }

  private finish(code: number): void {
    if (this.exitCode !== undefined) return;
    if (this.stderrPending) this.log(this.stderrPending, 'stderr');
    if (this.strayPending) this.log(this.strayPending, 'stdout');
    this.stderrPending = this.strayPending = '';
    this.exitCode = code;
    this.resolveExited(code);
    this.emit('exit', code);
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** Output outside frames (an interpreter crash, a noisy sitecustomize): error logs, one per line. */
  private lines(text: string, source: 'stdout' | 'stderr'): void {
    const all = (source === 'stderr' ? this.stderrPending : this.strayPending) + text;
    const parts = all.split('\n');
    const rest = parts.pop()!;
    if (source === 'stderr') this.stderrPending = rest;
    else this.strayPending = rest;
    for (const line of parts) this.log(line, source);
  }

  private log(line: string, source: 'stdout' | 'stderr'): void {
    const message = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (message.trim() === '') return;
    const msg: ScriptResponse = { type: 'log', level: 'error', message, source };
    this.emit('message', msg);
  }
}
