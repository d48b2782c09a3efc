/**
 * The deployment form's logger section: a sink that matches none of the three forms gets an error
 * under the sink field naming them; Kafka without a topic or a port its own; a file sink on KServe
 * is refused; good sinks of each form pass and reach the spec unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultForm, type DeploymentFormState, type FormCatalog } from '../../src/core/deployment/deploymentForm';
import { validateDeploymentForm } from '../../src/core/deployment/validateDeploymentForm';

const CATALOG: FormCatalog = { models: [{ name: 'iris', versions: [{ version: 1, metrics: {} }, { version: 2, metrics: {} }] }] };
const form = (patch: Partial<DeploymentFormState>): DeploymentFormState => ({ ...defaultForm({ name: 'iris-log', model: 'iris' }), 'inferenceLogger.mode': 'all', ...patch });
const sinkError = (f: DeploymentFormState) => validateDeploymentForm(f, CATALOG).problems.find((p) => p.key === 'inferenceLogger.sink')?.message;

describe('deployment form: inference logger sink', () => {
  it('each of the three forms passes and reaches the spec', () => {
    for (const sink of ['logs/iris.jsonl', 'file:///var/log/iris.jsonl', 'https://collector.example.com/inference', 'kafka://b1:9092,b2:9092/inference-log']) {
      const v = validateDeploymentForm(form({ 'inferenceLogger.sink': sink }), CATALOG);
      assert.equal(v.ok, true, `${sink}: ${JSON.stringify(v.problems)}`);
      assert.deepEqual(v.spec!.inferenceLogger, { mode: 'all', sink });
    }
    assert.equal(validateDeploymentForm(form({ 'inferenceLogger.sink': '' }), CATALOG).ok, true); // the server log
  });

  it('a sink of no known form: an error under the field naming the three', () => {
    const m = sinkError(form({ 'inferenceLogger.sink': 's3://bucket/logs' }));
    assert.ok(m, 'no error under inferenceLogger.sink');
    assert.match(m, /unknown sink form "s3:\/\/"/);
    assert.match(m, /file \(logs\/iris\.jsonl\), http\(s\) \(https:\/\/[^)]+\), kafka \(kafka:\/\/broker:9092\/inference-log\)/);
  });

  it('kafka without a topic or a port: its own message', () => {
    assert.match(sinkError(form({ 'inferenceLogger.sink': 'kafka://broker:9092' }))!, /names no topic/);
    assert.match(sinkError(form({ 'inferenceLogger.sink': 'kafka://broker/logs' }))!, /"broker" has no port/);
  });

  it('mode "none" ignores the sink; on KServe a file sink is refused', () => {
    assert.equal(sinkError(form({ 'inferenceLogger.mode': 'none', 'inferenceLogger.sink': 's3://x' })), undefined);
    const kserve = form({ servingTool: 'kserve', 'inferenceLogger.sink': 'logs/iris.jsonl', kserve: { storageUri: 's3://b/m' } });
    assert.match(sinkError(kserve)!, /no meaning on KServe/);
    assert.equal(sinkError({ ...kserve, 'inferenceLogger.sink': 'kafka://b:9092/t' }), undefined);
  });
});
