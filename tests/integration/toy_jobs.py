"""Job functions for the micro-batching worker tests (imported by RQ by dotted path)."""
from __future__ import annotations

import time

from shared.microbatch import batched_job
from shared.stage_context import StageContext

CALLS = "test:toy:calls"  # one entry per batch call: how many calls it carried


def square_many(ctx: StageContext, calls: list[tuple[int]]) -> list[int | Exception]:
    ctx.redis.rpush(CALLS, len(calls))
    return [x * x if x >= 0 else ValueError(f"negative input {x}") for (x,) in calls]


def slow_many(ctx: StageContext, calls: list[tuple[float]]) -> list[float]:
    time.sleep(max(s for (s,) in calls))
    return [s for (s,) in calls]


square = batched_job(square_many, cost=lambda x: abs(x))
slow = batched_job(slow_many)


def plain(x: int) -> int:
    """Not batchable: runs on its own."""
    return x + 1
