/**
 * The deployment form's state and its mapping to and from the deployment spec. Pure and free of
 * Node imports: the webview page imports these types too. Field keys are the spec's key paths
 * ("batcher.maxBatchSize"), so a validator problem at a path lands next to the field of that key.
 * Numbers are kept as the text typed: "abc" reaches the validator as "abc" and gets its message.
 */
import deploymentSchema from '../../../schemas/deployment.schema.json';
import { DEPLOYMENT_DEFAULTS, type DeploymentSpec, type ExecutionProvider } from './deploymentSpec';

/** Everything the form edits, one entry per field. */
export interface DeploymentFormState {
  name: string;
  'model.name': string;
  /** How the version is chosen; the three keys below hold each mode's value. */
  'model.version': 'latest' | 'number' | 'best';
  'model.version.number': string;
  'model.version.metric': string;
  'model.version.direction': 'max' | 'min';
  modelServer: DeploymentSpec['modelServer'];
  servingTool: DeploymentSpec['servingTool'];
  'predictor.script': string;
  'predictor.environment': string;
  'transformer.script': string;
  'inferenceLogger.mode': DeploymentSpec['inferenceLogger']['mode'];
  'inferenceLogger.sink': string;
  'batcher.enabled': boolean;
  'batcher.maxBatchSize': string;
  'batcher.maxLatencyMs': string;
  'batcher.maxQueueSize': string;
  'resources.instances': string;
  'resources.minReplicas': string;
  'resources.maxReplicas': string;
  'resources.cpu': string;
  'resources.memory': string;
  'resources.gpu': string;
  /** Providers in order of preference. */
  'resources.executionProviders': ExecutionProvider[];
  protocol: DeploymentSpec['protocol'];
  /**
   * The `kserve` settings as text, by key (see {@link KSERVE_FIELDS}); '' = not set. Keys the form
   * does not know (a newer file) are kept as they are.
   */
  kserve: Record<string, string>;
}

/** A field's key: a spec key path, or "kserve.<setting>". */
export type FormFieldKey = Exclude<keyof DeploymentFormState, 'kserve'> | `kserve.${string}`;

/** One KServe setting as the form edits it, read from the shipped schema so new settings appear by themselves. */
export interface KServeFieldInfo {
  key: string;
  /** 'json': an object setting (kserve.llm), edited as JSON text. */
  kind: 'text' | 'integer' | 'enum' | 'json';
  options?: string[];
  description: string;
}

type SchemaNode = { type?: string; enum?: string[]; description?: string };

/** Every `kserve` setting of the deployment schema, in schema order. */
export const KSERVE_FIELDS: readonly KServeFieldInfo[] = Object.entries(deploymentSchema.properties.kserve.properties as Record<string, SchemaNode>).map(
  ([key, node]) => ({
    key,
    kind: Array.isArray(node.enum) ? 'enum' : node.type === 'integer' || node.type === 'number' ? 'integer' : node.type === 'object' ? 'json' : 'text',
    ...(Array.isArray(node.enum) ? { options: node.enum } : {}),
    description: node.description ?? '',
  }),
);

/** The schema's description of a key path ("batcher.maxBatchSize"), for the hint under a field. */
export function schemaDescription(path: string): string {
  type Node = { properties?: Record<string, unknown>; description?: string } | undefined;
  let node = deploymentSchema as unknown as Node;
  for (const part of path.split('.')) node = node?.properties?.[part] as Node;
  return node?.description ?? '';
}

/** Every field key but the KServe ones; problems are matched to the longest key that prefixes their path. */
export const FORM_FIELD_KEYS = [
  'name', 'model.name', 'model.version', 'model.version.number', 'model.version.metric', 'model.version.direction',
  'modelServer', 'servingTool', 'predictor.script', 'predictor.environment', 'transformer.script',
  'inferenceLogger.mode', 'inferenceLogger.sink', 'batcher.enabled', 'batcher.maxBatchSize', 'batcher.maxLatencyMs',
  'batcher.maxQueueSize', 'resources.instances', 'resources.minReplicas', 'resources.maxReplicas', 'resources.cpu',
  'resources.memory', 'resources.gpu', 'resources.executionProviders', 'protocol',
] as const satisfies readonly FormFieldKey[];

/** What the registry holds, as much as the form shows: models, versions and their metrics. */
export interface FormCatalog {
  models: {
    name: string;
    /** `onnx: false` marks a version without an .onnx file (only a predictor script serves it); `files` are its files. */
    versions: { version: number; metrics: Record<string, number>; onnx?: boolean; files?: string[] }[];
  }[];
}

/** A problem as the page shows it: under a field (`key`) or, without one, above the form. */
export interface FormProblem {
  key?: string;
  /** The message without the key path prefix when it sits under its field. */
  message: string;
}

/** A new deployment's form: every default, the model and version given (a fixed version when one was clicked). */
export function defaultForm(opts: { name?: string; model?: string; version?: number } = {}): DeploymentFormState {
  const d = DEPLOYMENT_DEFAULTS;
  return {
    name: opts.name ?? '',
    'model.name': opts.model ?? '',
    'model.version': opts.version === undefined ? 'latest' : 'number',
    'model.version.number': opts.version === undefined ? '' : String(opts.version),
    'model.version.metric': '',
    'model.version.direction': 'max',
    modelServer: d.modelServer,
    servingTool: d.servingTool,
    'predictor.script': '',
    'predictor.environment': '',
    'transformer.script': '',
    'inferenceLogger.mode': d.inferenceLogger.mode,
    'inferenceLogger.sink': '',
    'batcher.enabled': d.batcher.enabled,
    'batcher.maxBatchSize': String(d.batcher.maxBatchSize),
    'batcher.maxLatencyMs': String(d.batcher.maxLatencyMs),
    'batcher.maxQueueSize': String(d.batcher.maxQueueSize),
    'resources.instances': String(d.resources.instances),
    'resources.minReplicas': String(d.resources.minReplicas),
    'resources.maxReplicas': String(d.resources.maxReplicas),
    'resources.cpu': '',
    'resources.memory': '',
    'resources.gpu': String(d.resources.gpu),
    'resources.executionProviders': [...d.resources.executionProviders],
    protocol: d.protocol,
    kserve: Object.fromEntries(KSERVE_FIELDS.map((f) => [f.key, ''])),
  };
}

/** The form of an existing deployment. */
export function formFromSpec(spec: DeploymentSpec): DeploymentFormState {
  const v = spec.model.version;
  return {
    ...defaultForm(),
    name: spec.name,
    'model.name': spec.model.name,
    'model.version': typeof v === 'number' ? 'number' : v === 'latest' ? 'latest' : 'best',
    'model.version.number': typeof v === 'number' ? String(v) : '',
    'model.version.metric': typeof v === 'object' ? v.best.metric : '',
    'model.version.direction': typeof v === 'object' ? v.best.direction : 'max',
    modelServer: spec.modelServer,
    servingTool: spec.servingTool,
    'predictor.script': spec.predictor.script ?? '',
    'predictor.environment': spec.predictor.environment ?? '',
    'transformer.script': spec.transformer.script ?? '',
    'inferenceLogger.mode': spec.inferenceLogger.mode,
    'inferenceLogger.sink': spec.inferenceLogger.sink ?? '',
    'batcher.enabled': spec.batcher.enabled,
    'batcher.maxBatchSize': String(spec.batcher.maxBatchSize),
    'batcher.maxLatencyMs': String(spec.batcher.maxLatencyMs),
    'batcher.maxQueueSize': String(spec.batcher.maxQueueSize),
    'resources.instances': String(spec.resources.instances),
    'resources.minReplicas': String(spec.resources.minReplicas),
    'resources.maxReplicas': String(spec.resources.maxReplicas),
    'resources.cpu': spec.resources.cpu ?? '',
    'resources.memory': spec.resources.memory ?? '',
    'resources.gpu': String(spec.resources.gpu),
    'resources.executionProviders': [...spec.resources.executionProviders],
    protocol: spec.protocol,
    kserve: {
      ...defaultForm().kserve,
      ...Object.fromEntries(Object.entries(spec.kserve as Record<string, unknown>).map(([k, v]) => [k, v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)])),
    },
  };
}

/**
 * The deployment input (on-disk form) the form describes, for the validator. Empty optional text
 * is left out (the default applies); number fields become numbers when they read as one and stay
 * text otherwise, so the validator reports them with its own wording.
 */
export function inputFromForm(f: DeploymentFormState): Record<string, unknown> {
  const text = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
  const num = (s: string): unknown => {
    const t = s.trim();
    if (t === '') return undefined;
    return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
  };
  // An object setting typed as JSON; text that is not JSON goes on as text, for the validator to refuse.
  const json = (s: string): unknown => {
    const t = s.trim();
    if (t === '') return undefined;
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  };
  const prune = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return prune({
    name: f.name.trim(),
    model: { name: f['model.name'].trim(), version: versionFromForm(f) },
    modelServer: f.modelServer,
    servingTool: f.servingTool,
    predictor: prune({ script: text(f['predictor.script']), environment: text(f['predictor.environment']) }),
    transformer: prune({ script: text(f['transformer.script']) }),
    inferenceLogger: prune({ mode: f['inferenceLogger.mode'], sink: f['inferenceLogger.mode'] === 'none' ? undefined : text(f['inferenceLogger.sink']) }),
    batcher: prune({
      enabled: f['batcher.enabled'],
      maxBatchSize: num(f['batcher.maxBatchSize']),
      maxLatencyMs: num(f['batcher.maxLatencyMs']),
      maxQueueSize: num(f['batcher.maxQueueSize']),
    }),
    resources: prune({
      instances: num(f['resources.instances']),
      minReplicas: num(f['resources.minReplicas']),
      maxReplicas: num(f['resources.maxReplicas']),
      cpu: text(f['resources.cpu']),
      memory: text(f['resources.memory']),
      gpu: num(f['resources.gpu']),
      executionProviders: [...f['resources.executionProviders']],
    }),
    protocol: f.protocol,
    kserve: prune(
      Object.fromEntries(
        Object.entries(f.kserve).map(([k, v]) => {
          const kind = KSERVE_FIELDS.find((x) => x.key === k)?.kind;
          return [k, kind === 'integer' ? num(v) : kind === 'json' ? json(v) : text(v)];
        }),
      ),
    ),
  });
}

function versionFromForm(f: DeploymentFormState): unknown {
  switch (f['model.version']) {
    case 'latest':
      return 'latest';
    case 'number': {
      const t = f['model.version.number'].trim();
      return /^\d+$/.test(t) ? Number(t) : t;
    }
    case 'best':
      return { best: { metric: f['model.version.metric'].trim(), direction: f['model.version.direction'] } };
  }
}

/**
 * Problems only the registry can reveal: an unknown model, a version number it does not have, a
 * metric no version records, an ONNX deployment of a version without an .onnx file. Paths follow
 * the validator's ("model.name", "model.version", "modelServer").
 */
export function registryProblems(f: DeploymentFormState, catalog: FormCatalog): { path: string; message: string }[] {
  const name = f['model.name'].trim();
  if (name === '') return [];
  const model = catalog.models.find((m) => m.name === name);
  // KServe's Hugging Face runtime fetches the weights from kserve.storageUri (hf://…): no registry model needed.
  if (!model && f.servingTool === 'kserve' && (f.kserve.modelFormat ?? '').trim() === 'huggingface') return [];
  if (!model) {
    return [{ path: 'model.name', message: `model.name: no model "${name}" in the registry (models: ${catalog.models.map((m) => m.name).join(', ') || 'none'})` }];
  }
  const versions = model.versions.map((v) => v.version);
  if (f['model.version'] === 'number') {
    const n = Number(f['model.version.number'].trim());
    if (Number.isInteger(n) && n >= 1 && !versions.includes(n)) {
      return [{ path: 'model.version', message: `model.version: ${name} has no version ${n} (versions: ${versions.join(', ')})` }];
    }
  }
  if (f['model.version'] === 'best') {
    const metric = f['model.version.metric'].trim();
    const known = [...new Set(model.versions.flatMap((v) => Object.keys(v.metrics)))].sort();
    if (metric !== '' && !known.includes(metric)) {
      return [{ path: 'model.version', message: `model.version: no version of ${name} records metric "${metric}" (metrics: ${known.join(', ') || 'none'})` }];
    }
  }
  // ONNX serving needs an .onnx file, unless KServe is told the files' own format.
  const kserveFormat = f.servingTool === 'kserve' ? (f.kserve.modelFormat ?? '').trim() : '';
  if (f.modelServer === 'onnx' && (kserveFormat === '' || kserveFormat === 'onnx')) {
    const picked = resolveFormVersion(f, catalog);
    const info = model.versions.find((v) => v.version === picked);
    if (info?.onnx === false) {
      const files = info.files?.length ? ` (files: ${info.files.join(', ')})` : '';
      const fix = f.servingTool === 'kserve' ? 'set kserve.modelFormat to the format of its files' : 'choose modelServer "script" with a predictor script';
      return [{ path: 'modelServer', message: `modelServer: version ${info.version} of ${name} has no .onnx file${files}, so the "onnx" model server cannot serve it; ${fix}` }];
    }
  }
  return [];
}

/**
 * A predictor script with the ONNX Runtime model server: that server serves the .onnx file and
 * never runs the script, so the deployment would silently not be what the form shows. Placed
 * under the script field (the one just picked or typed).
 */
export function scriptServerProblems(f: DeploymentFormState): { path: string; message: string }[] {
  const script = f['predictor.script'].trim();
  if (f.modelServer !== 'onnx' || script === '') return [];
  const fix = 'choose Model server "Predictor script" to serve the model with it, or clear it';
  return [{ path: 'predictor.script', message: `predictor.script: the model server is "ONNX Runtime" (modelServer "onnx"), which serves the .onnx file and never runs ${script}; ${fix}` }];
}

/** The version number the form's selector picks today (undefined when it picks none). */
export function resolveFormVersion(f: DeploymentFormState, catalog: FormCatalog): number | undefined {
  const model = catalog.models.find((m) => m.name === f['model.name'].trim());
  if (!model || model.versions.length === 0) return undefined;
  const versions = model.versions;
  switch (f['model.version']) {
    case 'latest':
      return Math.max(...versions.map((v) => v.version));
    case 'number': {
      const n = Number(f['model.version.number']);
      return versions.some((v) => v.version === n) ? n : undefined;
    }
    case 'best': {
      const metric = f['model.version.metric'].trim();
      const dir = f['model.version.direction'];
      let best: { version: number; value: number } | undefined;
      for (const v of versions) {
        const value = v.metrics[metric];
        if (value === undefined) continue;
        // Ties go to the newer version, as the registry and server resolve them.
        if (!best || (dir === 'max' ? value > best.value : value < best.value) || (value === best.value && v.version > best.version)) best = { version: v.version, value };
      }
      return best?.version;
    }
  }
}

/** Places each problem under its field (longest key prefixing its path), or above the form. */
export function placeProblems(problems: readonly { path: string; message: string }[]): FormProblem[] {
  const keys: string[] = [...FORM_FIELD_KEYS, ...KSERVE_FIELDS.map((f) => `kserve.${f.key}`)];
  return problems.map((p) => {
    const key = keys
      .filter((k) => p.path === k || p.path.startsWith(`${k}.`) || p.path.startsWith(`${k}[`))
      .sort((a, b) => b.length - a.length)[0];
    if (!key) return { message: p.message };
    const prefix = `${p.path}: `;
    return { key, message: p.message.startsWith(prefix) ? p.message.slice(prefix.length) : p.message };
  });
}
