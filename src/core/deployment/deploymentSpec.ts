/**
 * The deployment spec: what `.modeldeck/deployments/<name>.json` describes once validated and
 * completed with defaults. Shared by the extension host and the inference server.
 */

/** Which registered version a deployment serves: a fixed number, the newest, or the best by a metric. */
export type VersionSelector = number | 'latest' | { best: { metric: string; direction: 'max' | 'min' } };

/** ONNX Runtime execution providers a deployment may ask for, in order of preference. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'tensorrt' | 'webgpu' | 'dml' | 'coreml';

/** Every execution provider, in the order the schema lists them. */
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'tensorrt', 'webgpu', 'dml', 'coreml'];

/** A validated deployment with every default filled in. */
export interface DeploymentSpec {
  /** DNS-1123 label (^[a-z0-9]([-a-z0-9]*[a-z0-9])?$, at most 63 characters): KServe uses it as a resource name. */
  name: string;
  /** Registered model name and which of its versions to serve. */
  model: { name: string; version: VersionSelector };
  /** "onnx" serves the model file directly; "script" runs predictor.script. */
  modelServer: 'onnx' | 'script';
  /** "local" runs the bundled server; "kserve" deploys an InferenceService. */
  servingTool: 'local' | 'kserve';
  /** Custom predictor script (workspace-relative) and the environment it runs in. */
  predictor: { script?: string; environment?: string };
  /** Optional pre/post-processing script (workspace-relative). */
  transformer: { script?: string };
  /** Which payloads to log and where (URL or file path; omitted: the server log). */
  inferenceLogger: { mode: 'none' | 'all' | 'request' | 'response'; sink?: string };
  /** Server-side dynamic batching. */
  batcher: { enabled: boolean; maxBatchSize: number; maxLatencyMs: number; maxQueueSize: number };
  /** Sessions per replica, replica range (minReplicas 0 = scale to zero), Kubernetes quantities, GPUs, providers. */
  resources: {
    instances: number;
    minReplicas: number;
    maxReplicas: number;
    cpu?: string;
    memory?: string;
    gpu: number;
    executionProviders: ExecutionProvider[];
  };
  /** Open Inference Protocol transport. */
  protocol: 'rest' | 'grpc';
  /** KServe target and InferenceService settings; only read when servingTool is "kserve" (and by the YAML preview). */
  kserve: KServeSettings;
}

/** KServe autoscaling metrics (predictor.scaleMetric). */
export type KServeScaleMetric = 'cpu' | 'memory' | 'concurrency' | 'rps';

/** KServe model formats a deployment may declare (predictor.model.modelFormat.name). */
export type KServeModelFormat = 'onnx' | 'sklearn' | 'xgboost' | 'tensorflow' | 'pytorch' | 'huggingface';

/** Every KServe model format, in the order the schema lists them. */
export const KSERVE_MODEL_FORMATS: readonly KServeModelFormat[] = ['onnx', 'sklearn', 'xgboost', 'tensorflow', 'pytorch', 'huggingface'];

/** Every KServe autoscaling metric, in the order the schema lists them. */
export const KSERVE_SCALE_METRICS: readonly KServeScaleMetric[] = ['cpu', 'memory', 'concurrency', 'rps'];

/** The `kserve` section of a deployment; every key is optional. */
export interface KServeSettings {
  /** kubectl context; omitted: the kubeconfig's current context. */
  context?: string;
  /** Namespace; omitted: the context's namespace (else "default"). */
  namespace?: string;
  /** Where the storage-initializer fetches the model; "{model}", "{version}" and "{artifact}" are substituted. Required to deploy. */
  storageUri?: string;
  /** ServingRuntime / ClusterServingRuntime name; omitted: KServe picks one by format and protocol. */
  runtime?: string;
  /** modelFormat override; omitted: "onnx" (the registry artifact is ONNX). */
  modelFormat?: KServeModelFormat;
  /** REST protocol version when protocol is "rest"; omitted: "v2". */
  protocolVersion?: 'v1' | 'v2';
  /** Autoscaling metric. */
  scaleMetric?: KServeScaleMetric;
  /** Autoscaling target for scaleMetric. */
  scaleTarget?: number;
  /** Hard limit of requests in flight per replica (0 = none). */
  containerConcurrency?: number;
  /** Request timeout in seconds. */
  timeout?: number;
  /** Image that runs transformer.script as KServe's separate transformer component; omitted: in the server, from the artifact. */
  transformerImage?: string;
  /** Script deployments: the image built for the artifact (runtime + Python + its requirements). */
  image?: string;
  /** kafka:// sinks: through a Knative KafkaSink (default) or written by the server in the pod. */
  kafkaLogging?: 'kafkaSink' | 'server';
  /** Secret whose keys become the server's MODELDECK_KAFKA_* environment (kafkaLogging "server"). */
  kafkaSecret?: string;
  /** modelFormat "huggingface": arguments of KServe's Hugging Face runtime (vLLM backend with a GPU). */
  llm?: KServeLlmSettings;
}

/** The `kserve.llm` section: what KServe's Hugging Face runtime is started with. */
export interface KServeLlmSettings {
  /** Backend; omitted: "vllm" when resources.gpu > 0, else "huggingface" (vLLM needs a GPU). */
  backend?: 'vllm' | 'huggingface';
  /** Longest context (prompt + completion) in tokens: vLLM's --max-model-len, the transformers backend's --max_length. */
  maxModelLen?: number;
  /** Weights' dtype; omitted: "auto" (the checkpoint's). */
  dtype?: 'auto' | 'float16' | 'bfloat16' | 'float32';
  /** GPUs one replica shards the model over (vLLM); omitted: 1. Should equal resources.gpu. */
  tensorParallelSize?: number;
  /** Fraction of GPU memory vLLM may take (0–1]; omitted: vLLM's default (0.9). */
  gpuMemoryUtilization?: number;
  /** Hugging Face task; omitted: the runtime infers it (text_generation for causal LMs). */
  task?: string;
  /** Further runtime arguments, passed as written (e.g. "--enable-prefix-caching"). */
  args?: string[];
}

/**
 * The on-disk form: only `name` and `model.name` are required, every other key may be left out
 * and is filled from {@link DEPLOYMENT_DEFAULTS}. `model.version` defaults to "latest".
 */
export interface DeploymentInput {
  /** See {@link DeploymentSpec.name}. */
  name: string;
  /** Model name; version defaults to "latest". */
  model: { name: string; version?: VersionSelector };
  /** Default "onnx". */
  modelServer?: DeploymentSpec['modelServer'];
  /** Default "local". */
  servingTool?: DeploymentSpec['servingTool'];
  /** Default {}. */
  predictor?: Partial<DeploymentSpec['predictor']>;
  /** Default {}. */
  transformer?: Partial<DeploymentSpec['transformer']>;
  /** Default { mode: "none" }. */
  inferenceLogger?: Partial<DeploymentSpec['inferenceLogger']>;
  /** Each missing field from the batcher defaults. */
  batcher?: Partial<DeploymentSpec['batcher']>;
  /** Each missing field from the resources defaults; maxReplicas defaults to max(1, minReplicas). */
  resources?: Partial<DeploymentSpec['resources']>;
  /** Default "rest". */
  protocol?: DeploymentSpec['protocol'];
  /** Default {}. */
  kserve?: Partial<DeploymentSpec['kserve']>;
  /** Editor schema reference; accepted and dropped. */
  $schema?: string;
}

/** Defaults for everything but name and model; the shipped schema's `default`s say the same (a test keeps them equal). */
export const DEPLOYMENT_DEFAULTS: Readonly<Omit<DeploymentSpec, 'name' | 'model'>> = deepFreeze({
  modelServer: 'onnx',
  servingTool: 'local',
  predictor: {},
  transformer: {},
  inferenceLogger: { mode: 'none' },
  batcher: { enabled: false, maxBatchSize: 32, maxLatencyMs: 5, maxQueueSize: 1024 },
  resources: { instances: 1, minReplicas: 1, maxReplicas: 1, gpu: 0, executionProviders: ['cpu'] },
  protocol: 'rest',
  kserve: {},
});

// Frozen all the way down: a caller mutating a nested default would otherwise change every later spec.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Default model version selector. */
export const DEFAULT_VERSION_SELECTOR: VersionSelector = 'latest';

/**
 * Completes an input with defaults. Returns fresh objects throughout, so callers may mutate the
 * result without touching the input or the shared defaults. Does not validate.
 */
export function applyDeploymentDefaults(input: DeploymentInput): DeploymentSpec {
  const d = DEPLOYMENT_DEFAULTS;
  const resources = { ...d.resources, executionProviders: [...d.resources.executionProviders], ...input.resources };
  if (input.resources?.maxReplicas === undefined) {
    // A lone minReplicas: 3 must not be contradicted by the default maxReplicas of 1.
    resources.maxReplicas = Math.max(d.resources.maxReplicas, resources.minReplicas);
  }
  resources.executionProviders = [...resources.executionProviders];
  const version = input.model.version ?? DEFAULT_VERSION_SELECTOR;
  return {
    name: input.name,
    model: {
      name: input.model.name,
      version: typeof version === 'object' ? { best: { ...version.best } } : version,
    },
    modelServer: input.modelServer ?? d.modelServer,
    servingTool: input.servingTool ?? d.servingTool,
    predictor: { ...d.predictor, ...input.predictor },
    transformer: { ...d.transformer, ...input.transformer },
    inferenceLogger: { ...d.inferenceLogger, ...input.inferenceLogger },
    batcher: { ...d.batcher, ...input.batcher },
    resources,
    protocol: input.protocol ?? d.protocol,
    kserve: { ...d.kserve, ...input.kserve },
  };
}

/** "latest", "3", "best accuracy (max)". */
export function describeVersionSelector(v: VersionSelector): string {
  if (typeof v === 'number') return String(v);
  if (v === 'latest') return 'latest';
  return `best ${v.best.metric} (${v.best.direction})`;
}
