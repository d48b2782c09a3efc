import * as path from 'node:path';
import { compareRuns, comparabilityNotes, type LoadTestRecord } from '../../core/loadtest/loadTestReport';
import { startLoadProcess, type LoadProcessRun } from '../../core/loadtest/loadProcess';
import type { LoadProgress, LoadProtocol } from '../../core/loadtest/loadTestTypes';
import { listRuns, saveRun } from '../../core/loadtest/savedRuns';
import { wirePayload } from '../../core/loadtest/wirePayload';
import type { PredictEndpoint } from '../../core/predict/inferenceClient';
import type { ModelMetadataView } from '../../core/predict/predictTypes';
import type { ParsedRequest } from '../../core/predict/requestModel';
import type { LoadForm, LoadSummary } from '../protocols/dashboardProtocol';

/** At most this many progress points are kept for a page that (re)loads during a run. */
const PROGRESS_KEPT = 2000;

export interface LoadTestEvents {
  started(form: LoadForm, target: string): void;
  progress(p: LoadProgress): void;
  done(summary: LoadSummary): void;
  failed(error: string): void;
}

/**
 * One dashboard's load tests: encodes the request once, starts dist/loadtest.js (the load never runs
 * in the extension host), relays its progress, and on the result compares it with the latest saved
 * run of the deployment. Saving is the user's choice ({@link save}).
 */
export class LoadTestSession {
  private run: LoadProcessRun | undefined;
  private progressSoFar: LoadProgress[] = [];
  private current: { form: LoadForm; target: string } | undefined;
  private last: LoadSummary | undefined;

  constructor(
    private readonly extensionPath: string,
    private readonly deploymentKey: string,
    private readonly workspaceFolder: () => string | undefined,
    private readonly events: LoadTestEvents,
  ) {}

  get running(): boolean {
    return this.run !== undefined;
  }

  /** What a page that just loaded must see: the run in progress, or the last summary. */
  state(): { running?: { form: LoadForm; target: string; progress: LoadProgress[] }; last?: LoadSummary } {
    return { ...(this.run && this.current ? { running: { ...this.current, progress: [...this.progressSoFar] } } : {}), ...(this.last ? { last: this.last } : {}) };
  }

  /** Starts a run; throws LoadTestError when the request cannot be encoded (nothing started then). */
  start(endpoint: PredictEndpoint, request: ParsedRequest, meta: ModelMetadataView | undefined, form: LoadForm): void {
    if (this.run) throw new Error('a load test is already running on this deployment');
    const protocol: LoadProtocol = form.protocol;
    const payload = wirePayload(endpoint, request, protocol, { protoFile: path.join(this.extensionPath, 'dist', 'proto', 'open_inference_grpc.proto'), ...(meta ? { meta } : {}) });
    const target = payload.kind === 'http' ? payload.url : payload.address;
    const startedAt = new Date().toISOString();
    this.progressSoFar = [];
    this.current = { form, target };
    this.events.started(form, target);
    const run = startLoadProcess(
      path.join(this.extensionPath, 'dist', 'loadtest.js'),
      { payload, protocol, concurrency: form.concurrency, durationS: form.durationS, ...(form.ratePerS ? { ratePerS: form.ratePerS } : {}) },
      (p) => {
        this.progressSoFar.push(p);
        if (this.progressSoFar.length > PROGRESS_KEPT) this.progressSoFar.splice(0, this.progressSoFar.length - PROGRESS_KEPT);
        this.events.progress(p);
      },
    );
    this.run = run;
    run.done
      .then(async (result) => {
        const record: LoadTestRecord = {
          kind: 'modeldeck-loadtest',
          deployment: this.deploymentKey,
          model: endpoint.model,
          target,
          protocol,
          concurrency: form.concurrency,
          durationS: form.durationS,
          ...(form.ratePerS ? { ratePerS: form.ratePerS } : {}),
          warmupS: 0.5,
          startedAt,
          result,
        };
        const summary: LoadSummary = { record };
        const earlier = await this.latestSaved(startedAt);
        if (earlier) summary.comparison = { earlier: earlier.startedAt, rows: compareRuns(earlier, record), notes: comparabilityNotes(earlier, record) };
        this.last = summary;
        this.events.done(summary);
      })
      .catch((err: unknown) => this.events.failed(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        this.run = undefined;
        this.current = undefined;
      });
  }

  stop(): void {
    this.run?.stop();
  }

  /** Saves the last run (JSON + Markdown, compared with the latest earlier saved run). */
  async save(): Promise<LoadSummary> {
    const last = this.last;
    if (!last) throw new Error('no finished load test to save');
    if (last.saved) return last;
    const folder = this.workspaceFolder();
    if (!folder) throw new Error('open a folder first: load tests are saved in its .modeldeck/loadtests');
    // The Markdown compares with the run the page shows the comparison with (Compare with… may have picked an older one).
    const shown = last.comparison?.earlier;
    const earlier = (shown ? (await this.savedRuns()).find((r) => r.startedAt === shown) : undefined) ?? (await this.latestSaved(last.record.startedAt));
    last.saved = await saveRun(folder, last.record, earlier);
    return last;
  }

  /** Saved runs of this deployment other than the last one, newest first (for "Compare with…"). */
  async savedRuns(): Promise<LoadTestRecord[]> {
    const folder = this.workspaceFolder();
    if (!folder) return [];
    return (await listRuns(folder, this.deploymentKey)).map((r) => r.record).filter((r) => r.startedAt !== this.last?.record.startedAt);
  }

  /** Compares the last run with `earlier` instead (the summary the page shows). */
  compareWith(earlier: LoadTestRecord): LoadSummary | undefined {
    const last = this.last;
    if (!last) return undefined;
    last.comparison = { earlier: earlier.startedAt, rows: compareRuns(earlier, last.record), notes: comparabilityNotes(earlier, last.record) };
    return last;
  }

  /** The newest saved run of this deployment other than the one started at `exclude`. */
  private async latestSaved(exclude: string): Promise<LoadTestRecord | undefined> {
    const folder = this.workspaceFolder();
    if (!folder) return undefined;
    const runs = await listRuns(folder, this.deploymentKey);
    return runs.find((r) => r.record.startedAt !== exclude)?.record;
  }

  dispose(): void {
    this.run?.kill();
    this.run = undefined;
  }
}
