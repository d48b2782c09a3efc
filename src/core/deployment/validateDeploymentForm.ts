/**
 * Validation of the deployment form: the same validator the server and the file loader use
 * ({@link validateDeployment}), plus what only the registry knows (unknown model, missing version
 * or metric) and a predictor script the chosen model server would ignore, with each problem placed
 * under its field.
 */
import { sinkProblem } from '../inferenceLog/sinkForms';
import type { DeploymentSpec } from './deploymentSpec';
import { inputFromForm, placeProblems, registryProblems, resolveFormVersion, scriptServerProblems, type DeploymentFormState, type FormCatalog, type FormProblem } from './deploymentForm';
import { validateDeployment } from './validateDeployment';

/** The verdict on a form: the spec it describes when valid, else every problem, placed. */
export interface FormValidation {
  ok: boolean;
  problems: FormProblem[];
  warnings: string[];
  /** The validated spec with defaults filled (only when ok). */
  spec?: DeploymentSpec;
  /** The version the selector picks today. */
  resolvedVersion?: number;
}

export function validateDeploymentForm(form: DeploymentFormState, catalog: FormCatalog): FormValidation {
  const result = validateDeployment(inputFromForm(form));
  const sink = sinkProblems(form).filter((p) => result.ok || !result.problems.some((q) => q.path === p.path));
  const fromRegistry = [...registryProblems(form, catalog), ...scriptServerProblems(form), ...sink];
  const resolved = resolveFormVersion(form, catalog);
  const base = resolved === undefined ? {} : { resolvedVersion: resolved };
  if (!result.ok) return { ok: false, problems: placeProblems([...result.problems, ...fromRegistry]), warnings: [], ...base };
  if (fromRegistry.length > 0) return { ok: false, problems: placeProblems(fromRegistry), warnings: result.warnings, ...base };
  return { ok: true, problems: [], warnings: result.warnings, spec: result.spec, ...base };
}

/** A logger sink that matches none of the three forms (file, http(s), kafka), or a file on KServe. */
export function sinkProblems(form: DeploymentFormState): { path: string; message: string }[] {
  const message = sinkProblem(form['inferenceLogger.sink'], { mode: form['inferenceLogger.mode'], servingTool: form.servingTool });
  return message ? [{ path: 'inferenceLogger.sink', message: `inferenceLogger.sink: ${message}` }] : [];
}
