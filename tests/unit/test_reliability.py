"""Retries, the dead-letter view, requeue and lost-job recovery, on a fake Redis."""
import json

import fakeredis
import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from shared import batches, catalog_store, dead_letter, jobs, keys, pipeline
from shared.housekeeping import recover_stalled, recover_stalled_batches
from shared.schemas import Catalog, QueryResult
from shared.settings import Settings

SETTINGS = Settings(_env_file=None, job_retries=3, retry_backoff_seconds=2, stall_seconds=60,
                    recoveries=2)


@pytest.fixture
def r():
    client = fakeredis.FakeRedis()
    with client.pipeline() as p:
        jobs.create_job(p, "j1", text="red shoes", catalog="shop", catalog_version=1,
                        priority="high", webhook_url=None, ttl=1000)
        p.execute()
    return client


class StageJob:
    """What RQ hands the failure hook: the job, with the retries it has left."""

    def __init__(self, retries_left, retries_done=0):
        self.id, self.retries_left = "j1-llm", retries_left
        self.meta = {"stage": "llm", "job_id": "j1", "retries": retries_done}

    def save_meta(self):
        pass


def test_backoff_is_exponential():
    assert SETTINGS.retry_intervals() == [2, 4, 8]
    policy = pipeline.retry_policy(SETTINGS)
    assert policy.max == 3 and policy.intervals == [2, 4, 8]
    assert pipeline.retry_policy(Settings(_env_file=None, job_retries=0)) is None


def test_a_transient_failure_with_retries_left_is_only_noted(r, monkeypatch):
    monkeypatch.setattr(pipeline, "get_settings", lambda: SETTINGS)
    job = StageJob(retries_left=3)
    pipeline.on_stage_failure(job, r, RuntimeError, RuntimeError("model hiccup"), None)
    view = jobs.read_job(r, "j1")
    assert view["status"] == "queued" and view["retries"] == 1 and view["error"] is None
    assert job.retries_left == 3  # RQ retries it
    assert r.zcard(keys.DEAD_LETTER) == 0


def test_a_permanent_failure_is_not_retried(r, monkeypatch):
    monkeypatch.setattr(pipeline, "get_settings", lambda: SETTINGS)
    job = StageJob(retries_left=3)
    exc = jobs.StageError("catalog_not_found", "catalog 'shop' was deleted")
    pipeline.on_stage_failure(job, r, type(exc), exc, None)
    assert job.retries_left == 0  # RQ reads this right after the hook: no retry
    assert jobs.read_job(r, "j1")["error"]["code"] == "catalog_not_found"


def test_the_last_failure_lands_in_the_dead_letter_view_and_can_be_requeued(r, monkeypatch):
    monkeypatch.setattr(pipeline, "get_settings", lambda: SETTINGS)
    pipeline.on_stage_failure(StageJob(retries_left=2, retries_done=1), r, RuntimeError,
                              RuntimeError("a"), None)
    pipeline.on_stage_failure(StageJob(retries_left=None), r, RuntimeError, RuntimeError("b"),
                              None)
    page = dead_letter.list_failed(r, SETTINGS, limit=10, offset=0)
    assert page["total"] == 1
    (item,) = page["items"]
    assert (item["job_id"], item["stage"], item["code"], item["attempts"]) == \
        ("j1", "llm", "internal_error", 3)
    assert "RuntimeError: b" in item["message"] and item["text"] == "red shoes"
    assert r.zscore(keys.INFLIGHT, "j1") is None

    assert dead_letter.requeue(r, SETTINGS, "j1") is None
    view = jobs.read_job(r, "j1")
    assert (view["status"], view["error"], view["retries"]) == ("queued", None, 0)
    queued = Queue("embedding-high", connection=r, serializer=JSONSerializer).job_ids
    assert queued == ["j1"]  # from the first stage, at its own priority
    assert dead_letter.list_failed(r, SETTINGS, 10, 0) == {"total": 0, "items": []}
    assert dead_letter.requeue(r, SETTINGS, "j1") == "queued"  # not failed: refused
    assert dead_letter.requeue(r, SETTINGS, "nope") == "missing"


def test_in_flight_index_and_status_counts_follow_the_job(r):
    assert r.zscore(keys.INFLIGHT, "j1") is not None
    jobs.finish_job(r, "j1", QueryResult(query="red shoes", catalog="shop", catalog_version=1,
                                         filters=[]), result_ttl=60)
    assert r.zscore(keys.INFLIGHT, "j1") is None
    assert r.hget(keys.JOB_STATS, "finished") == b"1"


def test_a_job_nothing_holds_is_started_again_then_failed_as_lost(r):
    later = 10_000_000_000.0  # far past the stall limit
    assert recover_stalled(r, SETTINGS, now=later)["recovered"] == 1
    q = Queue("embedding-high", connection=r, serializer=JSONSerializer)
    assert q.job_ids == ["j1"]
    assert recover_stalled(r, SETTINGS, now=later * 2)["held"] == 1  # queued: RQ holds it

    for _ in range(SETTINGS.recoveries - 1):  # a worker pops it and dies, again and again
        r.lpop(q.key)
        assert recover_stalled(r, SETTINGS, now=later * 3)["recovered"] == 1
    r.lpop(q.key)
    assert recover_stalled(r, SETTINGS, now=later * 4)["failed"] == 1
    view = jobs.read_job(r, "j1")
    assert view["status"] == "failed" and view["error"]["code"] == "lost"


def test_a_fresh_job_is_not_examined(r):
    assert recover_stalled(r, SETTINGS) == {"held": 0, "recovered": 0, "failed": 0, "gone": 0}


def open_batch(r, total=10, chunk_size=4) -> str:
    with r.pipeline() as p:
        batches.create_batch(r, "b1", texts=[f"text {i}" for i in range(total)],
                             custom_ids=None, catalog="shop", catalog_version=1,
                             priority="low", webhook_url=None, chunk_size=chunk_size,
                             ttl=1000, pipe=p)
        p.execute()
    return "b1"


def chunk_queue(r):
    return Queue("embedding-low", connection=r, serializer=JSONSerializer)


def test_lost_batch_chunks_are_started_again_then_failed_as_lost(r):
    later = 10_000_000_000.0
    batch_id = open_batch(r)
    ok = {"status": "finished", "result": {}, "error": None}
    batches.store_results(r, batch_id, {i: ok for i in range(4)}, ttl=1000)  # chunk 0 done
    # No fan-out job and no chunk job: the chunks still missing results are lost.
    assert recover_stalled_batches(r, SETTINGS, now=later)["recovered"] == 1
    assert chunk_queue(r).job_ids == ["batch-b1-4", "batch-b1-8"]
    assert recover_stalled_batches(r, SETTINGS, now=later * 2)["held"] == 1  # queued now

    for _ in range(SETTINGS.recoveries - 1):  # a worker pops them and dies, again and again
        r.delete(chunk_queue(r).key)
        assert recover_stalled_batches(r, SETTINGS, now=later * 3)["recovered"] == 1
    r.delete(chunk_queue(r).key)
    assert recover_stalled_batches(r, SETTINGS, now=later * 4)["failed"] == 1
    view = batches.public_view(batches.record(r, batch_id))
    assert (view["status"], view["processed"], view["failed"]) == ("finished", 4, 6)
    assert r.zscore(keys.BATCHES_INFLIGHT, batch_id) is None  # closed: no longer watched
    lost = json.loads(r.hget(keys.batch_results(batch_id), "9"))
    assert lost["error"]["code"] == "lost"


def test_a_batch_waiting_for_its_fan_out_or_making_progress_is_left_alone(r):
    batch_id = open_batch(r)
    pipeline.enqueue_fan_out(r, SETTINGS, batch_id, "low")
    assert recover_stalled_batches(r, SETTINGS, now=10_000_000_000.0)["held"] == 1
    assert chunk_queue(r).job_ids == ["batch-b1-fanout"]  # nothing added
    assert recover_stalled_batches(r, SETTINGS)["held"] == 0  # fresh progress stamp


def test_a_requeued_job_reads_its_catalog_as_it_is_now(r, monkeypatch):
    """A requeue usually follows a fix of the catalog: the job runs against the current
    version, not the one it first failed on."""
    monkeypatch.setattr(pipeline, "get_settings", lambda: SETTINGS)
    shop = Catalog.model_validate({"name": "shop", "fields": [
        {"name": "color", "type": "enum", "values": ["red"]}]})
    catalog_store.put_catalog(r, shop)
    catalog_store.put_catalog(r, shop)  # fixed: version 2
    pipeline.on_stage_failure(StageJob(retries_left=None), r, RuntimeError, RuntimeError("b"),
                              None)
    assert jobs.read_job(r, "j1")["catalog_version"] == 1
    assert dead_letter.requeue(r, SETTINGS, "j1") is None
    assert jobs.read_job(r, "j1")["catalog_version"] == 2
