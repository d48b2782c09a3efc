import { performance } from 'node:perf_hooks';
import type { Request, Response, Router } from 'express';
import { invalidArgument } from '../../errors';
import type { Protocol } from '../../inference/inferenceService';
import type { ServerContext } from '../../serverContext';
import { bytesOfTensor, decodeBinaryInputs, encodeBinaryResponse, splitBinaryBody } from '../../tensor/binaryCodec';
import { decodeJsonInput, encodeJsonOutput } from '../../tensor/jsonCodec';
import type { Tensor } from '../../tensor/types';
import { handle } from './middleware';
import { optionalPathParam, parseJsonBody, parseVersionParam, pathParam } from './requestParsing';

/** Extensions this server implements, reported in server metadata. */
export const SERVER_EXTENSIONS = ['binary_tensor_data', 'model_repository', 'statistics', 'kserve_v1', 'metrics'];

/** Open Inference Protocol V2 over REST: health, metadata, readiness, inference, statistics. */
export function addV2Routes(router: Router, ctx: ServerContext): void {
  router.get('/v2/health/live', (_req, res) => {
    res.json({ live: true });
  });
  router.get('/v2/health/ready', (_req, res) => {
    const ready = ctx.lifecycle.started && !ctx.lifecycle.draining;
    res.status(ready ? 200 : 503).json({ ready });
  });
  router.get(['/v2', '/v2/'], (_req, res) => {
    res.json({ name: 'modeldeck', version: ctx.version, extensions: SERVER_EXTENSIONS });
  });

  // Before /v2/models/:model so that "stats" is not taken for a model name.
  const stats = handle((req, res) => {
    const name = optionalPathParam(req, 'model');
    const version = parseVersionParam(optionalPathParam(req, 'version'));
    if (name !== undefined && !ctx.manager.has(name) && ctx.stats.list(name).length === 0) {
      ctx.inference.target(name); // 404 naming the models that exist
    }
    res.json({ model_stats: ctx.stats.list(name, version) });
  });
  router.get('/v2/models/stats', stats);
  router.get('/v2/models/:model/stats', stats);
  router.get('/v2/models/:model/versions/:version/stats', stats);

  const metadata = handle((req, res) => {
    const v = ctx.inference.target(pathParam(req, 'model'), parseVersionParam(optionalPathParam(req, 'version')));
    const { runtime } = v;
    res.json({
      name: v.servedName,
      versions: [String(v.version)],
      platform: 'onnxruntime_onnx',
      inputs: runtime.inputs,
      outputs: runtime.outputs,
      parameters: {
        registry_model: v.info.model,
        execution_provider: runtime.provider,
        instances: v.pool.size,
        ...(v.labels ? { labels: v.labels } : {}),
      },
    });
  });
  router.get('/v2/models/:model', metadata);
  router.get('/v2/models/:model/versions/:version', metadata);

  const ready = handle((req, res) => {
    const name = pathParam(req, 'model');
    const version = parseVersionParam(optionalPathParam(req, 'version'));
    const status = ctx.manager.status(name);
    if (!status) {
      ctx.inference.target(name, version); // throws the 404 with the list of models
      return;
    }
    const isReady = status.state === 'READY' && (version === undefined || status.version === version);
    res.status(isReady ? 200 : 503).json({ name, ready: isReady, ...(status.reason ? { reason: status.reason } : {}) });
  });
  router.get('/v2/models/:model/ready', ready);
  router.get('/v2/models/:model/versions/:version/ready', ready);

  const infer = handle((req, res) => inferV2(ctx, req, res));
  router.post('/v2/models/:model/infer', infer);
  router.post('/v2/models/:model/versions/:version/infer', infer);

}

interface V2Header {
  id?: unknown;
  parameters?: Record<string, unknown>;
  inputs: unknown[];
  outputs?: unknown;
}

function checkHeader(header: unknown): V2Header {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw invalidArgument('request body must be a JSON object with "inputs"');
  }
  const h = header as Record<string, unknown>;
  if (!Array.isArray(h.inputs) || h.inputs.length === 0) {
    throw invalidArgument('request must have "inputs": a non-empty array of tensors {name, shape, datatype, data}');
  }
  if (h.id !== undefined && typeof h.id !== 'string') throw invalidArgument(`"id" must be a string (got ${JSON.stringify(h.id)})`);
  if (h.parameters !== undefined && (typeof h.parameters !== 'object' || h.parameters === null || Array.isArray(h.parameters))) {
    throw invalidArgument('"parameters" must be an object');
  }
  if (h.outputs !== undefined && !Array.isArray(h.outputs)) throw invalidArgument('"outputs" must be an array of {name, parameters}');
  return h as unknown as V2Header;
}

/** Output names the client wants as binary: per-output `binary_data` overrides `binary_data_output`. */
function binaryOutputs(header: V2Header, outputs: Tensor[]): Set<string> {
  const all = header.parameters?.binary_data_output === true;
  const per = new Map<string, boolean>();
  for (const o of (header.outputs as { name?: unknown; parameters?: { binary_data?: unknown } }[] | undefined) ?? []) {
    if (typeof o?.name === 'string' && typeof o.parameters?.binary_data === 'boolean') per.set(o.name, o.parameters.binary_data);
  }
  return new Set(outputs.filter((t) => per.get(t.name) ?? all).map((t) => t.name));
}

async function inferV2(ctx: ServerContext, req: Request, res: Response): Promise<void> {
  const started = performance.now();
  const model = pathParam(req, 'model');
  const version = parseVersionParam(optionalPathParam(req, 'version'));
  const body = req.body as Buffer;
  const headerLength = req.get('inference-header-content-length');
  let header: V2Header;
  let inputs: Tensor[];
  let protocol: Protocol = 'v2-rest';
  if (headerLength !== undefined) {
    const split = splitBinaryBody(body, Number(headerLength));
    header = checkHeader(split.header);
    inputs = decodeBinaryInputs(header.inputs, split.binary);
    protocol = 'v2-rest-binary';
  } else {
    header = checkHeader(parseJsonBody(body));
    inputs = header.inputs.map((raw, i) => decodeJsonInput(raw, i));
  }
  const result = await ctx.inference.infer(
    { model, version, requestId: res.locals.requestId as string, protocol, inputs, outputs: header.outputs },
    started,
  );
  const binary = binaryOutputs(header, result.outputs);
  const parts: Buffer[] = [];
  const outputs = result.outputs.map((t) => {
    if (!binary.has(t.name)) return encodeJsonOutput(t);
    const bytes = bytesOfTensor(t);
    parts.push(bytes);
    return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: bytes.length } };
  });
  const response = {
    model_name: result.model,
    model_version: String(result.version),
    id: typeof header.id === 'string' ? header.id : (res.locals.requestId as string),
    parameters: {
      queue_ms: round(result.timing.queueMs),
      compute_ms: round(result.timing.computeMs),
    },
    outputs,
  };
  if (parts.length === 0) {
    res.json(response);
    return;
  }
  const { body: out, headerLength: outHeaderLength } = encodeBinaryResponse(response, parts);
  res.setHeader('Inference-Header-Content-Length', String(outHeaderLength));
  res.type('application/octet-stream').send(out);
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
