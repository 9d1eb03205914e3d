"""The LLM worker's context: the loaded language model, built once when the worker
starts (shared/stage_context.py says why)."""
from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

from llm_worker.model import LanguageModel
from shared.settings import Settings
from shared.stage_context import StageContext


@dataclass(kw_only=True)
class LLMContext(StageContext):
    """What the LLM stage's jobs use: the loaded language model."""
    model: LanguageModel


def create(settings: Settings, r: Redis) -> LLMContext:
    """Load the model (weights only, no forward pass: a forked work-horse must not inherit
    a started OpenMP pool)."""
    return LLMContext(redis=r, settings=settings, model=LanguageModel.load(settings))
