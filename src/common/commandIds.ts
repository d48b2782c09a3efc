/** Every command id the extension contributes; package.json must list the same ids. */
export const CommandIds = {
  serveModel: 'modeldeck.serveModel',
  /** The same command under the Explorer's wording, "Serve this model". */
  serveModelFromExplorer: 'modeldeck.serveModelFromExplorer',
  stopDeployment: 'modeldeck.stopDeployment',
  startDeployment: 'modeldeck.startDeployment',
  showLogs: 'modeldeck.showLogs',
  registerModelVersion: 'modeldeck.registerModelVersion',
  deployBestVersion: 'modeldeck.deployBestVersion',
  refresh: 'modeldeck.refresh',
  openPredictPanel: 'modeldeck.openPredictPanel',
  /** Deploy…: the deployment form for a new deployment. */
  deploy: 'modeldeck.deploy',
  /** Edit: the deployment form on an existing deployment. */
  editDeployment: 'modeldeck.editDeployment',
  /** Send the current request file or selection to a deployment (also the "Predict with" CodeLens). */
  sendRequest: 'modeldeck.sendRequest',
  copyCurl: 'modeldeck.copyCurl',
  revealInExplorer: 'modeldeck.revealInExplorer',
  openModelJson: 'modeldeck.openModelJson',
  openDeploymentFile: 'modeldeck.openDeploymentFile',
  serverActions: 'modeldeck.server.actions',
  serverRestart: 'modeldeck.server.restart',
  serverStop: 'modeldeck.server.stop',
  /** KServe: pick the kubeconfig context and namespace (remembered per workspace). */
  kserveSelectContext: 'modeldeck.kserve.selectContext',
  /** KServe: a bearer token into SecretStorage. */
  kserveSetToken: 'modeldeck.kserve.setToken',
  /** Deploy a servingTool "kserve" deployment: diff/preview, server-side apply, watch until Ready. */
  kserveDeploy: 'modeldeck.kserve.deploy',
  kserveWhyNotReady: 'modeldeck.kserve.whyNotReady',
  kserveStop: 'modeldeck.kserve.stop',
  kserveStart: 'modeldeck.kserve.start',
  kserveDelete: 'modeldeck.kserve.delete',
  kserveShowLogs: 'modeldeck.kserve.showLogs',
  kservePredict: 'modeldeck.kserve.predict',
  kserveRefresh: 'modeldeck.kserve.refresh',
  kserveGenerateRuntimeFiles: 'modeldeck.kserve.generateRuntimeFiles',
  /** KServe: the Knative KafkaSink + InferenceService that carry a `kafka://` logger sink, as untitled YAML. */
  kserveGenerateKafkaLoggerManifests: 'modeldeck.kserve.generateKafkaLoggerManifests',
  /** A deployment's requests and responses as they happen (its file sink, or the server's live stream). */
  showInferenceLog: 'modeldeck.showInferenceLog',
  /** Copy the bundled example registry into a folder the user picks and open it (walkthrough step 1). */
  openExampleWorkspace: 'modeldeck.openExampleWorkspace',
  /** Export a deployment or an .onnx file as a Triton or MLServer model repository. */
  exportAs: 'modeldeck.exportAs',
  /** The Open Inference Protocol compliance report of a local deployment or any endpoint. */
  checkCompliance: 'modeldeck.checkCompliance',
  /** A deployment's live dashboard: statistics from its server, load tests. */
  openDashboard: 'modeldeck.openDashboard',
  /** The dashboard's load test (from the predict panel: with the panel's request). */
  loadTest: 'modeldeck.loadTest',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];

/** View ids. */
export const ViewIds = {
  container: 'modeldeck',
  models: 'modeldeck.models',
  deployments: 'modeldeck.deployments',
} as const;
