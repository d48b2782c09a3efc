import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { connectableUrl } from '../core/net/externalUrl';
import { choosePort } from '../core/server/freePort';
import { LineSplitter, parseServerLogLine, type ServerLogLine } from '../core/server/logLine';
import { RestartBackoff } from '../core/server/restartBackoff';
import { ServerClient } from '../core/server/serverClient';
import { Disposable } from '../common/lifecycle';
import type { ModelDeckSettings } from '../common/config';
import type { ModelDeckOutput } from '../logs/output';

export type ServerStateName = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

/** What the UI shows about the local server. */
export interface ServerState {
  state: ServerStateName;
  httpUrl?: string;
  grpcUrl?: string;
  pid?: number;
  /** Restarts after unexpected exits since activation. */
  restarts: number;
  /** Why it failed or restarted. */
  reason?: string;
}

/** How to launch the server: the bundle and the registries it serves from. */
export interface LaunchPlan {
  serverScript: string;
  registries: string[];
  settings: ModelDeckSettings['server'];
  /** Extra environment (e.g. the Python interpreter for scripts). */
  env?: Record<string, string>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/**
 * Owns the bundled inference server as a child process: starts it on the configured ports (or free
 * ones), waits for readiness, streams its JSON logs, restarts it with backoff when it dies, stops it
 * on deactivate. The server runs with `--model-control explicit`, so it serves exactly what the
 * extension loads through the repository API.
 */
export class LocalServer extends Disposable {
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private stopping = false;
  private starting: Promise<ServerClient> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new RestartBackoff();
  private current: ServerState = { state: 'stopped', restarts: 0 };
  private client: ServerClient | undefined;
  private readonly stateEmitter = this.register(new vscode.EventEmitter<ServerState>());
  private readonly restartedEmitter = this.register(new vscode.EventEmitter<ServerClient>());
  private readonly logEmitter = this.register(new vscode.EventEmitter<ServerLogLine>());
  /** Every state change. */
  readonly onState = this.stateEmitter.event;
  /** The server came back after dying: deployments must be loaded again. */
  readonly onRestarted = this.restartedEmitter.event;
  /** Every parsed log line. */
  readonly onLog = this.logEmitter.event;

  constructor(
    private readonly output: ModelDeckOutput,
    private readonly plan: () => LaunchPlan,
  ) {
    super();
  }

  get state(): ServerState {
    return this.current;
  }

  /** Starts the server if needed (with a progress notification) and returns its client. */
  ensureRunning(): Promise<ServerClient> {
    if (this.current.state === 'running' && this.client) return Promise.resolve(this.client);
    if (!this.starting) {
      const started = Promise.resolve(
        vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Starting the ModelDeck server…' }, () => this.launch()),
      );
      this.starting = started.finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  /** The running server's client, if running. */
  get running(): ServerClient | undefined {
    return this.current.state === 'running' ? this.client : undefined;
  }

  async restart(): Promise<ServerClient> {
    await this.stop();
    return this.ensureRunning();
  }

  /** Graceful stop (in-flight requests finish), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null) {
      this.setState({ state: 'stopped', restarts: this.current.restarts });
      return;
    }
    this.stopping = true;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      // Asked over the IPC channel: on Windows SIGTERM ends a process at once, without its handlers.
      if (!sendShutdown(child)) child.kill('SIGTERM');
    });
  }

  private async launch(): Promise<ServerClient> {
    const plan = this.plan();
    const { host } = plan.settings;
    const httpPort = await choosePort(plan.settings.httpPort, host);
    const grpcPort = await choosePort(plan.settings.grpcPort, host);
    if (plan.settings.httpPort > 0 && httpPort !== plan.settings.httpPort) {
      this.output.warn(`port ${plan.settings.httpPort} is taken; the server uses ${httpPort} for REST`);
    }
    const args = [
      plan.serverScript,
      ...plan.registries.flatMap((r) => ['--registry', r]),
      '--model-control',
      'explicit',
      '--host',
      host,
      '--http-port',
      String(httpPort),
      '--grpc-port',
      String(grpcPort === httpPort ? 0 : grpcPort),
      '--log-level',
      plan.settings.logLevel,
    ];
    this.setState({ state: this.current.state === 'restarting' ? 'restarting' : 'starting', restarts: this.current.restarts });
    this.output.info(`starting server: ${args.slice(1).join(' ')}`);
    // The extension host's own runtime runs the server: Electron acts as Node with this variable.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...plan.env, ELECTRON_RUN_AS_NODE: '1' },
      // 'ipc': the graceful-stop request on every platform; the server also stops when the channel closes.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.stopping = false;
    this.startedAt = Date.now();
    const urls: { http?: string; grpc?: string } = {};
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not become ready in ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      const stderr = new LineSplitter((raw) => {
        const line = parseServerLogLine(raw);
        // Bound to every interface (host 0.0.0.0): connect on loopback, which Windows needs.
        if (line.msg === 'listening' && line.fields.protocol === 'rest') urls.http = connectableUrl(String(line.fields.url));
        if (line.msg === 'listening' && line.fields.protocol === 'grpc') urls.grpc = connectableUrl(String(line.fields.url));
        if (line.msg === 'ready') {
          clearTimeout(timer);
          resolve();
        }
        this.output.server(line);
        this.logEmitter.fire(line);
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
      child.stdout!.setEncoding('utf8').on('data', () => undefined); // the banner is for terminals
      child.once('exit', (code, signal) => {
        stderr.end();
        clearTimeout(timer);
        reject(new Error(`the server exited during start-up (${signal ?? `code ${code}`}); see the ModelDeck output`));
        this.onExit(child, code, signal);
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    try {
      await ready;
    } catch (err) {
      if (child.exitCode === null) child.kill('SIGKILL');
      this.setState({ state: 'failed', restarts: this.current.restarts, reason: (err as Error).message });
      throw err;
    }
    this.client = new ServerClient(urls.http!);
    this.setState({
      state: 'running',
      httpUrl: urls.http,
      ...(urls.grpc ? { grpcUrl: urls.grpc } : {}),
      ...(child.pid ? { pid: child.pid } : {}),
      restarts: this.current.restarts,
    });
    return this.client;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.client = undefined;
    if (this.stopping) {
      this.output.info('server stopped');
      this.setState({ state: 'stopped', restarts: this.current.restarts });
      return;
    }
    if (this.current.state !== 'running') return; // a failed start is reported by launch()
    const uptime = Date.now() - this.startedAt;
    const delay = this.backoff.next(uptime);
    const why = `the ModelDeck server exited unexpectedly (${signal ?? `code ${code}`})`;
    if (delay === undefined) {
      this.output.error(`${why}; it died ${this.backoff.maxAttempts} times in a row, so it is not restarted`);
      this.setState({ state: 'failed', restarts: this.current.restarts, reason: why });
      void vscode.window.showErrorMessage(`${why} and keeps dying. Restart it from the status bar after checking the output.`, 'Open Output').then((c) => {
        if (c) this.output.show();
      });
      return;
    }
    this.output.warn(`${why}; restarting in ${delay} ms`);
    void vscode.window.setStatusBarMessage(`ModelDeck: server died, restarting in ${(delay / 1000).toFixed(1)} s`, delay);
    this.setState({ state: 'restarting', restarts: this.current.restarts + 1, reason: why });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.launch().then(
        (client) => this.restartedEmitter.fire(client),
        (err: Error) => this.output.error(`restart failed: ${err.message}`),
      );
    }, delay);
  }

  private setState(s: ServerState): void {
    this.current = s;
    this.stateEmitter.fire(s);
  }

  override dispose(): void {
    void this.stop();
    super.dispose();
  }
}

/**
 * Asks the server to stop gracefully over its IPC channel (SIGTERM if that send fails later); false
 * when there is no channel any more.
 */
function sendShutdown(child: ChildProcess): boolean {
  if (!child.connected) return false;
  try {
    // With a callback a failed send is reported here, not as an 'error' event nobody listens to.
    child.send({ type: 'shutdown' }, (err) => {
      if (err && child.exitCode === null) child.kill('SIGTERM');
    });
    return true;
  } catch {
    return false;
  }
}
