"""Start an RQ worker that runs jobs in its own process (no fork per job).

A forked work-horse of a process that already ran torch deadlocks in libgomp,
and a lazily loaded model would be reloaded in every fork; so both model
workers use RQ's SimpleWorker, with the model loaded before the first job.
"""
from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from shared.logs import setup_logging
from shared.pipeline import queue
from shared.settings import Settings, get_settings

log = logging.getLogger(__name__)


def build_worker(r: Redis, settings: Settings, stage: str) -> SimpleWorker:
    queues = [queue(r, name) for name in settings.queue_names(stage)]
    return SimpleWorker(queues, connection=r, serializer=JSONSerializer)


def run_worker(settings: Settings, stage: str, warm_up: Callable[[], object],
               burst: bool = False) -> bool:
    """Load the model (warm_up) once, then work the stage's queues, highest priority first."""
    warm_up()
    r = Redis.from_url(settings.redis_url)
    worker = build_worker(r, settings, stage)
    log.info("worker ready", extra={"stage": stage})
    return worker.work(burst=burst, with_scheduler=False, logging_level=settings.log_level.upper())


def main(stage: str, warm_up: Callable[[], object]) -> int:
    """Command line of both model workers: `python -m <stage>_worker [--burst]`."""
    parser = argparse.ArgumentParser(prog=f"python -m {stage}_worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    args = parser.parse_args()
    settings = get_settings()
    setup_logging(settings, f"{stage}_worker")
    run_worker(settings, stage, warm_up, burst=args.burst)
    return 0
