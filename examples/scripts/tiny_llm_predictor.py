"""An LLM predictor in Hopsworks' vLLM form, serving a tiny deterministic stand-in model.

ModelDeck (and Hopsworks, and KServe's OpenAI routes) call:
  apply_chat_template(messages)      chat messages -> the prompt (kserve's ChatPrompt: {"prompt": ...})
  async create_completion(request)   an OpenAI completion request (a dict) -> a completion dict, or an
                                     async iterator of completion chunks when request["stream"] is true

ModelDeck serves it at /openai/v1/completions and /openai/v1/chat/completions (the deployment's name is
the "model"), and the predict panel's Chat tab talks to it.

The model: a word bigram table (MODEL_FILES_PATH/bigrams.json, built by examples/make_models.py) that
continues from the last word of the prompt it knows. Standard library only, offline, the same answer
for the same request. To serve a real model, keep the methods and replace TinyLM with vLLM's engine
or transformers (see examples/README.md, "Plug in a real model").
"""
import asyncio
import hashlib
import json
import os
import random
import re
import time
import uuid


class TinyLM(object):
    """Generates words from a bigram table; sampling is seeded by the prompt, so it is repeatable."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
        self.start = table["start"]
        self.follows = {w: [(n, c) for n, c in pairs] for w, pairs in table["follows"].items()}

    def tokens(self, prompt, max_tokens, temperature, seed):
        known = [w for w in re.findall(r"[A-Za-z']+", prompt.lower()) if w in self.follows]
        word = known[-1] if known else self.start
        rng = random.Random(seed if seed is not None else int(hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:12], 16))
        for i in range(max_tokens):
            pairs = self.follows.get(word.lower())
            if not pairs:
                return
            if temperature <= 0:
                word = pairs[0][0]
            else:
                weights = [c ** (1.0 / max(temperature, 0.05)) for _, c in pairs]
                word = rng.choices([n for n, _ in pairs], weights=weights)[0]
            yield word if word in ".," or i == 0 else " " + word


class Predictor:
    def __init__(self):
        model_dir = os.environ["MODEL_FILES_PATH"]
        self.model = TinyLM(os.path.join(model_dir, "bigrams.json"))
        # Seconds between tokens, so streaming shows in the Chat tab (a real model takes its own time).
        self.delay = float(os.environ.get("TINY_LM_TOKEN_DELAY_MS", "40")) / 1000.0
        print("tiny-lm loaded from %s" % model_dir)

    def apply_chat_template(self, messages, chat_template=None, tools=None):
        """ChatML-like markup, as a Hugging Face tokenizer's template would write it."""
        parts = ["<|%s|>\n%s\n" % (m["role"], m.get("content") or "") for m in messages]
        return {"prompt": "".join(parts) + "<|assistant|>\n"}

    async def create_completion(self, request):
        prompt = request["prompt"]
        if isinstance(prompt, list):
            prompt = " ".join(str(p) for p in prompt)
        max_tokens = request.get("max_tokens") or 32
        temperature = request.get("temperature")
        temperature = 0.7 if temperature is None else temperature
        stops = request.get("stop") or []
        stops = [stops] if isinstance(stops, str) else stops
        words = self.model.tokens(prompt, max_tokens, temperature, request.get("seed"))
        meta = {"id": "cmpl-%s" % uuid.uuid4().hex[:12], "created": int(time.time()), "model": request["model"]}
        prompt_tokens = len(prompt.split())
        if request.get("stream"):
            return self._stream(words, stops, meta, prompt_tokens, max_tokens)
        text, n, finish = "", 0, "stop"
        for w in words:
            if any(s in text + w for s in stops):
                break
            text, n = text + w, n + 1
        finish = "length" if n >= max_tokens else "stop"
        return dict(meta, object="text_completion", choices=[{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}], usage=_usage(prompt_tokens, n))

    async def _stream(self, words, stops, meta, prompt_tokens, max_tokens):
        text, n = "", 0
        for w in words:
            if any(s in text + w for s in stops):
                break
            await asyncio.sleep(self.delay)  # where a real engine waits for its next token
            text, n = text + w, n + 1
            yield dict(meta, object="text_completion", choices=[{"index": 0, "text": w, "finish_reason": None, "logprobs": None}])
        finish = "length" if n >= max_tokens else "stop"
        yield dict(meta, object="text_completion", choices=[{"index": 0, "text": "", "finish_reason": finish, "logprobs": None}], usage=_usage(prompt_tokens, n))


def _usage(prompt_tokens, completion_tokens):
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}
