"""The LLM stage's batch function on fakeredis: results, caching, isolation, fallback."""
from __future__ import annotations

import fakeredis
import pytest

from backend.app import create_app
from llm_worker import tasks
from llm_worker.context import LLMContext
from shared import catalog_store, fingerprints, jobs, keys
from shared.cache import result_cache
from shared.settings import get_settings
from tests.unit.fakes import StandInLanguageModel
from tests.unit.test_assembly_and_arbiter import ANALYSIS, CATALOG, TEXT


@pytest.fixture
def r():
    r = fakeredis.FakeRedis()
    catalog_store.put_catalog(r, CATALOG)
    return r


def context(r, broken: bool = False) -> LLMContext:
    return LLMContext(redis=r, settings=get_settings(), model=StandInLanguageModel(broken))


def waiting_job(r, job_id: str) -> None:
    with r.pipeline() as p:
        jobs.create_job(p, job_id, text=TEXT, catalog="shop", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=60)
        p.execute()
    jobs.set_status(r, job_id, "llm")


def payload(analysis=ANALYSIS) -> dict:
    return {"text": TEXT, "catalog": "shop", "catalog_version": 1, "analysis": analysis}


def test_a_batch_finishes_each_job_and_a_broken_payload_fails_alone(r):
    for j in ("a", "b", "c"):
        waiting_job(r, j)
    broken = {**ANALYSIS, "proposals": [{"field": "color"}]}  # missing keys
    outcomes = tasks.resolve_queries(context(r), [("a", payload()), ("b", payload(broken)),
                                         ("c", payload())])
    assert isinstance(outcomes[1], Exception)
    assert [jobs.read_job(r, j)["status"] for j in ("a", "c")] == ["finished", "finished"]
    assert jobs.read_job(r, "b")["status"] == "llm"  # RQ's failure hook then marks it failed
    assert result_cache(r, get_settings()).stats()["entries"] == 1  # a and c: the same text


def test_a_fallback_result_is_served_but_not_cached(r):
    waiting_job(r, "a")
    (outcome,) = tasks.resolve_queries(context(r, broken=True), [("a", payload())])
    job = jobs.read_job(r, "a")
    assert job["status"] == "finished" and job["result"]["model"]["arbiter"] == "fallback"
    assert result_cache(r, get_settings()).stats()["entries"] == 0


def test_a_cached_result_is_never_served_once_either_stage_runs_new_code(r):
    """The LLM stage files its result under the code that made it; the backend looks it up
    under the code the workers published last."""
    waiting_job(r, "a")
    tasks.resolve_queries(context(r), [("a", {**payload(), "code": "embedding-v1"})])
    r.hset(keys.CODE_FINGERPRINTS, "embedding", "embedding-v1")
    fingerprints.publish(r, "llm")
    client = create_app(get_settings(), redis_client=r).test_client()

    def submit() -> dict:
        resp = client.post("/api/v1/queries", json={"text": TEXT, "catalog": "shop"})
        assert resp.status_code in (200, 202), resp.get_json()
        return resp.get_json()

    assert submit()["cached"] is True  # the same code: served from the cache
    r.hset(keys.CODE_FINGERPRINTS, "llm", "llm-v2")  # a new LLM worker started
    assert submit()["cached"] is False
    fingerprints.publish(r, "llm")
    r.hset(keys.CODE_FINGERPRINTS, "embedding", "embedding-v2")  # a new embedding worker
    assert submit()["cached"] is False
