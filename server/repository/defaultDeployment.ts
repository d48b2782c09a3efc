import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';

/**
 * The deployment `--registry` mode uses for each model: latest version, default settings, served
 * under the registry's own model name (which need not be a DNS label, unlike a deployment name).
 */
export function defaultDeploymentFor(model: string, defaults: { batcher?: DeploymentSpec['batcher']; instances?: number } = {}): DeploymentSpec {
  const base = parseDeployment({
    name: 'registry-model',
    model: { name: model, version: 'latest' },
    ...(defaults.batcher ? { batcher: defaults.batcher } : {}),
    ...(defaults.instances ? { resources: { instances: defaults.instances } } : {}),
  });
  return { ...base, name: model };
}
