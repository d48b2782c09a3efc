import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { REPO_ROOT } from './serverProcess';

/** The Open Inference Protocol REST schema shipped in test/specs. */
const SPEC_FILE = path.join(REPO_ROOT, 'test', 'specs', 'open-inference-rest.openapi.yaml');

let schemas: Record<string, unknown> | undefined;
const cache = new Map<string, ValidateFunction>();

/**
 * Validator for one `components.schemas` entry of the OIP OpenAPI document. The document's
 * `$ref`s point at `#/components/schemas/...`, so the whole components object is the root.
 */
export function oipSchema(name: string): ValidateFunction {
  const hit = cache.get(name);
  if (hit) return hit;
  if (!schemas) {
    const doc = parse(fs.readFileSync(SPEC_FILE, 'utf8')) as { components: { schemas: Record<string, unknown> } };
    schemas = doc.components.schemas;
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile({ components: { schemas }, $ref: `#/components/schemas/${name}` });
  cache.set(name, validate);
  return validate;
}

/** Throws with ajv's errors when `body` does not match schema `name`. */
export function assertOip(name: string, body: unknown): void {
  const v = oipSchema(name);
  if (!v(body)) throw new Error(`response does not match OIP schema ${name}: ${JSON.stringify(v.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}
