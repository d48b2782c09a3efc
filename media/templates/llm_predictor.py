"""ModelDeck LLM predictor in Hopsworks' vLLM form: serves MODEL_FILES_PATH with vLLM.

The serving host (ModelDeck, Hopsworks, KServe's OpenAI routes) imports this file, creates one Predictor
and calls:
  apply_chat_template(messages)      chat messages -> the prompt ({"prompt": ...}, kserve's ChatPrompt form)
  async create_completion(request)   an OpenAI completion request -> a completion, or an async iterator
                                     of completion chunks when request["stream"] is true
ModelDeck answers POST /openai/v1/completions and /openai/v1/chat/completions with it ("model" is the
deployment's name); the predict panel's Chat tab talks to it. A client that disconnects cancels the
generation (the iterator gets CancelledError).

It needs vllm and a GPU (pip install vllm). Requests and results are plain dicts shaped like OpenAI's;
when the kserve package is installed, a parameter annotated with its CompletionRequest arrives as that
class, and pydantic results are sent as dicts.
"""
import os
import time
import uuid


class Predictor(object):
    def __init__(self):
        """Starts a vLLM engine on the model in MODEL_FILES_PATH (a Hugging Face model folder)."""
        try:
            from transformers import AutoTokenizer
            from vllm import AsyncEngineArgs, AsyncLLMEngine
        except ImportError as err:
            raise ImportError(
                "This predictor needs vllm (and a GPU), which could not be imported (" + str(err) + "). "
                "Install it in the predictor's environment: pip install vllm"
            ) from err
        model_dir = os.environ["MODEL_FILES_PATH"]
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        engine_args = AsyncEngineArgs(
            model=model_dir,
            max_model_len=int(os.environ.get("MAX_MODEL_LEN", "4096")),
            gpu_memory_utilization=float(os.environ.get("GPU_MEMORY_UTILIZATION", "0.9")),
        )
        self.engine = AsyncLLMEngine.from_engine_args(engine_args)

    def apply_chat_template(self, messages, chat_template=None, tools=None):
        """The model's own chat template turns the messages into one prompt."""
        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, chat_template=chat_template, tools=tools)
        return {"prompt": prompt}

    async def create_completion(self, request):
        """A completion dict, or (request["stream"]) an async iterator of completion chunks."""
        from vllm import SamplingParams

        stop = request.get("stop") or []
        params = SamplingParams(
            max_tokens=request.get("max_tokens") or 256,
            temperature=1.0 if request.get("temperature") is None else request["temperature"],
            top_p=request.get("top_p") or 1.0,
            stop=[stop] if isinstance(stop, str) else stop,
            seed=request.get("seed"),
        )
        request_id = "cmpl-" + uuid.uuid4().hex
        results = self.engine.generate(request["prompt"], params, request_id)
        meta = {"id": request_id, "created": int(time.time()), "model": request["model"]}
        if request.get("stream"):
            return self._stream(results, meta, request_id)
        final = None
        async for final in results:
            pass
        return dict(meta, object="text_completion", choices=[_choice(final.outputs[0], final.outputs[0].text)], usage=_usage(final))

    async def _stream(self, results, meta, request_id):
        sent = 0
        try:
            async for out in results:
                piece = out.outputs[0].text[sent:]
                sent = len(out.outputs[0].text)
                chunk = dict(meta, object="text_completion", choices=[_choice(out.outputs[0], piece)])
                if out.finished:
                    chunk["usage"] = _usage(out)
                yield chunk
        finally:
            await self.engine.abort(request_id)  # the client went away: free the GPU for others


def _choice(output, text):
    return {"index": 0, "text": text, "finish_reason": output.finish_reason, "logprobs": None}


def _usage(out):
    prompt, completion = len(out.prompt_token_ids), len(out.outputs[0].token_ids)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
