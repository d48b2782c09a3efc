/**
 * The Chat tab's pure parts: the SSE parser (bytes cut anywhere, multi-byte characters, CRLF,
 * multi-line data, comments), the request built from the conversation and the settings, the
 * settings' checks, and the "copy as" texts (curl, OpenAI Python client).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chatAsCurl, chatAsOpenAIPython, chatBody, chatMessages, DEFAULT_CHAT_SETTINGS, parseChatSettings } from '../../src/core/chat/chatRequest';
import { SseParser } from '../../src/core/chat/sseParser';
import { replayText } from '../../src/core/inferenceLog/replayRequest';

describe('SseParser', () => {
  it('gives each event once it is complete, whatever the byte boundaries', () => {
    const text = 'data: {"a":"é"}\n\n: a comment\n\ndata: line1\ndata: line2\n\nevent: x\r\ndata: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut)), ...p.end()];
      assert.deepEqual(got, ['{"a":"é"}', 'line1\nline2', '[DONE]'], `cut at ${cut}`);
    }
  });

  it('a last event without its blank line is given at the end', () => {
    const p = new SseParser();
    assert.deepEqual(p.push(new TextEncoder().encode('data: tail')), []);
    assert.deepEqual(p.end(), ['tail']);
  });
});

describe('chat requests', () => {
  it('the system prompt first, earlier turns, the question; settings become OpenAI fields', () => {
    const settings = { systemPrompt: 'Be brief.', temperature: 0.2, maxTokens: 64, stop: ['\n\n'] };
    const messages = chatMessages(settings, [{ role: 'system', content: 'old' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }], 'and now?');
    assert.deepEqual(messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'and now?' },
    ]);
    assert.deepEqual(chatBody('m', messages, settings), { model: 'm', messages, temperature: 0.2, max_tokens: 64, stop: ['\n\n'], stream: true, stream_options: { include_usage: true } });
    assert.deepEqual(chatBody('m', [], DEFAULT_CHAT_SETTINGS, false), { model: 'm', messages: [] });
    assert.deepEqual(chatMessages(DEFAULT_CHAT_SETTINGS, [], 'q'), [{ role: 'user', content: 'q' }]);
  });

  it('settings as typed: checked by field', () => {
    assert.deepEqual(parseChatSettings({ systemPrompt: 's', temperature: '0.7', maxTokens: '128', stop: 'END\n\\n\\n' }), {
      settings: { systemPrompt: 's', temperature: 0.7, maxTokens: 128, stop: ['END', '\n\n'] },
      problems: {},
    });
    assert.deepEqual(parseChatSettings({ systemPrompt: '', temperature: '', maxTokens: '', stop: '' }), { settings: { systemPrompt: '', stop: [] }, problems: {} });
    const bad = parseChatSettings({ systemPrompt: '', temperature: '3', maxTokens: '1.5', stop: 'a\nb\nc\nd\ne' });
    assert.deepEqual(Object.keys(bad.problems).sort(), ['maxTokens', 'stop', 'temperature']);
  });

  const endpoint = { baseUrl: 'http://127.0.0.1:8080', model: 'tiny-chat', headers: { Host: 'tiny.ml.example.com', Authorization: 'Bearer s3cret' } };
  const body = chatBody('tiny-chat', [{ role: 'user', content: "it's" }], { ...DEFAULT_CHAT_SETTINGS, temperature: 0 });

  it('copy as curl: the route, the headers (the token as $MODELDECK_TOKEN, never its value), the body quoted for a shell', () => {
    const curl = chatAsCurl(endpoint, body);
    assert.match(curl, /^curl -sN 'http:\/\/127\.0\.0\.1:8080\/openai\/v1\/chat\/completions'/);
    assert.match(curl, /-H 'Host: tiny\.ml\.example\.com'/);
    assert.match(curl, /-H "Authorization: Bearer \$MODELDECK_TOKEN"/);
    assert.ok(!curl.includes('s3cret'));
    // The shell gives back the exact JSON.
    const echoed = spawnSync('bash', ['-c', `printf '%s' ${curl.split(' -d ')[1]}`], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(echoed.stdout), body);
  });

  it('copy as OpenAI Python client: base_url, headers, the token from the environment, valid Python', () => {
    const code = chatAsOpenAIPython(endpoint, body);
    assert.match(code, /base_url="http:\/\/127\.0\.0\.1:8080\/openai\/v1"/);
    assert.match(code, /api_key=os\.environ\["MODELDECK_TOKEN"\]/);
    assert.match(code, /default_headers=\{"Host":"tiny\.ml\.example\.com"\}/);
    assert.match(code, /temperature=0,/);
    assert.ok(!code.includes('s3cret'));
    const compiled = spawnSync('/usr/bin/python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: code, encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stderr);
  });
});

describe('Inference Log replay of an OpenAI request', () => {
  it('is refused with where to ask it instead (the request editor speaks V2/V1)', () => {
    const r = replayText({ inferenceId: 'x', messageType: 'request', modelName: 'tiny-chat', modelVersion: 1, requestTimestamp: 0, protocol: 'openai', contentType: 'application/json', payload: { model: 'tiny-chat', messages: [] } });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /Chat tab/);
  });
});
