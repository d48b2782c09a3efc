/**
 * The Python "New from template" files (media/templates/*.py) and their snippets: the snippet inserts
 * exactly the template, both compile with python3, and the scripts run in the Hopsworks forms with the
 * serving environment variables (a stand-in onnxruntime when the real one is not installed).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TEMPLATES_DIR, IRIS_V2, PYTHON, PYTHON_CONTRACT, IRIS_ROWS, expandSnippet, bodyText, snippet, readTemplate, commentText, useScratchDir, SERVING_ENV } from '../support/snippetSyntax';

const scratch = useScratchDir();

/** python3 with bytecode caches kept out of the repository. */
function python(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPYCACHEPREFIX: path.join(scratch(), 'pycache'), PYTHONDONTWRITEBYTECODE: '1', ...env },
    timeout: 60_000,
  });
  if (result.error) throw new Error(`${PYTHON} could not be run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const PY_TEMPLATES: Record<string, { file: string; prefix: string }> = {
  Predictor: { file: 'predictor.py', prefix: 'modeldeck-predictor' },
  Predict: { file: 'predict_legacy.py', prefix: 'modeldeck-predict-legacy' },
  Transformer: { file: 'transformer.py', prefix: 'modeldeck-transformer' },
};
/** The vLLM-form LLM predictor (issue 15): a snippet like the others, a different contract. */
const LLM_TEMPLATE = { file: 'llm_predictor.py', prefix: 'modeldeck-llm-predictor' };

/** Imports a script by path, creates `cls` and calls methods; prints JSON (or the error raised). */
const PY_DRIVER = `
import importlib.util, json, os, sys

if os.environ.get("BLOCK_ONNXRUNTIME"):
    class Block(object):
        def find_spec(self, name, path=None, target=None):
            if name == "onnxruntime" or name.startswith("onnxruntime."):
                raise ImportError("No module named 'onnxruntime' (hidden by the test)")
            return None
    sys.meta_path.insert(0, Block())

script, cls, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    spec = importlib.util.spec_from_file_location("script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    obj = getattr(module, cls)()
    attrs = ["model_files_path", "artifact_files_path", "deployment_name", "model_name", "model_version", "artifact_version"]
    out = {"attrs": {a: getattr(obj, a) for a in attrs}, "calls": [getattr(obj, m)(arg) for m, arg in calls]}
except Exception as err:
    out = {"error": type(err).__name__, "message": str(err)}
print(json.dumps(out))
`;

/** Stands in for onnxruntime where it is not installed: checks what the template feeds it. */
const FAKE_ONNXRUNTIME = `
import os
import numpy


class NodeArg(object):
    def __init__(self, name, type, shape):
        self.name, self.type, self.shape = name, type, shape


def get_available_providers():
    return ["CPUExecutionProvider"]


class InferenceSession(object):
    def __init__(self, path, providers=None):
        if not (path.endswith(".onnx") and os.path.isfile(path)):
            raise FileNotFoundError(path)
        if providers != ["CPUExecutionProvider"]:
            raise ValueError("providers: %r" % (providers,))

    def get_inputs(self):
        return [NodeArg("float_input", "tensor(float)", ["batch", 4])]

    def get_outputs(self):
        return [NodeArg("label", "tensor(int64)", ["batch"]), NodeArg("probabilities", "tensor(float)", ["batch", 3])]

    def run(self, names, feed):
        x = feed["float_input"]
        if x.dtype != numpy.float32 or x.ndim != 2 or x.shape[1] != 4:
            raise ValueError("fed %s %s" % (x.dtype, x.shape))
        label = (x[:, 2] > 2.5).astype(numpy.int64) + (x[:, 2] > 5.0).astype(numpy.int64)
        outputs = {"label": label, "probabilities": numpy.eye(3, dtype=numpy.float32)[label]}
        return [outputs[name] for name in names]
`;

const SERVING_ATTRS = {
  model_files_path: IRIS_V2,
  artifact_files_path: '/artifacts/iris/2',
  deployment_name: 'iris-prod',
  model_name: 'iris',
  model_version: '2',
  artifact_version: '1',
};

interface DriverOutput {
  attrs?: Record<string, string>;
  calls?: unknown[];
  error?: string;
  message?: string;
}

function runPython(script: string, cls: string, calls: [string, unknown][], env: Record<string, string> = {}): DriverOutput {
  const driver = path.join(scratch(), 'driver.py');
  fs.writeFileSync(driver, PY_DRIVER);
  const result = python([driver, script, cls, JSON.stringify(calls)], env);
  assert.equal(result.status, 0, `driver failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as DriverOutput;
}

function pythonHas(module: string): boolean {
  return python(['-c', `import ${module}`]).status === 0;
}

describe('Python templates and snippets', () => {
  let fakeRuntime: string;

  before(() => {
    fakeRuntime = path.join(scratch(), 'fake-ort');
    fs.mkdirSync(path.join(fakeRuntime, 'onnxruntime'), { recursive: true });
    fs.writeFileSync(path.join(fakeRuntime, 'onnxruntime', '__init__.py'), FAKE_ONNXRUNTIME);
  });

  it('each snippet inserts exactly its template, and both document the inputs/outputs contract', () => {
    for (const { file, prefix } of Object.values(PY_TEMPLATES)) {
      const s = snippet('python.code-snippets', prefix);
      assert.equal(expandSnippet(bodyText(s)), readTemplate(file), `${prefix} should insert media/templates/${file}`);
      assert.ok(commentText(readTemplate(file)).includes(PYTHON_CONTRACT), `${file} documents the contract`);
    }
    // The LLM template (its own contract: test/unit/llmTemplates.test.ts) has its snippet too.
    assert.equal(expandSnippet(bodyText(snippet('python.code-snippets', LLM_TEMPLATE.prefix))), readTemplate(LLM_TEMPLATE.file));
    assert.deepEqual(
      fs.readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.py')).sort(),
      [...Object.values(PY_TEMPLATES), LLM_TEMPLATE].map((t) => t.file).sort(),
    );
  });

  it('the templates and the expanded snippets compile with python3 -m py_compile', () => {
    const dir = fs.mkdtempSync(path.join(scratch(), 'py-'));
    const files = [...Object.values(PY_TEMPLATES), LLM_TEMPLATE].map(({ file, prefix }) => {
      const expanded = path.join(dir, file);
      fs.writeFileSync(expanded, expandSnippet(bodyText(snippet('python.code-snippets', prefix))));
      return [path.join(TEMPLATES_DIR, file), expanded];
    });
    const result = python(['-m', 'py_compile', ...files.flat()]);
    assert.equal(result.status, 0, result.stderr);
    // py_compile must really be judging the files: a broken copy fails.
    const broken = path.join(dir, 'broken.py');
    fs.writeFileSync(broken, readTemplate('predictor.py').replace('def predict(self, inputs):', 'def predict(self, inputs)'));
    assert.notEqual(python(['-m', 'py_compile', broken]).status, 0);
  });

  it('the transformer template runs preprocess and postprocess on a sample payload', () => {
    const payload = { instances: IRIS_ROWS, id: 'r1' };
    const response = { predictions: [0, 1, 2] };
    const out = runPython(path.join(TEMPLATES_DIR, 'transformer.py'), 'Transformer', [
      ['preprocess', payload],
      ['postprocess', response],
    ], SERVING_ENV);
    assert.equal(out.error, undefined, out.message);
    assert.deepEqual(out.attrs, SERVING_ATTRS);
    assert.deepEqual(out.calls, [payload, response]);
    const bad = runPython(path.join(TEMPLATES_DIR, 'transformer.py'), 'Transformer', [['preprocess', { inputs: [] }]]);
    assert.equal(bad.error, 'ValueError');
    assert.match(bad.message!, /"instances"/);
  });

  it('the predictor templates refuse to start without onnxruntime, saying how to install it', () => {
    for (const [cls, { file }] of Object.entries(PY_TEMPLATES)) {
      if (cls === 'Transformer') continue;
      const out = runPython(path.join(TEMPLATES_DIR, file), cls, [], { ...SERVING_ENV, BLOCK_ONNXRUNTIME: '1' });
      assert.equal(out.error, 'ImportError', `${file}: ${JSON.stringify(out)}`);
      assert.match(out.message!, /pip install onnxruntime(?!-)/);
    }
  });

  it('the predictor templates load model.onnx from MODEL_FILES_PATH and return one prediction per row', (t) => {
    if (!pythonHas('numpy')) {
      t.skip('python3 has no numpy, which the stand-in onnxruntime needs');
      return;
    }
    const env = { ...SERVING_ENV, PYTHONPATH: fakeRuntime };
    const expected = [
      { label: 0, probabilities: [1, 0, 0] },
      { label: 1, probabilities: [0, 1, 0] },
      { label: 2, probabilities: [0, 0, 1] },
    ];
    const predictor = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [['predict', IRIS_ROWS]], env);
    assert.equal(predictor.error, undefined, predictor.message);
    assert.deepEqual(predictor.attrs, SERVING_ATTRS);
    assert.deepEqual(predictor.calls, [expected]);

    const legacy = runPython(path.join(TEMPLATES_DIR, 'predict_legacy.py'), 'Predict', [
      ['predict', IRIS_ROWS],
      ['classify', IRIS_ROWS],
      ['regress', IRIS_ROWS],
    ], env);
    assert.equal(legacy.error, undefined, legacy.message);
    assert.deepEqual(legacy.attrs, SERVING_ATTRS);
    assert.deepEqual(legacy.calls, [expected, [0, 1, 2], [0, 1, 2]]);

    // A folder without model.onnx but with one other .onnx file, and the file itself, work too.
    const folder = fs.mkdtempSync(path.join(scratch(), 'model-'));
    fs.copyFileSync(path.join(IRIS_V2, 'model.onnx'), path.join(folder, 'iris.onnx'));
    for (const where of [folder, path.join(folder, 'iris.onnx')]) {
      const out = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [['predict', IRIS_ROWS]], { ...env, MODEL_FILES_PATH: where });
      assert.deepEqual(out.calls, [expected], where);
    }
    const missing = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [], { ...env, MODEL_FILES_PATH: scratch() });
    assert.equal(missing.error, 'FileNotFoundError');
    const unset = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [], { PYTHONPATH: fakeRuntime, MODEL_FILES_PATH: '' });
    assert.equal(unset.error, 'RuntimeError');
    assert.match(unset.message!, /MODEL_FILES_PATH/);
  });

  it('with a real onnxruntime, the predictor template classifies the iris rows', (t) => {
    if (!pythonHas('onnxruntime')) {
      t.skip('python3 has no onnxruntime (pip install onnxruntime to run this)');
      return;
    }
    const out = runPython(path.join(TEMPLATES_DIR, 'predictor.py'), 'Predictor', [['predict', IRIS_ROWS]], SERVING_ENV);
    assert.equal(out.error, undefined, out.message);
    const predictions = out.calls![0] as { label: number; probabilities: number[] }[];
    assert.deepEqual(predictions.map((p) => p.label), [0, 1, 2]);
  });
});
