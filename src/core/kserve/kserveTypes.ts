/**
 * The slice of KServe's `serving.kserve.io/v1beta1` InferenceService (and the core/v1 objects around
 * it) that ModelDeck writes or reads. Field names follow the CRD exactly; anything we never touch is
 * left out rather than typed loosely.
 */

/** API group, version and resource of InferenceServices. */
export const KSERVE_GROUP = 'serving.kserve.io';
export const KSERVE_VERSION = 'v1beta1';
export const KSERVE_API_VERSION = `${KSERVE_GROUP}/${KSERVE_VERSION}`;
export const INFERENCE_SERVICE_PLURAL = 'inferenceservices';

/** Server-side apply field manager for everything ModelDeck applies. */
export const FIELD_MANAGER = 'modeldeck';
/**
 * Field manager for the stop annotation alone. Kept apart from {@link FIELD_MANAGER} so that
 * re-applying the deployment (which does not mention the annotation) neither removes nor fights it.
 */
export const STOP_FIELD_MANAGER = 'modeldeck-stop';

/** KServe's annotation that stops (deletes the pods of) an InferenceService while keeping it. */
export const STOP_ANNOTATION = 'serving.kserve.io/stop';
/** KServe labels every pod of an InferenceService with its name. */
export const ISVC_POD_LABEL = 'serving.kserve.io/inferenceservice';

/** Labels and annotations that tie a manifest back to the registry and the deployment file. */
export const MODELDECK_KEYS = {
  managedBy: 'app.kubernetes.io/managed-by',
  deployment: 'modeldeck.dev/deployment',
  model: 'modeldeck.dev/model',
  version: 'modeldeck.dev/version',
  versionSelector: 'modeldeck.dev/version-selector',
  framework: 'modeldeck.dev/framework',
  artifactVersion: 'modeldeck.dev/artifact-version',
  artifactSha256: 'modeldeck.dev/artifact-sha256',
} as const;

/** `name: value` environment entry of a container. */
export interface EnvVar {
  name: string;
  value: string;
}

/** Kubernetes resource requirements; quantities are strings ("500m", "2Gi", "1"). */
export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** A container port (used to expose gRPC as h2c). */
export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: 'TCP';
}

/** predictor.model: what to serve and with which runtime. */
export interface ModelSpec {
  modelFormat: { name: string; version?: string };
  storageUri: string;
  protocolVersion: 'v1' | 'v2' | 'grpc-v2';
  runtime?: string;
  /** Overrides the runtime's image (KServe merges the model's container fields into the runtime's): a script artifact's own image. */
  image?: string;
  /** Extra environment, e.g. a Secret's keys for the server's Kafka logging. */
  envFrom?: { secretRef: { name: string } }[];
  resources?: ResourceRequirements;
  ports?: ContainerPort[];
  /** Runtime arguments (the Hugging Face runtime's --model_name, --backend, vLLM engine flags). */
  args?: string[];
}

/** Knobs shared by the predictor and transformer components. */
export interface ComponentExtension {
  minReplicas?: number;
  maxReplicas?: number;
  scaleMetric?: 'cpu' | 'memory' | 'concurrency' | 'rps';
  scaleTarget?: number;
  containerConcurrency?: number;
  timeout?: number;
  batcher?: { maxBatchSize?: number; maxLatency?: number; timeout?: number };
  logger?: { mode?: 'all' | 'request' | 'response'; url?: string };
}

/** spec.predictor as ModelDeck writes it. */
export interface PredictorSpec extends ComponentExtension {
  model: ModelSpec;
}

/** A container of a custom component (the transformer). */
export interface ContainerSpec {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  resources?: ResourceRequirements;
}

/** spec.transformer: a custom container in front of the predictor. */
export interface TransformerSpec extends ComponentExtension {
  containers: ContainerSpec[];
}

/** Object metadata as written in a manifest. */
export interface ManifestMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The InferenceService manifest the builder produces (and applies). */
export interface InferenceServiceManifest {
  apiVersion: typeof KSERVE_API_VERSION;
  kind: 'InferenceService';
  metadata: ManifestMetadata;
  spec: { predictor: PredictorSpec; transformer?: TransformerSpec };
}

/** A status condition (knative.dev/pkg/apis.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  severity?: string;
  lastTransitionTime?: string;
}

/** status.modelStatus of an InferenceService. */
export interface ModelStatus {
  transitionStatus?: '' | 'UpToDate' | 'InProgress' | 'BlockedByFailedLoad' | 'InvalidSpec' | string;
  states?: { activeModelState?: string; targetModelState?: string };
  lastFailureInfo?: {
    reason?: string;
    message?: string;
    location?: string;
    modelRevisionName?: string;
    exitCode?: number;
    time?: string;
  };
  copies?: { failedCopies?: number; totalCopies?: number };
}

/** One traffic target of a component. */
export interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  latestRevision?: boolean;
  tag?: string;
  url?: string;
}

/** status of an InferenceService as the cluster reports it. */
export interface InferenceServiceStatus {
  observedGeneration?: number;
  url?: string;
  address?: { url?: string };
  conditions?: Condition[];
  modelStatus?: ModelStatus;
  components?: Record<
    string,
    {
      url?: string;
      restUrl?: string;
      grpcUrl?: string;
      address?: { url?: string };
      latestCreatedRevision?: string;
      latestReadyRevision?: string;
      traffic?: TrafficTarget[];
    }
  >;
  deploymentMode?: string;
}

/** One managedFields entry (server-side apply bookkeeping). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** An InferenceService as read from the cluster: our spec plus whatever the cluster added. */
export interface InferenceServiceObject {
  apiVersion: string;
  kind: string;
  metadata: ManifestMetadata & {
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    managedFields?: ManagedFieldsEntry[];
  };
  spec: Record<string, unknown>;
  status?: InferenceServiceStatus;
}

/** The parts of a core/v1 container status the diagnosis reads. */
export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

/** waiting / running / terminated, exactly one set. */
export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number; finishedAt?: string };
}

/** The parts of a core/v1 Pod ModelDeck reads. */
export interface PodObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    resourceVersion?: string;
  };
  spec?: { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** The parts of a core/v1 Event ModelDeck reads. */
export interface EventObject {
  metadata?: { name?: string; namespace?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; fieldPath?: string };
  type?: 'Normal' | 'Warning' | string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
}
