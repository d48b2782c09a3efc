import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT } from './serverProcess';

/** The .proto the server ships; tests build their own client from it, never from server code. */
export const OIP_PROTO = path.join(REPO_ROOT, 'server', 'protocols', 'grpc', 'proto', 'open_inference_grpc.proto');

export type GrpcClient = grpc.Client & Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, res: any) => void) => void>;

export function openGrpcClient(port: number): GrpcClient {
  const def = protoLoader.loadSync(OIP_PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  return new pkg.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  }) as GrpcClient;
}

export function call<T = any>(client: GrpcClient, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => client[method]!(req, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** ModelInfer with FP32 typed contents; returns FP32 outputs by name. */
export async function grpcInfer(
  client: GrpcClient,
  model: string,
  inputs: { name: string; datatype: 'FP32'; shape: number[]; fp32: number[] }[],
  outputs: string[],
): Promise<{ fp32: Record<string, number[]>; response: any }> {
  const res = await call(client, 'ModelInfer', {
    model_name: model,
    inputs: inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: i.shape, contents: { fp32_contents: i.fp32 } })),
    outputs: outputs.map((name) => ({ name })),
  });
  const fp32: Record<string, number[]> = {};
  for (const o of res.outputs) fp32[o.name] = o.contents?.fp32_contents ?? [];
  return { fp32, response: res };
}
