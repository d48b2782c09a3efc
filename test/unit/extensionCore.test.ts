import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { curlForDeployment, shellQuote } from '../../src/core/deployment/curlCommand';
import { deploymentNameFor, parseMetrics } from '../../src/core/deployment/naming';
import { ModelRegistry } from '../../src/core/registry/modelRegistry';
import { describeSignature, readOnnxSignature } from '../../src/core/registry/onnxSignature';
import { RegistrySet } from '../../src/core/registry/registrySet';
import { bestVersionOf, keyMetric, metricDirection, versionDescription, versionTooltipLines } from '../../src/core/registry/versionSummary';
import { choosePort, isPortFree } from '../../src/core/server/freePort';
import { LineSplitter, formatServerLogLine, parseServerLogLine } from '../../src/core/server/logLine';
import { RestartBackoff } from '../../src/core/server/restartBackoff';
import { EXAMPLE_REGISTRY, FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';

describe('server log lines', () => {
  it('parses the server JSON lines and keeps every other field', () => {
    const l = parseServerLogLine('{"time":"2026-11-22T00:00:00.000Z","level":"debug","msg":"inference","deployment":"iris","requestId":"r1","latencyMs":0.5}');
    assert.equal(l.level, 'debug');
    assert.equal(l.deployment, 'iris');
    assert.equal(l.requestId, 'r1');
    assert.deepEqual(l.fields, { latencyMs: 0.5 });
    assert.equal(formatServerLogLine(l), '[iris] inference requestId=r1 latencyMs=0.5');
  });

  it('keeps lines that are not ours, flagging crash-looking ones as errors', () => {
    assert.equal(parseServerLogLine('Segmentation fault (core dumped)').level, 'info');
    const crash = parseServerLogLine('Error: Cannot find module x');
    assert.equal(crash.level, 'error');
    assert.equal(crash.msg, 'Error: Cannot find module x');
    assert.equal(parseServerLogLine('{"not":"ours"}').msg, '{"not":"ours"}');
  });

  it('splits chunks into whole lines, waiting for the newline', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 10);
    s.push('ab');
    s.push('c\nde');
    assert.deepEqual(lines, ['abc']);
    s.push('f\n\ng\n');
    assert.deepEqual(lines, ['abc', 'def', 'g']);
    s.push('0123456789abc');
    assert.deepEqual(lines.slice(3), ['0123456789abc'], 'an over-long line is flushed rather than buffered forever');
    s.push('tail');
    s.end();
    assert.deepEqual(lines.slice(4), ['tail']);
  });
});

describe('restart backoff', () => {
  it('doubles up to the cap, gives up after maxAttempts quick deaths, resets after a stable run', () => {
    const b = new RestartBackoff(500, 4000, 60_000, 5);
    assert.deepEqual([b.next(10), b.next(10), b.next(10), b.next(10), b.next(10)], [500, 1000, 2000, 4000, 4000]);
    assert.equal(b.next(10), undefined);
    assert.equal(b.next(60_000), 500, 'a run of a minute counts as stable');
  });
});

describe('ports', () => {
  it('keeps a free preferred port and picks another when it is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      assert.equal(await isPortFree(taken, '127.0.0.1'), false);
      const other = await choosePort(taken, '127.0.0.1');
      assert.notEqual(other, taken);
      assert.equal(await isPortFree(other, '127.0.0.1'), true);
    } finally {
      blocker.close();
    }
    assert.equal(await choosePort(taken, '127.0.0.1'), taken, 'free again: preferred port kept');
  });
});

describe('registry summaries', () => {
  it('names the key metric, the best version and the tooltip of the example iris model', async () => {
    const reg = new ModelRegistry(EXAMPLE_REGISTRY);
    const versions = [await reg.getVersion('iris', 1), await reg.getVersion('iris', 2)];
    assert.equal(keyMetric(versions), 'accuracy');
    assert.equal(bestVersionOf(versions, 'accuracy'), 2);
    assert.equal(bestVersionOf(versions, 'accuracy', 'min'), 1);
    assert.equal(bestVersionOf(versions, 'nope'), undefined);
    assert.equal(metricDirection('val_loss'), 'min');
    assert.equal(metricDirection('f1_macro'), 'max');
    assert.equal(versionDescription(versions[1]!, 'accuracy'), 'accuracy 0.9111');
    const tip = versionTooltipLines(versions[1]!, 'sig', true).join('\n');
    assert.match(tip, /version 2 \(best\)/);
    assert.match(tip, /accuracy 0\.9111, f1_macro 0\.9107/);
    assert.match(tip, /Framework: sklearn/);
    assert.match(tip, /Created: 2026-11-01/);
    assert.match(tip, /Signature: sig/);
  });

  it('reads ONNX signatures from the file exactly as onnxruntime reports them', async () => {
    for (const file of [
      path.join(EXAMPLE_REGISTRY, 'iris', '2', 'model.onnx'),
      path.join(EXAMPLE_REGISTRY, 'digits-cnn', '1', 'model.onnx'),
      path.join(FIXTURE_MODELS, 'alltypes', '1', 'model.onnx'),
    ]) {
      const sig = await readOnnxSignature(file);
      const session = await ort.InferenceSession.create(file);
      try {
        assert.deepEqual(sig.inputs.map((i) => i.name), session.inputNames);
        assert.deepEqual(sig.outputs.map((o) => o.name), session.outputNames);
        session.inputMetadata.forEach((m, i) => {
          if (!m.isTensor) return;
          assert.deepEqual(sig.inputs[i]!.shape, m.shape.map((d) => (typeof d === 'number' ? d : -1)), `${file} ${m.name}`);
        });
      } finally {
        await session.release();
      }
    }
    assert.equal(describeSignature(await readOnnxSignature(path.join(EXAMPLE_REGISTRY, 'iris', '2', 'model.onnx'))), 'float_input FP32 [-1,4] → label INT64 [-1], probabilities FP32 [-1,3]');
    await assert.rejects(readOnnxSignature(path.join(FIXTURE_MODELS, 'broken', '1', 'model.onnx')));
  });

  it('reads several registries as one, first registry wins', async () => {
    const a = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [1] }]);
    const b = await tempRegistry([{ from: EXAMPLE_REGISTRY, name: 'iris', versions: [1, 2] }, { from: EXAMPLE_REGISTRY, name: 'digits' }]);
    const set = new RegistrySet([a, '/nonexistent/registry', b]);
    assert.deepEqual(await set.listModels(), ['digits', 'iris']);
    assert.equal((await set.resolve('iris', 'latest')).version, 1, 'iris comes from the first registry');
    assert.equal((await set.resolve('digits', 'latest')).dir, path.join(b, 'digits', '1'));
    await assert.rejects(set.resolve('resnet', 'latest'), /resnet.*models: digits, iris/);
  });
});

describe('names, metrics and curl', () => {
  it('makes DNS-1123 deployment names', () => {
    assert.equal(deploymentNameFor('Iris_Classifier.v2'), 'iris-classifier-v2');
    assert.equal(deploymentNameFor('iris', 1), 'iris-v1');
    assert.equal(deploymentNameFor('___'), 'model');
    const long = deploymentNameFor('x'.repeat(80), 12);
    assert.equal(long.length, 63);
    assert.match(long, /-v12$/);
  });

  it('parses metrics typed by a person', () => {
    assert.deepEqual(parseMetrics('accuracy=0.93, f1: 0.9 ,loss=1e-3'), { accuracy: 0.93, f1: 0.9, loss: 0.001 });
    assert.deepEqual(parseMetrics(''), {});
    assert.match(parseMetrics('accuracy=high') as string, /"accuracy=high" is not name=number/);
  });

  it('writes a curl that survives the shell, quotes included', () => {
    const body = { inputs: [{ name: "it's", shape: [1], datatype: 'BYTES', data: ["a'b\"c $HOME"] }] };
    const curl = curlForDeployment('http://127.0.0.1:8080', 'iris', body);
    assert.match(curl, /^curl -s -X POST http:\/\/127\.0\.0\.1:8080\/v2\/models\/iris\/infer/);
    const echoed = execFileSync('bash', ['-c', `printf %s ${shellQuote(JSON.stringify(body))}`], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(echoed), body);
    assert.equal(curlForDeployment('http://h:1', 'm'), 'curl -s http://h:1/v2/models/m');
  });
});
