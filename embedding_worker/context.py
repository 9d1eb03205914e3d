"""The embedding worker's context: the model and the indexes of the catalogs it serves,
built once when the worker starts (shared/stage_context.py says why)."""
from __future__ import annotations

from dataclasses import dataclass, field

from cachetools import LRUCache
from redis import Redis

from embedding_worker.index import CatalogIndex
from embedding_worker.model import EmbeddingModel
from shared.settings import Settings
from shared.stage_context import StageContext


@dataclass(kw_only=True)
class EmbeddingContext(StageContext):
    """What the embedding stage's jobs use: the model, and the indexes of the few most
    recent catalog versions by (name, version)."""
    model: EmbeddingModel
    indexes: LRUCache[tuple[str, int], CatalogIndex] = field(
        default_factory=lambda: LRUCache(maxsize=16))

    def forget(self) -> None:
        super().forget()
        self.indexes.clear()


def create(settings: Settings, r: Redis) -> EmbeddingContext:
    """Load the model (weights only, no forward pass: a forked work-horse must not inherit
    a started OpenMP pool) and start with empty caches."""
    return EmbeddingContext(redis=r, settings=settings, model=EmbeddingModel.load(settings))
