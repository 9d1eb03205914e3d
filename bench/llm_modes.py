"""The LLM stage's options, measured one at a time on the same prompts (part of `make bench`).

  generate      free generation of 48 new tokens (what an LLM-writes-the-filters design
                does), batch 1 and batch 16 left-padded,
  score/none    scoring the options only (structured output: no token generated), every
                (prompt, answer) row run whole,
  score/prompt  + each prompt run once, its answers scored from its KV cache,
  score/shared  + the prefix all prompts share kept in a KV cache across requests.
Prompts are arbiter questions (llm_worker/arbiter.py: a value after `In a search request,
"<span>" means:` and after the same words about "something") over the catalog's own values
and words of generated requests. Writes bench/results/llm_modes.json.

usage: python bench/llm_modes.py [--questions 32] [--catalog FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from workload import requests_for  # noqa: E402 - after the path set-up


def questions(catalog: dict, n: int) -> list[tuple[list[str], list[str]]]:
    """(prompts, answers) of n arbiter questions: a word of a request against a value."""
    from llm_worker.arbiter import MEANS, NEUTRAL

    rng = random.Random(5)
    enums = [f for f in catalog["fields"] if f["type"] == "enum" and f.get("values")]
    out = []
    for text in requests_for(catalog, n, seed=5):
        value = rng.choice(rng.choice(enums)["values"])
        out.append(([MEANS.format(span=rng.choice(text.split())), MEANS.format(span=NEUTRAL)],
                    [value, value]))
    return out


def per_query_ms(fn, items: list, batch: int, repeats: int = 2) -> float:
    fn(items[:batch])  # warm-up
    t = time.perf_counter()
    for _ in range(repeats):
        for k in range(0, len(items), batch):
            fn(items[k:k + batch])
    return 1000 * (time.perf_counter() - t) / (repeats * len(items))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=32)
    parser.add_argument("--catalog", default=str(ROOT / "demo" / "laptops.catalog.json"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    import torch

    from llm_worker.model import LanguageModel, load_weights
    from shared.settings import get_settings

    catalog = json.loads(Path(args.catalog).read_text())
    qs = questions(catalog, args.questions)
    settings = get_settings()
    tokenizer, lm = load_weights(settings)

    def generate(batch):
        enc = tokenizer([prompts[0] for prompts, _ in batch], return_tensors="pt", padding=True,
                        add_special_tokens=False)
        with torch.inference_mode():
            lm.generate(**enc, max_new_tokens=48, min_new_tokens=48, do_sample=False,
                        pad_token_id=tokenizer.pad_token_id)

    def scorer(mode):
        model = LanguageModel(tokenizer, lm, settings.model_copy(update={"llm_kv_reuse": mode}))

        def run(batch):
            model.score([(p, a) for prompts, answers in batch for p, a in zip(prompts, answers)])
        return run

    rows = {"generate, batch 1": per_query_ms(generate, qs[:8], 1, 1),
            "generate, batch 16 (left-padded)": per_query_ms(generate, qs[:16], 16, 1)}
    for mode in ("none", "prompt", "shared"):
        rows[f"score options, kv reuse {mode}, batch 1"] = per_query_ms(scorer(mode), qs, 1)
        rows[f"score options, kv reuse {mode}, batch 16"] = per_query_ms(scorer(mode), qs, 16)
    base = rows["score options, kv reuse none, batch 1"]
    print(f"{'LLM stage mode':<44}{'ms/query':>10}{'vs score/none b1':>18}")
    for name, ms in rows.items():
        print(f"{name:<44}{ms:>10.1f}{base / ms:>17.2f}x")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "llm_modes.json").write_text(json.dumps(
        {"questions": len(qs), "answers_per_question": 2, "torch_threads":
         torch.get_num_threads(), "ms_per_query": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
