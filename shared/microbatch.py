"""Cross-request micro-batching inside a real RQ worker.

The models are several times faster per text in batches than one at a time, but
every request is its own RQ job. This worker takes the job RQ hands it, then up to
`max_batch - 1` more ready jobs from the same queues (queue order, so priority
holds), does one batched call for all of them, and then completes every job
through RQ's own `perform_job`: status, registries, heartbeats, results, failure
callbacks and `rq info` stay per job, and one job's exception fails only that job.

A job function that can be batched is made with `batched_job(batch_fn)`: run on its
own (any RQ worker, or a batch of one) it calls `batch_fn` with its single call, so
batched and unbatched execution share one code path.
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis import Redis
from rq import SimpleWorker, get_current_job
from rq.job import Job
from rq.queue import Queue
from rq.timeouts import JobTimeoutException
from rq.worker import WorkerStatus

BatchFn = Callable[[Redis, list[tuple]], list[Any]]  # one result or exception per call
Cost = Callable[..., int]

log = logging.getLogger(__name__)
_prepared: dict[str, Any] = {}  # RQ job id -> its share of the batch's outcome
POLL_SECONDS = 0.002


@dataclass(frozen=True)
class BatchLimits:
    max_batch: int = 1
    max_wait_ms: float = 0.0
    token_budget: int = 0   # 0 = no budget; else stop gathering once the costs reach it


def batched_job(batch_fn: BatchFn, cost: Cost | None = None) -> Callable[..., Any]:
    """The RQ job function for one call of `batch_fn`; the worker may run it in a batch."""

    @functools.wraps(batch_fn)
    def job_function(*args: Any) -> Any:
        job = get_current_job()
        if job is not None and job.id in _prepared:
            outcome = _prepared.pop(job.id)
        else:
            (outcome,) = batch_fn(job.connection if job else None, [args])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    job_function.batch_fn = batch_fn  # type: ignore[attr-defined]
    job_function.cost = cost  # type: ignore[attr-defined]
    return job_function


def _batch_parts(job: Job) -> tuple[BatchFn | None, Cost | None]:
    try:
        func = job.func
    except Exception:  # noqa: BLE001 - an unimportable function fails in perform_job
        return None, None
    return getattr(func, "batch_fn", None), getattr(func, "cost", None)


def run_batch(r: Redis, batch_fn: BatchFn, calls: list[tuple]) -> list[Any]:
    """Outcomes per call; an exception of the whole batch becomes every call's outcome."""
    try:
        outcomes = batch_fn(r, calls)
        if len(outcomes) != len(calls):
            raise RuntimeError(f"batch returned {len(outcomes)} outcomes for {len(calls)} calls")
        return outcomes
    except Exception as e:  # noqa: BLE001 - each job then fails with the cause
        log.exception("batch of %d failed", len(calls))
        return [e] * len(calls)


class MicroBatchWorker(SimpleWorker):
    """A SimpleWorker (no fork per job) that runs ready jobs of a batchable function
    together. It waits for more jobs (up to `max_wait_ms`) only while the previous
    round found more than one: a lone query at idle never waits."""

    limits = BatchLimits()

    def __init__(self, *args: Any, limits: BatchLimits = BatchLimits(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._under_load = False
        self.batch_sizes: list[int] = []  # the recent rounds' sizes, for metrics and tests

    def execute_job(self, job: Job, queue: Queue) -> None:
        group = self._gather(job, queue)
        executions = {}
        for j, _ in group:  # every job is started (and in StartedJobRegistry) before compute
            executions[j.id] = self.prepare_execution(j)
            self.prepare_job_execution(j)
        self._compute(group)
        for j, q in group:
            self.execution = executions[j.id]
            self.perform_job(j, q)  # takes its prepared outcome; RQ's bookkeeping as usual
            _prepared.pop(j.id, None)
        self.set_state(WorkerStatus.IDLE)

    def _gather(self, first: Job, queue: Queue) -> list[tuple[Job, Queue]]:
        group = [(first, queue)]
        batch_fn, cost = _batch_parts(first)
        if batch_fn is None or self.limits.max_batch <= 1:
            return group
        spent = cost(*first.args) if cost else 0
        wait = self.limits.max_wait_ms / 1000 if self._under_load else 0.0
        deadline = time.monotonic() + wait
        while len(group) < self.limits.max_batch:
            if self.limits.token_budget and spent >= self.limits.token_budget:
                break
            found = self.queue_class.dequeue_any(
                self._ordered_queues, None, connection=self.connection, job_class=self.job_class,
                serializer=self.serializer, death_penalty_class=self.death_penalty_class)
            if found is None:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
                continue
            job, q = found
            job.redis_server_version = self.get_redis_server_version()
            group.append((job, q))
            other_fn, other_cost = _batch_parts(job)
            if other_fn is None:
                break  # runs on its own, after the batch
            spent += other_cost(*job.args) if other_cost else 0
        self._under_load = len(group) > 1
        self.batch_sizes = (self.batch_sizes + [len(group)])[-1000:]
        return group

    def _compute(self, group: list[tuple[Job, Queue]]) -> None:
        """One batched call per batchable function in the group, under the group's timeout."""
        by_fn: dict[Any, list[Job]] = {}
        for j, _ in group:
            batch_fn, _cost = _batch_parts(j)
            if batch_fn is not None:
                by_fn.setdefault(batch_fn, []).append(j)
        if not by_fn:
            return
        timeout = min(j.timeout or self.queue_class.DEFAULT_TIMEOUT for j, _ in group)
        try:
            with self.death_penalty_class(timeout, JobTimeoutException, job_id=group[0][0].id):
                for batch_fn, members in by_fn.items():
                    outcomes = run_batch(self.connection, batch_fn, [tuple(j.args) for j in members])
                    _prepared.update({j.id: o for j, o in zip(members, outcomes)})
        except JobTimeoutException as e:
            for members in by_fn.values():
                _prepared.update({j.id: e for j in members if j.id not in _prepared})
