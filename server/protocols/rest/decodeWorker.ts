/**
 * Worker-thread entry of the decode pool (decodePool.ts): parses a large JSON infer body and
 * decodes its inputs into tensors, off the event loop. The tensors' buffers are transferred back.
 */
import { parentPort } from 'node:worker_threads';
import { InferenceError } from '../../errors';
import { transferListOf } from '../../runtime/transfer';
import type { WireTensor } from '../../runtime/workerProtocol';
import { decodeJsonRequest } from '../../tensor/v2JsonRequest';
import type { DecodeRequest, DecodeResponse } from './decodeProtocol';

const port = parentPort;
if (!port) throw new Error('decodeWorker must run in a worker thread');

port.on('message', (msg: DecodeRequest) => {
  if (msg.type === 'hello') {
    port.postMessage({ type: 'ready' } satisfies DecodeResponse);
    return;
  }
  try {
    const body = Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength);
    const { header, inputs } = decodeJsonRequest(body);
    port.postMessage({ type: 'decoded', id: msg.id, header, inputs } satisfies DecodeResponse, transferListOf(inputs as WireTensor[]));
  } catch (err) {
    const reason = err instanceof InferenceError ? err.reason : 'internal';
    port.postMessage({ type: 'error', id: msg.id, reason, message: (err as Error).message } satisfies DecodeResponse);
  }
});
