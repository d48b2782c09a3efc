import type { InferenceErrorReason } from '../../errors';
import type { Tensor } from '../../tensor/types';
import type { V2Header } from '../../tensor/v2JsonRequest';

/** Main thread → decode worker. */
export type DecodeRequest = { type: 'hello' } | { type: 'decode'; id: number; body: Uint8Array };

/** Decode worker → main thread. */
export type DecodeResponse =
  | { type: 'ready' }
  | { type: 'decoded'; id: number; header: V2Header; inputs: Tensor[] }
  | { type: 'error'; id: number; reason: InferenceErrorReason; message: string };
