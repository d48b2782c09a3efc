/**
 * The ONNX summary as plain data: shared by the extension host, the CLI and the model view's page
 * (which type-checks with DOM libraries only), so no imports here.
 */

/** One graph input or output; a dynamic dimension is its name (`batch`) or `?` when unnamed. */
export interface OnnxTensorInfo {
  name: string;
  /** OIP datatype name (FP32, INT64, …), `ONNX:<n>` for element types OIP cannot carry, or a non-tensor type. */
  datatype: string;
  shape: (number | string)[];
}

/** One external-data file the weights live in (`location` relative to the model's folder). */
export interface ExternalDataFile {
  location: string;
  /** Tensors stored there. */
  tensors: number;
  /** Bytes those tensors take (their `length`, else element count × element size). */
  bytes: number;
  /** Whether the file exists beside the model (undefined when the model was not read from a file). */
  exists?: boolean;
}

export interface OnnxSummary {
  fileBytes: number;
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graphName?: string;
  /** Operator sets imported; the default domain is shown as `ai.onnx`. */
  opsets: { domain: string; version: number }[];
  metadata: { key: string; value: string }[];
  /** Graph inputs that are not initializers. */
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /** Node count per operator (`domain::Op` outside the default domain), subgraphs included, most used first. */
  operators: { op: string; count: number }[];
  nodeCount: number;
  initializerCount: number;
  /** Elements in all initializers (sparse ones: their stored values). */
  parameterCount: number;
  /** Bytes those elements take (strings: their stored lengths), inside the file or external. */
  weightBytes: number;
  externalData: ExternalDataFile[];
  /** Bytes actually read from storage to build this summary (the rest was skipped). */
  bytesRead: number;
}

/** "1.2 MB" style sizes for the view and the CLI. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
