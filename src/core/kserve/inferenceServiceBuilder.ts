/**
 * Deployment spec → KServe `serving.kserve.io/v1beta1` InferenceService. Pure: no cluster, no files,
 * no vscode; the same manifest is previewed, diffed and applied.
 *
 * Model format: the registry serves ONNX files, so the artifact behind storageUri is ONNX and
 * `modelFormat` is "onnx" whatever model.json's `framework` says (sklearn, pytorch, … is how the
 * model was trained: provenance, recorded as an annotation). A deployment that really points
 * storageUri at a framework's own artifact says so with `kserve.modelFormat`.
 *
 * A deployment with scripts (see {@link deploysAsArtifact}) points storageUri at its artifact
 * (src/core/artifacts/) and is served by ModelDeck's script runtime (format "modeldeck-artifact"),
 * optionally in the image built for that artifact: the predictor and transformer run in the
 * cluster as they run locally.
 */
import { stringify } from 'yaml';
import type { ArtifactVersion } from '../artifacts/artifactTypes';
import { describeVersionSelector, KSERVE_MODEL_FORMATS } from '../deployment/deploymentSpec';
import type { DeploymentSpec } from '../deployment/deploymentSpec';
import type { ModelVersionInfo } from '../registry/modelRegistry';
import { KServeError } from './kserveErrors';
import { kafkaLoggerNamespace, kafkaSinkAddress, kafkaSinkName, kafkaTarget } from './kafkaSinkAddress';
import { FIELD_MANAGER, KSERVE_API_VERSION, MODELDECK_KEYS } from './kserveTypes';
import type {
  ComponentExtension,
  EnvVar,
  InferenceServiceManifest,
  ModelSpec,
  PredictorSpec,
  ResourceRequirements,
  TransformerSpec,
} from './kserveTypes';

/** What the builder may know besides the deployment spec. */
export interface InferenceServiceContext {
  /** The registry version the deployment resolves to now: labels/annotations, `{version}` in storageUri, framework provenance. */
  modelVersion?: ModelVersionInfo;
  /** ServingRuntime / ClusterServingRuntime name; overrides `kserve.runtime`. */
  runtime?: string;
  /** Container image of the transformer; overrides `kserve.transformerImage`. */
  image?: string;
  /** The namespace it will be applied in when the spec names none (a Kafka logger's URL names it). */
  namespace?: string;
  /** The artifact a script deployment serves: `{artifact}` in storageUri, annotations. */
  artifact?: { version: ArtifactVersion; contentSha256?: string };
  /** Image built for the artifact; overrides `kserve.image`. */
  artifactImage?: string;
}

/** Name of the ClusterServingRuntime that runs ModelDeck's own server (see runtimeFiles.ts). */
export const MODELDECK_RUNTIME = 'modeldeck';
/** Port ModelDeck's runtime serves gRPC on; KServe routes h2c to it for grpc-v2. */
export const MODELDECK_GRPC_PORT = 8081;
/** Name of the ClusterServingRuntime that runs script artifacts (ModelDeck's server with Python; runtimeFiles.ts). */
export const MODELDECK_SCRIPT_RUNTIME = 'modeldeck-scripts';
/** Model format a script artifact declares; only the script runtime serves it. */
export const MODELDECK_SCRIPT_FORMAT = 'modeldeck-artifact';

/**
 * Whether the deployment goes to KServe as an artifact served by ModelDeck's script runtime: it has
 * a predictor script, or a transformer that is not asked to run as KServe's separate component
 * (`kserve.transformerImage`). Then the server in the pod runs the scripts as it does locally.
 */
export function deploysAsArtifact(spec: DeploymentSpec): boolean {
  return spec.modelServer === 'script' || (spec.transformer.script !== undefined && spec.kserve.transformerImage === undefined);
}

/** Whether the server in the pod writes the Kafka logger's records itself (else a KafkaSink does). */
export function serverWritesKafka(spec: DeploymentSpec): boolean {
  return spec.inferenceLogger.mode !== 'none' && kafkaTarget(spec) !== undefined && spec.kserve.kafkaLogging === 'server';
}

// KServe's webhook takes InferenceService names as DNS-1035 labels: a leading digit is refused.
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// Kubernetes' own quantity grammar (resource.Quantity). The deployment schema follows it for memory,
// but a spec may be built by hand, so quantities are checked again before they reach the cluster.
const QUANTITY = /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The InferenceService for a deployment. Throws {@link KServeError} "invalid-deployment" saying what
 * is missing or refused (no storageUri, a name KServe rejects, a transformer without image, …).
 */
export function buildInferenceService(spec: DeploymentSpec, ctx: InferenceServiceContext = {}): InferenceServiceManifest {
  checkName(spec.name);
  const version = resolvedVersion(spec, ctx);
  const manifest: InferenceServiceManifest = {
    apiVersion: KSERVE_API_VERSION,
    kind: 'InferenceService',
    metadata: {
      name: spec.name,
      ...(spec.kserve.namespace ? { namespace: spec.kserve.namespace } : {}),
      labels: labelsFor(spec, version),
      annotations: annotationsFor(spec, version, ctx),
    },
    spec: { predictor: predictorFor(spec, version, ctx) },
  };
  // A transformer with an image of its own is KServe's separate component; without one it runs in the server, from the artifact.
  if (spec.transformer.script !== undefined && !deploysAsArtifact(spec)) manifest.spec.transformer = transformerFor(spec, version, ctx);
  return manifest;
}

/** {@link buildInferenceService} as YAML, with a header saying where it came from and how to apply it by hand. */
export function inferenceServiceYaml(spec: DeploymentSpec, ctx: InferenceServiceContext = {}): string {
  const manifest = buildInferenceService(spec, ctx);
  const header =
    `# InferenceService for ModelDeck deployment "${spec.name}" (model ${spec.model.name}, version ${describeVersionSelector(spec.model.version)}).\n` +
    `# ModelDeck applies it server-side; by hand: kubectl apply --server-side --field-manager=${FIELD_MANAGER} -f <this file>\n` +
    (kafkaTarget(spec) && manifest.spec.predictor.logger?.url
      ? `# Its logger posts to the KafkaSink ${kafkaSinkName(spec.name)} (${manifest.spec.predictor.logger.url}), which writes to Kafka:\n` +
        `# create it first with "ModelDeck: Generate Kafka Logger Manifests for KServe".\n`
      : '');
  return header + stringify(manifest, { lineWidth: 0 });
}

function predictorFor(spec: DeploymentSpec, version: number | undefined, ctx: InferenceServiceContext): PredictorSpec {
  if (spec.kserve.llm !== undefined && spec.kserve.modelFormat !== 'huggingface') {
    fail('kserve.llm', `kserve.llm: runtime arguments for KServe's Hugging Face runtime; they need kserve.modelFormat "huggingface" (got ${JSON.stringify(spec.kserve.modelFormat ?? 'onnx')})`);
  }
  const artifact = deploysAsArtifact(spec);
  if (artifact && spec.kserve.modelFormat !== undefined) {
    fail('kserve.modelFormat', `kserve.modelFormat: a deployment with scripts is served from its artifact by ModelDeck's script runtime (format "${MODELDECK_SCRIPT_FORMAT}"); remove modelFormat (got ${JSON.stringify(spec.kserve.modelFormat)})`);
  }
  const runtime = ctx.runtime ?? spec.kserve.runtime ?? (artifact ? MODELDECK_SCRIPT_RUNTIME : undefined);
  const protocolVersion = spec.protocol === 'grpc' ? 'grpc-v2' : (spec.kserve.protocolVersion ?? 'v2');
  const image = artifact ? (ctx.artifactImage ?? spec.kserve.image) : undefined;
  const model: ModelSpec = {
    modelFormat: { name: artifact ? MODELDECK_SCRIPT_FORMAT : (spec.kserve.modelFormat ?? 'onnx') },
    storageUri: storageUriFor(spec, version, ctx),
    protocolVersion,
    ...(runtime ? { runtime } : {}),
    ...(image ? { image } : {}),
  };
  if (serverWritesKafka(spec)) {
    if (!artifact) {
      fail('kserve.kafkaLogging', `kserve.kafkaLogging: "server" means ModelDeck's server in the pod writes to Kafka from the deployment file in the artifact, which only deployments with scripts have; use "kafkaSink" (the default) for this one`);
    }
    if (spec.kserve.kafkaSecret) model.envFrom = [{ secretRef: { name: spec.kserve.kafkaSecret } }];
  }
  if (model.modelFormat.name === 'huggingface') model.args = huggingFaceArgs(spec, model.storageUri);
  const resources = resourcesFor(spec);
  if (resources) model.resources = resources;
  // Knative exposes one port per container; gRPC needs it declared as h2c. Only our runtime's
  // port is known here: another runtime's gRPC port is its own business.
  if (protocolVersion === 'grpc-v2' && (runtime === MODELDECK_RUNTIME || runtime === MODELDECK_SCRIPT_RUNTIME)) {
    model.ports = [{ name: 'h2c', containerPort: MODELDECK_GRPC_PORT, protocol: 'TCP' }];
  }
  const predictor: PredictorSpec = { ...scalingFor(spec), model };
  if (spec.batcher.enabled) {
    // KServe's batcher takes whole milliseconds and treats 0 as "use the default (500 ms)", so
    // the smallest wait we can ask for is 1 ms; fractions round up rather than to a shorter wait.
    predictor.batcher = { maxBatchSize: spec.batcher.maxBatchSize, maxLatency: Math.max(1, Math.ceil(spec.batcher.maxLatencyMs)) };
  }
  const logger = loggerFor(spec, ctx);
  if (logger) predictor.logger = logger;
  return predictor;
}

/** Where KServe's Hugging Face runtime can fetch weights from: the Hub (with a revision), S3, GCS, a PVC. */
const HF_STORAGE = /^(hf:\/\/[^/\s:]+\/[^/\s:]+(:[^/\s]+)?|s3:\/\/\S+|gs:\/\/\S+|pvc:\/\/\S+)$/;

/**
 * Arguments of KServe's Hugging Face runtime (kserve-huggingfaceserver) for an LLM: the vLLM
 * backend when a GPU is requested (vLLM needs one), else the transformers backend; either serves
 * OpenAI-compatible routes at /openai/v1/... KServe's storage initializer fetches the weights from
 * storageUri (hf://org/model[:revision] from the Hub).
 */
function huggingFaceArgs(spec: DeploymentSpec, storageUri: string): string[] {
  if (!HF_STORAGE.test(storageUri)) {
    fail('kserve.storageUri', `kserve.storageUri: for modelFormat "huggingface" expected hf://org/model[:revision], s3://…, gs://… or pvc://… (got ${JSON.stringify(storageUri)})`);
  }
  const llm = spec.kserve.llm ?? {};
  const gpu = spec.resources.gpu > 0;
  const backend = llm.backend ?? (gpu ? 'vllm' : 'huggingface');
  if (backend === 'vllm' && !gpu) fail('kserve.llm.backend', `kserve.llm.backend: "vllm" needs a GPU: set resources.gpu (or use "huggingface", the transformers backend, on CPU)`);
  if (llm.tensorParallelSize !== undefined && backend === 'vllm' && llm.tensorParallelSize > spec.resources.gpu) {
    fail('kserve.llm.tensorParallelSize', `kserve.llm.tensorParallelSize: ${llm.tensorParallelSize} shards need as many GPUs per replica; resources.gpu is ${spec.resources.gpu}`);
  }
  const args = [`--model_name=${spec.name}`, `--backend=${backend}`];
  if (llm.task) args.push(`--task=${llm.task}`);
  if (llm.dtype) args.push(`--dtype=${llm.dtype}`);
  if (llm.maxModelLen !== undefined) args.push(backend === 'vllm' ? `--max-model-len=${llm.maxModelLen}` : `--max_length=${llm.maxModelLen}`);
  if (backend === 'vllm') {
    if (llm.tensorParallelSize !== undefined) args.push(`--tensor-parallel-size=${llm.tensorParallelSize}`);
    if (llm.gpuMemoryUtilization !== undefined) args.push(`--gpu-memory-utilization=${llm.gpuMemoryUtilization}`);
  }
  return [...args, ...(llm.args ?? [])];
}

function transformerFor(spec: DeploymentSpec, version: number | undefined, ctx: InferenceServiceContext): TransformerSpec {
  const image = ctx.image ?? spec.kserve.transformerImage;
  if (!image) {
    fail(
      'kserve.transformerImage',
      `kserve.transformerImage: required because transformer.script is set: the cluster runs the transformer from a container image that contains ${JSON.stringify(spec.transformer.script)} (got nothing)`,
    );
  }
  const protocol = spec.protocol === 'grpc' ? 'grpc-v2' : (spec.kserve.protocolVersion ?? 'v2');
  // The Hopsworks-style variables our script templates read; KServe adds --predictor_host itself.
  const env: EnvVar[] = [
    { name: 'MODEL_NAME', value: spec.model.name },
    ...(version !== undefined ? [{ name: 'MODEL_VERSION', value: String(version) }] : []),
    { name: 'DEPLOYMENT_NAME', value: spec.name },
    { name: 'TRANSFORMER_SCRIPT', value: spec.transformer.script! },
  ];
  return {
    ...scalingFor(spec),
    containers: [{ name: 'kserve-container', image, args: ['--model_name', spec.name, '--protocol', protocol], env }],
  };
}

function scalingFor(spec: DeploymentSpec): ComponentExtension {
  const k = spec.kserve;
  return {
    minReplicas: spec.resources.minReplicas,
    maxReplicas: Math.max(spec.resources.maxReplicas, spec.resources.minReplicas, 1),
    ...(k.scaleMetric ? { scaleMetric: k.scaleMetric } : {}),
    ...(k.scaleTarget !== undefined ? { scaleTarget: k.scaleTarget } : {}),
    ...(k.containerConcurrency !== undefined ? { containerConcurrency: k.containerConcurrency } : {}),
    ...(k.timeout !== undefined ? { timeout: k.timeout } : {}),
  };
}

function resourcesFor(spec: DeploymentSpec): ResourceRequirements | undefined {
  const { cpu, memory, gpu } = spec.resources;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const [key, value] of [['cpu', cpu], ['memory', memory]] as const) {
    if (value === undefined) continue;
    if (!QUANTITY.test(value)) {
      fail(`resources.${key}`, `resources.${key}: must be a Kubernetes quantity such as ${key === 'cpu' ? '"500m" or "2"' : '"512Mi", "2Gi" or "512k"'} (got ${JSON.stringify(value)})`);
    }
    // Requests equal to limits: the replica gets what it was sized for and is not throttled below it.
    requests[key] = value;
    limits[key] = value;
  }
  // Extended resources are limits only; Kubernetes sets the request equal to the limit.
  if (gpu > 0) limits['nvidia.com/gpu'] = String(gpu);
  if (Object.keys(limits).length === 0) return undefined;
  return Object.keys(requests).length > 0 ? { requests, limits } : { limits };
}

/**
 * KServe's logger: an http(s) sink is its URL; a Kafka sink is reached through a Knative KafkaSink
 * (kafkaLogger.ts generates it), whose address becomes the URL; a file path means nothing in the
 * cluster and is refused.
 */
function loggerFor(spec: DeploymentSpec, ctx: InferenceServiceContext): ComponentExtension['logger'] {
  const { mode, sink } = spec.inferenceLogger;
  if (mode === 'none') return undefined;
  if (serverWritesKafka(spec)) return undefined; // the server in the pod writes to the brokers itself
  if (sink === undefined) return { mode }; // KServe's configured default logger URL
  if (/^https?:\/\//i.test(sink)) return { mode, url: sink };
  if (/^kafka:\/\//i.test(sink)) {
    if (!kafkaTarget(spec)) fail('inferenceLogger.sink', `inferenceLogger.sink: expected kafka://host:port[,host:port]/topic (got ${JSON.stringify(sink)})`);
    return { mode, url: kafkaSinkAddress(kafkaSinkName(spec.name), kafkaLoggerNamespace(spec, ctx.namespace)) };
  }
  fail(
    'inferenceLogger.sink',
    `inferenceLogger.sink: KServe sends logged payloads to an http(s) URL, not a file (got ${JSON.stringify(sink)}): a path means nothing inside the cluster; use an http(s) URL, or kafka://host:port/topic (through a KafkaSink)`,
  );
}

function storageUriFor(spec: DeploymentSpec, version: number | undefined, ctx: InferenceServiceContext): string {
  const template = spec.kserve.storageUri;
  if (template === undefined) {
    fail(
      'kserve.storageUri',
      'kserve.storageUri: required to deploy to KServe: where the cluster fetches the model from, ' +
        'e.g. "s3://bucket/models/{model}/{version}", "gs://…" or "pvc://claim/models/iris/2" (got nothing)',
    );
  }
  if (template.includes('{version}') && version === undefined) {
    fail(
      'kserve.storageUri',
      `kserve.storageUri: "{version}" needs a resolved version, but the deployment selects ${describeVersionSelector(spec.model.version)} and no registry version was given`,
    );
  }
  if (template.includes('{artifact}') && ctx.artifact === undefined) {
    fail('kserve.storageUri', `kserve.storageUri: "{artifact}" needs the artifact version; it is known once the artifact is built ("Deploy to KServe" builds it first)`);
  }
  return template.replaceAll('{model}', spec.model.name).replaceAll('{version}', String(version)).replaceAll('{artifact}', String(ctx.artifact?.version));
}

function labelsFor(spec: DeploymentSpec, version: number | undefined): Record<string, string> {
  const labels: Record<string, string> = {
    [MODELDECK_KEYS.managedBy]: FIELD_MANAGER,
    [MODELDECK_KEYS.deployment]: spec.name,
  };
  // Registry names allow what label values do not (a trailing '.', more than 63 characters);
  // the annotation always carries the name, the label only when Kubernetes accepts it.
  if (LABEL_VALUE.test(spec.model.name) && spec.model.name.length <= 63) labels[MODELDECK_KEYS.model] = spec.model.name;
  if (version !== undefined) labels[MODELDECK_KEYS.version] = String(version);
  return labels;
}

function annotationsFor(spec: DeploymentSpec, version: number | undefined, ctx: InferenceServiceContext): Record<string, string> {
  const annotations: Record<string, string> = {
    [MODELDECK_KEYS.model]: spec.model.name,
    [MODELDECK_KEYS.versionSelector]: describeVersionSelector(spec.model.version),
  };
  if (version !== undefined) annotations[MODELDECK_KEYS.version] = String(version);
  const framework = ctx.modelVersion?.metadata.framework;
  if (framework) annotations[MODELDECK_KEYS.framework] = framework;
  if (ctx.artifact) {
    annotations[MODELDECK_KEYS.artifactVersion] = String(ctx.artifact.version);
    if (ctx.artifact.contentSha256) annotations[MODELDECK_KEYS.artifactSha256] = ctx.artifact.contentSha256;
  }
  return annotations;
}

function resolvedVersion(spec: DeploymentSpec, ctx: InferenceServiceContext): number | undefined {
  const info = ctx.modelVersion;
  if (info) {
    if (info.model !== spec.model.name) {
      fail('model.name', `model.name: the registry version given is of model "${info.model}", but the deployment serves "${spec.model.name}"`);
    }
    if (typeof spec.model.version === 'number' && spec.model.version !== info.version) {
      fail('model.version', `model.version: the deployment pins version ${spec.model.version}, but registry version ${info.version} was given`);
    }
    const format = spec.kserve.modelFormat ?? 'onnx';
    // A predictor script serves what the version holds (a pickle, …): no .onnx file needed.
    if (info.modelFile === undefined && format === 'onnx' && spec.modelServer !== 'script') {
      // The version holds a framework's own artifact (a pickle, …): KServe must be told which.
      const framework = info.metadata.framework;
      const hint = framework !== undefined && (KSERVE_MODEL_FORMATS as readonly string[]).includes(framework) ? ` (model.json's framework: "${framework}")` : '';
      fail(
        'kserve.modelFormat',
        `kserve.modelFormat: version ${info.version} of model "${info.model}" has no .onnx file (files: ${info.files.join(', ')}), so it cannot be served as "onnx"; ` +
          `set kserve.modelFormat to the format of its files${hint}, or pick a version with an .onnx file`,
      );
    }
    return info.version;
  }
  return typeof spec.model.version === 'number' ? spec.model.version : undefined;
}

function checkName(name: string): void {
  if (DNS_1035_LABEL.test(name) && name.length <= 63) return;
  fail(
    'name',
    `name: KServe InferenceService names must be DNS-1035 labels: a lowercase letter first, then lowercase letters, digits and '-', at most 63 characters (got ${JSON.stringify(name)})`,
  );
}

function fail(path: string, message: string): never {
  throw new KServeError('invalid-deployment', message, { details: [path] });
}
