/**
 * The deployment form's script fields: the path written for a picked or new script is relative to
 * the workspace folder that holds `.modeldeck/` (what the extension resolves it against), and a
 * predictor script next to the ONNX Runtime model server, which would never run it, is flagged
 * under the script field.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { defaultForm, scriptServerProblems, type DeploymentFormState, type FormCatalog } from '../../src/core/deployment/deploymentForm';
import { withAbsoluteScriptPaths } from '../../src/core/deployment/scriptPaths';
import { validateDeploymentForm } from '../../src/core/deployment/validateDeploymentForm';
import { scriptPathForDeployment } from '../../src/panels/deploymentForm/scriptLocation';

const CATALOG: FormCatalog = { models: [{ name: 'iris', versions: [{ version: 2, metrics: {} }] }] };
const form = (patch: Partial<DeploymentFormState>): DeploymentFormState => ({ ...defaultForm({ name: 'iris-ts', model: 'iris', version: 2 }), ...patch });

describe('script path written by the form', () => {
  const ws = '/home/u/project';
  const other = '/home/u/shared-scripts';

  it('is relative to the folder that holds .modeldeck/, with forward slashes, and resolves back to the file', () => {
    const file = path.posix.join(ws, 'scripts', 'iris_predictor.ts');
    const rel = scriptPathForDeployment(file, ws, [ws], path.posix);
    assert.equal(rel, 'scripts/iris_predictor.ts');
    const spec = validateDeploymentForm(form({ modelServer: 'script', 'predictor.script': rel! }), CATALOG).spec!;
    assert.equal(withAbsoluteScriptPaths(spec, ws).predictor.script, file);
  });

  it('a file of another workspace folder gets a ../ path from the deployment\'s folder', () => {
    assert.equal(scriptPathForDeployment(`${other}/p.py`, ws, [ws, other], path.posix), '../shared-scripts/p.py');
    assert.equal(path.posix.resolve(ws, '../shared-scripts/p.py'), `${other}/p.py`);
  });

  it('a file outside every workspace folder is refused; so is the folder itself', () => {
    assert.equal(scriptPathForDeployment('/tmp/p.py', ws, [ws, other], path.posix), undefined);
    assert.equal(scriptPathForDeployment('/home/u/project-old/p.py', ws, [ws], path.posix), undefined, 'a sibling sharing the prefix is outside');
    assert.equal(scriptPathForDeployment(ws, ws, [ws], path.posix), undefined);
  });

  it('Windows paths: backslashes become slashes; another drive is refused', () => {
    assert.equal(scriptPathForDeployment('C:\\work\\proj\\scripts\\p.py', 'C:\\work\\proj', ['C:\\work\\proj'], path.win32), 'scripts/p.py');
    assert.equal(scriptPathForDeployment('D:\\lib\\p.py', 'C:\\work\\proj', ['C:\\work\\proj', 'D:\\lib'], path.win32), undefined);
  });
});

describe('a predictor script with the ONNX Runtime model server', () => {
  it('is flagged under the script field: the onnx server would never run it', () => {
    const f = form({ modelServer: 'onnx', 'predictor.script': 'scripts/iris_predictor.ts' });
    const v = validateDeploymentForm(f, CATALOG);
    assert.equal(v.ok, false);
    assert.deepEqual(v.problems, [
      {
        key: 'predictor.script',
        message: 'the model server is "ONNX Runtime" (modelServer "onnx"), which serves the .onnx file and never runs scripts/iris_predictor.ts; choose Model server "Predictor script" to serve the model with it, or clear it',
      },
    ]);
  });

  it('on KServe the fix is to clear it', () => {
    assert.match(scriptServerProblems(form({ servingTool: 'kserve', 'predictor.script': 'p.py' }))[0]!.message, /choose Model server "Predictor script"/, 'KServe runs predictor scripts too (from the artifact)');
  });

  it('the script model server, an empty script and a transformer with ONNX are fine', () => {
    assert.equal(validateDeploymentForm(form({ modelServer: 'script', 'predictor.script': 'scripts/p.ts' }), CATALOG).ok, true);
    assert.deepEqual(scriptServerProblems(form({ modelServer: 'onnx', 'predictor.script': '  ' })), []);
    assert.equal(validateDeploymentForm(form({ modelServer: 'onnx', 'transformer.script': 'scripts/t.py' }), CATALOG).ok, true);
  });
});
