/**
 * What Deploy to KServe does for a deployment with scripts, as text: the Docker and kubectl
 * commands the user runs (the extension never runs Docker) and the summary the deployment form's
 * KServe section shows. Pure.
 */
import * as path from 'node:path';
import type { DeploymentSpec } from '../deployment/deploymentSpec';
import { deploysAsArtifact, MODELDECK_SCRIPT_RUNTIME, serverWritesKafka } from './inferenceServiceBuilder';
import { kafkaTarget } from './kafkaSinkAddress';

/** docker build + push of the runtime image for an artifact, from its build context. */
export function imageBuildCommands(contextDir: string, image: string): string[] {
  return [`docker build --platform linux/amd64 -t ${image} ${quote(contextDir)}`, `docker push ${image}`];
}

/** Installing the script runtime (once per cluster). */
export function runtimeInstallCommand(contextDir: string): string {
  return `kubectl apply -f ${quote(path.join(contextDir, 'cluster-serving-runtime.yaml'))}`;
}

/** One line of the form's KServe summary. */
export interface PlanLine {
  /** What: "Artifact", "Upload", "Image", "Runtime", "Logger". */
  label: string;
  text: string;
}

/**
 * What Deploy to KServe will upload and build for this deployment (the form shows it under the
 * KServe fields); [] for a deployment without scripts that is served as before.
 */
export function scriptDeploySummary(spec: DeploymentSpec, known: { modelVersion?: number; artifactVersion?: number | string; requirements?: string } = {}): PlanLine[] {
  if (!deploysAsArtifact(spec)) return [];
  const scripts = [spec.predictor.script, spec.kserve.transformerImage === undefined ? spec.transformer.script : undefined]
    .filter((s): s is string => s !== undefined)
    .map((s) => path.basename(s));
  const version = known.modelVersion !== undefined ? `version ${known.modelVersion}` : 'the resolved version';
  const artifact = known.artifactVersion !== undefined ? `artifact ${known.artifactVersion}` : 'the next artifact version (a new number when the contents change)';
  const lines: PlanLine[] = [
    {
      label: 'Artifact',
      text: `${artifact}: ${spec.model.name} ${version}'s files, ${scripts.join(' and ')}, requirements.txt (${known.requirements ?? 'beside the script, else pip freeze of predictor.environment'}), the deployment file and a manifest with sha256 hashes`,
    },
  ];
  const uri = spec.kserve.storageUri;
  const scheme = uri ? /^([a-z][a-z0-9+.-]*):/.exec(uri)?.[1] : undefined;
  lines.push({
    label: 'Upload',
    text: !uri
      ? 'set kserve.storageUri (e.g. s3://bucket/models/{model}/{version}/artifacts/{artifact})'
      : scheme === 's3'
        ? `to ${uri} with the AWS SDK (credentials from the environment or ~/.aws; MinIO: the setting modeldeck.kserve.s3Endpoint)`
        : scheme === 'pvc'
          ? `to ${uri} through a short-lived pod that mounts the claim (tar over exec, like kubectl cp)`
          : scheme === 'gs'
            ? `to ${uri}: you copy it (gsutil rsync; the command is shown)`
            : `${uri}: ModelDeck cannot upload there; copy the artifact yourself`,
  });
  lines.push({
    label: 'Image',
    text: spec.kserve.image
      ? `${spec.kserve.image}: ModelDeck's server with Python and requirements.txt; you build and push it (docker build/push, commands shown)`
      : `the ${MODELDECK_SCRIPT_RUNTIME} runtime's image (no requirements installed); set kserve.image to build one with them`,
  });
  lines.push({ label: 'Runtime', text: `ClusterServingRuntime ${spec.kserve.runtime ?? MODELDECK_SCRIPT_RUNTIME} (format modeldeck-artifact), installed once per cluster` });
  if (spec.inferenceLogger.mode !== 'none' && kafkaTarget(spec)) {
    lines.push({
      label: 'Logger',
      text: serverWritesKafka(spec)
        ? `ModelDeck's server in the pod writes to ${spec.inferenceLogger.sink}${spec.kserve.kafkaSecret ? ` (credentials from Secret ${spec.kserve.kafkaSecret})` : ''}`
        : `KServe's logger → a KafkaSink → ${spec.inferenceLogger.sink} (generate its manifests)`,
    });
  }
  return lines;
}

function quote(p: string): string {
  return /[\s'"$]/.test(p) ? `"${p.replace(/(["\\$`])/g, '\\$1')}"` : p;
}
