"""Optimistic Redis transactions: read a key under WATCH, write in MULTI, retry on a race.

Job, batch and catalog status changes all need "change it unless someone else just
did"; this is that loop, once.
"""
from __future__ import annotations

from collections.abc import Callable

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import WatchError


def optimistic(r: Redis, key: str, update: Callable[[Pipeline], bool]) -> bool:
    """Run `update` with `key` watched. `update` reads through the pipeline, then either
    returns False (nothing to do) or calls `pipe.multi()`, queues its writes and returns
    True. Retried from the start whenever `key` changed in between."""
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                if not update(pipe):
                    pipe.unwatch()
                    return False
                pipe.execute()
                return True
            except WatchError:
                continue
