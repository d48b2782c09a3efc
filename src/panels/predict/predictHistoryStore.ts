import type * as vscode from 'vscode';
import { pushHistory, trimOutcome } from '../../core/predict/history';
import type { HistoryEntry } from '../protocols/predictProtocol';

const KEY_PREFIX = 'modeldeck.predictHistory.';

/**
 * Each deployment's request history in workspace state, so it survives a window reload and the
 * panel being closed; bounded (core/predict/history.ts) so big answers cannot bloat storage.
 */
export class PredictHistoryStore {
  /** The workspace state it keeps histories in (the Chat tab keeps its conversations there too). */
  constructor(readonly memento: vscode.Memento) {}

  list(deployment: string): HistoryEntry[] {
    return this.memento.get<HistoryEntry[]>(KEY_PREFIX + deployment, []);
  }

  find(deployment: string, id: string): HistoryEntry | undefined {
    return this.list(deployment).find((e) => e.id === id);
  }

  async add(deployment: string, entry: HistoryEntry): Promise<HistoryEntry> {
    const stored = { ...entry, outcome: trimOutcome(entry.outcome) };
    await this.memento.update(KEY_PREFIX + deployment, pushHistory(this.list(deployment), stored));
    return stored;
  }

  async clear(deployment: string): Promise<void> {
    await this.memento.update(KEY_PREFIX + deployment, undefined);
  }
}
