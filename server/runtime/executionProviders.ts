import type { ExecutionProvider } from '../../src/core/deployment/deploymentSpec';

/** Providers onnxruntime-node accepts, as named in its session options. */
const GPU_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'tensorrt', 'webgpu', 'dml', 'coreml'];

/**
 * The ordered list of providers to try for a deployment.
 * `gpu > 0` with only `cpu` listed means "use the GPU": CUDA first. `cpu` always ends the list
 * so a missing GPU degrades to a working (slower) model instead of a failed one.
 */
export function planProviders(resources: { gpu: number; executionProviders: ExecutionProvider[] }): string[] {
  let list: string[] = [...resources.executionProviders];
  const hasGpu = list.some((p) => GPU_PROVIDERS.includes(p as ExecutionProvider));
  if (resources.gpu > 0 && !hasGpu) list = ['cuda', ...list];
  if (!list.includes('cpu')) list.push('cpu');
  return [...new Set(list)];
}

/**
 * Session option value for one provider. GPU providers get `cpu` after them so ops the GPU
 * provider cannot run are placed on the CPU inside the same session.
 */
export function sessionProvidersFor(provider: string): string[] {
  return provider === 'cpu' ? ['cpu'] : [provider, 'cpu'];
}
