/**
 * The Chat tab's client (src/core/chat/) against real servers: a local ModelDeck serving the example
 * stand-in LLM (examples/scripts/tiny_llm_predictor.py on Debian's Python), and the same through the
 * fake cluster: an InferenceService with modelFormat "huggingface" (built by the real builder,
 * applied with the real client library), Ready, its URL routed by the fake ingress (Host header) to
 * a ModelDeck that plays KServe's Hugging Face runtime with the stand-in.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chatAvailability, listLlmModels, streamChat } from '../../src/core/chat/chatClient';
import { chatBody, chatMessages, DEFAULT_CHAT_SETTINGS } from '../../src/core/chat/chatRequest';
import type { ChatEndpoint } from '../../src/core/chat/chatTypes';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeClient } from '../../src/core/kserve/kserveClient';
import { remoteEndpoint } from '../../src/core/kserve/remoteEndpoint';
import { FakeKubeApi } from '../support/fakeKubeApi';
import { EXAMPLE_REGISTRY, tempRegistry } from '../support/registryCopy';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';

const PYTHON = '/usr/bin/python3';
const PREDICTOR = { script: path.join(REPO_ROOT, 'examples', 'scripts', 'tiny_llm_predictor.py'), environment: PYTHON };
const NS = 'ml-team';

let registry: string;
let server: ServerProcess;
let fake: FakeKubeApi;
let scratch: string;
let local: ChatEndpoint;
let remote: ChatEndpoint;

before(async () => {
  registry = await tempRegistry([
    { from: EXAMPLE_REGISTRY, name: 'tiny-lm' },
    { from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] },
  ]);
  server = await startServerProcess(['--registry', registry, '--model-control', 'explicit', '--any-host'], { env: { TINY_LM_TOKEN_DELAY_MS: '2' } });
  const load = await fetch(`${server.url}/v2/repository/models/tiny-chat/load`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deployment: { name: 'tiny-chat', model: { name: 'tiny-lm', version: 1 }, modelServer: 'script', predictor: PREDICTOR } }),
  });
  assert.equal(load.status, 200, await load.text());
  local = { baseUrl: server.url, model: 'tiny-chat' };

  fake = await FakeKubeApi.start({ modelServerUrl: server.url, llmPredictor: PREDICTOR });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-chat-'));
  const kube = KServeClient.connect({ source: { env: { KUBECONFIG: fake.writeKubeconfig(scratch, { namespace: NS }) } } });
  const spec = parseDeployment({ name: 'tiny-hf', model: { name: 'tiny-lm' }, servingTool: 'kserve', kserve: { namespace: NS, modelFormat: 'huggingface', storageUri: 'hf://modeldeck/tiny-lm', llm: { maxModelLen: 512 } } });
  await kube.apply(buildInferenceService(spec));
  const ready = await kube.waitUntilReady('tiny-hf', { timeoutMs: 30_000 });
  assert.equal(ready.ready, true, JSON.stringify(ready));
  const e = remoteEndpoint((await kube.status('tiny-hf')).url!, { ingressUrl: fake.ingressUrl });
  remote = { baseUrl: e.httpUrl, model: 'tiny-hf', ...(e.headers ? { headers: e.headers } : {}) };
});

after(async () => {
  await fake?.close();
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  if (registry) fs.rmSync(registry, { recursive: true, force: true });
});

const question = (q: string, maxTokens = 12) => chatBody('', chatMessages({ ...DEFAULT_CHAT_SETTINGS, systemPrompt: 'You are terse.', maxTokens }, [], q), { ...DEFAULT_CHAT_SETTINGS, maxTokens });

for (const where of ['local', 'KServe (huggingface, through the ingress)'] as const) {
  describe(`chat client: ${where}`, () => {
    const endpoint = (): ChatEndpoint => (where === 'local' ? local : remote);
    const body = (q: string, maxTokens?: number) => ({ ...question(q, maxTokens), model: endpoint().model });

    it('finds the model on /openai/v1/models (the Chat tab shows for it)', async () => {
      const ids = (await listLlmModels(endpoint())).map((m) => m.id);
      assert.ok(ids.includes(endpoint().model), ids.join(','));
      assert.deepEqual(await chatAvailability(endpoint()), { available: true });
      assert.equal((await chatAvailability({ ...endpoint(), model: 'iris' })).available, false);
    });

    it('streams an answer piece by piece, with time to first token, usage and tokens/s', async () => {
      const pieces: string[] = [];
      const o = await streamChat(endpoint(), body('What does the chat tab do?'), { onText: (t) => pieces.push(t) });
      assert.ok(o.ok, JSON.stringify(o));
      assert.equal(o.cancelled, false);
      assert.ok(pieces.length > 1, `several pieces: ${JSON.stringify(pieces)}`);
      assert.equal(pieces.join(''), o.text);
      assert.equal(o.stats.usage?.completionTokens, 12);
      assert.equal(o.stats.finishReason, 'length');
      assert.ok(o.stats.firstTokenMs! <= o.stats.totalMs);
      assert.ok(o.stats.tokensPerSecond! > 0);
      // The stand-in is deterministic: the same question, the same answer.
      const again = await streamChat(endpoint(), body('What does the chat tab do?'), { onText: () => undefined });
      assert.ok(again.ok);
      assert.equal(again.text, o.text);
    });

    it('Stop (abort) ends the answer at once as cancelled; the server answers the next one', async () => {
      const stop = new AbortController();
      const o = await streamChat(endpoint(), body('Ask a question', 400), { onText: () => stop.abort() }, stop.signal);
      assert.ok(o.ok);
      assert.equal(o.cancelled, true);
      assert.ok(o.text.length > 0);
      const next = await streamChat(endpoint(), body('Deploy the model', 3), { onText: () => undefined });
      assert.ok(next.ok, JSON.stringify(next));
      assert.equal(next.stats.usage?.completionTokens, 3);
    });

    it('a bad request is an outcome with the status and the server\'s message', async () => {
      const o = await streamChat(endpoint(), { ...body('x'), temperature: 9 }, { onText: () => undefined });
      assert.equal(o.ok, false);
      assert.equal(!o.ok && o.status, 400);
      assert.match(!o.ok ? o.error : '', /^400: "temperature" must be a number from 0 to 2/);
    });
  });
}
