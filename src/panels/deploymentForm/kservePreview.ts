import * as vscode from 'vscode';
import type { DeploymentSpec } from '../../core/deployment/deploymentSpec';
import { deploysAsArtifact, inferenceServiceYaml } from '../../core/kserve/inferenceServiceBuilder';
import type { InferenceServiceContext } from '../../core/kserve/inferenceServiceBuilder';
import { previewArtifactVersion } from '../../services/kserveArtifactDeploy';
import type { ModelVersionInfo } from '../../core/registry/modelRegistry';
import type { RegistryService } from '../../services/registryService';

/**
 * "Preview as KServe YAML": the InferenceService the deployment would become, built by the same
 * builder that applies it, opened beside the form as an untitled YAML document. The version is
 * resolved against the registry now (as a deploy would), so `{version}` in storageUri and the
 * labels show real values. Throws the builder's KServeError when the spec cannot become one.
 */
export async function previewKServeYaml(spec: DeploymentSpec, registry: RegistryService): Promise<vscode.TextDocument> {
  let modelVersion: ModelVersionInfo | undefined;
  const entry = registry.find(spec.model.name);
  if (entry) {
    try {
      modelVersion = await entry.registry.resolve(spec.model.name, spec.model.version);
    } catch {
      // The form already reports an unresolvable version; the manifest is still worth seeing.
    }
  }
  // A deployment with scripts: the artifact version a deploy would build now (nothing is written).
  let artifact: InferenceServiceContext['artifact'];
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (modelVersion && folder && deploysAsArtifact(spec)) artifact = await previewArtifactVersion(spec, folder, modelVersion).catch(() => undefined);
  const yaml = inferenceServiceYaml(spec, { ...(modelVersion ? { modelVersion } : {}), ...(artifact ? { artifact } : {}) });
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: yaml });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: false });
  return doc;
}
