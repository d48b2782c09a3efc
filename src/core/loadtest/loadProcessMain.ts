/**
 * dist/loadtest.js: the load process the editor starts for a load test, so that neither the
 * extension host's event loop nor the server process generates the load. It takes one plan over
 * IPC, reports progress, sends the result and exits; it exits too when its parent goes away.
 */
import { runLoad, type LoadRun } from './loadGenerator';
import type { FromLoadProcess, ToLoadProcess } from './loadTestTypes';

function send(msg: FromLoadProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, undefined, () => resolve());
  });
}

let run: LoadRun | undefined;
process.on('message', (msg: ToLoadProcess) => {
  if (msg.type === 'stop') {
    run?.stop();
    return;
  }
  if (msg.type !== 'start' || run) return;
  run = runLoad(msg.plan, (progress) => void send({ type: 'progress', progress }));
  run.done
    .then((result) => send({ type: 'done', result }))
    .catch((err: unknown) => send({ type: 'failed', error: err instanceof Error ? err.message : String(err) }))
    .finally(() => process.exit(0));
});
// The parent (the extension host) went away: no load without someone watching.
process.on('disconnect', () => process.exit(0));
