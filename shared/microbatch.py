"""Cross-request micro-batching inside a real RQ worker.

The models are several times faster per text in batches than one at a time, but
every request is its own RQ job. This worker takes the job RQ hands it, then up to
`max_batch - 1` more ready jobs from the same queues (queue order, so priority
holds), does one batched call for all of them, and then completes every job
with RQ's own records: status, registries, heartbeats, results and `rq info` stay per
job. Plain successes are recorded for the whole batch in one Redis round trip (the
same writes RQ's handle_job_success makes); anything else (an exception, a callback,
dependents) goes through RQ's `perform_job`, so one job's failure fails only that job.

A job function that can be batched is made with `batched_job(batch_fn)`: run on its
own (any RQ worker, or a batch of one) it calls `batch_fn` with its single call, so
batched and unbatched execution share one code path.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Retry, SimpleWorker, get_current_job
from rq.executions import Execution
from rq.job import Job
from rq.job import JobStatus as RQJobStatus
from rq.queue import Queue
from rq.timeouts import JobTimeoutException
from rq.utils import now
from rq.worker import WorkerStatus

from shared.metrics import record_batch

BatchFn = Callable[[Redis, list[tuple]], list[Any]]  # one result or exception per call
Cost = Callable[..., int]

log = logging.getLogger(__name__)
_prepared: dict[str, Any] = {}  # RQ job id -> its share of the batch's outcome
POLL_SECONDS = 0.002
_MISSING = object()
_DONE = (RQJobStatus.FINISHED, RQJobStatus.FAILED, RQJobStatus.SCHEDULED, RQJobStatus.QUEUED)


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


def run_grouped(groups: dict[int, str], load: Callable[[str], Any],
                run: Callable[[Any, list[int]], list[Any]], outcomes: list[Any]) -> dict[int, Any]:
    """Calls of one batch that share a key (a catalog) are run together: `load(key)` once,
    then `run(loaded, members)`. A failed load or a member's exception becomes that
    member's outcome; the other results are returned by call index."""
    members: dict[str, list[int]] = {}
    for i, key in groups.items():
        members.setdefault(key, []).append(i)
    done: dict[int, Any] = {}
    for key, idx in members.items():
        try:
            loaded = load(key)
        except Exception as e:  # noqa: BLE001 - e.g. the catalog was deleted
            for i in idx:
                outcomes[i] = e
            continue
        for i, result in zip(idx, run(loaded, idx)):
            if isinstance(result, Exception):
                outcomes[i] = result
            else:
                done[i] = result
    return done


class MicroBatchWorker(SimpleWorker):
    """A SimpleWorker (no fork per job) that runs ready jobs of a batchable function
    together. It waits for more jobs (up to `max_wait_ms`) only while the previous
    round found more than one: a lone query at idle never waits."""

    def __init__(self, *args: Any, limits: BatchLimits = BatchLimits(),
                 heartbeat_seconds: int = 20, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.heartbeat_seconds = heartbeat_seconds
        self._under_load = False
        self.batch_sizes: list[int] = []  # the recent rounds' sizes, for metrics and tests

    def execute_job(self, job: Job, queue: Queue) -> None:
        # Busy before gathering: a SIGTERM now finishes the batch instead of raising
        # StopRequested with popped jobs in hand.
        self.set_state(WorkerStatus.BUSY)
        group = self._gather(job, queue)
        started = time.perf_counter()
        executions = self._start(group)
        try:
            with self._keep_alive(group, executions):
                self._compute(group)
                plain = self._finish_batched(group, executions)
                for j, q in plain:  # failures, unbatchable jobs, callbacks: RQ's own path
                    self.execution = executions[j.id]
                    self.perform_job(j, q)
        finally:
            _prepared.clear()
        self._report(group, time.perf_counter() - started)
        self.set_state(WorkerStatus.IDLE)

    def _report(self, group: list[tuple[Job, Queue]], seconds: float) -> None:
        """Batch size, duration and completions per queue into Redis (shared/metrics.py),
        and one log line per job, carrying its ids."""
        done: dict[str, dict[str, int]] = {}
        for j, q in group:
            outcome = "finished" if j.get_status(refresh=False) == RQJobStatus.FINISHED \
                else "failed"
            counts = done.setdefault(q.name, {"finished": 0, "failed": 0})
            counts[outcome] += 1
            log.info("%s %s", j.func_name.rsplit(".", 1)[-1], outcome, extra={
                "rq_job_id": j.id, "job_id": j.meta.get("job_id"),
                "batch_id": j.meta.get("batch_id"), "stage": j.meta.get("stage"),
                "batch_size": len(group), "duration_ms": round(seconds * 1000, 2)})
        try:
            record_batch(self.connection, group[0][0].meta.get("stage", "unknown"), seconds, done)
        except RedisError as e:
            log.warning("metrics not recorded: %s", e)

    def get_heartbeat_ttl(self, job: Job) -> int:
        """Short, and renewed while the batch runs: a worker that dies (SIGKILL) leaves
        jobs whose heartbeat expires within seconds, not after the whole job timeout."""
        return self.heartbeat_seconds

    @contextmanager
    def _keep_alive(self, group: list[tuple[Job, Queue]],
                    executions: dict[str, Execution]) -> Iterator[None]:
        """Renew the heartbeat of every job in hand (and the worker's) from a thread,
        every third of the TTL, until the batch is done."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.heartbeat_seconds / 3):
                try:
                    with self.connection.pipeline() as p:
                        for j, _ in group:
                            if j.get_status(refresh=False) in _DONE:
                                continue  # recorded already: nothing left to keep alive
                            executions[j.id].heartbeat(j.started_job_registry,
                                                       self.heartbeat_seconds, p)
                            j.heartbeat(now(), self.heartbeat_seconds, pipeline=p, xx=True)
                        self.heartbeat(self.heartbeat_seconds + 60, pipeline=p)
                        p.execute()
                except RedisError as e:
                    log.warning("heartbeat failed: %s", e)

        thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _start(self, group: list[tuple[Job, Queue]]) -> dict[str, Execution]:
        """Mark every job started (StartedJobRegistry, heartbeat, status) in one round trip,
        as SimpleWorker.prepare_execution + prepare_job_execution do for one job."""
        executions = {}
        with self.connection.pipeline() as p:
            for j, _ in group:
                ttl = self.get_heartbeat_ttl(j)
                executions[j.id] = Execution.create(j, ttl, pipeline=p, worker_name=self.name)
                j.heartbeat(now(), ttl, pipeline=p)
                j.prepare_for_execution(self.name, pipeline=p)
            self.set_state(WorkerStatus.BUSY, pipeline=p)
            self.set_current_job_id(group[0][0].id, pipeline=p)
            self.heartbeat(max(self.get_heartbeat_ttl(j) for j, _ in group), pipeline=p)
            p.execute()
        return executions

    def _finish_batched(self, group: list[tuple[Job, Queue]], executions: dict[str, Execution],
                        ) -> list[tuple[Job, Queue]]:
        """Record every plain success in one round trip, writing what RQ's
        handle_job_success writes per job; return the jobs that need RQ's full path
        (a failure, a Retry, a callback, a webhook, a repeat, dependents)."""
        with self.connection.pipeline(transaction=False) as p:
            for j, _ in group:
                p.exists(j.dependents_key)
            has_dependents = p.execute()
        simple, rest = [], []
        for (j, q), dependents in zip(group, has_dependents):
            outcome = _prepared.get(j.id, _MISSING)
            fast = (outcome is not _MISSING and not isinstance(outcome, (BaseException, Retry))
                    and not dependents and j.success_callback is None and not j.webhooks
                    and not j.repeats_left)
            (simple if fast else rest).append((j, q))
        if simple:
            with self.connection.pipeline() as p:
                for j, _ in simple:
                    ex = executions[j.id]
                    j.ended_at, j._result, j._status = now(), _prepared[j.id], RQJobStatus.FINISHED
                    result_ttl = j.get_result_ttl(self.default_result_ttl)
                    self.increment_successful_job_count(pipeline=p)
                    self.increment_total_working_time(j.ended_at - j.started_at, p)
                    if result_ttl != 0:
                        j._handle_success(result_ttl, pipeline=p, worker_name=self.name,
                                          execution_id=ex.id, execution_started_at=ex.created_at,
                                          execution_ended_at=j.ended_at)
                    j.cleanup(result_ttl, pipeline=p, remove_from_queue=False)
                    ex.delete(job=j, pipeline=p)
                self.set_current_job_id(None, pipeline=p)
                p.execute()
            self.execution = None
        return rest

    def _gather(self, first: Job, queue: Queue) -> list[tuple[Job, Queue]]:
        group = [(first, queue)]
        batch_fn, cost = _batch_parts(first)
        if batch_fn is None or self.limits.max_batch <= 1:
            return group
        spent = cost(*first.args) if cost else 0
        wait = self.limits.max_wait_ms / 1000 if self._under_load else 0.0
        deadline = time.monotonic() + wait
        while len(group) < self.limits.max_batch and not self._over_budget(spent):
            taken = self._take_ready(self.limits.max_batch - len(group))
            if not taken:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
                continue
            for k, (job, q) in enumerate(taken):
                if self._over_budget(spent):
                    self._put_back(taken[k:])
                    break
                group.append((job, q))
                _fn, job_cost = _batch_parts(job)  # an unbatchable job runs after the batch
                spent += job_cost(*job.args) if job_cost else 0
        self._under_load = len(group) > 1
        self.batch_sizes = (self.batch_sizes + [len(group)])[-1000:]
        return group

    def _over_budget(self, spent: int) -> bool:
        return bool(self.limits.token_budget) and spent >= self.limits.token_budget

    def _take_ready(self, n: int) -> list[tuple[Job, Queue]]:
        """Up to n queued jobs, highest-priority queue first: one LPOP with a count per
        queue and one pipelined fetch, instead of two round trips per job."""
        out: list[tuple[Job, Queue]] = []
        for q in self._ordered_queues:
            if len(out) >= n:
                break
            ids = self.connection.lpop(q.key, n - len(out))
            if ids:
                found = self.job_class.fetch_many([i.decode() for i in ids],
                                                  connection=self.connection,
                                                  serializer=self.serializer)
                out += [(j, q) for j in found if j is not None]  # gone jobs are skipped, as RQ does
        for j, _ in out:
            j.redis_server_version = self.get_redis_server_version()
        return out

    def _put_back(self, jobs: list[tuple[Job, Queue]]) -> None:
        """Return jobs over the budget to the front of their queues, in their order."""
        with self.connection.pipeline() as p:
            for j, q in reversed(jobs):
                q.push_job_id(j.id, pipeline=p, at_front=True)
            p.execute()

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
