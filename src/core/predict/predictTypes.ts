/**
 * Types of the predict panel's data, shared by the extension host and the webview page (which
 * type-checks with DOM libraries only): plain data, no imports, no Node or VS Code types.
 */

/** How a request travels: OIP V2 REST with JSON tensors, REST with the binary tensor extension, or gRPC. */
export type Transport = 'rest-json' | 'rest-binary' | 'grpc';

/** Request body shape: OIP V2 tensors, or KServe V1 `instances` (REST only, single-input models). */
export type RequestFormat = 'v2' | 'v1';

/** One tensor of model metadata; -1 marks a dynamic dimension. */
export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
}

/** A predictor or transformer script serving a deployment (`parameters.predictor_script` / `transformer_script`). */
export interface ScriptInfo {
  /** The script file (absolute, as the server runs it). */
  path: string;
  /** `Predictor`, `Transformer` or the older `Predict`. */
  className: string;
  /** What runs it, e.g. "Python 3.11.2 (/usr/bin/python3)" or "Node 20.19.0 (worker thread)". */
  runtime: string;
  /** The methods the class has (predict, classify, preprocess, …). */
  methods: string[];
}

/** What `GET /v2/models/{m}` says about a served model, reduced to what the panel uses. */
export interface ModelMetadataView {
  /** Served (deployment) name. */
  name: string;
  versions: string[];
  /** `onnxruntime_onnx`, or `python_script` / `js_script` for a predictor script (which declares no signature). */
  platform?: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** The predictor script, when one serves the model. */
  predictorScript?: ScriptInfo;
  /** The transformer script in front of the predictor, when there is one. */
  transformerScript?: ScriptInfo;
  /** Class labels (line n of the labels file labels class n), when the model has them. */
  labels?: string[];
  /** onnxruntime execution provider in use ("cpu", "cuda", …). */
  executionProvider?: string;
}

/** A scalar tensor element as shown: INT64/UINT64 beyond 2^53 stay exact as strings. */
export type TensorValue = number | string | boolean;

/** An output tensor, decoded from whichever transport carried it; `data` is flat, row-major. */
export interface ResultTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: TensorValue[];
  /** For integer class-index outputs when labels exist: the label of each element. */
  labels?: (string | undefined)[];
}

/** One ranked class of one row. */
export interface TopKEntry {
  /** Class index (position in the row). */
  index: number;
  label?: string;
  /** The output's own value (probability or logit). */
  score: number;
  /** Softmax of the row when the output holds logits; the score itself when it holds probabilities. */
  probability: number;
}

/** The k best classes of each row of one classifier output. */
export interface TopKTable {
  output: string;
  k: number;
  /** Whether scores were already probabilities (rows sum to 1) or logits (softmax applied for `probability`). */
  scores: 'probability' | 'logit';
  rows: TopKEntry[][];
}

/** Client-measured latency and the server's own timing (`parameters.queue_ms` / `compute_ms`). */
export interface InferTiming {
  clientMs: number;
  queueMs?: number;
  computeMs?: number;
}

/** The result of sending one request. */
export type InferOutcome = InferSuccess | InferFailure;

export interface InferSuccess {
  ok: true;
  transport: Transport;
  format: RequestFormat;
  modelName?: string;
  modelVersion?: string;
  id?: string;
  outputs: ResultTensor[];
  /** V1 answers: the `predictions` list as received, one per instance. */
  predictions?: unknown[];
  topK: TopKTable[];
  /** The response as received: JSON text (pretty), with binary parts summarised. */
  raw: string;
  timing: InferTiming;
}

export interface InferFailure {
  ok: false;
  transport: Transport;
  format: RequestFormat;
  /** One line saying what went wrong: a check, the server's error, or the connection failure. */
  error: string;
  /** Every problem found before sending (input checks), each naming its input. */
  problems?: string[];
  /** HTTP status or gRPC status name, when the server answered. */
  status?: string;
  /** The deployment's script raised the error (`"<script> raised ValueError: …"`), not the server's checks. */
  scriptError?: boolean;
  raw?: string;
  timing?: InferTiming;
}

/** How two outcomes of the same model differ, output by output. */
export interface OutputComparison {
  name: string;
  shapeA?: number[];
  shapeB?: number[];
  /** Largest absolute difference over numeric elements (same shape only). */
  maxAbsDiff?: number;
  /** Elements that differ at all (same shape only). */
  changed?: number;
  total?: number;
  /** Rows whose top-1 class differs (classifier outputs only). */
  top1Changes?: { row: number; a: string; b: string }[];
  /** "only in A", "only in B", "shapes differ", "identical" … */
  note: string;
}
