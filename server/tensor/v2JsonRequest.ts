/**
 * A V2 infer request body in JSON: the checks of its top level and the decoding of its inputs into
 * tensors. Shared by the main thread (small bodies) and the decode workers (large ones, see
 * protocols/rest/decodePool.ts), so both give the same answers and the same messages.
 */
import { invalidArgument } from '../errors';
import { parseJsonBody } from '../protocols/rest/requestParsing';
import { decodeJsonInput } from './jsonCodec';
import type { Tensor } from './types';

/** The request's fields besides the input data. */
export interface V2Header {
  id?: unknown;
  parameters?: Record<string, unknown>;
  inputs: unknown[];
  outputs?: unknown;
}

export function checkHeader(header: unknown): V2Header {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw invalidArgument('request body must be a JSON object with "inputs"');
  }
  const h = header as Record<string, unknown>;
  if (!Array.isArray(h.inputs) || h.inputs.length === 0) {
    throw invalidArgument('request must have "inputs": a non-empty array of tensors {name, shape, datatype, data}');
  }
  if (h.id !== undefined && typeof h.id !== 'string') throw invalidArgument(`"id" must be a string (got ${JSON.stringify(h.id)})`);
  if (h.parameters !== undefined && (typeof h.parameters !== 'object' || h.parameters === null || Array.isArray(h.parameters))) {
    throw invalidArgument('"parameters" must be an object');
  }
  if (h.outputs !== undefined && !Array.isArray(h.outputs)) throw invalidArgument('"outputs" must be an array of {name, parameters}');
  return h as unknown as V2Header;
}

/** A decoded JSON request: its header without the raw input data, and the input tensors. */
export interface DecodedJsonRequest {
  header: V2Header;
  inputs: Tensor[];
}

export function decodeJsonRequest(body: Buffer): DecodedJsonRequest {
  const full = checkHeader(parseJsonBody(body));
  const inputs = full.inputs.map((raw, i) => decodeJsonInput(raw, i));
  // The raw values are in `inputs` now; the header keeps what the answer needs (and is small to send).
  return { header: { id: full.id, parameters: full.parameters, outputs: full.outputs, inputs: [] }, inputs };
}
