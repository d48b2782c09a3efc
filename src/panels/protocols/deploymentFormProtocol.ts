/**
 * Messages of the deployment form webview, both ways. Pure types shared by the host
 * (src/panels/deploymentForm/) and the page (webview/deploymentForm/): a message type is declared
 * once here and dispatched by its `type`, never spelled as a raw string elsewhere.
 */
import type { DeploymentFormState, FormCatalog, FormFieldKey, FormProblem, KServeFieldInfo } from '../../core/deployment/deploymentForm';
import type { ExecutionProvider } from '../../core/deployment/deploymentSpec';

export const DEPLOYMENT_FORM_VIEW_TYPE = 'modeldeck.deploymentForm';

/** The buttons at the bottom of the form. */
export type FormAction = 'save' | 'deploy' | 'preview';

/** Fields whose value the host can fill in (file and interpreter pickers, templates). */
export type PickableField = Extract<FormFieldKey, 'predictor.script' | 'transformer.script' | 'predictor.environment'>;

/** What the form is for, and what it offers besides the state. */
export interface FormContext {
  /** A new deployment, or editing an existing file. */
  mode: 'new' | 'edit';
  /** The deployment being edited (its name when the form opened). */
  editing?: string;
  /** Whether the edited deployment is running: saving a change hot-swaps it. */
  running?: boolean;
  /** Models, versions and metrics of the workspace's registries. */
  catalog: FormCatalog;
  /** Every execution provider, for the order editor. */
  executionProviders: readonly ExecutionProvider[];
  /** The `kserve` settings the schema defines, in order (the page renders one field each). */
  kserveFields: readonly KServeFieldInfo[];
  /** The schema's description of each field key, shown as its hint. */
  hints: Record<string, string>;
}

/** A line of what Deploy to KServe will upload and build (scripts: artifact, upload, image, runtime, logger). */
export interface KServePlanLine {
  label: string;
  text: string;
}

/** Host → page. */
export type FormToPage =
  /** The form's state and context; sent after each "ready" (the page may have reloaded). */
  | { type: 'init'; state: DeploymentFormState; context: FormContext }
  /** The registry changed (versions, metrics). */
  | { type: 'context'; context: FormContext }
  /** The verdict on the state the page sent with `seq` (stale answers are dropped by the page). */
  | { type: 'validation'; seq: number; problems: FormProblem[]; warnings: string[]; resolvedVersion?: number; kservePlan?: KServePlanLine[] }
  /** A picker or template filled a field. */
  | { type: 'fieldValue'; key: PickableField; value: string }
  /** An action started (`busy`) or ended with a message for the status line (and problems it found, under their fields). */
  | { type: 'actionState'; action: FormAction; busy: boolean; ok?: boolean; message?: string; problems?: FormProblem[] }
  /** The form now edits this deployment (after the first Save of a new one, or a rename). */
  | { type: 'mode'; mode: 'new' | 'edit'; editing?: string; running?: boolean };

/** Page → host. */
export type FormFromPage =
  /** The user edited the form; the host validates and answers `validation` with the same seq. */
  | { type: 'changed'; seq: number; state: DeploymentFormState }
  /** Save, Deploy or Preview with the form as it is now. */
  | { type: 'action'; action: FormAction; state: DeploymentFormState }
  /** "Pick…" next to a script or the Python environment. */
  | { type: 'pick'; key: PickableField }
  /** "New from template…" next to a script. */
  | { type: 'newFromTemplate'; key: Extract<PickableField, 'predictor.script' | 'transformer.script'>; state: DeploymentFormState };

/** What the page keeps with setState, and the serializer hands back after a window reload. */
export interface FormPageState {
  state: DeploymentFormState;
  mode: 'new' | 'edit';
  editing?: string;
}
