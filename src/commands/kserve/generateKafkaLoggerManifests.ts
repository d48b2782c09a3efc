import * as vscode from 'vscode';
import { CancelledError, UserFacingError } from '../../common/errors';
import { kafkaLoggerManifestsYaml, kafkaTarget } from '../../core/kserve/kafkaLogger';
import { KServeError } from '../../core/kserve/kserveErrors';
import type { KServeCommandContext } from './kserveArgs';

/**
 * Generate Kafka Logger Manifests for KServe: KServe's logger only POSTs to an HTTP URL, so a
 * deployment whose sink is `kafka://…` needs a Knative KafkaSink in front of the topic. Writes the
 * KafkaSink and the InferenceService whose logger URL is its address to an untitled YAML document
 * (never to a file). Resolves with the text.
 */
export async function generateKafkaLoggerManifests(ctx: KServeCommandContext, arg?: unknown): Promise<string> {
  const name = await kafkaDeploymentArg(ctx, arg);
  const d = ctx.deployments.get(name);
  if (!d) throw new UserFacingError(`no deployment named "${name}"`);
  if (!kafkaTarget(d.spec)) {
    throw new UserFacingError(`"${name}" does not log to Kafka (its sink is ${JSON.stringify(d.spec.inferenceLogger.sink ?? null)}): set inferenceLogger.sink to kafka://host:port/topic first`);
  }
  // The namespace the logger URL names: the deployment's own, else the one the Deployments view shows.
  const remote = ctx.kserve.remoteState;
  let namespace = d.spec.kserve.namespace ?? (remote.kind === 'ok' ? remote.namespace : undefined);
  if (!namespace) {
    namespace = await vscode.window.showInputBox({
      title: 'Namespace of the KafkaSink and the InferenceService',
      prompt: 'The logger URL names it (the deployment sets no kserve.namespace)',
      value: 'default',
      validateInput: (v) => (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.trim()) ? undefined : 'a Kubernetes namespace (DNS label)'),
    });
    if (!namespace) throw new CancelledError();
    namespace = namespace.trim();
  }
  // The version resolved against the registry now, as Deploy to KServe does (labels, `{version}` in storageUri).
  const entry = ctx.registry.find(d.spec.model.name);
  const modelVersion = entry ? await entry.registry.resolve(d.spec.model.name, d.spec.model.version).catch(() => undefined) : undefined;
  let text: string;
  try {
    text = kafkaLoggerManifestsYaml(d.spec, { namespace, ...(modelVersion ? { modelVersion } : {}) });
  } catch (err) {
    if (err instanceof KServeError) throw new UserFacingError(err.message);
    throw err;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
  await vscode.window.showTextDocument(doc, { preview: false });
  return text;
}

async function kafkaDeploymentArg(ctx: KServeCommandContext, arg: unknown): Promise<string> {
  if (typeof arg === 'string') return arg;
  const node = arg as { kind?: string; name?: string } | undefined;
  if (node?.kind === 'deployment' && node.name) return node.name;
  const candidates = ctx.deployments.list().filter((d) => kafkaTarget(d.spec));
  if (candidates.length === 0) throw new UserFacingError('no deployment logs to Kafka: set inferenceLogger.sink to kafka://host:port/topic in one first');
  const pick = await vscode.window.showQuickPick(
    candidates.map((d) => ({ label: d.name, description: `${d.spec.servingTool} · ${d.spec.inferenceLogger.sink}`, name: d.name })),
    { title: 'Kafka logger manifests for…', placeHolder: 'A deployment whose inference logger sink is Kafka' },
  );
  if (!pick) throw new CancelledError();
  return pick.name;
}
