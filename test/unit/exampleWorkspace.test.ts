import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  copyExampleFiles,
  describePlan,
  filesToWrite,
  inspectTarget,
  isSafeRelativePath,
  listExampleFiles,
  planExampleCopy,
} from '../../src/core/examples/exampleWorkspace';

const EXAMPLES = path.resolve(__dirname, '../../examples');
let tmp: string;
let counter = 0;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'modeldeck-examples-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function newTarget(): Promise<string> {
  const dir = path.join(tmp, `t${++counter}`);
  await fs.mkdir(dir);
  return dir;
}

async function write(root: string, rel: string, content: string | Buffer): Promise<void> {
  await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await fs.writeFile(path.join(root, rel), content);
}

describe('example workspace: the plan', () => {
  it('sorts files into new, unchanged, conflicts and blocked', () => {
    const plan = planExampleCopy([
      { path: 'requests/b.json', target: 'missing' },
      { path: 'models/iris/1/model.onnx', target: 'identical' },
      { path: 'requests/a.json', target: 'missing' },
      { path: 'requests/iris.request.json', target: 'different' },
      { path: 'models/iris/2/model.json', target: 'notAFile' },
    ]);
    assert.deepEqual(plan, {
      create: ['requests/a.json', 'requests/b.json'],
      unchanged: ['models/iris/1/model.onnx'],
      conflicts: ['requests/iris.request.json'],
      blocked: ['models/iris/2/model.json'],
    });
  });

  it('never overwrites without an answer: conflicts and no choice throw; "keep" writes only new files', () => {
    const plan = planExampleCopy([
      { path: 'requests/new.json', target: 'missing' },
      { path: 'requests/mine.json', target: 'different' },
      { path: 'requests/same.json', target: 'identical' },
    ]);
    assert.throws(() => filesToWrite(plan), /the folder already has 1 file with other content than the examples; ask before overwriting them/);
    assert.deepEqual(filesToWrite(plan, 'keep'), [{ path: 'requests/new.json', overwrite: false }]);
    assert.deepEqual(filesToWrite(plan, 'overwrite'), [
      { path: 'requests/new.json', overwrite: false },
      { path: 'requests/mine.json', overwrite: true },
    ]);
    // Without conflicts no answer is needed, and identical or blocked files are never written.
    const clean = planExampleCopy([{ path: 'a', target: 'missing' }, { path: 'b', target: 'identical' }, { path: 'c', target: 'notAFile' }]);
    assert.deepEqual(filesToWrite(clean), [{ path: 'a', overwrite: false }]);
  });

  it('describes each group for the user', () => {
    const plan = planExampleCopy([
      { path: 'a', target: 'missing' },
      { path: 'b', target: 'missing' },
      { path: 'c', target: 'different' },
      { path: 'd', target: 'identical' },
      { path: 'e', target: 'notAFile' },
    ]);
    assert.equal(describePlan(plan), '2 files new, 1 file differs from the examples, 1 file already the same, 1 file skipped (a folder or link is in the way)');
    assert.equal(describePlan(plan, 'keep'), '2 files new, 1 file of yours kept, 1 file already the same, 1 file skipped (a folder or link is in the way)');
    assert.equal(describePlan(plan, 'overwrite'), '2 files new, 1 file overwritten, 1 file already the same, 1 file skipped (a folder or link is in the way)');
    assert.equal(describePlan(planExampleCopy([{ path: 'a', target: 'missing' }])), '1 file new');
  });

  it('refuses paths that leave the target folder', () => {
    for (const bad of ['../x', 'models/../../x', '/etc/passwd', 'C:/x', 'a\\b', '', 'a//b', './a']) {
      assert.equal(isSafeRelativePath(bad), false, bad);
      assert.throws(() => planExampleCopy([{ path: bad, target: 'missing' }]), /not a relative path inside the examples/, bad);
    }
    for (const good of ['models/iris/1/model.onnx', '.modeldeck/deployments/iris.json', 'a..b']) assert.equal(isSafeRelativePath(good), true, good);
  });
});

describe('example workspace: on disk', () => {
  it('lists the bundled registry, deployment files and requests (not the script or README)', async () => {
    const files = await listExampleFiles(EXAMPLES);
    for (const f of [
      'models/iris/2/model.onnx',
      'models/iris/2/model.json',
      'models/digits/1/model.onnx',
      'models/digits-cnn/1/labels.txt',
      '.modeldeck/deployments/iris.json',
      'requests/iris.request.json',
      'scripts/irisPredictor.js',
    ]) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    assert.ok(!files.some((f) => /make_models|README|__pycache__/.test(f)), files.join(', '));
    assert.deepEqual(files, [...files].sort());
  });

  it('copies everything into an empty folder; a second run finds every file the same and writes nothing', async () => {
    const target = await newTarget();
    const files = await listExampleFiles(EXAMPLES);
    const first = planExampleCopy(await inspectTarget(EXAMPLES, target, files));
    assert.equal(first.create.length, files.length);
    const written = await copyExampleFiles(EXAMPLES, target, filesToWrite(first));
    assert.equal(written.length, files.length);
    for (const f of files) assert.ok((await fs.readFile(path.join(target, f))).equals(await fs.readFile(path.join(EXAMPLES, f))), f);
    const again = planExampleCopy(await inspectTarget(EXAMPLES, target, files));
    assert.deepEqual(again, { create: [], unchanged: files, conflicts: [], blocked: [] });
    assert.deepEqual(filesToWrite(again), []);
  });

  it('finds a changed file as a conflict and leaves it alone with "keep"; "overwrite" replaces it', async () => {
    const target = await newTarget();
    await write(target, 'requests/iris.request.json', '{"mine": true}\n');
    const files = await listExampleFiles(EXAMPLES);
    const plan = planExampleCopy(await inspectTarget(EXAMPLES, target, files));
    assert.deepEqual(plan.conflicts, ['requests/iris.request.json']);
    await copyExampleFiles(EXAMPLES, target, filesToWrite(plan, 'keep'));
    assert.equal(await fs.readFile(path.join(target, 'requests/iris.request.json'), 'utf8'), '{"mine": true}\n');
    assert.ok(await fs.stat(path.join(target, 'models/iris/2/model.onnx')));
    const again = planExampleCopy(await inspectTarget(EXAMPLES, target, files));
    assert.deepEqual(again.create, []);
    assert.deepEqual(again.conflicts, ['requests/iris.request.json']);
    await copyExampleFiles(EXAMPLES, target, filesToWrite(again, 'overwrite'));
    assert.equal(await fs.readFile(path.join(target, 'requests/iris.request.json'), 'utf8'), await fs.readFile(path.join(EXAMPLES, 'requests/iris.request.json'), 'utf8'));
  });

  it('a same-size file with other bytes is a conflict, not "the same"', async () => {
    const target = await newTarget();
    const original = await fs.readFile(path.join(EXAMPLES, 'requests/iris.request.json'));
    const changed = Buffer.from(original);
    changed[changed.length - 2] = changed[changed.length - 2] === 0x20 ? 0x21 : 0x20;
    await write(target, 'requests/iris.request.json', changed);
    const [f] = await inspectTarget(EXAMPLES, target, ['requests/iris.request.json']);
    assert.equal(f?.target, 'different');
  });

  it('a folder, a file in place of a folder, or a link is blocked and never written through', async () => {
    const target = await newTarget();
    await fs.mkdir(path.join(target, 'requests', 'iris.request.json'), { recursive: true }); // a folder where a file goes
    await write(target, 'models', 'a file where the models folder goes');
    const outside = await newTarget();
    await fs.mkdir(path.join(target, '.modeldeck'), { recursive: true });
    await fs.symlink(outside, path.join(target, '.modeldeck', 'deployments'));
    const files = await listExampleFiles(EXAMPLES);
    const plan = planExampleCopy(await inspectTarget(EXAMPLES, target, files));
    assert.ok(plan.blocked.includes('requests/iris.request.json'), plan.blocked.join(', '));
    assert.ok(plan.blocked.includes('models/iris/2/model.onnx'), plan.blocked.join(', '));
    assert.ok(plan.blocked.includes('.modeldeck/deployments/iris.json'), plan.blocked.join(', '));
    assert.ok(plan.create.includes('requests/digits.request.json'));
    await copyExampleFiles(EXAMPLES, target, filesToWrite(plan));
    assert.deepEqual(await fs.readdir(outside), [], 'nothing written through the link');
    assert.equal(await fs.readFile(path.join(target, 'models'), 'utf8'), 'a file where the models folder goes');
  });

  it('the picked folder may itself be a link', async () => {
    const real = await newTarget();
    const link = path.join(tmp, `link${++counter}`);
    await fs.symlink(real, link);
    const files = await listExampleFiles(EXAMPLES);
    const plan = planExampleCopy(await inspectTarget(EXAMPLES, link, files));
    assert.equal(plan.create.length, files.length);
    assert.deepEqual(plan.blocked, []);
  });

  it('a file that appears after the plan was made is not overwritten', async () => {
    const target = await newTarget();
    const plan = planExampleCopy(await inspectTarget(EXAMPLES, target, ['requests/iris.request.json']));
    await write(target, 'requests/iris.request.json', 'arrived meanwhile');
    await assert.rejects(copyExampleFiles(EXAMPLES, target, filesToWrite(plan)), /requests\/iris\.request\.json appeared in .* while copying/);
    assert.equal(await fs.readFile(path.join(target, 'requests/iris.request.json'), 'utf8'), 'arrived meanwhile');
  });
});
