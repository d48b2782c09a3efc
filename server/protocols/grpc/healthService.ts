import { status as Status } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ServerContext } from '../../serverContext';
import { INFERENCE_SERVICE_NAME } from './grpcProtos';

/** grpc.health.v1 serving states (enum names: the protos load with `enums: String`). */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: ServingStatus;
}

interface Watcher {
  call: ServerWritableStream<HealthRequest, HealthResponse>;
  last: ServingStatus;
}

/** How often Watch streams re-read the state. */
const WATCH_POLL_MS = 250;

/**
 * grpc.health.v1.Health. The overall status ("") and "inference.GRPCInferenceService" are
 * SERVING while the server is ready (first load done, not draining); a served model's name is
 * SERVING while that model is also READY. Any other name is unknown (Check: NOT_FOUND).
 *
 * Written here rather than taken from grpc-health-check: that package reads its .proto from a
 * path relative to its own source file, which does not exist once esbuild bundles it.
 */
export class HealthService {
  private readonly watchers = new Set<Watcher>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: ServerContext) {}

  /** Status of a service name; undefined when the name is not one this server knows. */
  statusOf(service: string): ServingStatus | undefined {
    const { lifecycle, manager } = this.ctx;
    const serverReady = lifecycle.started && !lifecycle.draining;
    if (service === '' || service === INFERENCE_SERVICE_NAME) return serverReady ? 'SERVING' : 'NOT_SERVING';
    const model = manager.status(service);
    if (!model) return undefined;
    return serverReady && model.state === 'READY' ? 'SERVING' : 'NOT_SERVING';
  }

  handlers(): UntypedServiceImplementation {
    return {
      Check: (call: ServerUnaryCall<HealthRequest, HealthResponse>, callback: sendUnaryData<HealthResponse>) => {
        const s = this.statusOf(call.request.service);
        if (s === undefined) {
          callback({ code: Status.NOT_FOUND, details: `unknown service "${call.request.service}"; expected "", "${INFERENCE_SERVICE_NAME}" or a model name (models: ${this.ctx.manager.names().join(', ') || 'none'})` });
          return;
        }
        callback(null, { status: s });
      },
      Watch: (call: ServerWritableStream<HealthRequest, HealthResponse>) => {
        const w: Watcher = { call, last: this.statusOf(call.request.service) ?? 'SERVICE_UNKNOWN' };
        call.write({ status: w.last });
        this.watchers.add(w);
        call.on('cancelled', () => this.remove(w));
        // Lifecycle and model states are plain fields changed in many places (shutdown, model
        // manager): polling a few cheap reads beats threading change events through all of them.
        this.timer ??= setInterval(() => this.poll(), WATCH_POLL_MS).unref();
      },
    };
  }

  /** Sends every watcher its final status and ends the streams (so shutdown is not held open). */
  close(): void {
    this.poll();
    for (const w of [...this.watchers]) {
      this.remove(w);
      w.call.end();
    }
  }

  private poll(): void {
    for (const w of this.watchers) {
      const s = this.statusOf(w.call.request.service) ?? 'SERVICE_UNKNOWN';
      if (s !== w.last) {
        w.last = s;
        w.call.write({ status: s });
      }
    }
  }

  private remove(w: Watcher): void {
    this.watchers.delete(w);
    if (this.watchers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
