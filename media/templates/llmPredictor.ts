/**
 * ModelDeck LLM predictor (TypeScript), in the same form as the Python vLLM predictor:
 *   applyChatTemplate(messages)        chat messages → the prompt
 *   createCompletion(request, ctx)     an OpenAI completion request → a completion object, or (when
 *                                      request.stream) an async generator of completion chunks
 * ModelDeck answers POST /openai/v1/completions and /openai/v1/chat/completions with it ("model" is
 * the deployment's name); the predict panel's Chat tab talks to it. `ctx.signal` aborts when the client
 * disconnects: stop generating then.
 *
 * The model here is a placeholder that echoes the prompt: replace `generate` with a call to your
 * engine (an HTTP client for a running vLLM/TGI/Ollama, or onnxruntime-node with a tokenizer).
 */
import * as path from 'node:path';

interface CompletionRequest {
  model: string;
  prompt: string | string[];
  max_tokens?: number;
  temperature?: number;
  stop?: string | string[];
  stream?: boolean;
}

interface ChatMessage {
  role: string;
  content: string;
}

export class Predictor {
  /** Where the model files are (set by the serving host). */
  private readonly modelDir = process.env.MODEL_FILES_PATH ?? '';

  constructor() {
    console.log(`LLM predictor for ${path.basename(this.modelDir)}`);
  }

  applyChatTemplate(messages: ChatMessage[]): { prompt: string } {
    return { prompt: messages.map((m) => `<|${m.role}|>\n${m.content}\n`).join('') + '<|assistant|>\n' };
  }

  async createCompletion(request: CompletionRequest, ctx?: { signal: AbortSignal }): Promise<unknown> {
    const prompt = Array.isArray(request.prompt) ? request.prompt.join('\n') : request.prompt;
    const meta = { id: `cmpl-${Date.now()}`, created: Math.floor(Date.now() / 1000), model: request.model };
    const tokens = this.generate(prompt, request.max_tokens ?? 64);
    if (request.stream) return this.stream(tokens, meta, ctx?.signal);
    const text = [...tokens].join('');
    return { ...meta, object: 'text_completion', choices: [{ index: 0, text, finish_reason: 'stop' }] };
  }

  private async *stream(tokens: Iterable<string>, meta: object, signal?: AbortSignal): AsyncGenerator<object> {
    for (const token of tokens) {
      if (signal?.aborted) return; // the client went away
      yield { ...meta, object: 'text_completion', choices: [{ index: 0, text: token, finish_reason: null }] };
    }
    yield { ...meta, object: 'text_completion', choices: [{ index: 0, text: '', finish_reason: 'stop' }] };
  }

  /** The placeholder model: the prompt's last line, word by word. Replace with your engine. */
  private *generate(prompt: string, maxTokens: number): Iterable<string> {
    const words = (prompt.trim().split('\n').filter((l) => !l.startsWith('<|')).pop() ?? '').split(/\s+/).filter(Boolean);
    for (const [i, w] of words.slice(0, maxTokens).entries()) yield i === 0 ? w : ` ${w}`;
  }
}
