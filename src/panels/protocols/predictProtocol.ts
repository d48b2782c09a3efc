/**
 * Messages of the predict panel webview, both ways. Pure types shared by the host
 * (src/panels/predict/) and the page (webview/predict/).
 */
import type { ChatMessage, ChatTurn } from '../../core/chat/chatTypes';
import type { CopyKind } from '../../core/predict/copyAs';
import type { InferOutcome, ModelMetadataView, OutputComparison, RequestFormat, Transport } from '../../core/predict/predictTypes';

export const PREDICT_VIEW_TYPE = 'modeldeck.predict';

/** The deployment the panel talks to, as it is now. */
export interface PredictTarget {
  /** The panel's identity: the deployment name, or `kserve:<context>/<namespace>/<name>` for a remote one. */
  key: string;
  /** The deployment (or InferenceService) name. */
  deployment: string;
  /** Set for an InferenceService on KServe: where it runs and how requests reach it. */
  remote?: { context: string; namespace: string; host?: string; token?: boolean };
  /** False when "Start deployment" cannot help (a remote service that is gone or failing). */
  startable?: boolean;
  model: string;
  state: 'stopped' | 'starting' | 'running' | 'failed' | 'updating';
  /** Version being served. */
  version?: number;
  reason?: string;
  restUrl?: string;
  grpcUrl?: string;
  /** The deployment's `protocol`: the transport the panel starts with. */
  protocol: 'rest' | 'grpc';
}

/** One request sent from the panel (or a request file) and what came back. */
export interface HistoryEntry {
  id: string;
  /** ISO time it was sent. */
  at: string;
  transport: Transport;
  format: RequestFormat;
  requestText: string;
  /** Where it came from: the panel, or a file (its workspace-relative path). */
  source: string;
  /** Version that answered, when known. */
  version?: string;
  /** One line for the history list: the top class per row, the first values, or the error. */
  summary: string;
  outcome: InferOutcome;
}

/** Host → page. */
export type PredictToPage =
  /** The deployment and, when it runs, its metadata; sent after "ready" and on every state change. */
  | {
      type: 'target';
      target: PredictTarget;
      metadata?: ModelMetadataView;
      metadataError?: string;
      /** The formats the panel offers, the one to start with first (V1 first for a script deployment). */
      formats: RequestFormat[];
      /** For a script deployment: which script decides what a request holds (shown instead of a signature). */
      scriptNote?: string;
    }
  /** Put this request in the editor (example, history entry, request file); `placeholder`: not the model's example, adapt it. */
  | { type: 'request'; text: string; format: RequestFormat; transport?: Transport; placeholder?: boolean }
  /** A request is on its way. */
  | { type: 'sending'; transport: Transport }
  /** A request finished: show it and add it to the history. */
  | { type: 'outcome'; entry: HistoryEntry }
  /** The whole history, newest first. */
  | { type: 'history'; entries: HistoryEntry[] }
  /** How two history entries differ. */
  | { type: 'comparison'; a: string; b: string; rows: OutputComparison[]; error?: string }
  /** Whether the Chat tab shows: the deployment answers on /openai/v1 (an LLM predictor, KServe's Hugging Face runtime). */
  | { type: 'chatAvailability'; available: boolean; reason?: string }
  /** The conversation so far, oldest first (after "ready", and after Clear). */
  | { type: 'chatTurns'; turns: ChatTurn[] }
  /** A question went out: show it with an empty answer that fills in as text arrives. */
  | { type: 'chatStarted'; id: string; messages: ChatMessage[] }
  /** More of the answer to `id`. */
  | { type: 'chatText'; id: string; text: string }
  /** The answer to a question is complete (or stopped, or failed): its final form, with its numbers. */
  | { type: 'chatDone'; turn: ChatTurn }
  /** Problems with the chat settings as typed, by field (temperature, maxTokens, stop); nothing was sent. */
  | { type: 'chatProblems'; problems: Record<string, string> };

/** The chat settings as typed in the page (checked by the host). */
export interface ChatSettingsInput {
  systemPrompt: string;
  temperature: string;
  maxTokens: string;
  /** One stop sequence per line. */
  stop: string;
}

/** "Copy as" for a chat question. */
export type ChatCopyKind = 'curl' | 'openai-python';

/** Page → host. */
export type PredictFromPage =
  | { type: 'send'; text: string; transport: Transport }
  /** The example request in a format (V2 tensors or V1 instances). */
  | { type: 'example'; format: RequestFormat }
  | { type: 'replay'; id: string }
  | { type: 'compare'; a: string; b: string }
  | { type: 'copyAs'; kind: CopyKind; text: string; transport: Transport }
  | { type: 'clearHistory' }
  /** "Load Test…": the deployment's dashboard with this request as the load test's. */
  | { type: 'loadTest'; text: string; transport: Transport }
  | { type: 'startDeployment' }
  | { type: 'chatSend'; question: string; settings: ChatSettingsInput }
  /** Stops the answer being streamed (the server cancels the generation). */
  | { type: 'chatStop' }
  | { type: 'chatCopy'; kind: ChatCopyKind; question: string; settings: ChatSettingsInput }
  /** Starts a new conversation (the history of this one is dropped). */
  | { type: 'chatClear' };

/** UI state the page keeps with setState; the serializer reads `deployment` (the target's key) to reopen the panel. */
export interface PredictPageState {
  deployment: string;
  text?: string;
  transport?: Transport;
  format?: RequestFormat;
  view?: 'table' | 'raw';
  /** History entry shown in the result area. */
  shown?: string;
  /** Entries ticked for comparison. */
  compare?: string[];
  /** The tab shown: the request editor or the Chat tab. */
  tab?: 'request' | 'chat';
  /** The Chat tab's settings and unsent question, as typed. */
  chat?: ChatSettingsInput & { draft: string };
}
