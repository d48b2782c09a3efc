/**
 * Messages of the Inference Log webview, both ways. Pure types shared by the host
 * (src/panels/inferenceLog/) and the page (webview/inferenceLog/). The host owns the records; the
 * page keeps only its UI state (filter, selection) and asks for rows and payloads.
 */
import type { EntryDetail, LogFilter, LogRow } from '../../core/inferenceLog/inferenceLogView';

export const INFERENCE_LOG_VIEW_TYPE = 'modeldeck.inferenceLog';

/** Where the records come from, as the header shows it. */
export interface LogSourceInfo {
  deployment: string;
  /** "file" (the deployment's file sink, tailed) or "stream" (the local server's live stream). */
  kind: 'file' | 'stream';
  /** The file's path, or the server's URL. */
  where: string;
  /** The deployment's logger mode. */
  mode: string;
  /** Why nothing can be read now (the deployment is stopped, the file is not there yet, …). */
  problem?: string;
}

/** Host → page. */
export type InferenceLogToPage =
  | { type: 'source'; source: LogSourceInfo }
  /** The rows passing the page's filter, newest first; `total` matches in all, `count` entries held. */
  | { type: 'rows'; rows: LogRow[]; total: number; count: number; protocols: string[] }
  /** Both payloads of the selected entry (undefined detail: it is gone). */
  | { type: 'detail'; id: string; detail?: EntryDetail }
  /** The outcome of a Replay (an error when the request cannot be sent again). */
  | { type: 'replayed'; id: string; error?: string };

/** Page → host. */
export type InferenceLogFromPage =
  | { type: 'filter'; filter: LogFilter }
  | { type: 'select'; id: string }
  | { type: 'replay'; id: string }
  | { type: 'clear' };

/** UI state the page keeps with setState; the serializer reads `deployment` to reopen the panel. */
export interface InferenceLogPageState {
  deployment: string;
  filter?: LogFilter;
  selected?: string;
}
