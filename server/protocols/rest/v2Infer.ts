import { performance } from 'node:perf_hooks';
import type { Protocol } from '../../inference/inferenceService';
import type { ServerContext } from '../../serverContext';
import { bytesOfTensor, decodeBinaryInputs, encodeBinaryResponse, splitBinaryBody } from '../../tensor/binaryCodec';
import { encodeJsonOutput } from '../../tensor/jsonCodec';
import { checkHeader, type V2Header } from '../../tensor/v2JsonRequest';
import type { Tensor } from '../../tensor/types';

/** Output names the client wants as binary: per-output `binary_data` overrides `binary_data_output`. */
function binaryOutputs(header: V2Header, outputs: Tensor[]): Set<string> {
  const all = header.parameters?.binary_data_output === true;
  const per = new Map<string, boolean>();
  for (const o of (header.outputs as { name?: unknown; parameters?: { binary_data?: unknown } }[] | undefined) ?? []) {
    if (typeof o?.name === 'string' && typeof o.parameters?.binary_data === 'boolean') per.set(o.name, o.parameters.binary_data);
  }
  return new Set(outputs.filter((t) => per.get(t.name) ?? all).map((t) => t.name));
}

/** One V2 infer request as the transport delivered it. */
export interface V2InferInput {
  model: string;
  version: number | undefined;
  /** The raw body (JSON, or JSON header + binary tensors). */
  body: Buffer | undefined;
  /** `Inference-Header-Content-Length`, when the binary extension is used. */
  headerLength: string | undefined;
  requestId: string;
}

/** A 200 answer: headers (content type included) and the body bytes. */
export interface V2InferAnswer {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * `POST /v2/models/{m}[/versions/{v}]/infer`, independent of the HTTP framework: decodes JSON or
 * binary-extension bodies, runs the inference, encodes the answer. Throws InferenceError (→ 4xx/5xx).
 */
export async function inferV2(ctx: ServerContext, input: V2InferInput, started = performance.now()): Promise<V2InferAnswer> {
  const { model, version, headerLength } = input;
  ctx.inference.checkServed(model, version); // 404 before 400: the body is not read for an unknown model
  const body = input.body ?? Buffer.alloc(0);
  let header: V2Header;
  let inputs: Tensor[];
  let protocol: Protocol = 'v2-rest';
  let binaryHeaderLength: number | undefined;
  if (headerLength !== undefined) {
    binaryHeaderLength = Number(headerLength);
    const split = splitBinaryBody(body, binaryHeaderLength);
    header = checkHeader(split.header);
    inputs = decodeBinaryInputs(header.inputs, split.binary);
    protocol = 'v2-rest-binary';
  } else {
    ({ header, inputs } = await ctx.jsonDecoder.decode(body));
  }
  const result = await ctx.inference.infer(
    // `received`: the body as it came, for the inference logger (a reference, nothing copied).
    { model, version, requestId: input.requestId, protocol, inputs, outputs: header.outputs, received: body, receivedHeaderLength: binaryHeaderLength },
    started,
  );
  const binary = binaryOutputs(header, result.outputs);
  const parts: Buffer[] = [];
  const outputs = result.outputs.map((t) => {
    if (!binary.has(t.name)) return encodeJsonOutput(t);
    const bytes = bytesOfTensor(t);
    parts.push(bytes);
    return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: bytes.length } };
  });
  const response = {
    model_name: result.model,
    model_version: String(result.version),
    id: typeof header.id === 'string' ? header.id : input.requestId,
    parameters: {
      queue_ms: round(result.timing.queueMs),
      compute_ms: round(result.timing.computeMs),
    },
    outputs,
  };
  if (parts.length === 0) {
    const text = Buffer.from(JSON.stringify(response));
    if (result.log !== undefined) result.log.response(input.requestId, protocol, started, result.timing.totalMs, text);
    return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: text };
  }
  const { body: out, headerLength: outHeaderLength } = encodeBinaryResponse(response, parts);
  if (result.log !== undefined) result.log.response(input.requestId, protocol, started, result.timing.totalMs, out, outHeaderLength);
  return { headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(outHeaderLength) }, body: out };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
