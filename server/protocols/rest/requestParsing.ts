import { invalidArgument } from '../../errors';

/** Parses a JSON request body held as raw bytes; malformed JSON is a 400 that quotes the parser. */
export function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw invalidArgument('request body is empty; expected a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`malformed JSON in request body: ${(err as Error).message}`);
  }
}

/** `/versions/{v}` must be a positive integer (TF Serving numbering). */
export function parseVersionParam(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw invalidArgument(`model version must be a positive integer (got "${raw}")`);
  return Number(raw);
}

/** A named path parameter as one string (Express 5 types allow arrays for wildcards). */
export function pathParam(req: { params: Record<string, string | string[] | undefined> }, name: string): string {
  const v = req.params[name];
  return Array.isArray(v) ? v.join('/') : (v ?? '');
}

/** An optional path parameter (absent on the route variant without it). */
export function optionalPathParam(req: { params: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  return req.params[name] === undefined ? undefined : pathParam(req, name);
}
