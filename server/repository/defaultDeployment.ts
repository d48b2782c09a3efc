import type { DeploymentSpec, VersionSelector } from '../../src/core/deployment/deploymentSpec';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';

/**
 * The deployment `--registry` mode uses for each model: latest version (or the `version` given),
 * default settings, served under the registry's own model name (which need not be a DNS label,
 * unlike a deployment name).
 */
export function defaultDeploymentFor(
  model: string,
  defaults: { batcher?: DeploymentSpec['batcher']; instances?: number; version?: VersionSelector } = {},
): DeploymentSpec {
  const base = parseDeployment({
    name: 'registry-model',
    model: { name: model, version: defaults.version ?? 'latest' },
    ...(defaults.batcher ? { batcher: defaults.batcher } : {}),
    ...(defaults.instances ? { resources: { instances: defaults.instances } } : {}),
  });
  return { ...base, name: model };
}
