import type { LoadedVersion, ScriptRuntime } from '../repository/loadedVersion';
import type { TensorMetadata } from '../tensor/types';

/**
 * OIP model metadata shared by REST and gRPC. A predictor script declares no signature: its
 * inputs and outputs are empty and its platform says which host runs it ("python_script",
 * "js_script"); clients (the predict panel) then send what the script expects without checks.
 */
export function modelMetadata(v: LoadedVersion): { name: string; versions: string[]; platform: string; inputs: TensorMetadata[]; outputs: TensorMetadata[] } {
  const platform = v.script ? (v.script.scriptPath.endsWith('.py') ? 'python_script' : 'js_script') : 'onnxruntime_onnx';
  return { name: v.servedName, versions: [String(v.version)], platform, inputs: v.runtime.inputs, outputs: v.runtime.outputs };
}

/** A script as REST metadata parameters show it. */
export function scriptParameters(s: ScriptRuntime): Record<string, string> {
  return {
    path: s.scriptPath,
    class_name: s.info.className,
    runtime: s.info.runtime,
    methods: s.info.methods.join(','),
    ...(s.interpreter ? { interpreter_source: s.interpreter.source } : {}),
  };
}
