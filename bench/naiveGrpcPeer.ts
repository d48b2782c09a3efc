/**
 * The naive gRPC peer (issue 14): what a user writes instead of ModelDeck's gRPC endpoint.
 * @grpc/grpc-js + @grpc/proto-loader with ModelDeck's own open_inference_grpc.proto,
 * onnxruntime-node `session.run` on the main thread for each ModelInfer call, inputs read from
 * `raw_input_contents` and outputs written to `raw_output_contents`; the same session options as
 * ModelDeck's worker (and as bench/naivePeer.ts). prom-client's default metrics (event-loop delay
 * included) are served at GET /metrics on a small node:http listener, as the other peers do.
 */
import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as ort from 'onnxruntime-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createPeerSession } from './peerSession';
import { argvJson, exitWithParent, PROTO_LOADER_OPTIONS } from './common';

interface PeerConfig {
  name: string;
  version: number;
  file: string;
  intraOpThreads: number;
  /** open_inference_grpc.proto (given by the orchestrator: this bundle's own paths are bench/tmp/js). */
  proto: string;
}

interface InferRequest {
  model_name: string;
  id: string;
  inputs: { name: string; datatype: string; shape: string[] }[];
  raw_input_contents: Buffer[];
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = argvJson<PeerConfig>();
  const session = await createPeerSession(cfg);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'naive_' });

  const def = protoLoader.loadSync(cfg.proto, { ...PROTO_LOADER_OPTIONS });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  const server = new grpc.Server();
  server.addService(pkg.inference.GRPCInferenceService.service, {
    ModelInfer: (call: grpc.ServerUnaryCall<InferRequest, object>, cb: grpc.sendUnaryData<object>) => {
      const req = call.request;
      if (req.model_name !== cfg.name) {
        cb({ code: grpc.status.NOT_FOUND, details: `unknown model ${req.model_name}` });
        return;
      }
      try {
        const feeds: Record<string, ort.Tensor> = {};
        req.inputs.forEach((i, k) => {
          const raw = req.raw_input_contents[k]!;
          // Copy to an aligned buffer: protobuf's Buffer may start at any byte offset.
          const data = new Float32Array(new Uint8Array(raw).buffer);
          feeds[i.name] = new ort.Tensor('float32', data, i.shape.map(Number));
        });
        session.run(feeds).then(
          (out) => {
            const entries = Object.entries(out);
            cb(null, {
              model_name: cfg.name,
              model_version: String(cfg.version),
              id: req.id,
              outputs: entries.map(([name, t]) => ({ name, datatype: t.type === 'int64' ? 'INT64' : 'FP32', shape: [...t.dims].map(String) })),
              raw_output_contents: entries.map(([, t]) => {
                const d = t.data as Float32Array | BigInt64Array;
                return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
              }),
            });
          },
          (err: unknown) => cb({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message }),
        );
      } catch (err) {
        cb({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      }
    },
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  const metrics = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
  const httpPort = (metrics.address() as { port: number }).port;
  process.stderr.write(JSON.stringify({ msg: 'listening', protocol: 'grpc', grpcPort }) + '\n');
  process.stderr.write(JSON.stringify({ msg: 'listening', protocol: 'rest', httpPort }) + '\n');
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`naiveGrpcPeer: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
