/**
 * A Ready KServe InferenceService for the example iris v2, as the tests of remote deployments need
 * it: a real ModelDeck server (explicit model control), the fake Kubernetes API routing the service's
 * ingress to it, the InferenceService applied and watched with the real client library.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeClient } from '../../src/core/kserve/kserveClient';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import { FakeKubeApi } from './fakeKubeApi';
import { EXAMPLE_REGISTRY, tempRegistry } from './registryCopy';
import { startServerProcess, type ServerProcess } from './serverProcess';

export interface ReadyKServeIris {
  server: ServerProcess;
  fake: FakeKubeApi;
  /** The service's URL as its status reports it. */
  url: string;
  /** iris v2's `input_example` (a V2 request). */
  example: unknown;
  close(): Promise<void>;
}

/** Applies `name` (gRPC protocol) in namespace `namespace` and waits until it is Ready. */
export async function startReadyKServeIris(name: string, namespace: string): Promise<ReadyKServeIris> {
  const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris' }]);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `modeldeck-${name}-`));
  let server: ServerProcess | undefined;
  let fake: FakeKubeApi | undefined;
  const close = async (): Promise<void> => {
    await fake?.close();
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(registry, { recursive: true, force: true });
  };
  try {
    server = await startServerProcess(['--registry', registry, '--model-control', 'explicit', '--any-host']);
    fake = await FakeKubeApi.start({ modelServerUrl: server.url, modelServerGrpc: `127.0.0.1:${server.grpcPort}` });
    const kube = KServeClient.connect({ source: { env: { KUBECONFIG: fake.writeKubeconfig(scratch, { namespace }) } } });
    const iris2 = await new ModelRegistry(registry).getVersion('iris', 2);
    const spec = parseDeployment({ name, model: { name: 'iris', version: 2 }, servingTool: 'kserve', protocol: 'grpc', kserve: { namespace, storageUri: 's3://models/iris/2' } });
    await kube.apply(buildInferenceService(spec, { modelVersion: iris2 }));
    const result = await kube.waitUntilReady(name, { timeoutMs: 20_000 });
    assert.equal(result.ready, true, JSON.stringify(result));
    const url = (await kube.status(name)).url!;
    return { server, fake, url, example: iris2.metadata.input_example, close };
  } catch (err) {
    await close();
    throw err;
  }
}
