/**
 * The OpenAI-compatible path (LLM predictors): a completion or chat completion request to the
 * serving version's predictor script, streamed chunk by chunk or answered whole, with the same
 * bookkeeping as InferenceService.infer: a reference on the version (hot swap waits for streams),
 * statistics, Prometheus metrics (plus time to first token, tokens and tokens per second when the
 * predictor reports usage) and the inference logger (the request as received, the answer as one
 * merged object even when it was streamed).
 */
import { performance } from 'node:perf_hooks';
import { InferenceError } from '../errors';
import type { Logger } from '../observability/logger';
import type { ServerMetrics } from '../observability/metrics';
import type { ModelStatsBook } from '../observability/modelStats';
import type { ModelManager } from '../repository/modelManager';
import type { LoadedVersion } from '../repository/loadedVersion';
import type { ScriptInfo } from '../scripts/scriptPool';
import type { ScriptValue } from '../scripts/scriptProtocol';
import { scriptValueToJson } from '../scripts/scriptValues';
import { asCompletionObject, ChatChunker, chatToCompletionRequest, mergeChunks, objectAsChunk, promptOf, usageOf, withEnvelope, completionToChat, type CompletionKind, type Json, type Usage } from '../protocols/openai/completionShapes';
import { OpenAIRequestError } from '../protocols/openai/openaiErrors';
import type { OpenAIRequest } from '../protocols/openai/openaiRequests';

/** The LLM methods a predictor has, by the name it gives them (Python snake_case; JS may use camelCase). */
export interface LlmMethods {
  completion?: string;
  chat?: string;
  template?: string;
}

const pick = (methods: string[], ...names: string[]): string | undefined => names.find((n) => methods.includes(n));

/** Which LLM methods a loaded script has; undefined when it has neither completion method. */
export function llmMethodsOf(info: ScriptInfo | undefined): LlmMethods | undefined {
  if (!info) return undefined;
  const m = info.methods;
  const found: LlmMethods = {};
  const completion = pick(m, 'create_completion', 'createCompletion');
  const chat = pick(m, 'create_chat_completion', 'createChatCompletion');
  const template = pick(m, 'apply_chat_template', 'applyChatTemplate');
  if (completion) found.completion = completion;
  if (chat) found.chat = chat;
  if (template) found.template = template;
  return completion || chat ? found : undefined;
}

/** One OpenAI request, checked. */
export interface CompletionCall {
  kind: CompletionKind;
  model: string;
  body: OpenAIRequest;
  requestId: string;
  /** The raw body, for the inference logger. */
  received: unknown;
  /** performance.now() when the request arrived. */
  started: number;
  /** Set when the client streams: each chunk, in OpenAI's shape for the route, as it arrives. */
  onChunk?: (chunk: Json) => void;
  /** Aborted when the client goes away: the predictor's generator is cancelled. */
  signal?: AbortSignal;
}

/** How a request went. */
export interface CompletionOutcome {
  /** The whole answer (also for a stream: its chunks merged). */
  body: Json;
  chunks: number;
  cancelled: boolean;
  /** ms from arrival to the first chunk (or the whole answer), and in total. */
  timing: { firstTokenMs: number; totalMs: number };
  usage?: Usage;
  tokensPerSecond?: number;
}

export class CompletionService {
  constructor(
    private readonly manager: ModelManager,
    private readonly stats: ModelStatsBook,
    private readonly metrics: ServerMetrics,
    private readonly logger: Logger,
  ) {}

  /** 404 for a name no deployment has, before the body's fields are checked. */
  checkServed(model: string): void {
    this.manager.checkServed(model);
  }

  /** Deployments whose serving predictor has create_completion or create_chat_completion (GET /openai/v1/models). */
  models(): { name: string; version: number; methods: LlmMethods }[] {
    const out: { name: string; version: number; methods: LlmMethods }[] = [];
    for (const name of this.manager.names()) {
      let v: LoadedVersion;
      try {
        v = this.manager.peek(name);
      } catch {
        continue; // not serving (loading, failed)
      }
      const methods = llmMethodsOf(v.script?.info);
      if (methods) out.push({ name, version: v.version, methods });
    }
    return out;
  }

  /** The serving version of an LLM deployment and its methods; 404 in OpenAI's terms otherwise. */
  private acquire(model: string): { loaded: LoadedVersion; methods: LlmMethods } {
    this.manager.checkServed(model); // unknown name: 404 listing the models
    const loaded = this.manager.acquire(model);
    const methods = llmMethodsOf(loaded.script?.info);
    if (!methods || !loaded.script) {
      loaded.release();
      const what = loaded.script ? `its predictor ${loaded.script.info.className} has no create_completion or create_chat_completion method` : 'it serves an ONNX model, not a predictor script';
      throw new OpenAIRequestError(`model "${model}" does not serve completions: ${what}`, 'model', 'model_not_found', 'not-found');
    }
    return { loaded, methods };
  }

  async complete(call: CompletionCall): Promise<CompletionOutcome> {
    const { loaded, methods } = this.acquire(call.model);
    const version = loaded.version;
    const log = loaded.inferenceLog;
    if (log !== undefined) log.request(call.requestId, 'openai', call.started, call.received);
    try {
      const outcome = await this.run(loaded, methods, call);
      this.record(call, version, outcome);
      if (log !== undefined) log.response(call.requestId, 'openai', call.started, outcome.timing.totalMs, outcome.body);
      return outcome;
    } catch (err) {
      const reason = err instanceof InferenceError ? err.reason : 'internal';
      this.stats.recordFailure(call.model, version, performance.now() - call.started);
      this.metrics.requests.labels(call.model, String(version), 'openai', reason).inc();
      this.logger.debug(`completion failed: ${(err as Error).message}`, { deployment: call.model, requestId: call.requestId, reason });
      throw err;
    } finally {
      loaded.release();
    }
  }

  private async run(loaded: LoadedVersion, methods: LlmMethods, call: CompletionCall): Promise<CompletionOutcome> {
    const pool = loaded.script!.pool;
    const fallbackId = `${call.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${call.requestId}`;
    let method: string;
    let args: ScriptValue[];
    // A chat request goes to create_chat_completion when there is one, else through the template.
    let convert: 'none' | 'to-chat' = 'none';
    if (call.kind === 'completion') {
      if (!methods.completion) throw new OpenAIRequestError(`model "${call.model}" has no create_completion method: use /openai/v1/chat/completions`, null);
      method = methods.completion;
      args = [call.body as ScriptValue];
    } else if (methods.chat) {
      method = methods.chat;
      args = [call.body as ScriptValue];
    } else {
      if (!methods.template) {
        throw new OpenAIRequestError(`model "${call.model}" cannot chat: its predictor has neither create_chat_completion nor apply_chat_template (to turn messages into a prompt); use /openai/v1/completions`, 'messages');
      }
      const templated = await pool.call(methods.template, [call.body.messages as ScriptValue]);
      method = methods.completion!;
      args = [chatToCompletionRequest(call.body, promptOf(scriptValueToJson(templated.result))) as ScriptValue];
      convert = 'to-chat';
    }
    const objectName = call.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    const chunker = new ChatChunker();
    const chunks: Json[] = [];
    let firstAt: number | undefined;
    const onChunk = (value: ScriptValue): void => {
      firstAt ??= performance.now();
      let chunk = asCompletionObject(scriptValueToJson(value), method);
      if (convert === 'to-chat') chunk = chunker.convert(chunk);
      chunk = withEnvelope(chunk, objectName, call.model, fallbackId);
      chunks.push(chunk);
      call.onChunk?.(chunk);
    };
    let chunkError: Error | undefined;
    const guarded = (value: ScriptValue): void => {
      if (chunkError) return;
      try {
        onChunk(value);
      } catch (err) {
        chunkError = err as Error; // a malformed chunk fails the request once the call returns
      }
    };
    const r = await pool.stream(method, args, guarded, call.signal);
    if (chunkError) throw chunkError;
    const end = performance.now();
    let body: Json;
    if (r.streamed) {
      body = withEnvelope(mergeChunks(call.kind, chunks), call.kind === 'chat' ? 'chat.completion' : 'text_completion', call.model, fallbackId);
    } else {
      firstAt = end;
      let whole = asCompletionObject(scriptValueToJson(r.result), method);
      if (convert === 'to-chat') whole = completionToChat(whole);
      body = withEnvelope(whole, call.kind === 'chat' ? 'chat.completion' : 'text_completion', call.model, fallbackId);
      if (call.onChunk) {
        const one = objectAsChunk(call.kind, body);
        chunks.push(one);
        call.onChunk(one);
      }
    }
    const usage = usageOf(body);
    const generationMs = end - (r.streamed && chunks.length > 1 ? firstAt! : call.started);
    const tokensPerSecond = usage?.completionTokens !== undefined && generationMs > 0 ? usage.completionTokens / (generationMs / 1000) : undefined;
    return {
      body,
      chunks: chunks.length,
      cancelled: r.cancelled,
      timing: { firstTokenMs: (firstAt ?? end) - call.started, totalMs: end - call.started },
      ...(usage ? { usage } : {}),
      ...(tokensPerSecond !== undefined ? { tokensPerSecond } : {}),
    };
  }

  private record(call: CompletionCall, version: number, o: CompletionOutcome): void {
    const { model } = call;
    const route = call.kind === 'chat' ? 'chat' : 'completions';
    this.stats.recordSuccess(model, version, o.timing.totalMs, 0, o.timing.totalMs);
    this.metrics.requests.labels(model, String(version), 'openai', o.cancelled ? 'cancelled' : 'success').inc();
    this.metrics.requestDuration.labels(model, 'openai').observe(o.timing.totalMs / 1000);
    this.metrics.llmTimeToFirstToken.labels(model, route).observe(o.timing.firstTokenMs / 1000);
    if (o.usage?.promptTokens !== undefined) this.metrics.llmTokens.labels(model, 'prompt').inc(o.usage.promptTokens);
    if (o.usage?.completionTokens !== undefined) this.metrics.llmTokens.labels(model, 'completion').inc(o.usage.completionTokens);
    if (o.tokensPerSecond !== undefined) this.metrics.llmTokensPerSecond.labels(model).observe(o.tokensPerSecond);
    this.logger.debug('completion', {
      deployment: model,
      requestId: call.requestId,
      version,
      route,
      stream: call.onChunk !== undefined,
      chunks: o.chunks,
      ...(o.cancelled ? { cancelled: true } : {}),
      firstTokenMs: Math.round(o.timing.firstTokenMs),
      latencyMs: Math.round(o.timing.totalMs),
      ...(o.tokensPerSecond !== undefined ? { tokensPerSecond: Math.round(o.tokensPerSecond * 10) / 10 } : {}),
    });
  }
}
