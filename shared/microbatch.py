"""Cross-request micro-batching inside a real RQ worker, through RQ's public API only.

The models are several times faster per text in batches than one at a time, but
every request is its own RQ job. This worker takes the job RQ hands it, then up to
`max_batch - 1` more ready jobs from the same queues (queue order, so priority
holds), does one batched call for all of them, and then completes every job
with RQ's own records: one RQ `Execution` per job (RQ 3 workers hold several), status,
registries, heartbeats, results and `rq info` stay per job. Plain successes are recorded
for the whole batch in one Redis round trip, with the public calls RQ's
`handle_job_success` is made of (`rq_parity` tests compare the two, record by record);
anything else (an exception, a callback, dependents, a rate limit) goes through RQ's
`perform_job`, so one job's failure fails only that job.

A job function that can be batched is made with `batched_job(batch_fn)`: run on its
own (any RQ worker, or a batch of one) it calls `batch_fn` with its single call, so
batched and unbatched execution share one code path.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError
from rq import Retry, SimpleWorker, get_current_job
from rq.executions import Execution
from rq.job import Job
from rq.job import JobStatus as RQJobStatus
from rq.queue import Queue
from rq.results import Result
from rq.timeouts import JobTimeoutException
from rq.utils import now
from rq.worker import WorkerStatus

from shared.metrics import record_batch
from shared.stage_context import StageContext, current

# (the worker's StageContext, calls) -> one result or exception per call
BatchFn = Callable[[StageContext, list[tuple]], list[Any]]
Cost = Callable[..., int]

log = logging.getLogger(__name__)
POLL_SECONDS = 0.002
_MISSING = object()
_DONE = (RQJobStatus.FINISHED, RQJobStatus.FAILED, RQJobStatus.SCHEDULED, RQJobStatus.QUEUED)
# The running batch's outcomes by RQ job id, visible to the job functions it calls through
# RQ's perform_job (the worker's own dict, scoped to its execute_job, not a process global).
batch_outcomes: ContextVar[dict[str, Any]] = ContextVar("batch_outcomes")


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
        outcomes = batch_outcomes.get({})
        if job is not None and job.id in outcomes:
            outcome = outcomes.pop(job.id)
        else:
            (outcome,) = batch_fn(current(), [args])
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


def run_batch(batch_fn: BatchFn, calls: list[tuple]) -> list[Any]:
    """Outcomes per call, with the worker's stage context; an exception of the whole batch
    becomes every call's outcome."""
    try:
        outcomes = batch_fn(current(), calls)
        if len(outcomes) != len(calls):
            raise RuntimeError(f"batch returned {len(outcomes)} outcomes for {len(calls)} calls")
        return outcomes
    except JobTimeoutException:
        raise  # the group's time is up: the worker fails every job still without an outcome
    except Exception as e:  # noqa: BLE001 - each job then fails with the cause
        log.exception("batch of %d failed", len(calls))
        return [e] * len(calls)


def run_grouped(groups: dict[int, Hashable], load: Callable[[Any], Any],
                run: Callable[[Any, list[int]], list[Any]], outcomes: list[Any]) -> dict[int, Any]:
    """Calls of one batch that share a key (a catalog version) are run together:
    `load(key)` once, then `run(loaded, members)`. A failed load or a member's exception
    becomes that member's outcome; the other results are returned by call index."""
    members: dict[Hashable, list[int]] = {}
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


def plain_success(job: Job, outcome: Any, has_dependents: bool, result_ttl: int) -> bool:
    """Whether RQ's success path for this job is only the writes `record_successes` makes:
    a value (not an exception or a Retry) kept for a while (`result_ttl`, the job's or
    the worker's default, not 0), no dependents, callback, webhook, repeat or rate limit;
    everything else goes through RQ's own perform_job."""
    return (outcome is not _MISSING and not isinstance(outcome, (BaseException, Retry))
            and result_ttl != 0 and not has_dependents and job.success_callback is None
            and not job.webhooks and not job.repeats_left and not job.has_rate_limit)


def record_successes(worker: SimpleWorker, done: list[tuple[Job, Execution, Any]]) -> None:
    """Record plain successes in one round trip, with the public calls RQ's
    handle_job_success makes per job (status, job hash, Result, finished registry, job
    cleanup, execution cleanup, the worker's counters)."""
    with worker.connection.pipeline() as p:
        for job, execution, value in done:
            job.ended_at = now()
            worker.increment_successful_job_count(pipeline=p)
            worker.increment_total_working_time(job.ended_at - job.started_at, p)
            result_ttl = job.get_result_ttl(worker.default_result_ttl)
            job.set_status(RQJobStatus.FINISHED, pipeline=p)
            job.save(pipeline=p, include_meta=False, include_result=False)
            Result.create(job, Result.Type.SUCCESSFUL, result_ttl, return_value=value,
                          worker_name=worker.name, pipeline=p, execution_id=execution.id,
                          execution_started_at=execution.created_at, execution_ended_at=job.ended_at)
            job.finished_job_registry.add(job, result_ttl, p)
            job.cleanup(result_ttl, pipeline=p, remove_from_queue=False)
            worker.cleanup_execution(job, pipeline=p, execution=execution)
        p.execute()


class MicroBatchWorker(SimpleWorker):
    """A SimpleWorker (no fork per job) that runs ready jobs of a batchable function
    together. It waits for more jobs (up to `max_wait_ms`) only while the previous
    round found more than one: a lone query at idle never waits."""

    def __init__(self, *args: Any, limits: BatchLimits = BatchLimits(),
                 heartbeat_seconds: int = 20, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.heartbeat_seconds = heartbeat_seconds
        self.under_load = False
        self.batch_sizes: list[int] = []  # the recent rounds' sizes, for metrics and tests

    def execute_job(self, job: Job, queue: Queue) -> None:
        # Busy before gathering: a SIGTERM now finishes the batch instead of raising
        # StopRequested with popped jobs in hand.
        self.set_state(WorkerStatus.BUSY)
        group = self.gather_batch(job, queue)
        started = time.perf_counter()
        executions = self.start_batch(group)
        outcomes: dict[str, Any] = {}
        token = batch_outcomes.set(outcomes)
        try:
            with self.batch_heartbeats(group, executions):
                self.compute_batch(group, outcomes)
                for j, q in self.finish_batch(group, executions, outcomes):
                    self.perform_job(j, q, executions[j.id])  # RQ's own path
        finally:
            batch_outcomes.reset(token)
        self.report_batch(group, time.perf_counter() - started)
        self.set_state(WorkerStatus.IDLE)

    def report_batch(self, group: list[tuple[Job, Queue]], seconds: float) -> None:
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

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """Short, and renewed while the batch runs: a worker that dies (SIGKILL) leaves
        jobs whose heartbeat expires within seconds, not after the whole job timeout."""
        return self.heartbeat_seconds

    @contextmanager
    def batch_heartbeats(self, group: list[tuple[Job, Queue]],
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

    def start_batch(self, group: list[tuple[Job, Queue]]) -> dict[str, Execution]:
        """Mark every job started in one round trip: an Execution each (RQ 3 workers hold
        several), heartbeat, status, no TTL on the job key, out of the intermediate queue,
        as RQ's prepare_execution + prepare_job_execution do for one job."""
        executions = {}
        one_queue = len(self.queues) == 1  # RQ moves a job to the intermediate list only then
        with self.connection.pipeline() as p:
            for j, q in group:
                ttl = self.get_heartbeat_ttl(j)
                executions[j.id] = Execution.create(j, ttl, pipeline=p, worker_name=self.name)
                j.heartbeat(now(), ttl, pipeline=p)
                j.prepare_for_execution(self.name, pipeline=p)
                p.persist(j.key)
                if one_queue:
                    p.lrem(q.intermediate_queue_key, 1, j.id)
            self.set_state(WorkerStatus.BUSY, pipeline=p)
            self.heartbeat(max(self.get_heartbeat_ttl(j) for j, _ in group) + 60, pipeline=p)
            p.execute()
        self.executions.update({e.id: e for e in executions.values()})
        return executions

    def finish_batch(self, group: list[tuple[Job, Queue]], executions: dict[str, Execution],
                     outcomes: dict[str, Any]) -> list[tuple[Job, Queue]]:
        """Record every plain success in one round trip; return the jobs that need RQ's
        full path (a failure, a Retry, a callback, a webhook, a repeat, dependents)."""
        with self.connection.pipeline(transaction=False) as p:
            for j, _ in group:
                p.exists(j.dependents_key)
            has_dependents = p.execute()
        simple, rest = [], []
        for (j, q), dependents in zip(group, has_dependents):
            if plain_success(j, outcomes.get(j.id, _MISSING), bool(dependents),
                             j.get_result_ttl(self.default_result_ttl)):
                simple.append((j, executions[j.id], outcomes.pop(j.id)))
            else:
                rest.append((j, q))
        if simple:
            record_successes(self, simple)
        return rest

    def gather_batch(self, first: Job, queue: Queue) -> list[tuple[Job, Queue]]:
        """The first job and up to `max_batch - 1` ready ones, within the token budget;
        waits up to `max_wait_ms` for more only while the last round was a batch."""
        group = [(first, queue)]
        batch_fn, cost = _batch_parts(first)
        if batch_fn is None or self.limits.max_batch <= 1:
            return group
        spent = cost(*first.args) if cost else 0
        wait = self.limits.max_wait_ms / 1000 if self.under_load else 0.0
        deadline = time.monotonic() + wait
        while len(group) < self.limits.max_batch and not self.over_budget(spent):
            taken = self.take_ready(self.limits.max_batch - len(group))
            if not taken:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
                continue
            for k, (job, q) in enumerate(taken):
                if self.over_budget(spent):
                    self.put_back(taken[k:])
                    break
                group.append((job, q))
                _fn, job_cost = _batch_parts(job)  # an unbatchable job runs after the batch
                spent += job_cost(*job.args) if job_cost else 0
        self.under_load = len(group) > 1
        self.batch_sizes = (self.batch_sizes + [len(group)])[-1000:]
        return group

    def over_budget(self, spent: int) -> bool:
        return bool(self.limits.token_budget) and spent >= self.limits.token_budget

    def take_ready(self, n: int) -> list[tuple[Job, Queue]]:
        """Up to n queued jobs, highest-priority queue first (the order the worker was
        given its queues): one LPOP with a count per queue and one pipelined fetch,
        instead of two round trips per job."""
        out: list[tuple[Job, Queue]] = []
        for q in self.queues:
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

    def put_back(self, jobs: list[tuple[Job, Queue]]) -> None:
        """Return jobs over the budget to the front of their queues, in their order."""
        with self.connection.pipeline() as p:
            for j, q in reversed(jobs):
                q.push_job_id(j.id, pipeline=p, at_front=True)
            p.execute()

    def compute_batch(self, group: list[tuple[Job, Queue]], outcomes: dict[str, Any]) -> None:
        """One batched call per batchable function in the group, under the group's timeout;
        each job's outcome (value or exception) goes into `outcomes`."""
        by_fn: dict[Any, list[Job]] = {}
        for j, _ in group:
            batch_fn, _cost = _batch_parts(j)
            if batch_fn is not None:
                by_fn.setdefault(batch_fn, []).append(j)
        if not by_fn:
            return
        # the batch's jobs' own limits (a job that runs after the batch keeps its own)
        timeout = min(j.timeout or self.queue_class.DEFAULT_TIMEOUT
                      for members in by_fn.values() for j in members)
        try:
            with self.death_penalty_class(timeout, JobTimeoutException, job_id=group[0][0].id):
                for batch_fn, members in by_fn.items():
                    results = run_batch(batch_fn, [tuple(j.args) for j in members])
                    outcomes.update({j.id: o for j, o in zip(members, results)})
        except JobTimeoutException as e:
            for members in by_fn.values():
                outcomes.update({j.id: e for j in members if j.id not in outcomes})
