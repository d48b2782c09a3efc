import * as vscode from 'vscode';
import type { ModelDeckOutput } from '../logs/output';

/** An error whose message is written for the user; shown as is at the command boundary. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    /** Extra buttons: label → action. */
    readonly actions: { label: string; run: () => unknown }[] = [],
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

/** The user dismissed a prompt: end the command quietly. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * Runs a command body and catches everything once: cancellation is silent, a UserFacingError shows
 * its message, anything else shows a short message; every failure is logged with its stack and the
 * message offers "Open Output".
 */
export async function runCommandSafely(output: ModelDeckOutput, title: string, body: () => Promise<unknown>): Promise<unknown> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CancelledError) return undefined;
    const message = err instanceof Error ? err.message : String(err);
    output.error(`${title} failed: ${err instanceof Error && !(err instanceof UserFacingError) ? (err.stack ?? message) : message}`);
    const actions = err instanceof UserFacingError ? err.actions : [];
    const labels = [...actions.map((a) => a.label), 'Open Output'];
    void vscode.window.showErrorMessage(`${title}: ${message}`, ...labels).then((choice) => {
      if (choice === 'Open Output') output.show();
      else actions.find((a) => a.label === choice)?.run();
    });
    return undefined;
  }
}
