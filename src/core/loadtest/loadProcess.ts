/**
 * Starts dist/loadtest.js for one load test and turns its IPC messages into callbacks. The child
 * runs with the parent's own runtime (`ELECTRON_RUN_AS_NODE=1` inside VS Code), like the server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { FromLoadProcess, LoadPlan, LoadProgress, LoadTestResult, ToLoadProcess } from './loadTestTypes';
import { LoadTestError } from './wirePayload';

export interface LoadProcessRun {
  /** Asks the process to stop early (it still answers with what it measured). */
  stop(): void;
  /** Ends the process at once (the panel closed). */
  kill(): void;
  done: Promise<LoadTestResult>;
}

export function startLoadProcess(script: string, plan: LoadPlan, onProgress: (p: LoadProgress) => void): LoadProcessRun {
  const child: ChildProcess = fork(script, [], {
    execPath: process.execPath,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  const done = new Promise<LoadTestResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (msg: FromLoadProcess) => {
      if (msg.type === 'progress') onProgress(msg.progress);
      else if (msg.type === 'done') {
        settled = true;
        resolve(msg.result);
      } else if (msg.type === 'failed') {
        settled = true;
        reject(new LoadTestError('bad-plan', msg.error));
      }
    });
    child.on('error', (err) => {
      if (!settled) reject(new LoadTestError('process', `the load process could not start: ${err.message}`));
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new LoadTestError('process', `the load process ended (${signal ?? `exit code ${code}`}) before its result${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`));
      settled = true;
    });
  });
  const post = (m: ToLoadProcess): void => {
    if (child.connected) child.send(m);
  };
  post({ type: 'start', plan });
  return { stop: () => post({ type: 'stop' }), kill: () => child.kill(), done };
}
