/**
 * A V2 infer request body in JSON: the checks of its top level and the decoding of its inputs into
 * tensors. Shared by the main thread (small bodies) and the decode workers (large ones, see
 * protocols/rest/decodePool.ts), so both give the same answers and the same messages.
 */
import { invalidArgument } from '../errors';
import { parseJsonBody } from '../protocols/rest/requestParsing';
import { decodeJsonInput, jsonRunsToData, parseTensorHeader } from './jsonCodec';
import { elementCount } from './datatypes';
import { PLACEHOLDER_KEY, scanV2Body, type ScannedBody } from './jsonNumberScan';
import type { Tensor } from './types';

/** Bodies from this size on try the numeric fast path (jsonNumberScan.ts); below, JSON.parse is as quick. */
const FAST_SCAN_MIN_BYTES = 4096;

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
  if (body.length >= FAST_SCAN_MIN_BYTES) {
    const scanned = scanV2Body(body);
    const fast = scanned && decodeScanned(scanned);
    if (fast) return fast;
  }
  // The general path; also where every error message of a fast-path body comes from.
  const full = checkHeader(parseJsonBody(body));
  const inputs = full.inputs.map((raw, i) => decodeJsonInput(raw, i));
  // The raw values are in `inputs` now; the header keeps what the answer needs (and is small to send).
  return { header: { id: full.id, parameters: full.parameters, outputs: full.outputs, inputs: [] }, inputs };
}

/**
 * The request from a scanned body, or undefined when anything is off (the general path then
 * decodes the body again and gives the precise error).
 */
function decodeScanned({ skeleton, arrays }: ScannedBody): DecodedJsonRequest | undefined {
  try {
    const full = checkHeader(JSON.parse(skeleton));
    let used = 0;
    const inputs = full.inputs.map((raw, index) => {
      const data = (raw as { data?: unknown } | null)?.data;
      const at = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[PLACEHOLDER_KEY] : undefined;
      if (typeof at !== 'number') return decodeJsonInput(raw, index);
      const array = arrays[at]!;
      used++;
      const { name, datatype, shape, parameters, label } = parseTensorHeader(raw, index);
      if (parameters?.['binary_data_size'] !== undefined) throw new Error('binary_data_size with data');
      const count = elementCount(shape);
      // Flat: exactly count numbers; nested: exactly the shape (as jsonDataRuns requires).
      const fits =
        array.dims.length === 1 ? array.dims[0] === count : array.dims.length === shape.length && array.dims.every((d, i) => d === shape[i]);
      if (!fits) throw new Error('data does not fit the shape');
      const tensor: Tensor = { name, datatype, shape, data: jsonRunsToData([array.values], count, datatype, label) };
      if (parameters !== undefined) tensor.parameters = parameters;
      return tensor;
    });
    if (used !== arrays.length) return undefined; // a "data" array somewhere other than an input's data
    return { header: { id: full.id, parameters: full.parameters, outputs: full.outputs, inputs: [] }, inputs };
  } catch {
    return undefined;
  }
}
