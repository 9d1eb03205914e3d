"""Stand-ins for the embedding model in unit tests: stable, meaningless vectors."""
import hashlib

import numpy as np

from embedding_worker.index import CatalogIndex, build
from shared.schemas import Catalog

DIM = 384


def fake_embed(texts: list[str]) -> np.ndarray:
    """Unit vectors seeded by the text: equal texts match, different ones do not."""
    rows = []
    for t in texts:
        seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        rows.append(v / np.linalg.norm(v))
    return np.stack(rows) if rows else np.zeros((0, DIM), np.float32)


def index_for(catalog: Catalog, version: int = 1) -> CatalogIndex:
    return build(catalog, version, fake_embed)


def no_words(word: str) -> bool:
    return False


class StandInEmbeddingModel:
    """The embedding model's interface (embedding_worker.model.EmbeddingModel) over
    fake_embed, for a stage context built in a test."""
    model_id = "fake-embedding"
    dimension = DIM

    def encode(self, texts: list[str]) -> np.ndarray:
        return fake_embed(texts)

    def is_word(self, word: str) -> bool:
        return no_words(word)


class StandInLanguageModel:
    """The language model's interface (llm_worker.model.LanguageModel): scores every
    answer alike, or fails as a crashed model would."""
    model_id = "test-llm"

    def __init__(self, broken: bool = False):
        self.broken = broken

    def score(self, pairs: list) -> list[float]:
        if self.broken:
            raise RuntimeError("model crashed")
        return [0.0] * len(pairs)
