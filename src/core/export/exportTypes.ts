/**
 * What "Export as…" produces: the files of another server's model repository, mapped from a
 * deployment and the model's signature. Pure data; the command writes them.
 */
import type { DeploymentSpec } from '../deployment/deploymentSpec';

/** One graph input or output; a dynamic dimension is a name, `?`, or -1. */
export interface ExportTensor {
  name: string;
  /** OIP datatype (FP32, INT64, BYTES, …). */
  datatype: string;
  shape: (number | string)[];
}

/** What the mappers read: the deployment, the version it resolves to, and that version's files. */
export interface ExportInput {
  spec: DeploymentSpec;
  /** The registered version the deployment serves now (Triton pins it; MLServer records it). */
  version: number;
  inputs: ExportTensor[];
  outputs: ExportTensor[];
  /** The version's model file (copied into the exported layout). */
  modelFile: string;
  /** The version's labels file, when it has one. */
  labelsFile?: string;
}

/** One file of the exported layout: text to write, or a file to copy. */
export type ExportFile = { path: string; text: string } | { path: string; copyFrom: string };

export interface ExportResult {
  target: 'triton' | 'mlserver';
  /** Relative paths under the folder the user picks (the model repository's root). */
  files: ExportFile[];
  /** What did not map one to one, one sentence each (shown after the export). */
  notes: string[];
}

/** The deployment cannot be exported to that server (a script deployment, a datatype it lacks). */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** -1 for every dimension that is not a fixed size (named, `?`, or already -1). */
export function numericShape(shape: (number | string)[]): number[] {
  return shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}

/** Whether every tensor's first dimension is dynamic: only then can a server batch along it. */
export function batchable(input: Pick<ExportInput, 'inputs' | 'outputs'>): boolean {
  return [...input.inputs, ...input.outputs].every((t) => t.shape.length > 0 && numericShape(t.shape)[0] === -1);
}

/** Notes shared by both targets: deployment keys another server has no place for. */
export function commonNotes(spec: DeploymentSpec): string[] {
  const notes: string[] = [];
  if (spec.transformer.script) notes.push(`transformer.script (${spec.transformer.script}) is not exported: run it in front of the server yourself.`);
  if (spec.inferenceLogger.mode !== 'none') notes.push('inferenceLogger is not exported: the other server has its own request logging.');
  if (spec.resources.minReplicas !== 1 || spec.resources.maxReplicas !== 1) notes.push(`replicas (${spec.resources.minReplicas}–${spec.resources.maxReplicas}) are the orchestrator's business (Kubernetes, KServe), not the model configuration's.`);
  if (spec.resources.cpu || spec.resources.memory) notes.push('resources.cpu / resources.memory are container limits: set them where the server runs.');
  return notes;
}

/** Script deployments have no ONNX file to hand over. */
export function assertOnnx(spec: DeploymentSpec, server: string): void {
  if (spec.modelServer !== 'onnx') throw new ExportError(`${spec.name} runs a predictor script: ${server} export covers ONNX deployments only (the script's Predictor class has no ${server} equivalent to map to).`);
}
