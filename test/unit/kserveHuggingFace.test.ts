/**
 * LLM deployments on KServe's Hugging Face runtime: `kserve.modelFormat: "huggingface"` with
 * `kserve.llm` runtime arguments becomes an InferenceService the real CRD accepts (strict), with the
 * vLLM backend and GPU limits when a GPU is requested; impossible settings fail naming the key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';
import { buildInferenceService } from '../../src/core/kserve/inferenceServiceBuilder';
import { KServeError } from '../../src/core/kserve/kserveErrors';
import { assertValidInferenceService } from '../support/kserveCrd';

function hf(patch: { kserve?: Record<string, unknown>; resources?: Record<string, unknown>; [k: string]: unknown } = {}): ReturnType<typeof parseDeployment> {
  const { kserve, resources, ...rest } = patch;
  return parseDeployment({
    name: 'qwen-chat',
    model: { name: 'qwen' },
    servingTool: 'kserve',
    ...rest,
    resources: { ...resources },
    kserve: { namespace: 'ml-team', modelFormat: 'huggingface', storageUri: 'hf://Qwen/Qwen2.5-0.5B-Instruct', ...kserve },
  });
}

function build(spec: ReturnType<typeof parseDeployment>): Record<string, any> {
  const m = buildInferenceService(spec);
  assertValidInferenceService(m, JSON.stringify(spec.kserve));
  return m as unknown as Record<string, any>;
}

function expectInvalid(spec: ReturnType<typeof parseDeployment>, key: string, fragment: RegExp): void {
  assert.throws(
    () => buildInferenceService(spec),
    (err: unknown) => {
      assert.ok(err instanceof KServeError, String(err));
      assert.deepEqual(err.details, [key]);
      assert.match(err.message, fragment);
      return true;
    },
  );
}

describe('KServe Hugging Face runtime (LLMs)', () => {
  it('a GPU deployment runs the vLLM backend with the runtime arguments and GPU limits', () => {
    const m = build(hf({ resources: { gpu: 2, memory: '24Gi' }, kserve: { storageUri: 'hf://Qwen/Qwen2.5-0.5B-Instruct:7ae557604adf67be50417f59c2c2f167def9a775', llm: { maxModelLen: 4096, dtype: 'bfloat16', tensorParallelSize: 2, gpuMemoryUtilization: 0.85, args: ['--enable-prefix-caching'] } } }));
    const model = m.spec.predictor.model;
    assert.deepEqual(model.modelFormat, { name: 'huggingface' });
    assert.equal(model.storageUri, 'hf://Qwen/Qwen2.5-0.5B-Instruct:7ae557604adf67be50417f59c2c2f167def9a775');
    assert.deepEqual(model.args, ['--model_name=qwen-chat', '--backend=vllm', '--dtype=bfloat16', '--max-model-len=4096', '--tensor-parallel-size=2', '--gpu-memory-utilization=0.85', '--enable-prefix-caching']);
    assert.equal(model.resources.limits['nvidia.com/gpu'], '2');
    assert.equal(model.resources.limits.memory, '24Gi');
    assert.equal(model.runtime, undefined); // KServe picks kserve-huggingfaceserver by format
  });

  it('without a GPU: the transformers backend (max_length), on CPU', () => {
    const m = build(hf({ kserve: { llm: { maxModelLen: 2048, task: 'text_generation' } } }));
    assert.deepEqual(m.spec.predictor.model.args, ['--model_name=qwen-chat', '--backend=huggingface', '--task=text_generation', '--max_length=2048']);
    assert.equal(m.spec.predictor.model.resources, undefined);
  });

  it('s3://, gs:// and pvc:// storage validate too; a runtime can be named', () => {
    for (const storageUri of ['s3://bucket/llms/qwen', 'gs://bucket/llms/qwen', 'pvc://llm-weights/qwen']) {
      assert.equal(build(hf({ kserve: { storageUri } })).spec.predictor.model.storageUri, storageUri);
    }
    assert.equal(build(hf({ kserve: { runtime: 'kserve-huggingfaceserver' } })).spec.predictor.model.runtime, 'kserve-huggingfaceserver');
  });

  it('refuses what the runtime cannot take, naming the key', () => {
    expectInvalid(hf({ kserve: { storageUri: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct' } }), 'kserve.storageUri', /hf:\/\/org\/model\[:revision\]/);
    expectInvalid(hf({ kserve: { storageUri: 'hf://just-a-name' } }), 'kserve.storageUri', /hf:\/\/org\/model/);
    expectInvalid(hf({ kserve: { llm: { backend: 'vllm' } } }), 'kserve.llm.backend', /needs a GPU/);
    expectInvalid(hf({ resources: { gpu: 1 }, kserve: { llm: { tensorParallelSize: 4 } } }), 'kserve.llm.tensorParallelSize', /resources\.gpu is 1/);
    expectInvalid(hf({ kserve: { modelFormat: 'onnx', storageUri: 's3://b/m', llm: { dtype: 'float16' } } }), 'kserve.llm', /need kserve\.modelFormat "huggingface"/);
  });

  it('the deployment schema checks kserve.llm', () => {
    assert.throws(() => hf({ kserve: { llm: { dtype: 'int3' } } }), /dtype/);
    assert.throws(() => hf({ kserve: { llm: { maxModelLen: 0 } } }), /maxModelLen/);
    assert.throws(() => hf({ kserve: { llm: { temperature: 1 } } }), /temperature|additional/i);
  });
});

describe('the deployment form with kserve.llm', () => {
  it('kserve.llm is a JSON field: a spec with it comes back unchanged through the form', async () => {
    const { formFromSpec, KSERVE_FIELDS } = await import('../../src/core/deployment/deploymentForm');
    const { validateDeploymentForm } = await import('../../src/core/deployment/validateDeploymentForm');
    assert.equal(KSERVE_FIELDS.find((f) => f.key === 'llm')?.kind, 'json');
    const spec = hf({ resources: { gpu: 1 }, kserve: { llm: { maxModelLen: 4096, dtype: 'bfloat16', args: ['--enable-prefix-caching'] } } });
    const form = formFromSpec(spec);
    assert.equal(form.kserve.llm, '{"maxModelLen":4096,"dtype":"bfloat16","args":["--enable-prefix-caching"]}');
    // The model comes from storageUri (hf://), so it need not be in the registry.
    const v = validateDeploymentForm(form, { models: [] });
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.deepEqual(v.spec?.kserve.llm, spec.kserve.llm);
    const bad = validateDeploymentForm({ ...form, kserve: { ...form.kserve, llm: '{"dtype": "int3"}' } }, { models: [] });
    assert.equal(bad.ok, false);
    assert.ok(bad.problems.some((p) => p.key === 'kserve.llm'), JSON.stringify(bad.problems));
  });
});
