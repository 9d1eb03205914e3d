"""The micro-batching worker against a real Redis: batches form, RQ still tells the truth."""
from __future__ import annotations

import signal
import time

import pytest
from redis import Redis
from rq import Callback, Queue, Retry
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from shared import jobs, pipeline
from shared.microbatch import BatchLimits, MicroBatchWorker
from shared.settings import get_settings
from shared.stage_context import StageContext, bound
from tests.integration.toy_jobs import CALLS

pytestmark = pytest.mark.integration
SQUARE = "tests.integration.toy_jobs.square"


@pytest.fixture
def queues(redis_conn: Redis):
    names = ["toy-high", "toy", "toy-low"]
    qs = [Queue(n, connection=redis_conn, serializer=JSONSerializer) for n in names]
    for q in qs:
        q.empty()
    redis_conn.delete(CALLS)
    yield qs
    for q in qs:
        q.empty()


def work(r: Redis, qs: list[Queue], limits: BatchLimits) -> MicroBatchWorker:
    worker = MicroBatchWorker(qs, connection=r, serializer=JSONSerializer, limits=limits)
    with bound(StageContext(redis=r, settings=get_settings())):
        worker.work(burst=True, with_scheduler=False)
    return worker


def batch_calls(r: Redis) -> list[int]:
    return [int(x) for x in r.lrange(CALLS, 0, -1)]


def test_one_batched_call_and_a_bad_input_fails_alone(redis_conn, queues):
    normal = queues[1]
    jobs = [normal.enqueue(SQUARE, args=[x]) for x in (1, 2, -3, 4, 5)]
    worker = work(redis_conn, queues, BatchLimits(max_batch=8))
    assert batch_calls(redis_conn) == [5]
    assert worker.batch_sizes == [5]
    fresh = [Job.fetch(j.id, connection=redis_conn, serializer=JSONSerializer) for j in jobs]
    assert [j.get_status() for j in fresh] == [JobStatus.FINISHED] * 2 + [JobStatus.FAILED] + [
        JobStatus.FINISHED] * 2
    assert [j.return_value() for j in fresh if j.get_status() == JobStatus.FINISHED] == [1, 4, 16,
                                                                                        25]
    assert "negative input -3" in fresh[2].latest_result().exc_string
    assert set(FinishedJobRegistry(queue=normal).get_job_ids()) == {jobs[i].id for i in (0, 1, 3, 4)}
    assert FailedJobRegistry(queue=normal).get_job_ids() == [jobs[2].id]
    assert StartedJobRegistry(queue=normal).get_job_ids() == []
    worker.refresh()  # what `rq info` reads
    assert (worker.successful_job_count, worker.failed_job_count) == (4, 1)


def test_max_batch_splits_and_priority_goes_first(redis_conn, queues):
    high, normal, low = queues
    lows = [low.enqueue(SQUARE, args=[x]) for x in range(3)]
    highs = [high.enqueue(SQUARE, args=[x]) for x in range(3, 6)]
    worker = work(redis_conn, queues, BatchLimits(max_batch=3))
    assert worker.batch_sizes == [3, 3]
    first = {Job.fetch(j.id, connection=redis_conn, serializer=JSONSerializer).ended_at
             for j in highs}
    later = {Job.fetch(j.id, connection=redis_conn, serializer=JSONSerializer).ended_at
             for j in lows}
    assert max(first) <= min(later)


def test_budget_ends_a_batch_and_an_unbatchable_job_runs_alone(redis_conn, queues):
    normal = queues[1]
    for x in (5, 5, 5, 1):  # cost |x|: the budget of 10 is reached after two jobs
        normal.enqueue(SQUARE, args=[x])
    plain = normal.enqueue("tests.integration.toy_jobs.plain", args=[41])
    normal.enqueue(SQUARE, args=[2])
    worker = work(redis_conn, queues, BatchLimits(max_batch=16, token_budget=10))
    assert worker.batch_sizes == [2, 4]  # [5,5] (the rest goes back, in order) | [5,1,plain,2]
    assert batch_calls(redis_conn) == [2, 3]  # plain runs on its own
    assert Job.fetch(plain.id, connection=redis_conn,
                     serializer=JSONSerializer).return_value() == 42


def test_batch_timeout_fails_every_job_with_the_reason(redis_conn, queues):
    normal = queues[1]
    jobs = [normal.enqueue("tests.integration.toy_jobs.slow", args=[3], job_timeout=1)
            for _ in range(2)]
    work(redis_conn, queues, BatchLimits(max_batch=4))
    for j in jobs:
        fresh = Job.fetch(j.id, connection=redis_conn, serializer=JSONSerializer)
        assert fresh.get_status() == JobStatus.FAILED
        assert "JobTimeoutException" in fresh.latest_result().exc_string


def test_a_stage_over_its_timeout_is_retried_then_failed_with_that_reason(redis_conn, queues):
    """Through the pipeline's failure hook: retried once, then `failed` with code timeout."""
    with redis_conn.pipeline() as p:
        jobs.create_job(p, "slow-query", text="x", catalog="toy", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=600)
        p.execute()
    queues[1].enqueue("tests.integration.toy_jobs.slow", args=[3], job_timeout=1,
                      meta={"stage": "llm", "job_id": "slow-query"}, retry=Retry(max=1),
                      on_failure=Callback(pipeline.ON_FAILURE))
    started = time.monotonic()
    work(redis_conn, queues, BatchLimits(max_batch=4))
    view = jobs.read_job(redis_conn, "slow-query")
    assert (view["status"], view["error"]["code"], view["retries"]) == ("failed", "timeout", 1)
    assert "time limit" in view["error"]["message"]
    assert time.monotonic() - started < 10  # each attempt was cut at its 1 s limit


def test_a_lone_job_at_idle_does_not_wait(redis_conn, queues):
    """MAX_WAIT_MS applies only under load: 5 s of waiting would show as 5 s here."""
    queues[1].enqueue(SQUARE, args=[3])
    started = time.monotonic()
    worker = work(redis_conn, queues, BatchLimits(max_batch=8, max_wait_ms=5000))
    assert time.monotonic() - started < 2.5
    assert worker.batch_sizes == [1]


def test_sigterm_while_gathering_finishes_the_batch_then_stops(redis_conn, queues):
    """A warm shutdown requested mid-gather: every popped job still finishes."""
    normal = queues[1]
    jobs = [normal.enqueue(SQUARE, args=[x]) for x in range(6)]
    worker = MicroBatchWorker(queues, connection=redis_conn, serializer=JSONSerializer,
                              limits=BatchLimits(max_batch=3))
    take = worker.take_ready

    def take_then_signal(n):
        taken = take(n)
        worker.request_stop(signal.SIGTERM, None)  # RQ's SIGTERM handler
        return taken

    worker.take_ready = take_then_signal
    with bound(StageContext(redis=redis_conn, settings=get_settings())):
        worker.work(burst=True, with_scheduler=False)
    statuses = [Job.fetch(j.id, connection=redis_conn, serializer=JSONSerializer).get_status()
                for j in jobs]
    assert statuses == [JobStatus.FINISHED] * 3 + [JobStatus.QUEUED] * 3
    assert worker.batch_sizes == [3]
