import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Folder holding the .proto files. The same expression serves both layouts: the bundle's
 * __dirname is dist/ (esbuild.mjs copies the protos to dist/proto), the source's is this folder.
 */
export const PROTO_DIR = path.join(__dirname, 'proto');

/** The Open Inference Protocol service definition shipped with the server. */
export const INFERENCE_PROTO_FILE = 'open_inference_grpc.proto';

/** The standard gRPC health service definition shipped with the server. */
export const HEALTH_PROTO_FILE = 'health.proto';

/** Fully qualified service names, as clients and health checkers spell them. */
export const INFERENCE_SERVICE_NAME = 'inference.GRPCInferenceService';
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

/**
 * proto-loader options; the handlers' message types (grpcMessages.ts) depend on them.
 * - keepCase: fields keep the spec's snake_case names (raw_input_contents), as in the proto, the
 *   OIP documents and grpcurl's JSON.
 * - longs: String: int64/uint64 values arrive as decimal strings, so INT64/UINT64 tensors stay
 *   exact over the whole 64-bit range (converted with BigInt); Number would round above 2^53.
 * - enums: String: health statuses read as their names.
 * - defaults: absent fields read as '' / [] / false / null, so handlers need no undefined checks.
 * - oneofs: InferParameter says which member is set (`parameter_choice`).
 * - bytes are left as Buffers (the default): raw tensor contents are viewed, not copied.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The inference and health service definitions, loaded from PROTO_DIR. */
export function loadServiceDefinitions(): { inference: ServiceDefinition; health: ServiceDefinition } {
  for (const file of [INFERENCE_PROTO_FILE, HEALTH_PROTO_FILE]) {
    if (!fs.existsSync(path.join(PROTO_DIR, file))) {
      throw new Error(`gRPC: ${file} not found in ${PROTO_DIR} (the build copies it to dist/proto; run npm run build)`);
    }
  }
  const pkg = protoLoader.loadSync([INFERENCE_PROTO_FILE, HEALTH_PROTO_FILE], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  // proto-loader's definitions are structurally grpc-js's; the packages type them separately.
  return {
    inference: pkg[INFERENCE_SERVICE_NAME] as unknown as ServiceDefinition,
    health: pkg[HEALTH_SERVICE_NAME] as unknown as ServiceDefinition,
  };
}
