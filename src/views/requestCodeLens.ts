import * as vscode from 'vscode';
import { readOnnxSignature } from '../core/registry/onnxSignature';
import { requestFileInputs } from '../core/predict/requestModel';
import { CommandIds } from '../common/commandIds';
import type { DeploymentService, DeploymentView } from '../services/deploymentService';
import type { RegistryService } from '../services/registryService';

/** How many "Predict with <deployment>" lenses a file gets before the rest go behind "Predict with…". */
const MAX_LENSES = 3;

/** The argument the lenses pass to "Send Request". */
export interface SendRequestArg {
  uri: string;
  deployment?: string;
}

/**
 * "Predict with <deployment>" above OIP V2 request JSON files (a top-level `"inputs"` list of
 * tensors), one lens per running deployment whose model takes those inputs (by name), else per
 * running deployment; "Predict with…" picks among all. Clicking sends the file and shows the
 * answer in the deployment's predict panel beside it.
 */
export class RequestCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Input names of each model file (read from the ONNX protobuf once). */
  private readonly inputNames = new Map<string, Promise<string[] | undefined>>();

  constructor(
    private readonly deployments: DeploymentService,
    private readonly registry: RegistryService,
    /** Ready InferenceServices of the KServe namespace in view (offered by "Predict with…"), and when that changes. */
    private readonly remote?: { readyCount(): number; onDidChange: vscode.Event<void> },
  ) {
    // Lenses follow deployments starting and stopping.
    deployments.onDidChange(() => this.changed.fire());
    remote?.onDidChange(() => this.changed.fire());
    registry.onDidChange(() => this.inputNames.clear());
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const inputs = requestFileInputs(doc.getText());
    if (!inputs) return [];
    // Above the first line, where a lens is seen without scrolling.
    const range = new vscode.Range(0, 0, 0, 0);
    const running = this.deployments.list().filter((d) => d.state === 'running');
    const matching: DeploymentView[] = [];
    for (const d of running) if (await this.takes(d, inputs)) matching.push(d);
    const shown = (matching.length > 0 ? matching : running).slice(0, MAX_LENSES);
    const lenses = shown.map(
      (d) =>
        new vscode.CodeLens(range, {
          title: `$(beaker) Predict with ${d.name}`,
          tooltip: `Send this request to ${d.name} (${d.model} v${d.version}) and show the answer beside`,
          command: CommandIds.sendRequest,
          arguments: [{ uri: doc.uri.toString(), deployment: d.name } satisfies SendRequestArg],
        }),
    );
    const remote = this.remote?.readyCount() ?? 0;
    if (shown.length < running.length || running.length === 0 || remote > 0) {
      lenses.push(
        new vscode.CodeLens(range, {
          title: running.length === 0 && remote === 0 ? '$(beaker) Predict with… (no deployment is running)' : '$(beaker) Predict with…',
          tooltip: remote > 0 ? 'Pick a deployment, local or on KServe, to send this request to' : 'Pick a deployment to send this request to',
          command: CommandIds.sendRequest,
          arguments: [{ uri: doc.uri.toString() } satisfies SendRequestArg],
        }),
      );
    }
    return lenses;
  }

  /** Whether the deployment's served version has exactly these inputs (unknown counts as yes). */
  private async takes(d: DeploymentView, inputs: string[]): Promise<boolean> {
    const info = this.registry.find(d.model)?.versions.find((v) => v.version === d.version);
    // A version without an ONNX file (a predictor script serves it) has no signature to match.
    if (!info || info.modelFile === undefined) return true;
    const file = info.modelFile;
    let names = this.inputNames.get(file);
    if (!names) {
      names = readOnnxSignature(file).then(
        (s) => s.inputs.map((i) => i.name),
        () => undefined,
      );
      this.inputNames.set(file, names);
    }
    const known = await names;
    return !known || (known.length === inputs.length && inputs.every((n) => known.includes(n)));
  }
}
