import type { Datatype, TensorData, TensorMetadata } from '../tensor/types';

/** A tensor as it crosses the thread boundary: buffers are transferred, never copied twice. */
export interface WireTensor {
  /** Tensor name. */
  name: string;
  /** OIP datatype. */
  datatype: Datatype;
  /** Concrete shape. */
  shape: number[];
  /** Flat contents (BYTES: one Uint8Array per element). */
  data: TensorData;
}

/** Host → worker messages. */
export type WorkerRequest =
  | {
      type: 'load';
      /** Absolute path of the .onnx file. */
      modelFile: string;
      /** Providers to try, in order; each failure is reported and the next is tried. */
      providers: string[];
      /** Intra-op threads for this session (sized so workers do not oversubscribe cores). */
      intraOpThreads: number;
    }
  | { type: 'run'; id: number; inputs: WireTensor[]; outputNames: string[] }
  | { type: 'close' };

/** Why an execution provider was skipped. */
export interface ProviderFallback {
  /** Provider that failed. */
  provider: string;
  /** The runtime's error message. */
  reason: string;
}

/** Worker → host messages. */
export type WorkerResponse =
  | {
      type: 'loaded';
      /** Provider the session was created with. */
      provider: string;
      /** Providers tried before it, with reasons. */
      fallbacks: ProviderFallback[];
      inputs: TensorMetadata[];
      outputs: TensorMetadata[];
      /** Milliseconds spent creating the session. */
      loadMs: number;
    }
  | { type: 'load-failed'; message: string; fallbacks: ProviderFallback[] }
  | { type: 'result'; id: number; outputs: WireTensor[]; computeMs: number }
  | { type: 'error'; id: number; message: string; invalidArgument: boolean };
