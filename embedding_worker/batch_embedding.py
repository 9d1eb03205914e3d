"""One model call for many texts: analyse them all, embed what they asked for together.

Analysis asks the embedder only for the n-grams it could not explain otherwise,
which depends on each text; so the chunk is analysed twice (cheap, ~1 ms a
text): once to record the n-grams, then against vectors encoded in one batch.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from embedding_worker.matching import Embed


class RecordingEmbedder:
    """Remembers every text it is asked for and answers with zero vectors."""

    def __init__(self, dim: int):
        self.dim = dim
        self.seen: dict[str, None] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen.update(dict.fromkeys(texts))
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def cached_embedder(texts: list[str], encode: Embed) -> Embed:
    """An embedder that serves `texts` from one batched `encode` call (and encodes misses)."""
    cache = dict(zip(texts, encode(texts))) if texts else {}

    def embed(wanted: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(wanted) if t not in cache]
        if missing:
            cache.update(zip(missing, encode(missing)))
        return np.stack([cache[t] for t in wanted]) if wanted else encode([])

    return embed


Item = TypeVar("Item")


def analyse_many(items: list[Item], analyse_one: Callable[[Item, Embed], dict], encode: Embed,
                 dim: int) -> list[dict | Exception]:
    """Analyse every item (a text, or a text with its reading options) with a single
    batched embedding call; failures stay per item."""
    recorder = RecordingEmbedder(dim)
    for item in items:
        try:
            analyse_one(item, recorder)
        except Exception:  # noqa: BLE001 - reported in the second pass
            pass
    embed = cached_embedder(list(recorder.seen), encode)
    out: list[dict | Exception] = []
    for item in items:
        try:
            out.append(analyse_one(item, embed))
        except Exception as e:  # noqa: BLE001 - one bad text never fails its chunk
            out.append(e)
    return out
