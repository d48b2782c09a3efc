import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import type { ServerContext } from '../../serverContext';
import { HealthService } from './healthService';
import { inferenceServiceHandlers } from './inferenceServiceHandlers';
import { loadServiceDefinitions } from './grpcProtos';
import { InflightCalls } from './unaryCalls';

/** Where and how the gRPC front end listens. */
export interface GrpcServerOptions {
  /** Interface to bind (127.0.0.1 unless told otherwise). */
  host: string;
  /** Port; 0 = any free port (the actual one is returned). */
  port: number;
  /** Largest message received or sent, bytes (the server's --max-body-bytes). */
  maxMessageBytes: number;
}

/** A listening gRPC front end. */
export interface RunningGrpcServer {
  /** Actual port. */
  port: number;
  /**
   * Graceful stop within `graceMs`: calls in flight finish (new ones are still answered
   * meanwhile, health says NOT_SERVING), then connections close; whatever is left after
   * `graceMs` is cut off.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Starts the Open Inference Protocol gRPC front end (inference.GRPCInferenceService) and the
 * standard health service (grpc.health.v1.Health) on one insecure port, like the REST port.
 */
export async function startGrpcServer(ctx: ServerContext, opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  // grpc-js prints its own errors as plain text on stderr, where the extension expects JSON lines;
  // the failures that matter are reported by this front end, so its lines go to debug.
  grpc.setLogger({ error: (...args: unknown[]) => ctx.logger.debug(`grpc-js: ${format(...args)}`) });
  const definitions = loadServiceDefinitions();
  const inflight = new InflightCalls();
  const health = new HealthService(ctx);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    'grpc.max_send_message_length': opts.maxMessageBytes,
  });
  server.addService(definitions.inference, inferenceServiceHandlers(ctx, inflight));
  server.addService(definitions.health, health.handlers());

  const address = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (!err) return resolve(bound);
      const inUse = /EADDRINUSE|address already in use/i.test(err.message);
      const hint = inUse ? ' (port in use: pass --grpc-port with a free port, 0 for any, or off)' : '';
      reject(new Error(`cannot listen for gRPC on ${address}: ${err.message}${hint}`));
    });
  });

  let closing: Promise<void> | undefined;
  const close = (graceMs: number): Promise<void> => {
    closing ??= (async () => {
      const deadline = Date.now() + graceMs;
      if (!(await inflight.drained(graceMs))) {
        ctx.logger.warn(`gRPC shutdown timeout after ${graceMs} ms with ${inflight.size} call(s) still in flight`);
      }
      health.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, Math.max(0, deadline - Date.now()));
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    })();
    return closing;
  };

  return { port, close };
}
