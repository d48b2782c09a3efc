/**
 * Validation of InferenceService manifests against the real KServe CRD in test/specs: its
 * v1beta1 openAPIV3Schema, with unknown fields refused wherever Kubernetes would otherwise prune
 * them (objects with `properties` and neither `additionalProperties` nor
 * `x-kubernetes-preserve-unknown-fields`), as the API server does with `fieldValidation=Strict`.
 * The CRD leaves `metadata` open (the API server checks ObjectMeta itself), so names, labels and
 * annotations are checked here with Kubernetes' own rules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './serverProcess';

export const CRD_FILE = path.join(REPO_ROOT, 'test', 'specs', 'kserve-inferenceservices-crd.yaml');

/** One thing wrong with a manifest, at a dotted field path ("spec.predictor.scaleMetric"). */
export interface CrdProblem {
  field: string;
  message: string;
  /** "unknown-field" is what Strict field validation refuses; the rest are schema violations. */
  kind: 'unknown-field' | 'invalid';
}

let compiled: ValidateFunction | undefined;

/** The CRD's v1beta1 schema, closed against unknown fields, and the x-kubernetes-* keywords it uses. */
export function strictCrdSchema(): { schema: Record<string, unknown>; keywords: Set<string> } {
  const crd = parseYaml(fs.readFileSync(CRD_FILE, 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  };
  const version = crd.spec.versions.find((v) => v.name === 'v1beta1');
  if (!version) throw new Error(`${CRD_FILE} has no v1beta1 version`);
  const schema = structuredClone(version.schema.openAPIV3Schema);
  const keywords = new Set<string>();
  const close = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(close);
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) if (key.startsWith('x-kubernetes-')) keywords.add(key);
    if (obj.properties && obj.additionalProperties === undefined && obj['x-kubernetes-preserve-unknown-fields'] !== true) {
      obj.additionalProperties = false;
    }
    if (obj.properties) Object.values(obj.properties as Record<string, unknown>).forEach(close);
    for (const key of ['items', 'additionalProperties', 'not', 'anyOf', 'allOf', 'oneOf']) close(obj[key]);
  };
  close(schema);
  return { schema, keywords };
}

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const { schema, keywords } = strictCrdSchema();
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Kubernetes' structural-schema keywords: meaningful to the API server, opaque to JSON Schema.
  for (const keyword of keywords) ajv.addKeyword({ keyword });
  compiled = ajv.compile(schema);
  return compiled;
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Every problem of an InferenceService manifest (empty when the API server would take it). */
export function inferenceServiceProblems(doc: unknown): CrdProblem[] {
  const validate = validator();
  const problems: CrdProblem[] = [];
  if (!validate(doc)) problems.push(...(validate.errors ?? []).map(toProblem));
  const d = doc as { apiVersion?: unknown; kind?: unknown; metadata?: Record<string, unknown> };
  if (d?.apiVersion !== 'serving.kserve.io/v1beta1') problems.push({ field: 'apiVersion', kind: 'invalid', message: `must be serving.kserve.io/v1beta1 (got ${JSON.stringify(d?.apiVersion)})` });
  if (d?.kind !== 'InferenceService') problems.push({ field: 'kind', kind: 'invalid', message: `must be InferenceService (got ${JSON.stringify(d?.kind)})` });
  problems.push(...metadataProblems(d?.metadata));
  return problems;
}

/** Throws with every problem listed; for tests. */
export function assertValidInferenceService(doc: unknown, label = 'manifest'): void {
  const problems = inferenceServiceProblems(doc);
  if (problems.length > 0) {
    throw new Error(`${label} is not a valid InferenceService:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}\n${JSON.stringify(doc, null, 2)}`);
  }
}

function metadataProblems(metadata: Record<string, unknown> | undefined): CrdProblem[] {
  const out: CrdProblem[] = [];
  const bad = (field: string, message: string): void => void out.push({ field, message, kind: 'invalid' });
  if (!metadata || typeof metadata !== 'object') return [{ field: 'metadata', message: 'required', kind: 'invalid' }];
  const { name, namespace, labels, annotations } = metadata;
  if (typeof name !== 'string' || !DNS_1123_SUBDOMAIN.test(name) || name.length > 253) bad('metadata.name', `must be a DNS-1123 subdomain (got ${JSON.stringify(name)})`);
  if (namespace !== undefined && (typeof namespace !== 'string' || !DNS_1123_LABEL.test(namespace) || namespace.length > 63)) {
    bad('metadata.namespace', `must be a DNS-1123 label (got ${JSON.stringify(namespace)})`);
  }
  for (const [field, map, checkValue] of [['labels', labels, true], ['annotations', annotations, false]] as const) {
    if (map === undefined) continue;
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      bad(`metadata.${field}`, 'must be a map of strings');
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      const [prefix, local] = key.includes('/') ? [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)] : [undefined, key];
      if ((prefix !== undefined && (!DNS_1123_SUBDOMAIN.test(prefix) || prefix.length > 253)) || !QUALIFIED_NAME.test(local) || local.length > 63) {
        bad(`metadata.${field}[${key}]`, 'key must be a qualified name ([prefix/]name)');
      }
      if (typeof value !== 'string') bad(`metadata.${field}[${key}]`, `value must be a string (got ${JSON.stringify(value)})`);
      else if (checkValue && (!LABEL_VALUE.test(value) || value.length > 63)) bad(`metadata.${field}[${key}]`, `label value must be at most 63 characters of letters, digits, '-', '_', '.', starting and ending with a letter or digit (got ${JSON.stringify(value)})`);
    }
  }
  return out;
}

function toProblem(e: ErrorObject): CrdProblem {
  const base = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const field = (segments: string[]): string => segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    return { field: field([...base, extra]), message: `unknown field "${field([...base, extra])}"`, kind: 'unknown-field' };
  }
  const allowed = e.keyword === 'enum' ? `: supported values: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return { field: field(base) || '<root>', message: `${e.message ?? e.keyword}${allowed}`, kind: 'invalid' };
}
