import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { invalidArgument } from '../../errors';
import type { ServerContext } from '../../serverContext';
import { parseVersionParam } from '../rest/requestParsing';
import { SERVER_EXTENSIONS } from '../rest/v2Routes';
import type { ModelInferRequestMessage, ModelInferResponseMessage } from './grpcMessages';
import { decodeGrpcInputs, encodeGrpcOutputs, parameterValues } from './grpcTensorCodec';
import { repositoryHandlers } from './repositoryHandlers';
import { unary } from './unaryCalls';
import { modelMetadata } from '../modelMetadata';
import type { InflightCalls } from './unaryCalls';

/** Request ids we log as given; others are replaced (same rule as REST's x-request-id). */
const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A request's version string: '' means the serving version; anything else must be a positive integer. */
export function parseModelVersion(raw: string): number | undefined {
  return raw === '' ? undefined : parseVersionParam(raw);
}

/**
 * Handlers of inference.GRPCInferenceService. Each mirrors its REST route (v2Routes.ts,
 * repositoryRoutes.ts): same checks, same messages, same inference path (ctx.inference.infer).
 */
export function inferenceServiceHandlers(ctx: ServerContext, inflight: InflightCalls): UntypedServiceImplementation {
  const { logger } = ctx;
  const ready = (): boolean => ctx.lifecycle.started && !ctx.lifecycle.draining;
  return {
    ServerLive: unary('ServerLive', () => ({ live: true }), logger, inflight),

    ServerReady: unary('ServerReady', () => ({ ready: ready() }), logger, inflight),

    ServerMetadata: unary(
      'ServerMetadata',
      () => ({ name: 'modeldeck', version: ctx.version, extensions: SERVER_EXTENSIONS }),
      logger,
      inflight,
    ),

    ModelReady: unary<{ name: string; version: string }, { ready: boolean }>(
      'ModelReady',
      (req, info) => {
        info.deployment = req.name;
        const version = parseModelVersion(req.version);
        ctx.inference.checkServed(req.name, version); // NOT_FOUND naming the models that exist
        const status = ctx.manager.status(req.name);
        return { ready: status?.state === 'READY' && (version === undefined || status.version === version) };
      },
      logger,
      inflight,
    ),

    ModelMetadata: unary<{ name: string; version: string }, object>(
      'ModelMetadata',
      (req, info) => {
        info.deployment = req.name;
        return modelMetadata(ctx.inference.target(req.name, parseModelVersion(req.version)));
      },
      logger,
      inflight,
    ),

    ModelInfer: unary<ModelInferRequestMessage, ModelInferResponseMessage>(
      'ModelInfer',
      (req, info) => modelInfer(ctx, req, info),
      logger,
      inflight,
    ),

    ...repositoryHandlers(ctx, inflight),
  };
}

async function modelInfer(
  ctx: ServerContext,
  req: ModelInferRequestMessage,
  info: { requestId?: string; deployment?: string },
): Promise<ModelInferResponseMessage> {
  const started = performance.now();
  const requestId = SANE_REQUEST_ID.test(req.id) ? req.id : randomUUID();
  info.requestId = requestId;
  info.deployment = req.model_name;
  if (req.model_name === '') throw invalidArgument('model_name: expected the name of a served model, got ""');
  const version = parseModelVersion(req.model_version);
  ctx.inference.checkServed(req.model_name, version); // NOT_FOUND before INVALID_ARGUMENT
  if (req.inputs.length === 0) {
    throw invalidArgument('request must have "inputs": a non-empty list of tensors {name, datatype, shape, contents}');
  }
  const { tensors, raw } = decodeGrpcInputs(req.inputs, req.raw_input_contents);
  // Requested outputs in the shape of a REST request's "outputs", so selectOutputs checks them alike.
  const outputs = req.outputs.length > 0 ? req.outputs.map((o) => ({ name: o.name, parameters: parameterValues(o.parameters) })) : undefined;
  const result = await ctx.inference.infer(
    { model: req.model_name, version, requestId, protocol: 'grpc', inputs: tensors, ...(outputs ? { outputs } : {}), received: req },
    started,
  );
  const encoded = encodeGrpcOutputs(result.outputs, raw);
  const response: ModelInferResponseMessage = {
    model_name: result.model,
    model_version: String(result.version),
    id: req.id === '' ? requestId : req.id,
    parameters: {
      queue_ms: { double_param: round(result.timing.queueMs) },
      compute_ms: { double_param: round(result.timing.computeMs) },
    },
    outputs: encoded.outputs,
    raw_output_contents: encoded.raw_output_contents,
  };
  if (result.log !== undefined) result.log.response(requestId, 'grpc', started, result.timing.totalMs, response);
  return response;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
