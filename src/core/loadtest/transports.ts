/**
 * The load process's senders: one pre-encoded request sent again and again, the answer checked for
 * success only (HTTP 2xx / gRPC OK) and never decoded, so the generator stays light and measures
 * the server, not itself (the same approach as bench/loadgen.ts).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import type { WirePayload } from './loadTestTypes';

/** Sends once; calls back with undefined on success or the error's text. */
export type SendOnce = (done: (error: string | undefined, retryable: boolean) => void) => void;

export interface Sender {
  /** One sender per loop (gRPC loops share channels, HTTP loops share the keep-alive agent). */
  forLoop(i: number): SendOnce;
  close(): void;
}

const MAX_MESSAGE = 64 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export function createSender(payload: WirePayload, concurrency: number, grpcChannels = 1): Sender {
  return payload.kind === 'grpc' ? grpcSender(payload, concurrency, grpcChannels) : httpSender(payload, concurrency);
}

function httpSender(payload: Extract<WirePayload, { kind: 'http' }>, concurrency: number): Sender {
  const url = new URL(payload.url);
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = Buffer.from(payload.bodyB64, 'base64');
  // A Host header given by the caller (through an ingress) wins over the URL's host.
  const headers = { ...payload.headers, 'Content-Length': String(body.length) };
  const options: http.RequestOptions = {
    agent,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    method: 'POST',
    headers,
    timeout: TIMEOUT_MS,
  };
  const send: SendOnce = (done) => {
    let settled = false;
    const finish = (err: string | undefined, retryable: boolean): void => {
      if (settled) return;
      settled = true;
      done(err, retryable);
    };
    const req = mod.request(options, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.on('data', () => {});
        res.on('end', () => finish(undefined, false));
      } else {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < 1000) text += d;
        });
        res.on('end', () => finish(`HTTP ${status}: ${errorText(text)}`, false));
      }
      res.on('error', (e) => finish(`network: ${e.message}`, true));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (e) => finish(`network: ${e.message}`, true));
    req.end(body);
  };
  return { forLoop: () => send, close: () => agent.destroy() };
}

/** `{"error": "..."}` → its message; anything else shortened. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: unknown };
    if (typeof j.error === 'string') return j.error;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}

function grpcSender(payload: Extract<WirePayload, { kind: 'grpc' }>, concurrency: number, channels: number): Sender {
  const n = Math.max(1, Math.min(channels, concurrency));
  const clients = Array.from(
    { length: n },
    () =>
      new grpc.Client(payload.address.replace(/^grpc:\/\//, ''), grpc.credentials.createInsecure(), {
        // Own subchannel pool: each client is its own HTTP/2 connection.
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': MAX_MESSAGE,
        'grpc.max_send_message_length': MAX_MESSAGE,
        ...(payload.authority ? { 'grpc.default_authority': payload.authority } : {}),
      }),
  );
  const body = Buffer.from(payload.bodyB64, 'base64');
  const identity = (b: Buffer): Buffer => b;
  const method = '/inference.GRPCInferenceService/ModelInfer';
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(payload.metadata ?? {})) metadata.set(k.toLowerCase(), v);
  return {
    forLoop: (i) => {
      const client = clients[i % n]!;
      return (done) => {
        client.makeUnaryRequest<Buffer, Buffer>(method, identity, identity, body, metadata, { deadline: Date.now() + TIMEOUT_MS }, (err) => {
          if (!err) done(undefined, false);
          // UNAVAILABLE is a transport failure (or a full queue): the loop waits a little instead of spinning.
          else done(`gRPC ${grpc.status[err.code] ?? err.code}: ${err.details}`, err.code === grpc.status.UNAVAILABLE);
        });
      };
    },
    close: () => clients.forEach((c) => c.close()),
  };
}
