"""Job state transitions and the failure hook, on a fake Redis."""
import fakeredis
import pytest
from rq.timeouts import JobTimeoutException

from shared import catalog_store, jobs, keys, pipeline
from shared.schemas import Catalog, QueryResult
from shared.settings import Settings


@pytest.fixture
def r():
    client = fakeredis.FakeRedis()
    jobs.create_job(client, "j1", text="red", catalog="shop", catalog_version=1,
                    priority="normal", webhook_url=None, ttl=100)
    return client


def result() -> QueryResult:
    return QueryResult(query="red", catalog="shop", catalog_version=1, filters=[])


def test_finish_writes_result_and_status_together(r):
    assert jobs.set_status(r, "j1", "embedding")
    assert jobs.finish_job(r, "j1", result(), result_ttl=50)
    view = jobs.read_job(r, "j1")
    assert view["status"] == "finished" and view["result"]["query"] == "red"
    assert 0 < r.ttl(keys.result("j1")) <= 50


def test_terminal_states_are_final(r):
    assert jobs.fail_job(r, "j1", "llm", "boom", "it broke")
    assert not jobs.finish_job(r, "j1", result(), result_ttl=50)
    assert not jobs.set_status(r, "j1", "llm")
    view = jobs.read_job(r, "j1")
    assert view["status"] == "failed" and view["result"] is None
    assert view["error"] == {"stage": "llm", "code": "boom", "message": "it broke"}
    assert not r.exists(keys.result("j1"))


def test_unknown_job(r):
    assert jobs.read_job(r, "nope") is None
    assert not jobs.set_status(r, "nope", "embedding")


@pytest.mark.parametrize("exc, code", [
    (jobs.StageError("catalog_not_found", "gone"), "catalog_not_found"),
    (JobTimeoutException("took 300s"), "timeout"),
    (ValueError("bad"), "internal_error"),
])
def test_failure_hook_marks_the_job_failed_with_its_stage(r, exc, code):
    class FakeJob:
        id = "j1-llm"
        meta = {"stage": "llm", "job_id": "j1"}
        retries_left = None

    pipeline.on_stage_failure(FakeJob(), r, type(exc), exc, None)
    error = jobs.read_job(r, "j1")["error"]
    assert error["stage"] == "llm" and error["code"] == code and error["message"]


def test_failure_hook_marks_a_catalog_failed():
    r = fakeredis.FakeRedis()
    cat = Catalog.model_validate({"name": "shop", "fields": [{"name": "b", "type": "boolean"}]})
    version, _ = catalog_store.put_catalog(r, cat)

    class FakeJob:
        id = "index-shop-1"
        meta = {"stage": "embedding", "catalog": "shop", "version": version}
        retries_left = 0

    pipeline.on_stage_failure(FakeJob(), r, RuntimeError, RuntimeError("no model"), None)
    record = catalog_store.get_record(r, "shop")
    assert record["status"] == "failed" and "no model" in record["error"]


def test_catalog_status_ignores_stale_versions():
    r = fakeredis.FakeRedis()
    cat = Catalog.model_validate({"name": "shop", "fields": [{"name": "b", "type": "boolean"}]})
    v1, created = catalog_store.put_catalog(r, cat)
    v2, created_again = catalog_store.put_catalog(r, cat)
    assert (created, created_again) == (True, False)
    assert not catalog_store.set_status(r, "shop", v1, "ready")
    assert catalog_store.set_status(r, "shop", v2, "ready")
    assert catalog_store.get_record(r, "shop")["status"] == "ready"


def test_queue_names_by_priority():
    s = Settings(_env_file=None)
    assert s.queue_names("embedding") == ["embedding-high", "embedding", "embedding-low"]
    assert s.queue_name("llm", "normal") == "llm"


def test_optimistic_retries_when_the_key_changes_underneath():
    from shared.transactions import optimistic

    r = fakeredis.FakeRedis()
    r.set("k", "0")
    calls = []

    def update(pipe):
        value = int(pipe.get("k"))
        calls.append(value)
        if len(calls) == 1:
            r.set("k", "5")  # a concurrent writer: the first attempt must be discarded
        pipe.multi()
        pipe.set("k", value + 1)
        return True

    assert optimistic(r, "k", update)
    assert calls == [0, 5] and r.get("k") == b"6"
    assert not optimistic(r, "k", lambda pipe: False)
