import type { DeploymentSpec } from './deploymentSpec';

/**
 * The parts of a deployment the bundled local server does not carry out yet, each as a sentence
 * for the log, so a setting is never ignored silently. (KServe deployments get them from the
 * InferenceService builder: transformer component, logger.)
 */
export function localServingGaps(spec: DeploymentSpec): string[] {
  const gaps: string[] = [];
  if (spec.inferenceLogger.mode !== 'none') {
    gaps.push(`inferenceLogger mode "${spec.inferenceLogger.mode}" is not applied by the local server yet (on KServe it becomes the InferenceService logger)`);
  }
  return gaps;
}
