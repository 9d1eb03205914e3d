"""Start an RQ worker for a stage, with the model loaded before the first job.

A forked work-horse of a process that already ran torch deadlocks in libgomp,
and a lazily loaded model would be reloaded in every fork; so the model workers
run jobs in their own process: `microbatch` (default) batches ready jobs across
requests, `simple` is RQ's SimpleWorker (one job at a time), `fork` is RQ's
default forking Worker, kept only so the benchmark can measure the naive design.
"""
from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from contextlib import suppress

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.serializers import JSONSerializer

from shared import fingerprints
from shared.housekeeping import Housekeeper
from shared.logs import setup_logging
from shared.microbatch import BatchLimits, MicroBatchWorker
from shared.pipeline import queue
from shared.settings import Settings, get_settings
from shared.stage_context import StageContext, bound

log = logging.getLogger(__name__)


def batch_limits(settings: Settings, stage: str) -> BatchLimits:
    if stage == "embedding":
        return BatchLimits(settings.embedding_max_batch, settings.embedding_max_wait_ms)
    return BatchLimits(settings.llm_max_batch, settings.llm_max_wait_ms, settings.llm_token_budget)


class StopAware:
    """Remembers a warm-shutdown request (RQ's SIGTERM/SIGINT handler is the public
    `request_stop`), so the loop around RQ's `work()` stops instead of starting a fresh
    work loop, as it does when `work()` returned because Redis went away."""
    stop_requested = False

    def request_stop(self, signum: int, frame: object) -> None:
        self.stop_requested = True
        super().request_stop(signum, frame)  # type: ignore[misc]


class ForkingStageWorker(StopAware, Worker):
    """RQ's forking worker (`WORKER_MODE=fork`), kept for the benchmark's naive design."""


class SimpleStageWorker(StopAware, SimpleWorker):
    """RQ's SimpleWorker: one job at a time, in the worker's own process."""


class BatchingStageWorker(StopAware, MicroBatchWorker):
    """The default: ready jobs batched across requests (shared/microbatch.py)."""


StageWorker = ForkingStageWorker | SimpleStageWorker | BatchingStageWorker


def build_worker(r: Redis, settings: Settings, stage: str) -> StageWorker:
    """The stage's RQ worker; the code it runs is published first (cached results of other
    code are then never served)."""
    fingerprints.publish(r, stage)
    queues = [queue(r, name) for name in settings.queue_names(stage)]
    if settings.worker_mode == "fork":
        return ForkingStageWorker(queues, connection=r, serializer=JSONSerializer)
    if settings.worker_mode == "simple":
        return SimpleStageWorker(queues, connection=r, serializer=JSONSerializer)
    return BatchingStageWorker(queues, connection=r, serializer=JSONSerializer,
                               limits=batch_limits(settings, stage),
                               heartbeat_seconds=settings.heartbeat_seconds)


def run_worker(settings: Settings, stage: str,
               create_context: Callable[[Settings, Redis], StageContext],
               burst: bool = False) -> bool:
    """Build the stage's context once (the model loads there), then work the stage's
    queues, highest priority first, with that context bound for every job.

    The model loads weights without a forward pass, so even the `fork` mode's children
    do not inherit a started OpenMP pool. RQ's work loop quits when Redis goes away
    mid-job; the context stays here and a fresh worker takes over once Redis is back
    (the jobs in hand are found abandoned by their heartbeat and retried)."""
    r = Redis.from_url(settings.redis_url)
    context = create_context(settings, r)
    housekeeper = Housekeeper(r, settings, settings.queue_names(stage))
    housekeeper.start()
    log.info("worker ready", extra={"stage": stage})
    try:
        with bound(context):
            return work_until_stopped(r, settings, stage, burst, context)
    finally:
        housekeeper.stop()


def work_until_stopped(r: Redis, settings: Settings, stage: str, burst: bool,
                       context: StageContext) -> bool:
    """RQ's work loop, started again whenever it quits because Redis went away (with the
    context's Redis-read caches dropped), until a stop is requested (or, in burst mode,
    the queues are empty)."""
    while True:
        worker = build_worker(r, settings, stage)
        try:
            worked = worker.work(burst=burst, with_scheduler=False,
                                 logging_level=settings.log_level.upper())
        except RedisError as e:  # raised by RQ's own teardown while Redis is down
            log.error("worker lost Redis: %s", e, extra={"stage": stage})
            worked = False
        if burst or worker.stop_requested:
            return worked
        try:
            _wait_for_redis(r, stage)
        except StopRequested:  # SIGTERM while Redis is down: nothing in hand, just stop
            return worked
        if worker.stop_requested:  # asked while the last batch was still in hand
            return worked
        context.forget()
        with suppress(RedisError):
            worker.register_death()


# Ping a lost Redis until it answers: 0.5 s, 1 s, 2 s ... then every 10 s, for ever.
REDIS_COMEBACK = Retry(ExponentialBackoff(cap=10, base=0.25), retries=-1,
                       supported_errors=(RedisError,))


def _wait_for_redis(r: Redis, stage: str) -> None:
    REDIS_COMEBACK.call_with_retry(r.ping, lambda error: None)
    log.warning("Redis is back; restarting the work loop", extra={"stage": stage})


def main(stage: str, create_context: Callable[[Settings, Redis], StageContext]) -> int:
    """Command line of both model workers: `python -m <stage>_worker [--burst]`."""
    parser = argparse.ArgumentParser(prog=f"python -m {stage}_worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    args = parser.parse_args()
    settings = get_settings()
    setup_logging(settings, f"{stage}_worker")
    run_worker(settings, stage, create_context, burst=args.burst)
    return 0
