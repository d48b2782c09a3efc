/**
 * `--model-dir DIR --model-name NAME`: one model folder served without a registry around it, as
 * KServe's storage-initializer leaves it at /mnt/models — the files of one version, or a model's
 * version folders.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, postJson } from '../support/http';
import { EXAMPLE_REGISTRY } from '../support/registryCopy';
import { SERVER_BUNDLE, startServerProcess } from '../support/serverProcess';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-modeldir-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const IRIS = { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] };

describe('--model-dir', () => {
  it('serves a folder holding one version\'s files as version 1 of the named model, with its labels', async () => {
    const dir = path.join(scratch, 'flat');
    fs.cpSync(path.join(EXAMPLE_REGISTRY, 'iris', '2'), dir, { recursive: true });
    const server = await startServerProcess(['--model-dir', dir, '--model-name', 'flowers']);
    try {
      const meta = await getJson(`${server.url}/v2/models/flowers`);
      assert.equal(meta.status, 200);
      assert.deepEqual(meta.body.versions, ['1']);
      const res = await postJson(`${server.url}/v2/models/flowers/infer`, IRIS);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.model_version, '1');
      const v1 = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [[5.1, 3.5, 1.4, 0.2]] });
      assert.equal(v1.status, 200);
      assert.equal((await getJson(`${server.url}/v2/models/iris`)).status, 404, 'only the named model');
    } finally {
      await server.stop();
    }
  });

  it('serves the latest of a model folder\'s versions, and picks up a new one', async () => {
    const dir = path.join(scratch, 'versioned');
    fs.cpSync(path.join(EXAMPLE_REGISTRY, 'iris', '1'), path.join(dir, '1'), { recursive: true });
    const server = await startServerProcess(['--model-dir', dir, '--model-name', 'iris']);
    try {
      assert.equal((await postJson(`${server.url}/v2/models/iris/infer`, IRIS)).body.model_version, '1');
      fs.cpSync(path.join(EXAMPLE_REGISTRY, 'iris', '2'), path.join(dir, '.staging'), { recursive: true });
      fs.renameSync(path.join(dir, '.staging'), path.join(dir, '2'));
      await server.waitForLog((l) => l.msg === 'serving version 2 on cpu');
      assert.equal((await postJson(`${server.url}/v2/models/iris/infer`, IRIS)).body.model_version, '2');
    } finally {
      await server.stop();
    }
  });

  it('names the model "model" when no name is given, and waits for an empty folder to fill', async () => {
    const dir = path.join(scratch, 'empty');
    fs.mkdirSync(dir);
    const server = await startServerProcess(['--model-dir', dir]);
    try {
      assert.deepEqual((await getJson(`${server.url}/v2/repository/index`)).body, []);
      fs.copyFileSync(path.join(EXAMPLE_REGISTRY, 'iris', '1', 'model.onnx'), path.join(dir, '.partial'));
      fs.renameSync(path.join(dir, '.partial'), path.join(dir, 'model.onnx'));
      await server.waitForLog((l) => l.msg === 'serving version 1 on cpu' && l.deployment === 'model');
      assert.equal((await postJson(`${server.url}/v2/models/model/infer`, IRIS)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('refuses ambiguous or wrong command lines with exit 2 and a reason', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [SERVER_BUNDLE, ...args], { encoding: 'utf8' });
    const cases: [string[], RegExp][] = [
      [['--model-dir', scratch, '--registry', EXAMPLE_REGISTRY], /cannot be combined with --registry/],
      [['--model-dir', path.join(scratch, 'missing')], /model folder .*missing does not exist/],
      [['--model-dir', scratch, '--model-name', '../up'], /--model-name must be letters/],
      [['--model-name', 'iris'], /give --model-dir DIR too/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /--model-dir DIR/, 'the usage lists the option');
    }
  });
});
