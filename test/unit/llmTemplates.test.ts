/**
 * The LLM "New from template" files: the vLLM predictor (Python, Hopsworks' form) compiles and fails
 * to load with a pip hint when vllm is missing (it cannot run here: no GPU, no weights); the
 * TypeScript one runs as written in the real JS script host and streams through the OpenAI path's
 * methods (applyChatTemplate, createCompletion with stream).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptPool } from '../../server/scripts/scriptPool';
import type { ScriptValue } from '../../server/scripts/scriptProtocol';
import { REPO_ROOT } from '../support/serverProcess';

const TEMPLATES = path.join(REPO_ROOT, 'media', 'templates');

describe('LLM predictor templates', () => {
  it('llm_predictor.py compiles, has the vLLM form, and says to pip install vllm when it is missing', () => {
    const file = path.join(TEMPLATES, 'llm_predictor.py');
    const code = [
      'import importlib.util, inspect, os, sys',
      `spec = importlib.util.spec_from_file_location("t", ${JSON.stringify(file)})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'P = m.Predictor',
      'print(inspect.iscoroutinefunction(P.create_completion), callable(P.apply_chat_template))',
      'os.environ["MODEL_FILES_PATH"] = "/nowhere"',
      'try:\n    P()\nexcept ImportError as e:\n    print(str(e))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const [form, message] = r.stdout.trim().split('\n');
    assert.equal(form, 'True True');
    assert.match(message!, /pip install vllm/);
  });

  it('llmPredictor.ts runs in the JS host: a chat template, a completion, and a stream of chunks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-llm-template-'));
    const script = path.join(dir, 'llmPredictor.ts');
    fs.copyFileSync(path.join(TEMPLATES, 'llmPredictor.ts'), script);
    const { pool, info } = await ScriptPool.start({
      scriptPath: script,
      role: 'predictor',
      env: { MODEL_FILES_PATH: dir },
      instances: 1,
      callTimeoutMs: 30_000,
      onLog: () => undefined,
      jsWorkerScript: path.join(REPO_ROOT, 'dist', 'scriptWorker.js'),
    });
    try {
      assert.ok(info.methods.includes('createCompletion') && info.methods.includes('applyChatTemplate'), info.methods.join(','));
      const templated = await pool.call('applyChatTemplate', [[{ role: 'user', content: 'hello template world' }] as ScriptValue]);
      const prompt = (templated.result as { prompt: string }).prompt;
      const whole = await pool.call('createCompletion', [{ model: 'm', prompt } as ScriptValue]);
      assert.equal((whole.result as { choices: { text: string }[] }).choices[0]!.text, 'hello template world');
      const chunks: ScriptValue[] = [];
      const streamed = await pool.stream('createCompletion', [{ model: 'm', prompt, stream: true } as ScriptValue], (c) => chunks.push(c));
      assert.equal(streamed.streamed, true);
      assert.equal(chunks.map((c) => (c as { choices: { text: string }[] }).choices[0]!.text).join(''), 'hello template world');
    } finally {
      await pool.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
