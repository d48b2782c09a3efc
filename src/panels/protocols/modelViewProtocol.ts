/**
 * Messages of the model view (the custom editor for .onnx files), both ways. Pure types shared by
 * the host (src/panels/modelView/) and the page (webview/modelView/). The host reads the file and
 * the registry; the page only renders and asks for actions.
 */
import type { OnnxSummary } from '../../core/onnx/onnxSummaryTypes';

export const MODEL_VIEW_TYPE = 'modeldeck.modelView';

/** The registry version the file belongs to, when it is one. */
export interface RegistryVersionView {
  model: string;
  version: number;
  /** model.json metrics. */
  metrics: Record<string, number>;
  /** The metric the registry ranks by, and whether this version is the best by it. */
  keyMetric?: string;
  best: boolean;
  description?: string;
  framework?: string;
  /** Other model.json keys worth showing (created, author, …) as text. */
  details: { key: string; value: string }[];
}

/** Everything the page shows. */
export interface ModelViewData {
  /** The file, workspace-relative when it is in the workspace. */
  file: string;
  summary?: OnnxSummary;
  /** Why the file could not be summarised. */
  error?: string;
  registry?: RegistryVersionView;
  /** Local deployments of this model, with whether each is running (Open Predict Panel needs one). */
  deployments: { name: string; running: boolean }[];
}

export type ModelViewAction = 'serve' | 'register' | 'deploy' | 'predict' | 'export' | 'reveal';

/** Host → page. */
export type ModelViewToPage = { type: 'data'; data: ModelViewData } | { type: 'busy'; busy: boolean };

/** Page → host. */
export type ModelViewFromPage = { type: 'action'; action: ModelViewAction } | { type: 'refresh' };
