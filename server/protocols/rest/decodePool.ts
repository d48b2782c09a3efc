/**
 * Large JSON infer bodies are parsed and decoded in worker threads, not on the event loop. A
 * 110 KB image as V2 JSON is ≈ 0.6 MB of text: JSON.parse and the conversion to a Float32Array
 * take ≈ 2 ms, which on the main thread caps a server at ≈ 500 such requests/s whatever the cores,
 * and holds every other request (and gRPC) behind it. Small bodies stay on the main thread: for
 * them the hand-off to a thread costs more than the parse, and so does a lone request (nothing else
 * waits for the event loop). The pool starts with the first large body (that one, and any that
 * arrive while the threads load, are decoded on the main thread).
 */
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { InferenceError } from '../../errors';
import type { Logger } from '../../observability/logger';
import { ChannelPool, type PoolChannel, type PoolDriver } from '../../runtime/channelPool';
import { decodeJsonRequest, type DecodedJsonRequest } from '../../tensor/v2JsonRequest';
import type { DecodeRequest, DecodeResponse } from './decodeProtocol';

export interface JsonDecoderOptions {
  /** Decode threads; 0 decodes every body on the main thread. */
  threads: number;
  /** Bodies of at least this many bytes go to a decode thread. */
  minBytes: number;
  /** Worker entry; defaults to decodeWorker.js beside the server bundle. */
  workerScript?: string;
  /**
   * Requests the server has in flight (this one included). With no other, the main thread has nothing
   * else to do and decodes in place: the hand-off would only add its latency (measured 16% at c=1).
   */
  inFlight?: () => number;
  /** Told where each large body was decoded (metrics). */
  onDecoded?: (where: 'thread' | 'main') => void;
}

interface DecodeJob {
  body: Uint8Array;
}

function decodeDriver(script: string): PoolDriver<DecodeJob, DecodedJsonRequest, true> {
  return {
    noun: 'decode thread',
    spawn: () => new Worker(script) as unknown as PoolChannel,
    loadMessage: (): DecodeRequest => ({ type: 'hello' }),
    loadOutcome: (msg: DecodeResponse) => (msg.type === 'ready' ? { info: true } : undefined),
    request: (id, job) => ({ msg: { type: 'decode', id, body: job.body } satisfies DecodeRequest, transfer: [job.body.buffer as ArrayBuffer] }),
    reply: (msg: DecodeResponse) => {
      if (msg.type === 'decoded') return { id: msg.id, result: { header: msg.header, inputs: msg.inputs }, computeMs: 0 };
      if (msg.type === 'error') return { id: msg.id, error: new InferenceError(msg.reason, msg.message) };
      return undefined;
    },
  };
}

class DecodePool extends ChannelPool<DecodeJob, DecodedJsonRequest, true> {
  static async start(script: string, threads: number): Promise<DecodePool> {
    const { pool } = await ChannelPool.startPool<true, DecodePool>(new DecodePool(decodeDriver(script), threads));
    return pool;
  }
}

export class JsonDecoder {
  private pool: DecodePool | undefined;
  private starting: Promise<void> | undefined;
  private failed = false;
  private closed = false;

  constructor(
    private readonly opts: JsonDecoderOptions,
    private readonly logger?: Logger,
  ) {}

  /** Decodes a V2 JSON body: on a decode thread when it is large and the threads are up, else here. */
  async decode(body: Buffer): Promise<DecodedJsonRequest> {
    if (body.length < this.opts.minBytes) return decodeJsonRequest(body);
    const pool = this.pool;
    const inPlace = this.opts.threads === 0 || this.failed || this.closed || !pool || pool.dead || (this.opts.inFlight !== undefined && this.opts.inFlight() <= 1);
    if (inPlace) {
      if (this.opts.threads > 0 && !this.closed && !this.failed && (!pool || pool.dead)) this.start();
      this.opts.onDecoded?.('main');
      return decodeJsonRequest(body);
    }
    // A copy is transferred: the body itself stays whole for the inference logger.
    const copy = new Uint8Array(body.length);
    copy.set(body);
    this.opts.onDecoded?.('thread');
    return (await pool.runJob({ body: copy })).result;
  }

  private start(): void {
    if (this.starting) return;
    const script = this.opts.workerScript ?? path.join(__dirname, 'decodeWorker.js');
    this.starting = DecodePool.start(script, this.opts.threads).then(
      (pool) => {
        if (this.closed) return void pool.close(0);
        this.pool = pool;
        this.logger?.debug(`${this.opts.threads} decode thread(s) started for JSON bodies of ${this.opts.minBytes} bytes or more`);
      },
      (err: Error) => {
        this.failed = true;
        this.logger?.warn(`decode threads did not start (${err.message}); large JSON bodies are decoded on the main thread`);
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.pool?.close(5_000);
  }
}
