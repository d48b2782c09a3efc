/**
 * Deployment → Triton Inference Server model repository: `<name>/config.pbtxt` and
 * `<name>/<version>/model.onnx` (Triton's layout), with the onnxruntime backend.
 *
 * Mapping (Triton docs: user_guide/model_configuration.md):
 * - batcher on and a batchable model → `max_batch_size` = maxBatchSize, dims without the batch
 *   dimension, `dynamic_batching` { max_queue_delay_microseconds = maxLatencyMs × 1000,
 *   default_queue_policy.max_queue_size = maxQueueSize }. A tensor of shape [batch] becomes
 *   `dims: [ 1 ]` with `reshape: { shape: [ ] }` (Triton's rule for batch-only tensors).
 * - batcher off, or a model whose first dimension is fixed → `max_batch_size: 0` and the full
 *   shapes (-1 for dynamic): clients send any batch, nothing is queued, as in ModelDeck.
 * - resources.instances → `instance_group [{ count, kind }]`: KIND_GPU when the deployment asks for
 *   GPUs or a GPU provider first, with `gpus` listing 0…gpu-1; TensorRT first →
 *   `optimization.execution_accelerators.gpu_execution_accelerator: [{ name: "tensorrt" }]`.
 * - the served version → `version_policy: { specific: { versions: [ v ] } }`.
 * - a labels file → `label_filename` on the classifier output with as many classes.
 */
import { assertOnnx, batchable, commonNotes, ExportError, numericShape, type ExportInput, type ExportResult, type ExportTensor } from './exportTypes';

const TRITON_TYPES: Record<string, string> = {
  BOOL: 'TYPE_BOOL', UINT8: 'TYPE_UINT8', UINT16: 'TYPE_UINT16', UINT32: 'TYPE_UINT32', UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8', INT16: 'TYPE_INT16', INT32: 'TYPE_INT32', INT64: 'TYPE_INT64',
  FP16: 'TYPE_FP16', FP32: 'TYPE_FP32', FP64: 'TYPE_FP64', BF16: 'TYPE_BF16', BYTES: 'TYPE_STRING',
};

const GPU_PROVIDERS = new Set(['cuda', 'tensorrt']);

export function tritonExport(input: ExportInput, opts: { labelCount?: number } = {}): ExportResult {
  const { spec } = input;
  assertOnnx(spec, 'Triton');
  const notes = commonNotes(spec);
  const canBatch = batchable(input);
  const batching = spec.batcher.enabled && canBatch;
  if (spec.batcher.enabled && !canBatch) notes.push('batcher is on, but the model has a fixed first dimension: Triton cannot batch it either (max_batch_size: 0).');
  if (batching) notes.push(`Triton refuses a single request of more than ${spec.batcher.maxBatchSize} rows (max_batch_size); ModelDeck only stops combining at that size.`);
  if (spec.protocol === 'grpc') notes.push('protocol: Triton serves REST (8000) and gRPC (8001) at once.');

  const labelled = opts.labelCount !== undefined && input.labelsFile ? labelOutput(input.outputs, opts.labelCount) : undefined;
  const lines: string[] = [];
  lines.push(`name: ${str(spec.name)}`);
  lines.push('platform: "onnxruntime_onnx"');
  lines.push(`max_batch_size: ${batching ? spec.batcher.maxBatchSize : 0}`);
  lines.push(`version_policy: { specific: { versions: [ ${input.version} ] } }`);
  lines.push(...tensorList('input', input.inputs, batching));
  lines.push(...tensorList('output', input.outputs, batching, labelled));
  if (batching) {
    lines.push('dynamic_batching {');
    lines.push(`  max_queue_delay_microseconds: ${Math.round(spec.batcher.maxLatencyMs * 1000)}`);
    lines.push(`  default_queue_policy { max_queue_size: ${spec.batcher.maxQueueSize} }`);
    lines.push('}');
  }
  const providers = spec.resources.executionProviders;
  const gpu = spec.resources.gpu > 0 || GPU_PROVIDERS.has(providers[0] ?? 'cpu');
  lines.push('instance_group [');
  lines.push('  {');
  lines.push(`    count: ${spec.resources.instances}`);
  lines.push(`    kind: ${gpu ? 'KIND_GPU' : 'KIND_CPU'}`);
  if (gpu && spec.resources.gpu > 0) lines.push(`    gpus: [ ${Array.from({ length: spec.resources.gpu }, (_, i) => i).join(', ')} ]`);
  lines.push('  }');
  lines.push(']');
  if (providers[0] === 'tensorrt') {
    lines.push('optimization { execution_accelerators {');
    lines.push('  gpu_execution_accelerator: [ { name: "tensorrt" } ]');
    lines.push('} }');
  }
  const unsupported = providers.filter((p) => !['cpu', 'cuda', 'tensorrt'].includes(p));
  if (unsupported.length > 0) notes.push(`execution providers ${unsupported.join(', ')} have no Triton onnxruntime-backend setting; CPU or GPU instances are used.`);

  const dir = spec.name;
  return {
    target: 'triton',
    files: [
      { path: `${dir}/config.pbtxt`, text: lines.join('\n') + '\n' },
      { path: `${dir}/${input.version}/model.onnx`, copyFrom: input.modelFile },
      ...(labelled && input.labelsFile ? [{ path: `${dir}/labels.txt`, copyFrom: input.labelsFile }] : []),
    ],
    notes,
  };
}

function tensorList(kind: 'input' | 'output', tensors: ExportTensor[], batching: boolean, labelled?: string): string[] {
  const out = [`${kind} [`];
  tensors.forEach((t, i) => {
    const type = TRITON_TYPES[t.datatype];
    if (!type) throw new ExportError(`${kind} ${t.name} has datatype ${t.datatype}, which Triton cannot carry`);
    const shape = numericShape(t.shape);
    const dims = batching ? shape.slice(1) : shape;
    out.push('  {');
    out.push(`    name: ${str(t.name)}`);
    out.push(`    data_type: ${type}`);
    // A batch-only tensor ([batch]) has no dims left: Triton wants [ 1 ] reshaped to a scalar.
    if (dims.length === 0) out.push('    dims: [ 1 ]', '    reshape: { shape: [ ] }');
    else out.push(`    dims: [ ${dims.join(', ')} ]`);
    if (labelled === t.name) out.push('    label_filename: "labels.txt"');
    out.push(i === tensors.length - 1 ? '  }' : '  },');
  });
  out.push(']');
  return out;
}

/** The output that holds one score per class: [batch, classes] with as many classes as labels. */
function labelOutput(outputs: ExportTensor[], classes: number): string | undefined {
  return outputs.find((o) => o.datatype.startsWith('FP') && o.shape.length === 2 && o.shape[1] === classes)?.name;
}

/** A protobuf text-format string literal. */
function str(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
