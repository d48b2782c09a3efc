import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ModelFolderRegistry } from '../src/core/registry/modelFolder';
import { RegistrySet } from '../src/core/registry/registrySet';
import type { ServerConfig } from './config';
import { InferenceService } from './inference/inferenceService';
import { InferenceLogHub } from './inferenceLog/inferenceLogHub';
import { createLogger, type Logger } from './observability/logger';
import { ServerMetrics } from './observability/metrics';
import { ModelStatsBook } from './observability/modelStats';
import { startGrpcServer, type RunningGrpcServer } from './protocols/grpc/grpcServer';
import { JsonDecoder } from './protocols/rest/decodePool';
import { createFastInfer } from './protocols/rest/fastInfer';
import { createRestApp } from './protocols/rest/restApp';
import { CompletionService } from './inference/completionService';
import { DeploymentSync } from './repository/deploymentSync';
import { ModelManager } from './repository/modelManager';
import type { ServerContext } from './serverContext';

/** Version reported in server metadata. */
export const SERVER_VERSION = '0.1.0';

/** A running server. */
export interface RunningServer {
  ctx: ServerContext;
  /** Actual REST port (useful with port 0). */
  httpPort: number;
  httpUrl: string;
  /** Actual gRPC port; undefined when gRPC is off. */
  grpcPort?: number;
  /** `grpc://host:port`; undefined when gRPC is off. */
  grpcUrl?: string;
  /** Resolves when every deployment has finished its first load (ready or failed). */
  initialLoad: Promise<void>;
  /** Graceful stop: readiness off, in-flight requests finish (bounded), then everything closes. */
  shutdown(reason?: string): Promise<void>;
}

/** Host names accepted in the Host header: loopback names, the bound host, and configured extras. */
function allowedHostsFor(config: ServerConfig): string[] | undefined {
  if (config.anyHost) return undefined;
  const names = new Set(['localhost', '127.0.0.1', '[::1]', ...config.allowedHosts]);
  // Bound to every interface: callers may use any address of this machine, so a fixed list can't work.
  if (config.host === '0.0.0.0' || config.host === '::') return undefined;
  names.add(config.host.includes(':') ? `[${config.host}]` : config.host);
  return [...names];
}

export async function startServer(config: ServerConfig, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const registry = new RegistrySet(
    config.modelDir ? [new ModelFolderRegistry(config.modelDir.dir, config.modelDir.name)] : config.registries.map((r) => path.resolve(r)),
  );
  const metrics = new ServerMetrics();
  const stats = new ModelStatsBook();
  const inferenceLog = new InferenceLogHub(config.inferenceLog, logger, metrics);
  const manager = new ModelManager({
    inferenceLog,
    registry,
    logger,
    metrics,
    stats,
    ...(config.workerScript ? { workerScript: config.workerScript } : {}),
    inlineRuns: config.inlineRuns,
    adaptiveThreads: config.adaptiveThreads,
    drainTimeoutMs: config.shutdownTimeoutMs,
    scriptTimeoutMs: config.scriptTimeoutMs,
  });
  const inference = new InferenceService(manager, stats, metrics, logger);
  const completions = new CompletionService(manager, stats, metrics, logger);
  const ctx: ServerContext = {
    registry,
    manager,
    inference,
    completions,
    inferenceLog,
    stats,
    metrics,
    logger,
    lifecycle: { draining: false, started: false },
    version: SERVER_VERSION,
    maxBodyBytes: config.maxBodyBytes,
    discardBudget: { maxBytes: config.maxDiscardBytes, maxMs: config.maxDiscardMs },
    jsonDecoder: new JsonDecoder(
      { threads: config.decodeThreads, minBytes: config.decodeMinBytes, inFlight: () => inflight, onDecoded: (where) => metrics.jsonDecodes.labels(where).inc() },
      logger,
    ),
    allowedHosts: allowedHostsFor(config),
  };

  const app = createRestApp(ctx);
  const fastInfer = createFastInfer(ctx);
  let inflight = 0;
  let onDrained: (() => void) | undefined;
  const httpServer = http.createServer((req, res) => {
    inflight++;
    res.on('close', () => {
      inflight--;
      if (inflight === 0) onDrained?.();
    });
    if (!fastInfer(req, res)) app(req, res);
  });
  httpServer.keepAliveTimeout = 65_000; // longer than common proxy/client idle timeouts
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.httpPort, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const httpPort = (httpServer.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const httpUrl = `http://${hostForUrl}:${httpPort}`;

  // Logged before REST's line: clients (and the tests) take REST's "listening" as "all ports known".
  let grpcServer: RunningGrpcServer | undefined;
  let grpcUrl: string | undefined;
  if (config.grpcPort !== undefined) {
    try {
      grpcServer = await startGrpcServer(ctx, { host: config.host, port: config.grpcPort, maxMessageBytes: config.maxBodyBytes });
    } catch (err) {
      httpServer.close();
      throw err;
    }
    grpcUrl = `grpc://${hostForUrl}:${grpcServer.port}`;
    logger.info('listening', { protocol: 'grpc', host: config.host, grpcPort: grpcServer.port, url: grpcUrl });
  }
  logger.info('listening', { protocol: 'rest', host: config.host, httpPort, url: httpUrl });

  const sync = new DeploymentSync(config, manager, registry, logger);
  const initialLoad = sync.initial().then(() => {
    ctx.lifecycle.started = true;
    logger.info('ready', { deployments: manager.statuses() });
    sync.startPolling();
  });

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown requested'): Promise<void> => {
    shuttingDown ??= (async () => {
      const shutdownStarted = Date.now();
      ctx.lifecycle.draining = true;
      sync.stop();
      logger.info(`shutting down: ${reason}; waiting for ${inflight} request(s) in flight`);
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            logger.warn(`shutdown timeout after ${config.shutdownTimeoutMs} ms with ${inflight} request(s) still in flight`);
            resolve();
          }, config.shutdownTimeoutMs);
          onDrained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      // gRPC calls in flight finish within what is left of the same timeout, before models unload.
      await grpcServer?.close(Math.max(0, config.shutdownTimeoutMs - (Date.now() - shutdownStarted)));
      await Promise.all([manager.closeAll(), ctx.jsonDecoder.close()]);
      logger.info('stopped');
    })();
    return shuttingDown;
  };

  return {
    ctx,
    httpPort,
    httpUrl,
    ...(grpcServer ? { grpcPort: grpcServer.port, grpcUrl } : {}),
    initialLoad,
    shutdown,
  };
}
