/**
 * The REST half of the compliance check: OIP V2 health, metadata, inference with the model's
 * example, every declared datatype, the binary tensor extension, KServe V1 when served, and the
 * error statuses for an unknown model and malformed requests.
 */
import { exampleV2, v2AsV1 } from '../predict/exampleRequest';
import type { ModelMetadataView, ResultTensor } from '../predict/predictTypes';
import { parseRequest, v1AsV2, type V2Request } from '../predict/requestModel';
import { decodeV2Response, restBinaryRequest, v2JsonBody } from '../predict/restCodec';
import { errorObjectProblem, jsonOf, type CheckContext } from './checkContext';
import { fail, pass, skip, type ComplianceTarget, type Verdict } from './complianceTypes';
import { modelMetadataProblems, outputProblems, sameOutputs } from './tensorChecks';

/** What later checks need from earlier ones. */
export interface CheckState {
  model?: string;
  meta?: ModelMetadataView;
  /** The example request, as V2 tensors. */
  example?: V2Request;
  /** Outputs of the JSON inference (what binary and gRPC answers are compared with). */
  jsonOutputs?: ResultTensor[];
  extensions?: string[];
}

export const REQUEST_ID = 'modeldeck-compliance-1';
const enc = encodeURIComponent;

export async function serverChecks(ctx: CheckContext, state: CheckState): Promise<void> {
  for (const [id, path, what] of [['rest.health.live', '/v2/health/live', 'Server live'], ['rest.health.ready', '/v2/health/ready', 'Server ready']] as const) {
    await ctx.check(id, `${what}: GET ${path} → 200`, 'health', async () => {
      const r = await ctx.rest('GET', path);
      return r.status === 200 ? pass('200') : fail(`answered ${r.status}, the spec requires 200`);
    });
  }
  await ctx.check('rest.server.metadata', 'Server metadata: GET /v2 → name, version, extensions', 'serverMetadata', async () => {
    const r = await ctx.rest('GET', '/v2');
    if (r.status !== 200) return fail(`answered ${r.status}, the spec requires 200`);
    const j = jsonOf(r, 'server metadata') as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof j?.name !== 'string') problems.push('"name" is missing or not a string');
    if (typeof j?.version !== 'string') problems.push('"version" is missing or not a string');
    if (!Array.isArray(j?.extensions) || !j.extensions.every((e) => typeof e === 'string')) problems.push('"extensions" is missing or not a list of strings');
    else state.extensions = j.extensions as string[];
    return problems.length ? fail(problems.join('; ')) : pass(`${j.name} ${j.version}; extensions: ${(j.extensions as string[]).join(', ') || 'none'}`);
  });
}

/** The model to check: the one given, else the first ready one in the repository index (an extension). */
export async function pickModel(ctx: CheckContext, target: ComplianceTarget, state: CheckState): Promise<void> {
  if (target.model) {
    state.model = target.model;
    return;
  }
  await ctx.check('rest.model.pick', 'Pick a model: POST /v2/repository/index (no model named)', 'modelMetadata', async () => {
    const r = await ctx.rest('POST', '/v2/repository/index', '{}');
    if (r.status !== 200) return fail(`no model was named and the repository index answered ${r.status}: name one (--model)`);
    const list = jsonOf(r, 'repository index') as { name?: unknown; state?: unknown }[];
    const ready = Array.isArray(list) ? list.find((m) => typeof m?.name === 'string' && (m.state === undefined || m.state === 'READY')) : undefined;
    if (!ready) return fail('no model was named and the repository index lists no ready model');
    state.model = ready.name as string;
    return pass(`checking "${state.model}", the first ready model of the index`);
  });
}

export async function modelChecks(ctx: CheckContext, target: ComplianceTarget, state: CheckState): Promise<void> {
  const m = state.model!;
  await ctx.check('rest.model.ready', `Model ready: GET /v2/models/${m}/ready → 200`, 'health', async () => {
    const r = await ctx.rest('GET', `/v2/models/${enc(m)}/ready`);
    return r.status === 200 ? pass('200') : fail(`answered ${r.status}, the spec requires 200 for a ready model`);
  });
  await ctx.check('rest.model.metadata', `Model metadata: GET /v2/models/${m}`, 'modelMetadata', async () => {
    const r = await ctx.rest('GET', `/v2/models/${enc(m)}`);
    if (r.status !== 200) return fail(`answered ${r.status}, the spec requires 200`);
    const { problems, meta } = modelMetadataProblems(jsonOf(r, 'model metadata'), m);
    if (!meta) return fail(problems.join('; '));
    state.meta = meta;
    return pass(`${meta.inputs.length} input(s), ${meta.outputs.length} output(s), platform ${meta.platform}`);
  });
  state.example = exampleFor(target, state.meta);
  if (!state.meta && !target.example) {
    for (const id of ['rest.infer.json', 'rest.infer.binary', 'rest.v1', 'rest.error.shape', 'rest.error.datatype']) await ctx.skipped(id, `${id} needs the model metadata`, 'inference', 'skipped: the model metadata check failed, so no example can be built (pass a request to infer with)');
    return;
  }
  if (!state.example) {
    await ctx.skipped('rest.infer.json', 'Inference with the model example', 'inference', 'the model declares no inputs (a script?): pass a request to infer with (--request FILE)');
    return;
  }
  await inferChecks(ctx, state);
}

function exampleFor(target: ComplianceTarget, meta?: ModelMetadataView): V2Request | undefined {
  if (target.example !== undefined) {
    const parsed = parseRequest(target.example);
    if (!parsed.ok) throw new Error(`the request to infer with is not a V2 or V1 body: ${parsed.problems.join('; ')}`);
    const r = parsed.request;
    if (r.format === 'v2') return r.body;
    if (!meta?.inputs[0]) throw new Error('V1 instances need the model metadata to become V2 tensors');
    return v1AsV2(r.instances, meta.inputs[0]);
  }
  if (!meta || meta.inputs.length === 0) return undefined;
  return exampleV2(meta, undefined);
}

async function inferChecks(ctx: CheckContext, state: CheckState): Promise<void> {
  const m = state.model!;
  const body: V2Request = { ...state.example!, id: REQUEST_ID };
  const declared = state.meta?.outputs ?? [];
  let jsonVerdict: Verdict | undefined;
  await ctx.check('rest.infer.json', `Inference (JSON) with the model example: POST /v2/models/${m}/infer`, 'inference', async () => {
    const r = await ctx.rest('POST', `/v2/models/${enc(m)}/infer`, JSON.stringify(v2JsonBody(body)));
    if (r.status !== 200) return (jsonVerdict = fail(`answered ${r.status}: ${r.text.slice(0, 200)}`));
    const j = jsonOf(r, 'inference response') as Record<string, unknown>;
    const decoded = decodeV2Response(r.body);
    const problems = outputProblems(decoded.outputs, declared);
    if (typeof j.model_name !== 'string') problems.push('"model_name" is missing');
    if (j.id !== REQUEST_ID) problems.push(`"id" is ${JSON.stringify(j.id)}: the request's id "${REQUEST_ID}" must come back`);
    if (problems.length) return (jsonVerdict = fail(problems.join('; ')));
    state.jsonOutputs = decoded.outputs;
    return (jsonVerdict = pass(`outputs ${decoded.outputs.map((o) => `${o.name} ${o.datatype} [${o.shape.join(',')}]`).join(', ')}`));
  });
  // One check per declared datatype: its inputs went out in it, its outputs came back in it with valid values.
  const types = [...new Set([...body.inputs.map((t) => t.datatype), ...declared.map((t) => t.datatype)])];
  for (const dt of types) {
    await ctx.check(`rest.datatype.${dt}`, `Datatype ${dt} through JSON inference`, 'tensorData', () => {
      if (jsonVerdict?.status !== 'pass') return skip('the JSON inference failed');
      const ins = body.inputs.filter((t) => t.datatype === dt).map((t) => t.name);
      const outs = state.jsonOutputs!.filter((t) => t.datatype === dt).map((t) => t.name);
      const missing = declared.filter((t) => t.datatype === dt && !outs.includes(t.name)).map((t) => t.name);
      if (missing.length) return fail(`declared ${dt} output(s) ${missing.join(', ')} did not come back`);
      return pass([ins.length ? `sent ${ins.join(', ')}` : '', outs.length ? `received ${outs.join(', ')} with valid ${dt} values` : ''].filter(Boolean).join('; '));
    });
  }
  await ctx.check('rest.infer.binary', 'Binary tensor data extension: binary inputs and outputs', 'binary', async () => {
    const plan = restBinaryRequest(ctx.baseUrl, m, body);
    const header = new TextDecoder().decode((plan.body as Uint8Array).subarray(0, Number(plan.headers['Inference-Header-Content-Length'])));
    const path = new URL(plan.url).pathname.slice(new URL(ctx.baseUrl).pathname.replace(/\/+$/, '').length);
    const r = await ctx.rest('POST', path, plan.body, plan.headers, `${header}\n<${(plan.body as Uint8Array).length - header.length} bytes of binary tensor data>`);
    const declaredExt = state.extensions?.includes('binary_tensor_data') ? '' : ' (the server does not list binary_tensor_data among its extensions)';
    if (r.status !== 200) return fail(`answered ${r.status} to a binary request: ${r.text.slice(0, 200)}${declaredExt}`);
    const headerLength = r.headers['inference-header-content-length'];
    if (headerLength === undefined) return fail(`binary_data_output was asked for, but the answer has no Inference-Header-Content-Length header${declaredExt}`);
    const decoded = decodeV2Response(r.body, Number(headerLength));
    const problems = [...outputProblems(decoded.outputs, declared), ...(state.jsonOutputs ? sameOutputs(state.jsonOutputs, decoded.outputs) : [])];
    return problems.length ? fail(problems.join('; ')) : pass(`binary outputs decode${state.jsonOutputs ? ' to the JSON answer' : ''}`);
  });
  await v1Checks(ctx, state, body);
  await errorChecks(ctx, state, body);
}

async function v1Checks(ctx: CheckContext, state: CheckState, body: V2Request): Promise<void> {
  const m = state.model!;
  let served = false;
  await ctx.check('rest.v1.metadata', `KServe V1 model: GET /v1/models/${m}`, 'v1', async () => {
    const r = await ctx.rest('GET', `/v1/models/${enc(m)}`);
    if (r.status === 404) return skip('V1 is not served here (404): nothing to check');
    served = true;
    if (r.status !== 200) return fail(`answered ${r.status}`);
    const j = jsonOf(r, 'V1 model') as Record<string, unknown>;
    const problems = [...(j.name !== m ? [`"name" is ${JSON.stringify(j.name)}`] : []), ...(typeof j.ready !== 'boolean' ? ['"ready" is missing or not a boolean'] : [])];
    return problems.length ? fail(problems.join('; ')) : pass(`ready: ${j.ready}`);
  });
  await ctx.check('rest.v1.predict', `KServe V1 predict: POST /v1/models/${m}:predict`, 'v1', async () => {
    if (!served) return skip('V1 is not served here');
    if (body.inputs.length !== 1) return skip('V1 instances carry one input; the model has several');
    const instances = v2AsV1(body).instances;
    const r = await ctx.rest('POST', `/v1/models/${enc(m)}:predict`, JSON.stringify({ instances }));
    if (r.status !== 200) return fail(`answered ${r.status}: ${r.text.slice(0, 200)}`);
    const j = jsonOf(r, 'V1 prediction') as { predictions?: unknown };
    if (!Array.isArray(j.predictions)) return fail('the answer has no "predictions" list');
    if (j.predictions.length !== instances.length) return fail(`${j.predictions.length} predictions for ${instances.length} instances`);
    return pass(`${instances.length} instance(s) → ${j.predictions.length} prediction(s)`);
  });
}

async function errorChecks(ctx: CheckContext, state: CheckState, body: V2Request): Promise<void> {
  const m = state.model!;
  const unknown = `${m}-does-not-exist-${Date.now().toString(36)}`;
  const expectStatus = async (method: 'GET' | 'POST', path: string, sent: string | undefined, want: number): Promise<Verdict> => {
    const r = await ctx.rest(method, path, sent);
    if (r.status !== want) return fail(`answered ${r.status}, the spec requires ${want}${r.text ? `: ${r.text.slice(0, 160)}` : ''}`);
    const problem = errorObjectProblem(r);
    return problem ? fail(`${want} as required, but ${problem}`) : pass(`${want} with an error object`);
  };
  const json = (b: V2Request) => JSON.stringify(v2JsonBody(b));
  await ctx.check('rest.error.unknownModel.metadata', 'Unknown model: GET /v2/models/{unknown} → 404', 'errors', () => expectStatus('GET', `/v2/models/${enc(unknown)}`, undefined, 404));
  await ctx.check('rest.error.unknownModel.infer', 'Unknown model: POST /v2/models/{unknown}/infer → 404', 'errors', () => expectStatus('POST', `/v2/models/${enc(unknown)}/infer`, json(body), 404));
  const first = body.inputs[0]!;
  // Shape and data disagree: one element more in the shape than the data holds.
  const mismatch: V2Request = { inputs: [{ ...first, shape: [...first.shape.slice(0, -1), (first.shape.at(-1) ?? 1) + 1] }, ...body.inputs.slice(1)] };
  await ctx.check('rest.error.shape', 'Shape that does not match the data → 400', 'errors', () => expectStatus('POST', `/v2/models/${enc(m)}/infer`, json(mismatch), 400));
  // The same data in a shape of another rank: the model cannot take it.
  const rank: V2Request = { inputs: [{ ...first, shape: [...first.shape, 1] }, ...body.inputs.slice(1)] };
  await ctx.check('rest.error.rank', 'Shape of a rank the model does not accept → 400', 'errors', () => expectStatus('POST', `/v2/models/${enc(m)}/infer`, json(rank), 400));
  const other = first.datatype === 'FP64' ? 'FP32' : first.datatype === 'BYTES' ? 'INT32' : 'FP64';
  const wrongType: V2Request = { inputs: [{ ...first, datatype: other, data: first.datatype === 'BYTES' ? first.data.map(() => 0) : first.data }, ...body.inputs.slice(1)] };
  await ctx.check('rest.error.datatype', `Input "${first.name}" as ${other} instead of ${first.datatype} → 400`, 'errors', () => expectStatus('POST', `/v2/models/${enc(m)}/infer`, json(wrongType), 400));
}
