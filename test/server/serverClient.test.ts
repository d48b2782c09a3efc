import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { ServerClient, ServerRequestError } from '../../src/core/server/serverClient';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';

describe('ServerClient (the extension\'s client) against a real server in explicit mode', () => {
  let server: ServerProcess;
  let client: ServerClient;
  before(async () => {
    server = await startServerProcess(['--registry', EXAMPLE_REGISTRY, '--model-control', 'explicit']);
    client = new ServerClient(server.url);
  });
  after(async () => {
    await server?.stop();
  });

  it('sees the server live and ready, and an empty index', async () => {
    assert.equal(await client.live(), true);
    assert.equal(await client.ready(), true);
    assert.deepEqual(await client.index(), []);
  });

  it('loads a deployment spec, reads its metadata, lists it and unloads it', async () => {
    const entry = await client.load(parseDeployment({ name: 'flowers', model: { name: 'iris', version: 1 } }));
    assert.equal(entry.state, 'READY');
    assert.equal(entry.version, '1');
    const meta = await client.metadata('flowers');
    assert.deepEqual(meta.versions, ['1']);
    assert.deepEqual((await client.index()).map((e) => [e.name, e.state, e.version]), [['flowers', 'READY', '1']]);
    await client.unload('flowers');
    assert.deepEqual(await client.index(), []);
  });

  it('turns server errors into ServerRequestError with the server\'s message', async () => {
    await assert.rejects(client.load(parseDeployment({ name: 'bad', model: { name: 'resnet' } })), (err: unknown) => {
      assert.ok(err instanceof ServerRequestError);
      assert.equal(err.status, 400);
      assert.match(err.message, /resnet/);
      return true;
    });
    await assert.rejects(client.unload('nope'), (err: unknown) => err instanceof ServerRequestError && err.status === 404);
  });

  it('reports a server that is gone as not live', async () => {
    assert.equal(await new ServerClient('http://127.0.0.1:9').live(), false);
  });
});
