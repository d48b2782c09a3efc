/**
 * The example workspace's deployment files (examples/.modeldeck/deployments) are valid, name what
 * exists (scripts relative to examples/, models and versions in examples/models), and the example
 * scripts do what their deployments promise. Scripts run for real: the JS predictor in-process with
 * onnxruntime-node, the Python ones with Debian's /usr/bin/python3 when it has scikit-learn.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { loadDeploymentsDir } from '../../src/core/deployment/validateDeployment';
import type { DeploymentSpec } from '../../src/core/deployment/deploymentSpec';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import { REPO_ROOT } from '../support/serverProcess';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const DEPLOYMENTS = path.join(EXAMPLES, '.modeldeck', 'deployments');
const REGISTRY = new ModelRegistry(path.join(EXAMPLES, 'models'));
const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.0, 2.9, 4.5, 1.5],
  [6.9, 3.1, 5.4, 2.1],
];

async function exampleDeployments(): Promise<DeploymentSpec[]> {
  const { specs, errors } = await loadDeploymentsDir(DEPLOYMENTS);
  assert.deepEqual(errors.map((e) => e.message), []);
  return specs;
}

describe('example deployment files', () => {
  it('every file validates, under its own name', async () => {
    const files = (await fs.readdir(DEPLOYMENTS)).filter((f) => f.endsWith('.json')).sort();
    const specs = await exampleDeployments();
    assert.deepEqual(specs.map((s) => `${s.name}.json`).sort(), files);
    assert.deepEqual(files, ['digits-best.json', 'iris-js.json', 'iris-sklearn.json', 'iris-transformer.json', 'iris.json', 'tiny-chat.json']);
  });

  it('each script path exists relative to examples/', async () => {
    const scripts: string[] = [];
    for (const spec of await exampleDeployments()) {
      for (const script of [spec.predictor.script, spec.transformer.script]) {
        if (script === undefined) continue;
        assert.ok(!path.isAbsolute(script), `${spec.name}: ${script} is relative`);
        assert.ok(statSync(path.join(EXAMPLES, script), { throwIfNoEntry: false })?.isFile(), `${spec.name}: ${script} exists in examples/`);
        scripts.push(`${spec.name}: ${script}`);
      }
    }
    assert.deepEqual(scripts.sort(), [
      'iris-js: scripts/irisPredictor.js',
      'iris-sklearn: scripts/iris_sklearn_predictor.py',
      'iris-transformer: scripts/iris_transformer.py',
      'tiny-chat: scripts/tiny_llm_predictor.py',
    ]);
  });

  it('each model and version exists; ONNX deployments get a version with an .onnx file', async () => {
    for (const spec of await exampleDeployments()) {
      const info = await REGISTRY.resolve(spec.model.name, spec.model.version);
      if (spec.modelServer === 'onnx') assert.ok(info.modelFile, `${spec.name}: ${info.model} v${info.version} has an .onnx file`);
      else assert.ok(spec.predictor.script, `${spec.name}: a script deployment names its predictor`);
    }
    const sklearn = await REGISTRY.latestVersion('iris-sklearn');
    assert.equal(sklearn.modelFile, undefined, 'iris-sklearn has no .onnx file: only its predictor script serves it');
    assert.deepEqual(sklearn.files, ['labels.txt', 'model.json', 'model.pkl']);
    assert.ok(statSync(path.join(sklearn.dir, 'model.pkl')).size < 100_000, 'model.pkl stays small');
  });
});

describe('example scripts', () => {
  it('irisPredictor.js serves iris v2 with onnxruntime-node: one prediction per row, named from labels.txt', async () => {
    const saved = process.env.MODEL_FILES_PATH;
    process.env.MODEL_FILES_PATH = (await REGISTRY.getVersion('iris', 2)).dir;
    try {
      const { Predictor } = createRequire(__filename)(path.join(EXAMPLES, 'scripts', 'irisPredictor.js')) as {
        Predictor: new () => { predict(rows: unknown[]): Promise<{ label: number; class: string; probabilities: number[] }[]> };
      };
      const predictor = new Predictor();
      const out = await predictor.predict(IRIS_ROWS);
      assert.deepEqual(out.map((p) => [p.label, p.class]), [[0, 'setosa'], [1, 'versicolor'], [2, 'virginica']]);
      for (const p of out) assert.equal(p.probabilities.length, 3);
      await assert.rejects(predictor.predict([[1, 2]]), /instances\[0\]: expected 4 numbers/);
    } finally {
      if (saved === undefined) delete process.env.MODEL_FILES_PATH;
      else process.env.MODEL_FILES_PATH = saved;
    }
  });

  // Debian's interpreter is where the examples are built (python3-sklearn); elsewhere these are skipped.
  const python = '/usr/bin/python3';
  const hasSklearn = existsSync(python) && spawnSync(python, ['-c', 'import sklearn, joblib'], { stdio: 'ignore' }).status === 0;
  const runPython = (modelDir: string, code: string): unknown => {
    const r = spawnSync(python, ['-B', '-c', code], {
      cwd: path.join(EXAMPLES, 'scripts'),
      env: { ...process.env, MODEL_FILES_PATH: modelDir, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    return { printed: lines.slice(0, -1), result: JSON.parse(lines[lines.length - 1]!) };
  };

  it('iris_sklearn_predictor.py loads model.pkl with joblib and returns class indexes, printing a line per request', async () => {
    assert.ok(hasSklearn, `${python} cannot import sklearn and joblib: run scripts/install-test-deps.sh (npm test does)`);
    const dir = (await REGISTRY.getVersion('iris-sklearn', 1)).dir;
    const out = runPython(
      dir,
      [
        'import json, iris_sklearn_predictor as m',
        'p = m.Predictor()',
        `r = p.predict(${JSON.stringify(IRIS_ROWS)})`,
        'try:\n    p.predict([[1, 2]])\n    e = None\nexcept ValueError as err:\n    e = str(err)',
        'print(json.dumps({"predictions": r, "error": e}))',
      ].join('\n'),
    );
    assert.deepEqual(out, {
      printed: [`loaded RandomForestClassifier from ${dir}`, 'predicting 3 rows', 'predicting 1 row'],
      result: { predictions: [0, 1, 2], error: 'expected rows of 4 numbers (sepal_length, sepal_width, petal_length, petal_width), got an array of shape [1, 2]' },
    });
  });

  it('tiny_llm_predictor.py (the stand-in LLM) answers the same request the same way, whole or streamed, with usage', async () => {
    const dir = (await REGISTRY.getVersion('tiny-lm', 1)).dir;
    const out = runPython(
      dir,
      [
        'import asyncio, json, tiny_llm_predictor as m',
        'p = m.Predictor()',
        'p.delay = 0',
        'prompt = p.apply_chat_template([{"role": "user", "content": "What does the chat tab do?"}])["prompt"]',
        'req = {"model": "tiny-chat", "prompt": prompt, "max_tokens": 6}',
        'a = asyncio.run(p.create_completion(dict(req)))',
        'b = asyncio.run(p.create_completion(dict(req)))',
        'async def chunks():\n    it = await p.create_completion(dict(req, stream=True))\n    return [c async for c in it]',
        'c = asyncio.run(chunks())',
        'print(json.dumps({"same": a["choices"] == b["choices"], "text": a["choices"][0]["text"], "streamed": "".join(x["choices"][0]["text"] for x in c), "usage": c[-1]["usage"], "finish": a["choices"][0]["finish_reason"]}))',
      ].join('\n'),
    ) as { result: { same: boolean; text: string; streamed: string; usage: { completion_tokens: number }; finish: string } };
    assert.equal(out.result.same, true);
    assert.equal(out.result.streamed, out.result.text);
    assert.equal(out.result.text.split(' ').length, 6);
    assert.equal(out.result.usage.completion_tokens, 6);
    assert.equal(out.result.finish, 'length');
  });

  it('iris_transformer.py turns named rows into lists and class indexes into the labels of iris', async () => {
    const dir = (await REGISTRY.getVersion('iris', 2)).dir;
    const request = JSON.parse(await fs.readFile(path.join(EXAMPLES, 'requests', 'iris-named-v1.request.json'), 'utf8')) as unknown;
    const out = runPython(
      dir,
      [
        'import json, iris_transformer as m',
        't = m.Transformer()',
        `pre = t.preprocess(json.loads(${JSON.stringify(JSON.stringify(request))}))`,
        'post = t.postprocess({"predictions": [{"label": 0, "probabilities": [0.9, 0.05, 0.05]}, 1, {"label": 2}]})',
        'errors = []',
        'for bad in ({"instances": [{"sepal_length": 1}]}, {"instances": [[1, 2, 3, "x"]]}, {"instances": [[1, 2, 3, 400]]}, {"rows": []}):',
        '    try:\n        t.preprocess(bad)\n    except ValueError as err:\n        errors.append(str(err))',
        'print(json.dumps({"pre": pre, "post": post, "errors": errors}))',
      ].join('\n'),
    );
    assert.deepEqual(out, {
      printed: [],
      result: {
        pre: { instances: IRIS_ROWS },
        post: { predictions: ['setosa', 'versicolor', 'virginica'] },
        errors: [
          'instances[0]: expected the keys sepal_length, sepal_width, petal_length, petal_width; missing sepal_width, petal_length, petal_width',
          'instances[0].petal_width: expected a number, got "x"',
          'instances[0].petal_width: expected a length in cm between 0 and 100, got 400',
          'expected a body {"instances": [...]} with at least one row',
        ],
      },
    });
  });
});
