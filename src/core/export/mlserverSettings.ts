/**
 * Deployment → MLServer model folder: `<name>/model-settings.json`, `<name>/model.onnx`, and a
 * small custom runtime (`modeldeck_onnx_runtime.py`, an `MLModel` on onnxruntime): MLServer ships no
 * ONNX runtime of its own, and a custom runtime in the model's folder is how its docs serve one.
 *
 * Mapping (MLServer docs: reference/model-settings): batcher on → `max_batch_size` = maxBatchSize
 * and `max_batch_time` = maxLatencyMs / 1000 (seconds); off → 0 and 0 (adaptive batching off);
 * resources.instances → `parallel_workers` (inference processes; MLServer prefers the server-wide
 * setting, so a note says so); inputs/outputs → `inputs`/`outputs` metadata (-1 for dynamic);
 * the served version → `parameters.version`.
 */
import { assertOnnx, commonNotes, numericShape, type ExportInput, type ExportResult, type ExportTensor } from './exportTypes';

export const MLSERVER_RUNTIME_MODULE = 'modeldeck_onnx_runtime';
export const MLSERVER_RUNTIME_CLASS = 'OnnxRuntimeModel';

/** The model-settings.json object (also what the tests read back). */
export interface MlserverModelSettings {
  name: string;
  implementation: string;
  platform: string;
  max_batch_size: number;
  max_batch_time: number;
  parallel_workers: number;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
  parameters: { uri: string; version: string; extra?: Record<string, unknown> };
}

const PROVIDERS: Record<string, string> = { cpu: 'CPUExecutionProvider', cuda: 'CUDAExecutionProvider', tensorrt: 'TensorrtExecutionProvider', dml: 'DmlExecutionProvider', coreml: 'CoreMLExecutionProvider', webgpu: 'WebGpuExecutionProvider' };

export function mlserverSettings(input: ExportInput): MlserverModelSettings {
  const { spec } = input;
  const meta = (t: ExportTensor) => ({ name: t.name, datatype: t.datatype, shape: numericShape(t.shape) });
  return {
    name: spec.name,
    implementation: `${MLSERVER_RUNTIME_MODULE}.${MLSERVER_RUNTIME_CLASS}`,
    platform: 'onnx',
    max_batch_size: spec.batcher.enabled ? spec.batcher.maxBatchSize : 0,
    max_batch_time: spec.batcher.enabled ? spec.batcher.maxLatencyMs / 1000 : 0,
    parallel_workers: spec.resources.instances,
    inputs: input.inputs.map(meta),
    outputs: input.outputs.map(meta),
    parameters: { uri: './model.onnx', version: String(input.version), extra: { providers: spec.resources.executionProviders.map((p) => PROVIDERS[p] ?? p) } },
  };
}

export function mlserverExport(input: ExportInput): ExportResult {
  const { spec } = input;
  assertOnnx(spec, 'MLServer');
  const notes = commonNotes(spec);
  notes.push('parallel_workers is per model here; MLServer also reads (and prefers) the server-wide parallel_workers in settings.json.');
  if (spec.batcher.enabled) notes.push(`max_queue_size (${spec.batcher.maxQueueSize}) has no MLServer model setting.`);
  const dir = spec.name;
  return {
    target: 'mlserver',
    files: [
      { path: `${dir}/model-settings.json`, text: JSON.stringify(mlserverSettings(input), null, 2) + '\n' },
      { path: `${dir}/model.onnx`, copyFrom: input.modelFile },
      { path: `${dir}/${MLSERVER_RUNTIME_MODULE}.py`, text: RUNTIME_PY },
    ],
    notes,
  };
}

/** The custom runtime: onnxruntime behind MLServer's MLModel, NumPy codec both ways. */
const RUNTIME_PY = `"""ONNX models in MLServer (written by ModelDeck's "Export as MLServer").

MLServer has no built-in ONNX runtime; this MLModel runs model.onnx with onnxruntime
(pip install mlserver onnxruntime). Providers come from parameters.extra.providers.
"""
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse
from mlserver.utils import get_model_uri


class ${MLSERVER_RUNTIME_CLASS}(MLModel):
    async def load(self) -> bool:
        path = await get_model_uri(self._settings)
        extra = (self._settings.parameters.extra or {}) if self._settings.parameters else {}
        wanted = extra.get("providers") or ["CPUExecutionProvider"]
        available = set(ort.get_available_providers())
        providers = [p for p in wanted if p in available] or ["CPUExecutionProvider"]
        self._session = ort.InferenceSession(path, providers=providers)
        self._outputs = [o.name for o in self._session.get_outputs()]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        feeds = {i.name: NumpyCodec.decode_input(i) for i in payload.inputs}
        wanted = [o.name for o in payload.outputs] if payload.outputs else self._outputs
        results = self._session.run(wanted, feeds)
        return InferenceResponse(
            model_name=self.name,
            model_version=self.version,
            outputs=[NumpyCodec.encode_output(name, value) for name, value in zip(wanted, results)],
        )
`;
