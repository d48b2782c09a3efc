import * as ort from 'onnxruntime-node';

/** What a naive peer's session is made from (the same settings for the express and the grpc-js peer). */
export interface PeerSessionConfig {
  file: string;
  intraOpThreads: number;
  /** onnxruntime's intra-op threads sleep instead of spinning between runs. */
  noSpin?: boolean;
}

/** The session a naive peer runs on its main thread: the server worker's options, nothing more. */
export function createPeerSession(cfg: PeerSessionConfig): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(cfg.file, {
    executionProviders: ['cpu'],
    intraOpNumThreads: cfg.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(cfg.noSpin ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
}
