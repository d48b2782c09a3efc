/**
 * model.json: optional metadata beside a registered model file. The shipped schema holds the
 * per-key rules (VS Code validates with it too); path safety and example consistency are checked
 * here in code.
 */
import * as path from 'node:path';
import modelSchema from '../../../schemas/model.schema.json';
import { createSchemaChecker, formatPath, showValue } from '../schemaProblems';
import type { SchemaProblem } from '../schemaProblems';
import { RegistryError } from './registryErrors';

/** One input tensor of an example Open Inference Protocol V2 infer request. */
export interface InferInputExample {
  /** Input name in the model graph. */
  name: string;
  /** Concrete shape. */
  shape: number[];
  /** OIP datatype ("FP32", "INT64", "BYTES", …). */
  datatype: string;
  /** Flat or nested row-major contents; as many values as the shape holds. */
  data: unknown[];
  /** Free-form tensor parameters. */
  parameters?: Record<string, unknown>;
}

/** An example Open Inference Protocol V2 infer request body, sendable as is. */
export interface InferRequestExample {
  /** Request id echoed in the response. */
  id?: string;
  /** Free-form request parameters. */
  parameters?: Record<string, unknown>;
  /** Input tensors (at least one). */
  inputs: InferInputExample[];
  /** Outputs to return; omitted: all. */
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

/** Metadata of one model version (model.json); every key is optional. Snake case follows the file. */
export interface ModelMetadata {
  /** Training framework, e.g. "sklearn". */
  framework?: string;
  /** Free text. */
  description?: string;
  /** Metric name → finite number; used to pick the best version. */
  metrics?: Record<string, number>;
  /** A ready-to-send V2 infer request body. */
  input_example?: InferRequestExample;
  /** ISO 8601 date-time with time zone. */
  created?: string;
  /** Free-form tags. */
  tags?: string[];
  /** Labels file relative to the version folder, one label per line. */
  labels?: string;
  /** Predictor script relative to the version folder. */
  predictor?: string;
  /** Transformer script relative to the version folder. */
  transformer?: string;
}

/** model.json keys that name files inside the version folder. */
export const METADATA_FILE_KEYS = ['labels', 'predictor', 'transformer'] as const;

const checkSchema = createSchemaChecker(modelSchema, { separator: ' ', rootLabel: 'model.json' });

/**
 * Checks parsed model.json contents and returns a copy typed as {@link ModelMetadata} (without
 * `$schema`). Throws RegistryError "invalid-metadata" whose message starts with `source`
 * (default "model.json") and lists every problem with its key path, expectation and value.
 */
export function validateModelMetadata(json: unknown, source?: string): ModelMetadata {
  const problems = checkSchema(json);
  if (problems.length === 0) problems.push(...codeProblems(json as ModelMetadata));
  if (problems.length > 0) throw metadataError(source, problems);
  const { $schema: _ignored, ...metadata } = structuredClone(json) as ModelMetadata & { $schema?: string };
  return metadata;
}

/** RegistryError "invalid-metadata" for problems found in one model.json. */
export function metadataError(source: string | undefined, problems: SchemaProblem[]): RegistryError {
  const text = problems.map((p) => p.message).join('; ');
  return new RegistryError('invalid-metadata', `${source ?? 'model.json'}: ${text}`, problems);
}

function codeProblems(meta: ModelMetadata): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const key of METADATA_FILE_KEYS) {
    const value = meta[key];
    if (value !== undefined && !isInsideFolder(value)) {
      problems.push({
        path: key,
        message: `${key} must be a path relative to the version folder and inside it (got ${showValue(value)})`,
      });
    }
  }
  meta.input_example?.inputs.forEach((input, i) => {
    // Leaves, not top-level length: V2 accepts nested data as well as flat.
    const count = countLeaves(input.data);
    const needed = input.shape.reduce((a, b) => a * b, 1);
    if (count !== needed) {
      const where = formatPath(['input_example', 'inputs', i, 'data']);
      problems.push({
        path: where,
        message: `${where} must hold ${needed} value${needed === 1 ? '' : 's'} for shape [${input.shape.join(', ')}] (got ${count})`,
      });
    }
  });
  return problems;
}

// Metadata must not reach outside its version folder: the server reads these files.
function isInsideFolder(p: string): boolean {
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p)) return false;
  return !p.split(/[\\/]/).includes('..');
}

function countLeaves(data: unknown): number {
  return Array.isArray(data) ? data.reduce((n: number, d) => n + countLeaves(d), 0) : 1;
}
