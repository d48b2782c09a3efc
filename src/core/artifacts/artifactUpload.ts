/**
 * Uploads an artifact (or a plain model version, MODEL-ONLY) to the deployment's storage URI,
 * whatever the storage: s3Storage.ts, pvcStorage.ts implement {@link RemoteArtifactStorage}.
 *
 * Never overwrites silently: the manifest at the target says what is there. Same contents → nothing
 * is sent. Other contents (or files that are not a ModelDeck artifact) → ArtifactError "differs"
 * unless the caller asked the user and passes `overwrite`; then files the new artifact does not have
 * are deleted too (the storage-initializer copies everything under the URI into /mnt/models).
 * The manifest is written last, so an interrupted upload never looks complete and is retried.
 */
import { describeDifference, manifestText, readManifest } from './artifactPlan';
import type { PlannedFile } from './artifactPlan';
import { ARTIFACT_MANIFEST, ArtifactError } from './artifactTypes';
import type { ArtifactManifest } from './artifactTypes';

/** A file to upload: its artifact path and where the bytes come from. */
export type UploadFile = Pick<PlannedFile, 'path' | 'size' | 'source'>;

/** Progress: files and bytes done of the total. */
export interface UploadProgress {
  file: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/** One storage backend, rooted at the target's prefix. */
export interface RemoteArtifactStorage {
  /** "s3://bucket/prefix" etc., for messages. */
  readonly uri: string;
  /** Every file under the prefix, relative ('/'-separated). */
  list(signal?: AbortSignal): Promise<string[]>;
  /** A file's text; undefined when it does not exist. */
  readText(rel: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Writes files in order, reporting each as it completes. */
  write(files: readonly UploadFile[], onFile: (file: UploadFile) => void, signal?: AbortSignal): Promise<void>;
  /** Deletes files (relative paths). */
  remove(rels: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Releases clients, pods. */
  close(): Promise<void>;
}

/** What is at the target before an upload. */
export interface RemoteState {
  /** The manifest there, when it is a ModelDeck artifact. */
  manifest?: ArtifactManifest;
  /** Every file there. */
  files: string[];
}

/** What the upload did. */
export interface UploadResult {
  /** "same": the target already held these contents, nothing was sent. */
  state: 'uploaded' | 'same';
  uri: string;
  files: number;
  bytes: number;
  /** Files deleted because the replaced artifact had them and this one has not. */
  removed: string[];
}

/** Reads what the target holds. */
export async function remoteState(storage: RemoteArtifactStorage, signal?: AbortSignal): Promise<RemoteState> {
  const files = await storage.list(signal);
  if (!files.includes(ARTIFACT_MANIFEST)) return { files };
  const text = await storage.readText(ARTIFACT_MANIFEST, signal);
  const manifest = text === undefined ? undefined : readManifest(parseJson(text));
  return manifest ? { manifest, files } : { files };
}

/**
 * Why uploading here would replace something, in a sentence for the question to the user; undefined
 * when the target is empty or holds the same contents.
 */
export function replacementReason(state: RemoteState, manifest: ArtifactManifest, uri: string): string | undefined {
  if (state.manifest) {
    if (state.manifest.contentSha256 === manifest.contentSha256) return undefined;
    return `${uri} holds artifact ${state.manifest.artifactVersion} of ${state.manifest.model} ${state.manifest.modelVersion} with other contents (${describeDifference(manifest.files, state.manifest.files)})`;
  }
  if (state.files.length === 0) return undefined;
  const shown = state.files.slice(0, 5).join(', ') + (state.files.length > 5 ? `, … (${state.files.length} files)` : '');
  return `${uri} holds files that are not a ModelDeck artifact: ${shown}`;
}

/** Uploads `files` and the manifest; see the module comment for the overwrite rule. */
export async function uploadArtifact(
  storage: RemoteArtifactStorage,
  files: readonly UploadFile[],
  manifest: ArtifactManifest,
  opts: { overwrite?: boolean; onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {},
): Promise<UploadResult> {
  const state = await remoteState(storage, opts.signal);
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  if (state.manifest?.contentSha256 === manifest.contentSha256 && state.manifest.files.every((f) => state.files.includes(f.path))) {
    return { state: 'same', uri: storage.uri, files: files.length, bytes: bytesTotal, removed: [] };
  }
  const reason = replacementReason(state, manifest, storage.uri);
  if (reason && !opts.overwrite) {
    throw new ArtifactError('differs', `${reason}: not replaced without asking (build a new artifact version, or overwrite explicitly)`);
  }
  // Whatever is there stops being a complete artifact first: a pod starting now gets no manifest, not a mix.
  if (state.files.includes(ARTIFACT_MANIFEST)) await storage.remove([ARTIFACT_MANIFEST], opts.signal);
  let filesDone = 0;
  let bytesDone = 0;
  await storage.write(
    files,
    (f) => {
      filesDone++;
      bytesDone += f.size;
      opts.onProgress?.({ file: f.path, filesDone, filesTotal: files.length + 1, bytesDone, bytesTotal });
    },
    opts.signal,
  );
  const keep = new Set([...files.map((f) => f.path), ARTIFACT_MANIFEST]);
  const removed = state.files.filter((f) => !keep.has(f));
  if (removed.length > 0) await storage.remove(removed, opts.signal);
  const text = manifestText(manifest);
  await storage.write([{ path: ARTIFACT_MANIFEST, size: Buffer.byteLength(text), source: { text } }], () => undefined, opts.signal);
  opts.onProgress?.({ file: ARTIFACT_MANIFEST, filesDone: files.length + 1, filesTotal: files.length + 1, bytesDone, bytesTotal });
  return { state: 'uploaded', uri: storage.uri, files: files.length, bytes: bytesTotal, removed };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
