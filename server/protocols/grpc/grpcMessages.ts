/**
 * Shapes of the decoded gRPC messages the handlers use, as proto-loader produces them with
 * PROTO_LOADER_OPTIONS (snake_case names, 64-bit integers as decimal strings, defaults filled in,
 * oneof member named in `parameter_choice`, bytes as Buffers). Responses are written in the same
 * shape; proto-loader also accepts numbers for 64-bit fields there.
 */

/** InferParameter: one of bool, int64, string, double, uint64. */
export interface InferParameterMessage {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean;
  int64_param?: string | number;
  string_param?: string;
  double_param?: number;
  uint64_param?: string | number;
}

/** InferTensorContents: flat row-major values in the one field of the tensor's datatype. */
export interface InferTensorContentsMessage {
  bool_contents: boolean[];
  int_contents: number[];
  int64_contents: string[];
  uint_contents: number[];
  uint64_contents: string[];
  fp32_contents: number[];
  fp64_contents: number[];
  bytes_contents: Buffer[];
}

/** A field of InferTensorContents. */
export type ContentsField = keyof InferTensorContentsMessage;

/** ModelInferRequest.InferInputTensor. */
export interface InferInputTensorMessage {
  name: string;
  datatype: string;
  shape: string[];
  parameters: Record<string, InferParameterMessage>;
  /** null when the client left it out. */
  contents: InferTensorContentsMessage | null;
}

/** ModelInferRequest. */
export interface ModelInferRequestMessage {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameterMessage>;
  inputs: InferInputTensorMessage[];
  outputs: { name: string; parameters: Record<string, InferParameterMessage> }[];
  raw_input_contents: Buffer[];
}

/** ModelInferResponse.InferOutputTensor as the server writes it. */
export interface InferOutputTensorMessage {
  name: string;
  datatype: string;
  shape: number[];
  /** Typed data; absent when the response travels raw. */
  contents?: Partial<InferTensorContentsMessage>;
}

/** ModelInferResponse as the server writes it. */
export interface ModelInferResponseMessage {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameterMessage>;
  outputs: InferOutputTensorMessage[];
  raw_output_contents: Buffer[];
}

/** ModelRepositoryParameter: one of bool, int64, string, bytes. */
export interface ModelRepositoryParameterMessage {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'bytes_param';
  bool_param?: boolean;
  int64_param?: string;
  string_param?: string;
  bytes_param?: Buffer;
}

/** RepositoryModelLoadRequest and RepositoryModelUnloadRequest. */
export interface RepositoryModelRequestMessage {
  repository_name: string;
  model_name: string;
  parameters: Record<string, ModelRepositoryParameterMessage>;
}
