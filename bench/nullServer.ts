/**
 * Transport floor: a REST server (node:http, no framework) and a gRPC server (@grpc/grpc-js, no
 * decoding) that answer every request with a fixed, pre-encoded response and do no inference.
 * Measured with the same load generator, they show what the HTTP or gRPC round trip alone costs on
 * this machine, with the load generator on the same cores. Not a target, a reference.
 */
import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { argvJson, exitWithParent } from './common';

interface NullConfig {
  /** Response bodies, base64: an OIP V2 JSON response and a serialized ModelInferResponse. */
  restBodyB64: string;
  grpcBodyB64: string;
}

async function main(): Promise<void> {
  exitWithParent();
  const cfg = argvJson<NullConfig>();
  const restBody = Buffer.from(cfg.restBodyB64, 'base64');
  const grpcBody = Buffer.from(cfg.grpcBodyB64, 'base64');

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      // Just enough for the load generator's CPU accounting.
      const u = process.cpuUsage();
      res.end(`null_process_cpu_seconds_total ${(u.user + u.system) / 1e6}\n`);
      return;
    }
    // Read the body, as a real server must, then answer.
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': restBody.length });
      res.end(restBody);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  const identity = (b: Buffer): Buffer => b;
  const g = new grpc.Server();
  g.addService(
    {
      ModelInfer: {
        path: '/inference.GRPCInferenceService/ModelInfer',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    { ModelInfer: (_call: unknown, cb: (err: null, res: Buffer) => void) => cb(null, grpcBody) },
  );
  const grpcPort = await new Promise<number>((resolve, reject) =>
    g.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  const port = (server.address() as { port: number }).port;
  process.stderr.write(JSON.stringify({ msg: 'listening', protocol: 'grpc', grpcPort }) + '\n');
  process.stderr.write(JSON.stringify({ msg: 'listening', protocol: 'rest', httpPort: port }) + '\n');
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`nullServer: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
