/**
 * The OpenAI-compatible routes (/openai/v1/...) over real sockets, with real predictors: a vLLM-form
 * Python predictor (apply_chat_template + async create_completion streaming an async generator) on
 * Debian's /usr/bin/python3, a Python predictor with create_chat_completion only (typed requests and
 * responses in the kserve/pydantic manner, a plain generator), and the same vLLM form in TypeScript.
 * Streaming is checked chunk by chunk: the predictor holds its second chunk until the test has read
 * the first (a gate file), so the first chunk provably arrives before the predictor finishes.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, postJson } from '../support/http';
import { EXAMPLE_REGISTRY, tempRegistry } from '../support/registryCopy';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../support/serverProcess';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'scripts', 'llm');
const PYTHON = '/usr/bin/python3';

/** A streaming request held open: its status, headers, and its SSE `data:` payloads one at a time. */
interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The next `data:` payload; undefined when the response ended. */
  next(): Promise<string | undefined>;
  /** Drops the connection (a client that goes away). */
  destroy(): void;
}

function openStream(url: string, body: unknown): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.setEncoding('utf8');
      let buffered = '';
      const events: string[] = [];
      let ended = false;
      let wake: (() => void) | undefined;
      res.on('data', (d: string) => {
        buffered += d;
        let at;
        while ((at = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, at);
          buffered = buffered.slice(at + 2);
          for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push(line.slice(6));
        }
        wake?.();
      });
      const finish = (): void => {
        ended = true;
        wake?.();
      };
      res.on('end', finish);
      res.on('error', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        next: async () => {
          while (events.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
          return events.shift();
        },
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Every remaining `data:` payload of a stream, parsed ([DONE] kept as the string). */
async function rest(s: OpenStream): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let e = await s.next(); e !== undefined; e = await s.next()) out.push(e === '[DONE]' ? e : JSON.parse(e));
  return out;
}

/** Waits (bounded) until a file exists: the predictor's side of a cancel. */
async function waitForFile(file: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    try {
      return await fs.readFile(file, 'utf8');
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${file} never appeared`);
}

/** OpenAI's error shape. */
function assertOpenAIError(body: any, param: string | null): void {
  assert.equal(typeof body.error?.message, 'string', JSON.stringify(body));
  assert.equal(typeof body.error?.type, 'string');
  assert.ok('code' in body.error);
  assert.equal(body.error.param, param, JSON.stringify(body));
}

describe('OpenAI-compatible routes', () => {
  let server: ServerProcess;
  let ws: string;
  before(async () => {
    ws = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-openai-'));
    await fs.cp(FIXTURES, path.join(ws, 'scripts'), { recursive: true });
    const registry = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [2] }]);
    await fs.mkdir(path.join(registry, 'echo-lm', '1'), { recursive: true });
    await fs.writeFile(path.join(registry, 'echo-lm', '1', 'weights.txt'), 'stand-in\n');
    const dir = path.join(ws, '.modeldeck', 'deployments');
    await fs.mkdir(dir, { recursive: true });
    const deployments = [
      { name: 'echo-py', model: { name: 'echo-lm' }, modelServer: 'script', predictor: { script: path.join(ws, 'scripts', 'llm_predictor.py'), environment: PYTHON }, inferenceLogger: { mode: 'all' } },
      { name: 'chat-py', model: { name: 'echo-lm' }, modelServer: 'script', predictor: { script: path.join(ws, 'scripts', 'chat_predictor.py'), environment: PYTHON } },
      { name: 'echo-js', model: { name: 'echo-lm' }, modelServer: 'script', predictor: { script: path.join(ws, 'scripts', 'llmPredictor.ts') } },
      { name: 'iris', model: { name: 'iris', version: 2 } },
    ];
    for (const d of deployments) await fs.writeFile(path.join(dir, `${d.name}.json`), JSON.stringify(d));
    server = await startServerProcess(['--deployments', dir, '--registry', registry, '--log-level', 'debug']);
    for (const name of ['echo-py', 'chat-py', 'echo-js', 'iris']) await server.waitForLog((l) => l.deployment === name && /^serving version/.test(l.msg), 60_000);
  });
  after(async () => {
    await server?.stop();
  });

  const url = (p: string): string => `${server.url}/openai/v1${p}`;

  it('lists the LLM deployments, not the others', async () => {
    let r = await getJson(url('/models'));
    // The deployments load side by side: wait (bounded) until all three LLM ones serve.
    for (let i = 0; i < 300 && r.body.data.length < 3; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await getJson(url('/models'));
    }
    assert.equal(r.status, 200);
    assert.equal(r.body.object, 'list');
    assert.deepEqual(r.body.data.map((m: any) => m.id).sort(), ['chat-py', 'echo-js', 'echo-py']);
    for (const m of r.body.data) assert.equal(m.object, 'model');
    const echo = r.body.data.find((m: any) => m.id === 'echo-py');
    assert.deepEqual(echo.modeldeck, { version: 1, completions: true, chat: true });
    const chat = r.body.data.find((m: any) => m.id === 'chat-py');
    assert.deepEqual(chat.modeldeck, { version: 1, completions: false, chat: true });
  });

  for (const model of ['echo-py', 'echo-js']) {
    describe(`vLLM form (${model === 'echo-py' ? 'Python' : 'TypeScript'})`, () => {
      it('answers a completion whole, with usage', async () => {
        const r = await postJson(url('/completions'), { model, prompt: 'the quick brown fox', max_tokens: 3 });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.object, 'text_completion');
        assert.equal(r.body.model, model);
        assert.equal(r.body.choices[0].text, 'echo: the quick');
        assert.equal(r.body.usage.completion_tokens, 3);
      });

      it('chats through apply_chat_template, answering chat.completion', async () => {
        const r = await postJson(url('/chat/completions'), { model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }] });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.object, 'chat.completion');
        assert.equal(r.body.choices[0].message.role, 'assistant');
        // The template's markup reached create_completion as the prompt.
        assert.equal(r.body.choices[0].message.content, 'echo: <system>be brief <user>hello there <assistant>');
        assert.equal(r.body.choices[0].finish_reason, 'stop');
      });

      it('streams chat chunk by chunk: the first arrives before the predictor finishes', async () => {
        const gate = path.join(ws, `gate-${model}-chat`);
        const s = await openStream(url('/chat/completions'), { model, stream: true, messages: [{ role: 'user', content: 'one two' }], gate });
        assert.equal(s.status, 200);
        assert.match(String(s.headers['content-type']), /^text\/event-stream/);
        const first = JSON.parse((await s.next())!);
        // The predictor is still waiting on the gate: nothing after the first chunk exists yet.
        assert.equal(first.object, 'chat.completion.chunk');
        assert.deepEqual(first.choices[0].delta, { role: 'assistant', content: 'echo:' });
        await fs.writeFile(gate, 'open');
        const more = await rest(s);
        assert.equal(more.at(-1), '[DONE]');
        const chunks = more.slice(0, -1) as any[];
        assert.equal(first.choices[0].delta.content + chunks.map((c) => c.choices[0].delta.content).join(''), 'echo: <user>one two <assistant>');
        for (const c of chunks) assert.equal(c.choices[0].delta.role, undefined);
        assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
        assert.equal(chunks.at(-1).usage.completion_tokens, 4);
      });

      it('streams completions as text_completion chunks', async () => {
        const s = await openStream(url('/completions'), { model, stream: true, prompt: 'a b c' });
        const all = await rest(s);
        assert.equal(all.at(-1), '[DONE]');
        assert.equal((all.slice(0, -1) as any[]).map((c) => c.choices[0].text).join(''), 'echo: a b c');
        for (const c of all.slice(0, -1) as any[]) assert.equal(c.object, 'text_completion');
      });

      it('cancels the generation when the client disconnects, and serves the next request', async () => {
        const gate = path.join(ws, `never-${model}`); // never created: only a cancel ends the stream
        const marker = path.join(ws, `cancelled-${model}`);
        const s = await openStream(url('/completions'), { model, stream: true, prompt: 'x y z', gate, marker });
        assert.ok(await s.next());
        s.destroy();
        const why = await waitForFile(marker);
        assert.ok(why.length > 0);
        // One host: this answer proves the cancelled call let go of it.
        const r = await postJson(url('/completions'), { model, prompt: 'after' });
        assert.equal(r.status, 200);
        assert.equal(r.body.choices[0].text, 'echo: after');
      });

      it('a predictor exception is a 500 in OpenAI shape; the server stays up', async () => {
        const r = await postJson(url('/completions'), { model, prompt: 'raise' });
        assert.equal(r.status, 500);
        assertOpenAIError(r.body, null);
        assert.match(r.body.error.message, /refuses this prompt/);
        const ok = await postJson(url('/completions'), { model, prompt: 'fine' });
        assert.equal(ok.status, 200);
      });
    });
  }

  it('chats through create_chat_completion with typed request/response objects', async () => {
    const r = await postJson(url('/chat/completions'), { model: 'chat-py', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.object, 'chat.completion');
    assert.equal(r.body.choices[0].message.content, 'you said hi');
    assert.deepEqual(r.body.usage, { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    const s = await openStream(url('/chat/completions'), { model: 'chat-py', stream: true, messages: [{ role: 'user', content: 'hey' }] });
    const all = await rest(s);
    assert.equal(all.at(-1), '[DONE]');
    assert.equal((all.slice(0, -1) as any[]).map((c) => c.choices[0].delta.content).join(''), 'you said hey');
    // No create_completion: the completions route says so.
    const c = await postJson(url('/completions'), { model: 'chat-py', prompt: 'x' });
    assert.equal(c.status, 400);
    assertOpenAIError(c.body, null);
  });

  it('unknown model → 404, not an LLM → 404, bad fields → 400 naming the field', async () => {
    const unknown = await postJson(url('/chat/completions'), { model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(unknown.status, 404);
    assertOpenAIError(unknown.body, 'model');
    assert.equal(unknown.body.error.code, 'model_not_found');
    const onnx = await postJson(url('/completions'), { model: 'iris', prompt: 'x' });
    assert.equal(onnx.status, 404);
    assertOpenAIError(onnx.body, 'model');
    const cases: [string, unknown, string | null][] = [
      ['/completions', { prompt: 'x' }, 'model'],
      ['/completions', { model: 'echo-py' }, 'prompt'],
      ['/completions', { model: 'echo-py', prompt: 'x', temperature: 5 }, 'temperature'],
      ['/completions', { model: 'echo-py', prompt: 'x', max_tokens: 0 }, 'max_tokens'],
      ['/completions', { model: 'echo-py', prompt: 'x', stream: 'yes' }, 'stream'],
      ['/chat/completions', { model: 'echo-py', messages: [] }, 'messages'],
      ['/chat/completions', { model: 'echo-py', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      ['/chat/completions', { model: 'echo-py', messages: [{ role: 'user', content: 'x' }], stop: [1] }, 'stop'],
    ];
    for (const [route, body, param] of cases) {
      const r = await postJson(url(route), body);
      assert.equal(r.status, 400, `${route} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assertOpenAIError(r.body, param);
    }
    const notJson = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(url('/completions'), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end('{not json');
    });
    assert.equal(notJson.status, 400);
    assertOpenAIError(notJson.body, null);
    const live = await getJson(`${server.url}/v2/health/live`);
    assert.equal(live.status, 200);
  });

  it('the inference logger records requests and streamed answers; metrics count them', async () => {
    const s = await openStream(url('/chat/completions'), { model: 'echo-py', stream: true, messages: [{ role: 'user', content: 'log me' }] });
    await rest(s);
    let records: any[] = [];
    for (let i = 0; i < 200; i++) {
      records = (await getJson(`${server.url}/v2/logging/echo-py/records`)).body.records;
      if (records.some((r: any) => r.messageType === 'response' && r.payload?.object === 'chat.completion' && /log me/.test(r.payload.choices[0].message.content))) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    const answer = records.find((r: any) => r.messageType === 'response' && r.payload?.object === 'chat.completion' && /log me/.test(r.payload.choices[0].message.content));
    assert.ok(answer, JSON.stringify(records.slice(-4)));
    assert.equal(answer.protocol, 'openai');
    const request = records.find((r: any) => r.messageType === 'request' && r.inferenceId === answer.inferenceId);
    assert.equal(request.payload.messages[0].content, 'log me');
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /modeldeck_llm_time_to_first_token_seconds_count\{model="echo-py",route="chat"\} [1-9]/);
    assert.match(metrics, /modeldeck_llm_tokens_total\{model="echo-py",kind="completion"\} [1-9]/);
    assert.match(metrics, /modeldeck_inference_requests_total\{model="echo-py",version="1",protocol="openai",outcome="success"\} [1-9]/);
  });
});
