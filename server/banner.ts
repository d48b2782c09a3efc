import { INFERENCE_PROTO_FILE, PROTO_DIR } from './protocols/grpc/grpcProtos';
import type { RunningServer } from './server';

/** The startup text a person reads: what is served and a curl that works as pasted. */
export async function curlExample(server: RunningServer): Promise<string> {
  const { manager, registry } = server.ctx;
  const lines = [`\nModelDeck inference server listening on ${server.httpUrl}${server.grpcUrl ? ` and ${server.grpcUrl}` : ''}`, ''];
  let example: string | undefined;
  let readyModel: string | undefined;
  for (const s of manager.statuses()) {
    const where = s.state === 'READY' ? `version ${s.version} on ${s.provider}` : `${s.state}: ${s.reason ?? ''}`;
    lines.push(`  ${s.name.padEnd(16)} ${where}`);
    if (s.state !== 'READY') continue;
    readyModel ??= s.name;
    try {
      const info = manager.peek(s.name).info;
      const body = info.metadata.input_example;
      const candidate = body ? JSON.stringify(body) : undefined;
      if (candidate && (!example || candidate.length + 200 < example.length)) {
        example = `curl -s -X POST ${server.httpUrl}/v2/models/${s.name}/infer -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`;
      }
    } catch {
      // not ready any more: skip the example
    }
  }
  if (manager.statuses().length === 0) lines.push(`  (no models found in ${registry.describe()})`);
  lines.push('', 'Try:', `  curl -s ${server.httpUrl}/v2/health/ready`);
  if (example) lines.push(`  ${example}`);
  lines.push(`  curl -s ${server.httpUrl}/v2/repository/index`);
  if (server.grpcUrl) {
    const [method, body] = readyModel ? ['ModelMetadata', JSON.stringify({ name: readyModel })] : ['ServerReady', '{}'];
    lines.push(
      `  grpcurl -plaintext -import-path ${PROTO_DIR} -proto ${INFERENCE_PROTO_FILE} -d '${body}' ${server.grpcUrl.slice('grpc://'.length)} inference.GRPCInferenceService/${method}`,
    );
  }
  lines.push('', 'Press Ctrl+C to stop.', '');
  return lines.join('\n');
}
