/**
 * "Same server in the cluster": the files that run ModelDeck's own inference server as a KServe
 * custom runtime — a Dockerfile (node:20-slim + the server bundle + onnxruntime-node) and a
 * `ClusterServingRuntime` that InferenceServices select with `runtime: modeldeck`. A deployment
 * that works locally then runs the same code, the same ONNX Runtime and the same protocols in the
 * cluster.
 *
 * KServe's conventions the image follows: REST on 8080 (Knative's default port), gRPC on 8081 (the
 * h2c port the builder declares for grpc-v2), every interface (the pod IP; binding 0.0.0.0 also
 * lifts the DNS-rebinding Host check, which would refuse `iris.ml-team.example.com`), and the model
 * in /mnt/models, where the storage-initializer puts what storageUri points at (`--model-dir`).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { MODELDECK_GRPC_PORT, MODELDECK_RUNTIME, MODELDECK_SCRIPT_FORMAT, MODELDECK_SCRIPT_RUNTIME } from './inferenceServiceBuilder';
import { FIELD_MANAGER, MODELDECK_KEYS } from './kserveTypes';

/** REST port of the runtime container (Knative routes to 8080 unless told otherwise). */
export const MODELDECK_HTTP_PORT = 8080;
/** Where KServe's storage-initializer leaves the model. */
export const KSERVE_MODEL_DIR = '/mnt/models';
/** Base image: the Node major the server is built and tested for, Debian (glibc) for onnxruntime-node's binaries. */
export const DEFAULT_BASE_IMAGE = 'node:20-slim';

/**
 * What the image needs from a built ModelDeck (the repository after `npm run build`, or the
 * installed extension): the bundles, their .proto files, and onnxruntime-node's linux-x64 native
 * runtime with its one dependency — the same set the VSIX ships.
 */
export const RUNTIME_CONTEXT_FILES: readonly string[] = [
  'dist/server.js',
  'dist/onnxWorker.js',
  'dist/decodeWorker.js',
  // The inference logger's HTTP sinks post from this thread.
  'dist/sinkWorker.js',
  // The script hosts: the JS/TS worker thread and the stdlib-only Python host the server spawns.
  'dist/scriptWorker.js',
  'dist/scripts',
  'dist/proto',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64',
  'node_modules/onnxruntime-common/package.json',
  'node_modules/onnxruntime-common/dist/cjs',
];

/** Options of the generated files. */
export interface RuntimeFilesOptions {
  /** Image reference the ClusterServingRuntime runs, e.g. registry.example.com/ml/modeldeck-runtime:0.1.0. */
  image: string;
  /** ClusterServingRuntime name (default "modeldeck"); InferenceServices name it in `runtime`. */
  name?: string;
  /** Base image (default node:20-slim). A GPU image needs CUDA libraries: an nvidia/cuda base with Node 20. */
  baseImage?: string;
  /** Let KServe pick this runtime for ONNX models that name no runtime (default false: only `runtime: modeldeck`). */
  autoSelect?: boolean;
  /** Server log level (default info; debug logs every inference). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /**
   * "onnx" (default): the server alone, serving /mnt/models as one model folder (--model-dir).
   * "python": the same server plus Debian's Python in a venv with the artifact's requirements.txt
   * installed at build time, serving a script artifact (--deployments /mnt/models/.modeldeck/deployments).
   */
  variant?: RuntimeVariant;
}

/** Which runtime image: ONNX models, or script artifacts (Python and JS/TS predictors and transformers). */
export type RuntimeVariant = 'onnx' | 'python';

/** Where the script variant's server finds the artifact's deployment file. */
export const KSERVE_ARTIFACT_DEPLOYMENTS = `${KSERVE_MODEL_DIR}/.modeldeck/deployments`;
/** The venv of the script variant, inside the image. */
export const RUNTIME_VENV = '/opt/modeldeck/venv';

/** The ClusterServingRuntime manifest (serving.kserve.io/v1alpha1). */
export interface ClusterServingRuntimeManifest {
  apiVersion: 'serving.kserve.io/v1alpha1';
  kind: 'ClusterServingRuntime';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    annotations: Record<string, string>;
    supportedModelFormats: { name: string; version: string; autoSelect: boolean; priority?: number }[];
    protocolVersions: string[];
    multiModel: boolean;
    containers: {
      name: string;
      image: string;
      args: string[];
      resources: { requests: Record<string, string>; limits: Record<string, string> };
    }[];
  };
}

/** The server's command line in the image: where it listens and what it serves. */
export function runtimeEntrypoint(opts: Pick<RuntimeFilesOptions, 'logLevel' | 'variant'> = {}): string[] {
  const serve = opts.variant === 'python' ? ['--deployments', KSERVE_ARTIFACT_DEPLOYMENTS] : ['--model-dir', KSERVE_MODEL_DIR];
  return [
    'node', 'dist/server.js',
    '--host', '0.0.0.0',
    '--http-port', String(MODELDECK_HTTP_PORT),
    '--grpc-port', String(MODELDECK_GRPC_PORT),
    ...serve,
    '--log-level', opts.logLevel ?? 'info',
  ];
}

/** The Dockerfile; its build context is a folder laid out like {@link RUNTIME_CONTEXT_FILES} (plus requirements.txt for the Python variant). */
export function runtimeDockerfile(opts: Pick<RuntimeFilesOptions, 'baseImage' | 'logLevel' | 'variant'> = {}): string {
  const entrypoint = runtimeEntrypoint(opts);
  const python = opts.variant === 'python';
  // Debian's Python (node:20-slim is Debian bookworm: Python 3.11) in a venv that also sees Debian's
  // packages; apt-get runs only when the base image lacks it. requirements.txt is installed at build
  // time, so a pod never needs PyPI. The venv is first on PATH, so the server's "python3 on PATH"
  // rule finds it (the artifact's deployment names no interpreter).
  const pythonLayers = python
    ? `# Python for predictor and transformer scripts (installed only when the base image lacks it).
RUN /usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null || (apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-pip && rm -rf /var/lib/apt/lists/*)
COPY requirements.txt ./
RUN /usr/bin/python3 -m venv --system-site-packages venv && venv/bin/python3 -m pip install --no-cache-dir --disable-pip-version-check -r requirements.txt
ENV PATH=${RUNTIME_VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
`
    : '';
  const check = python
    ? `RUN node -e "require('onnxruntime-node')" && node dist/server.js --help > /dev/null && venv/bin/python3 -c "import ast; ast.parse(open('dist/scripts/modeldeck_host.py').read())"`
    : `RUN node -e "require('onnxruntime-node')" && node dist/server.js --help > /dev/null`;
  return `# ModelDeck inference server as a KServe custom runtime${python ? ', with Python for predictor and transformer scripts' : ''}. Generated by ModelDeck.
# Build context: this folder (the server bundle and onnxruntime-node were copied here).
#   docker build --platform linux/amd64 -t <registry>/modeldeck-runtime${python ? '-scripts' : ''}:<tag> .
# onnxruntime-node's native runtime in this context is the linux-x64 one, hence the platform.
FROM --platform=linux/amd64 ${opts.baseImage ?? DEFAULT_BASE_IMAGE}
WORKDIR /opt/modeldeck
ENV NODE_ENV=production
${pythonLayers}COPY dist/server.js dist/onnxWorker.js dist/decodeWorker.js dist/sinkWorker.js dist/scriptWorker.js dist/
COPY dist/scripts/ dist/scripts/
COPY dist/proto/ dist/proto/
COPY node_modules/onnxruntime-node/ node_modules/onnxruntime-node/
COPY node_modules/onnxruntime-common/ node_modules/onnxruntime-common/
# Fail the build, not the pod, when the native runtime${python ? ', the server or the Python host' : ''} cannot load in this image.
${check}
USER node
EXPOSE ${MODELDECK_HTTP_PORT} ${MODELDECK_GRPC_PORT}
${
  python
    ? `# REST on ${MODELDECK_HTTP_PORT}, gRPC on ${MODELDECK_GRPC_PORT}, on the pod's IP, serving the artifact the storage-initializer put in ${KSERVE_MODEL_DIR}:
# its deployment file (named like the InferenceService) with the scripts and the model beside it.
ENTRYPOINT ${JSON.stringify(entrypoint)}`
    : `# REST on ${MODELDECK_HTTP_PORT}, gRPC on ${MODELDECK_GRPC_PORT}, on the pod's IP, serving what the storage-initializer put in ${KSERVE_MODEL_DIR}.
# The ServingRuntime adds --model-name <InferenceService name>.
ENTRYPOINT ${JSON.stringify(entrypoint)}
CMD ["--model-name", "model"]`
}
`;
}

/** Keeps everything but the build's inputs out of the context sent to the Docker daemon. */
export function runtimeDockerignore(opts: Pick<RuntimeFilesOptions, 'variant'> = {}): string {
  return [
    '*',
    '!dist/server.js',
    '!dist/onnxWorker.js',
    '!dist/decodeWorker.js',
    '!dist/sinkWorker.js',
    '!dist/scriptWorker.js',
    '!dist/scripts/',
    '!dist/proto/',
    '!node_modules/onnxruntime-node/',
    '!node_modules/onnxruntime-common/',
    ...(opts.variant === 'python' ? ['!requirements.txt'] : []),
    '',
  ].join('\n');
}

/**
 * The ClusterServingRuntime. KServe fills `{{.Name}}` with the InferenceService's name, so the
 * model is served as /v2/models/<name>, the path status.url is used with.
 */
export function clusterServingRuntime(opts: RuntimeFilesOptions): ClusterServingRuntimeManifest {
  const autoSelect = opts.autoSelect ?? false;
  const python = opts.variant === 'python';
  return {
    apiVersion: 'serving.kserve.io/v1alpha1',
    kind: 'ClusterServingRuntime',
    metadata: { name: opts.name ?? (python ? MODELDECK_SCRIPT_RUNTIME : MODELDECK_RUNTIME), labels: { [MODELDECK_KEYS.managedBy]: FIELD_MANAGER } },
    spec: {
      // Prometheus scrapes the server's own /metrics on the REST port.
      annotations: { 'prometheus.kserve.io/port': String(MODELDECK_HTTP_PORT), 'prometheus.kserve.io/path': '/metrics' },
      // The script variant serves only script artifacts: a format no other runtime claims, never auto-selected
      // for ONNX models (its image is built per artifact, with that artifact's requirements).
      supportedModelFormats: python
        ? [{ name: MODELDECK_SCRIPT_FORMAT, version: '1', autoSelect: true, priority: 1 }]
        : [{ name: 'onnx', version: '1', autoSelect, ...(autoSelect ? { priority: 1 } : {}) }],
      protocolVersions: ['v2', 'v1', 'grpc-v2'],
      multiModel: false,
      containers: [
        {
          name: 'kserve-container',
          image: opts.image,
          // The script variant serves the deployment file in the artifact, named like the InferenceService.
          args: python ? [] : ['--model-name', '{{.Name}}'],
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
        },
      ],
    },
  };
}

/** {@link clusterServingRuntime} as YAML, with how to install it. */
export function clusterServingRuntimeYaml(opts: RuntimeFilesOptions): string {
  if (opts.variant === 'python') {
    return `# ModelDeck's inference server with Python for predictor and transformer scripts, as a KServe ClusterServingRuntime. Install once per cluster:\n#   kubectl apply -f cluster-serving-runtime.yaml\n# Script deployments select it by themselves (model format "${MODELDECK_SCRIPT_FORMAT}"); each names the image built for its artifact.\n${stringify(clusterServingRuntime(opts), { lineWidth: 0 })}`;
  }
  return `# ModelDeck's inference server as a KServe ClusterServingRuntime. Install once per cluster:\n#   kubectl apply -f cluster-serving-runtime.yaml\n# then deploy with "kserve": { "runtime": "${opts.name ?? MODELDECK_RUNTIME}" } in the deployment file.\n${stringify(clusterServingRuntime(opts), { lineWidth: 0 })}`;
}

/**
 * Writes a complete build context into `outDir`: Dockerfile, .dockerignore,
 * cluster-serving-runtime.yaml, and the files of {@link RUNTIME_CONTEXT_FILES} copied from
 * `sourceRoot` (a built repository or the installed extension); for the Python variant also
 * requirements.txt (`requirements`: the artifact's, or an empty one). Throws when a file is
 * missing, naming it and how to get it.
 */
export async function writeRuntimeBuildContext(outDir: string, sourceRoot: string, opts: RuntimeFilesOptions & { requirements?: string }): Promise<string[]> {
  for (const rel of RUNTIME_CONTEXT_FILES) {
    try {
      await fs.stat(path.join(sourceRoot, rel));
    } catch {
      const hint = rel.startsWith('dist/') ? 'run "npm run build" first' : 'install dependencies on linux-x64 ("npm ci")';
      throw new Error(`cannot build the runtime image context: ${path.join(sourceRoot, rel)} is missing (${hint})`);
    }
  }
  await fs.mkdir(outDir, { recursive: true });
  for (const rel of RUNTIME_CONTEXT_FILES) {
    await fs.cp(path.join(sourceRoot, rel), path.join(outDir, rel), { recursive: true, force: true });
  }
  const written: [string, string][] = [
    ['Dockerfile', runtimeDockerfile(opts)],
    ['.dockerignore', runtimeDockerignore(opts)],
    ['cluster-serving-runtime.yaml', clusterServingRuntimeYaml(opts)],
  ];
  if (opts.variant === 'python') written.push(['requirements.txt', opts.requirements ?? '# no requirements: the scripts use only what Debian\'s Python and its packages in the image offer\n']);
  for (const [name, text] of written) await fs.writeFile(path.join(outDir, name), text);
  return [...written.map(([name]) => name), ...RUNTIME_CONTEXT_FILES];
}
