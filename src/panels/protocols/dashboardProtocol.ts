/**
 * Messages of the deployment dashboard webview, both ways. Pure types shared by the host
 * (src/panels/dashboard/) and the page (webview/dashboard/). The host scrapes the server and runs the
 * load process; the page draws and keeps only its UI state (the load test form, chart or table view).
 */
import type { TableRow, DashboardView } from '../../core/dashboard/dashboardSeries';
import type { ComparisonRow, LoadTestRecord } from '../../core/loadtest/loadTestReport';
import type { LoadProgress, LoadProtocol } from '../../core/loadtest/loadTestTypes';

export const DASHBOARD_VIEW_TYPE = 'modeldeck.dashboard';

/** The deployment the dashboard watches. */
export interface DashboardTarget {
  /** The deployment's key: its name, or `kserve:<context>/<namespace>/<name>`. */
  key: string;
  deployment: string;
  remote: boolean;
  state: string;
  version?: number;
  reason?: string;
  /** Where statistics are read from (the server's REST URL). */
  url?: string;
  /** The transports it can take (gRPC only with a gRPC address). */
  protocols: LoadProtocol[];
}

/** What the next load test sends. */
export interface LoadRequestInfo {
  /** "example" (the model's example), "predict" (handed over by the predict panel), "file". */
  kind: 'example' | 'predict' | 'file';
  /** A line for the page: the file's path, "the predict panel's request", "the model's example". */
  description: string;
  /** The first characters of the request text. */
  preview: string;
  /** The transport the predict panel used, when it handed the request over. */
  transport?: LoadProtocol;
}

/** The load test form's values. */
export interface LoadForm {
  protocol: LoadProtocol;
  concurrency: number;
  durationS: number;
  /** Requests per second, 0 or absent: unpaced. */
  ratePerS?: number;
}

/** A finished run as the page shows it. */
export interface LoadSummary {
  record: LoadTestRecord;
  /** The latest earlier saved run of this deployment, compared. */
  comparison?: { earlier: string; rows: ComparisonRow[]; notes: string[] };
  /** Where it was saved, once saved. */
  saved?: { json: string; markdown: string };
}

/** Host → page. */
export type DashboardToPage =
  | { type: 'target'; target: DashboardTarget }
  /** The charts' data and the same numbers as table rows. */
  | { type: 'stats'; view: DashboardView; rows: TableRow[] }
  | { type: 'request'; request: LoadRequestInfo }
  /** A load test began (`form` as run); progress points follow. */
  | { type: 'loadStarted'; form: LoadForm; target: string; progress: LoadProgress[] }
  | { type: 'loadProgress'; progress: LoadProgress }
  | { type: 'loadDone'; summary: LoadSummary }
  | { type: 'loadFailed'; error: string };

/** Page → host. */
export type DashboardFromPage =
  | { type: 'startLoad'; form: LoadForm }
  | { type: 'stopLoad' }
  | { type: 'saveRun' }
  | { type: 'pickRequestFile' }
  | { type: 'useExample' }
  | { type: 'openSaved'; file: string }
  /** Pick another saved run of this deployment to compare the last run with. */
  | { type: 'compareWith' };

/** UI state the page keeps with setState; the serializer reads `deployment` (the key) to reopen the panel. */
export interface DashboardPageState {
  deployment: string;
  form?: LoadForm;
  /** Show the numbers as a table instead of charts. */
  tableView?: boolean;
}
