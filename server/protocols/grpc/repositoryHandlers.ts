import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { invalidArgument } from '../../errors';
import { loadModel } from '../../repository/repositoryActions';
import type { ServerContext } from '../../serverContext';
import type { ModelRepositoryParameterMessage, RepositoryModelRequestMessage } from './grpcMessages';
import { unary } from './unaryCalls';
import type { InflightCalls } from './unaryCalls';

/**
 * The model repository RPCs (Triton's shape), doing what the REST repository routes do:
 * index, load (optionally with a deployment spec) and unload.
 */
export function repositoryHandlers(ctx: ServerContext, inflight: InflightCalls): UntypedServiceImplementation {
  const { logger, manager } = ctx;
  return {
    RepositoryIndex: unary<{ repository_name: string; ready: boolean }, object>(
      'RepositoryIndex',
      (req) => ({
        models: manager
          .statuses()
          .filter((s) => !req.ready || s.state === 'READY')
          .map((s) => ({ name: s.name, version: s.version !== undefined ? String(s.version) : '', state: s.state, reason: s.reason ?? '' })),
      }),
      logger,
      inflight,
    ),

    RepositoryModelLoad: unary<RepositoryModelRequestMessage, object>(
      'RepositoryModelLoad',
      async (req, info) => {
        const name = requireModelName(req);
        info.deployment = name;
        await loadModel(ctx, name, deploymentParameter(req.parameters.deployment), "the request's model_name");
        return {};
      },
      logger,
      inflight,
    ),

    RepositoryModelUnload: unary<RepositoryModelRequestMessage, object>(
      'RepositoryModelUnload',
      async (req, info) => {
        const name = requireModelName(req);
        info.deployment = name;
        await manager.remove(name);
        return {};
      },
      logger,
      inflight,
    ),
  };
}

function requireModelName(req: RepositoryModelRequestMessage): string {
  if (req.model_name === '') throw invalidArgument('model_name: expected a model name, got ""');
  return req.model_name;
}

/** The `deployment` parameter parsed as JSON (string or UTF-8 bytes); undefined when absent. */
function deploymentParameter(p: ModelRepositoryParameterMessage | undefined): unknown {
  const choice = p?.parameter_choice;
  if (!choice) return undefined;
  let text: string;
  if (choice === 'string_param') text = p.string_param ?? '';
  else if (choice === 'bytes_param') text = (p.bytes_param ?? Buffer.alloc(0)).toString('utf8');
  else throw invalidArgument(`parameters.deployment: expected string_param (or bytes_param) holding deployment JSON, got ${choice}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`parameters.deployment: malformed JSON: ${(err as Error).message}`);
  }
}

