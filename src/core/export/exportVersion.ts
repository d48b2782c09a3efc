/** Which registered version a deployment's selector means now (what an export pins). */
import type { VersionSelector } from '../deployment/deploymentSpec';
import type { ModelVersionInfo } from '../registry/modelRegistry';
import { bestVersionOf } from '../registry/versionSummary';

/** The version `selector` picks among `versions` (only those with an .onnx file), or undefined. */
export function resolveSelector(selector: VersionSelector, versions: ModelVersionInfo[]): ModelVersionInfo | undefined {
  const onnx = versions.filter((v) => v.modelFile !== undefined);
  if (typeof selector === 'number') return onnx.find((v) => v.version === selector);
  if (selector === 'latest') return onnx.reduce<ModelVersionInfo | undefined>((a, v) => (!a || v.version > a.version ? v : a), undefined);
  const best = bestVersionOf(onnx, selector.best.metric, selector.best.direction);
  return onnx.find((v) => v.version === best);
}
