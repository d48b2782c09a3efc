import * as vscode from 'vscode';
import { formatServerLogLine, type ServerLogLine } from '../core/server/logLine';

const KEEP_LINES = 5000;

/**
 * The extension's one output channel ("ModelDeck", a LogOutputChannel), plus a bounded memory of
 * recent lines so "Show Logs" on a deployment can start with its history and follow it live.
 */
export class ModelDeckOutput implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('ModelDeck', { log: true });
  private readonly recent: { deployment?: string; text: string }[] = [];
  private readonly emitter = new vscode.EventEmitter<{ deployment?: string; text: string }>();
  /** Every line written, as text (also deployment-less extension lines). */
  readonly onLine = this.emitter.event;

  /** A server log line, at its own level. */
  server(line: ServerLogLine): void {
    const text = formatServerLogLine(line);
    switch (line.level) {
      case 'trace':
        this.channel.trace(text);
        break;
      case 'debug':
        this.channel.debug(text);
        break;
      case 'warn':
        this.channel.warn(text);
        break;
      case 'error':
        this.channel.error(text);
        break;
      default:
        this.channel.info(text);
    }
    this.remember(`${line.time} [${line.level}] ${text}`, line.deployment);
  }

  info(text: string): void {
    this.channel.info(text);
    this.remember(`${new Date().toISOString()} [info] ${text}`);
  }

  warn(text: string): void {
    this.channel.warn(text);
    this.remember(`${new Date().toISOString()} [warn] ${text}`);
  }

  error(text: string): void {
    this.channel.error(text);
    this.remember(`${new Date().toISOString()} [error] ${text}`);
  }

  show(): void {
    this.channel.show(true);
  }

  /** Recent lines, optionally only one deployment's. */
  lines(deployment?: string): string[] {
    return this.recent.filter((l) => deployment === undefined || l.deployment === deployment).map((l) => l.text);
  }

  private remember(text: string, deployment?: string): void {
    const entry = deployment === undefined ? { text } : { deployment, text };
    this.recent.push(entry);
    if (this.recent.length > KEEP_LINES) this.recent.splice(0, this.recent.length - KEEP_LINES);
    this.emitter.fire(entry);
  }

  dispose(): void {
    this.emitter.dispose();
    this.channel.dispose();
  }
}
