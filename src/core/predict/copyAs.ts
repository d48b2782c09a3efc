/**
 * "Copy as curl / Python requests / grpcurl": the request in the panel as text a user can paste
 * into a terminal or a notebook and get the same answer. Each builder keeps the transport the
 * panel uses where the tool can (curl and requests speak REST JSON and the binary extension;
 * grpcurl speaks gRPC), and says so in a comment where it cannot.
 */
import { shellQuote } from '../deployment/curlCommand';
import { grpcInferRequest } from './grpcCodec';
import type { ModelMetadataView, Transport } from './predictTypes';
import { binaryParts, inferUrl, v1PredictUrl, v2JsonBody } from './restCodec';
import { scriptDefined, v1AsV2, type ParsedRequest, type V2Request } from './requestModel';
import { base64Of } from './tensorData';

/** Where the deployment answers and what it is. */
export interface CopyTarget {
  /** Server base URL, e.g. http://127.0.0.1:8080. */
  httpUrl: string;
  /** gRPC address host:port (a grpc:// prefix is dropped). */
  grpcAddress?: string;
  /** Served (deployment) name. */
  model: string;
  /** Headers a remote deployment needs (Host through an ingress, Authorization). */
  headers?: Record<string, string>;
  /** gRPC :authority (a remote service behind an ingress). */
  grpcAuthority?: string;
  /** Folder holding open_inference_grpc.proto. */
  protoDir: string;
  meta: ModelMetadataView;
}

export type CopyKind = 'curl' | 'python' | 'grpcurl';

/** Where a copied command reads the bearer token from: the secret itself never leaves SecretStorage. */
export const TOKEN_ENV = 'MODELDECK_TOKEN';

/** curl header arguments for a remote deployment; the token in double quotes so the shell expands it. */
function curlHeaderArgs(t: CopyTarget): string {
  return Object.entries(t.headers ?? {})
    .map(([k, v]) => (k.toLowerCase() === 'authorization' ? ` -H "Authorization: Bearer $${TOKEN_ENV}"` : ` -H ${shellQuote(`${k.toLowerCase() === 'host' ? 'Host' : k}: ${v}`)}`))
    .join('');
}

/** The headers entries of a Python dict literal (the token read from the environment). */
function pythonHeaderEntries(t: CopyTarget): string[] {
  return Object.entries(t.headers ?? {}).map(([k, v]) =>
    k.toLowerCase() === 'authorization' ? `"Authorization": "Bearer " + os.environ["${TOKEN_ENV}"]` : `${JSON.stringify(k.toLowerCase() === 'host' ? 'Host' : k)}: ${JSON.stringify(v)}`,
  );
}

function needsOs(t: CopyTarget): boolean {
  return Object.keys(t.headers ?? {}).some((k) => k.toLowerCase() === 'authorization');
}

/** grpcurl arguments for a remote deployment: the :authority and the token as metadata. */
function grpcurlArgs(t: CopyTarget): string {
  const auth = Object.keys(t.headers ?? {}).some((k) => k.toLowerCase() === 'authorization') ? ` -H "authorization: Bearer $${TOKEN_ENV}"` : '';
  return `${t.grpcAuthority ? ` -authority ${shellQuote(t.grpcAuthority)}` : ''}${auth}`;
}

export function copyAs(kind: CopyKind, request: ParsedRequest, transport: Transport, target: CopyTarget): string {
  switch (kind) {
    case 'curl':
      return curlText(request, transport, target);
    case 'python':
      return pythonText(request, transport, target);
    case 'grpcurl':
      return grpcurlText(request, target);
  }
}

function curlText(request: ParsedRequest, transport: Transport, t: CopyTarget): string {
  if (request.format === 'v1') {
    return `curl -s -X POST ${shellQuote(v1PredictUrl(t.httpUrl, t.model))}${curlHeaderArgs(t)} -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify({ instances: request.instances }))}`;
  }
  const url = shellQuote(inferUrl(t.httpUrl, t.model));
  if (transport !== 'rest-binary') {
    const note = transport === 'grpc' ? '# The same request over REST (curl does not speak gRPC; see Copy as grpcurl)\n' : '';
    return `${note}curl -s -X POST ${url}${curlHeaderArgs(t)} -H 'Content-Type: application/json' -d ${shellQuote(JSON.stringify(v2JsonBody(request.body)))}`;
  }
  // Binary inputs, JSON outputs: the answer stays readable in a terminal.
  const { header, parts } = binaryParts(request.body, { binaryOutputs: false });
  const headerText = JSON.stringify(header);
  const headerLength = new TextEncoder().encode(headerText).length;
  const escapes = parts.map((p) => [...p].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')).join('');
  return [
    `# Binary tensor extension: a ${headerLength}-byte JSON header, then the raw little-endian input bytes`,
    `{ printf '%s' ${shellQuote(headerText)}; printf '${escapes}'; } | \\`,
    `  curl -s -X POST ${url}${curlHeaderArgs(t)} -H 'Content-Type: application/octet-stream' \\`,
    `  -H 'Inference-Header-Content-Length: ${headerLength}' --data-binary @-`,
  ].join('\n');
}

function pythonText(request: ParsedRequest, transport: Transport, t: CopyTarget): string {
  if (request.format === 'v1') {
    return pythonPost(t, v1PredictUrl(t.httpUrl, t.model), `payload = ${toPython({ instances: request.instances })}`, 'json=payload');
  }
  const url = inferUrl(t.httpUrl, t.model);
  if (transport !== 'rest-binary') {
    const note = transport === 'grpc' ? '# The same request over REST (requests does not speak gRPC; see Copy as grpcurl)\n' : '';
    return note + pythonPost(t, url, `payload = ${toPython(v2JsonBody(request.body))}`, 'json=payload');
  }
  const { header } = binaryParts(request.body, { binaryOutputs: false });
  const tensors = request.body.inputs.map((i) => `    ${structPack(i.datatype, i.data)},  # ${i.name}`).join('\n');
  return [
    'import json',
    ...(needsOs(t) ? ['import os'] : []),
    'import struct',
    '',
    'import requests',
    '',
    `url = ${toPython(url)}`,
    '# Binary tensor extension: JSON header, then each input\'s raw little-endian bytes',
    `header = ${toPython(header)}`,
    'tensors = [',
    tensors,
    ']',
    'header_bytes = json.dumps(header).encode()',
    'response = requests.post(',
    '    url,',
    '    data=header_bytes + b"".join(tensors),',
    `    headers={${[...pythonHeaderEntries(t), '"Content-Type": "application/octet-stream"', '"Inference-Header-Content-Length": str(len(header_bytes))'].join(', ')}},`,
    '    timeout=30,',
    ')',
    'response.raise_for_status()',
    'print(response.json())',
  ].join('\n');
}

function pythonPost(t: CopyTarget, url: string, payloadLine: string, arg: string): string {
  const headers = pythonHeaderEntries(t);
  return [
    ...(needsOs(t) ? ['import os', ''] : []),
    'import requests',
    '',
    `url = ${toPython(url)}`,
    ...(headers.length ? [`headers = {${headers.join(', ')}}`] : []),
    payloadLine,
    `response = requests.post(url, ${arg}${headers.length ? ', headers=headers' : ''}, timeout=30)`,
    'response.raise_for_status()',
    'print(response.json())',
  ].join('\n');
}

const STRUCT_CODES: Record<string, string> = {
  BOOL: '?', UINT8: 'B', INT8: 'b', UINT16: 'H', INT16: 'h', UINT32: 'I', INT32: 'i', UINT64: 'Q', INT64: 'q', FP16: 'e', FP32: 'f', FP64: 'd',
};

function structPack(datatype: string, data: readonly unknown[]): string {
  if (datatype === 'BYTES') {
    // Each element: 4-byte little-endian length, then its bytes.
    return `b"".join(struct.pack("<I", len(s)) + s for s in (v.encode() for v in ${toPython(data)}))`;
  }
  return `struct.pack("<${data.length}${STRUCT_CODES[datatype]}", *${toPython(data.map((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)))})`;
}

function grpcurlText(request: ParsedRequest, t: CopyTarget): string {
  if (request.format === 'v1' && scriptDefined(t.meta)) {
    // A script's V1 predict gets the instances as they are; as a V2 tensor they would reach it differently.
    return `# gRPC has no V1 form, and this deployment's script takes the V1 "instances" as they are: the request over REST\n${curlText(request, 'rest-json', t)}`;
  }
  const body: V2Request = request.format === 'v1' ? v1AsV2(request.instances, t.meta.inputs[0]!) : request.body;
  const msg = grpcInferRequest(t.model, body) as unknown as Record<string, unknown>;
  const json = JSON.stringify(msg, (k, v: unknown) => {
    if (v instanceof Uint8Array) return base64Of(v);
    // Empty defaults only add noise to the command line.
    if ((k === 'model_version' || k === 'id') && v === '') return undefined;
    if (Array.isArray(v) && v.length === 0 && (k === 'outputs' || k === 'raw_input_contents')) return undefined;
    if (k === 'parameters' && v !== null && typeof v === 'object' && Object.keys(v).length === 0) return undefined;
    return v;
  });
  const address = (t.grpcAddress ?? '127.0.0.1:8081').replace(/^grpc:\/\//, '');
  const note = request.format === 'v1' ? '# V1 instances sent as the equivalent V2 tensor (gRPC has no V1)\n' : '';
  return `${note}grpcurl -plaintext${grpcurlArgs(t)} -import-path ${shellQuote(t.protoDir)} -proto open_inference_grpc.proto \\\n  -d ${shellQuote(json)} \\\n  ${address} inference.GRPCInferenceService/ModelInfer`;
}

/** A JSON value as a Python literal (True/False/None; JSON string escapes are valid Python). */
export function toPython(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'float("inf")' : v < 0 ? 'float("-inf")' : 'float("nan")';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toPython).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${toPython(x)}`).join(', ')}}`;
}
