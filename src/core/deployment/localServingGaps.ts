import type { DeploymentSpec } from './deploymentSpec';

/**
 * The parts of a deployment the bundled local server does not carry out yet, each as a sentence
 * for the log, so a setting is never ignored silently. None today: scripts run, and the inference
 * logger writes to its sink (server/inferenceLog/). Kept so the next unsupported key has its place.
 */
export function localServingGaps(_spec: DeploymentSpec): string[] {
  return [];
}
