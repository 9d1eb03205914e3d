"""What a stage's jobs work with, built once by the worker's startup and handed to every
job (arq's `ctx`): the Redis connection, the settings, the loaded model and the caches of
parsed catalogs. Job functions take it as their first argument, so a test builds one
(with a stand-in model if it likes) instead of patching modules.

RQ calls a job function with the job's own arguments only, so the worker binds its context
around its work loop (`bound`) and the RQ entry points (`context_job`, and the batches of
shared/microbatch.py) put `current()` first.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redis import Redis

from shared.catalog_store import CatalogVersions
from shared.settings import Settings

_current: ContextVar[StageContext] = ContextVar("stage_context")
T = TypeVar("T")


@dataclass(kw_only=True)
class StageContext:
    """The part every stage shares; each worker package extends it with its model."""
    redis: Redis
    settings: Settings
    catalogs: CatalogVersions = field(default_factory=CatalogVersions)

    def forget(self) -> None:
        """Drop what was read from Redis (after Redis lost data, a catalog version number
        may come back with another body); the model stays."""
        self.catalogs.forget()


@contextmanager
def bound(context: StageContext) -> Iterator[StageContext]:
    """Make `context` the one `current()` returns while a job runs."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current() -> StageContext:
    """The context of the job running now; only a worker running jobs has one."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("no stage context: jobs run inside a stage worker") from None


def context_job(fn: Callable[..., T]) -> Callable[..., T]:
    """The RQ job function for `fn(context, *args)`: RQ passes the job's arguments, the
    running worker's context goes first."""

    @functools.wraps(fn)
    def job(*args: Any, **kwargs: Any) -> T:
        return fn(current(), *args, **kwargs)

    return job
