"""Catalog versions parsed once per process and honoured by both stages; the stages run
with a context a test builds (stand-in models), not with patched modules."""
from __future__ import annotations

import json
import zlib

import fakeredis
import pytest

from embedding_worker import tasks as embedding_tasks
from embedding_worker.context import EmbeddingContext
from llm_worker import tasks as llm_tasks
from llm_worker.context import LLMContext
from shared import catalog_store, jobs, keys
from shared.cache import result_digest
from shared.catalog_store import SUPERSEDED_INDEX_SECONDS, CatalogVersions
from shared.jobs import StageError
from shared.schemas import Catalog
from shared.settings import get_settings
from shared.stage_context import StageContext, bound, context_job, current
from shared.statuses import JobStatus
from tests.unit.fakes import StandInEmbeddingModel, StandInLanguageModel
from tests.unit.test_assembly_and_arbiter import ANALYSIS, CATALOG, TEXT

V1 = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue"]},
    {"name": "price", "type": "number", "unit": "USD"}]})
V2 = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "colour", "type": "enum", "values": ["green", "yellow"]}]})


@pytest.fixture
def r():
    return fakeredis.FakeRedis()


def accepted_job(r, job_id: str, text: str, version: int) -> None:
    with r.pipeline() as p:
        jobs.create_job(p, job_id, text=text, catalog="shop", catalog_version=version,
                        priority="normal", webhook_url=None, ttl=60)
        p.execute()


def test_a_version_is_parsed_once_and_each_version_is_its_own(r, monkeypatch):
    catalog_store.put_catalog(r, V1)
    catalog_store.put_catalog(r, V2)
    versions = CatalogVersions()
    assert [f.name for f in versions.get(r, "shop", 1).fields] == ["color", "price"]
    assert [f.name for f in versions.get(r, "shop", 2).fields] == ["colour"]
    parses = []
    monkeypatch.setattr(Catalog, "model_validate_json",
                        classmethod(lambda cls, raw: parses.append(raw)))
    assert versions.get(r, "shop", 1).fields[0].values == ["red", "blue"]
    assert parses == []  # parsed already: only its existence is asked


def test_every_worker_agrees_that_a_deleted_or_expired_version_is_gone(r):
    catalog_store.put_catalog(r, V1)
    catalog_store.put_catalog(r, V2)
    versions = CatalogVersions()
    versions.get(r, "shop", 1), versions.get(r, "shop", 2)
    r.delete(keys.catalog_body("shop", 1))  # its time after the replace ran out
    with pytest.raises(StageError) as expired:
        versions.get(r, "shop", 1)  # parsed here, but gone for a worker that never read it
    assert expired.value.code == "catalog_version_gone"
    catalog_store.delete_catalog(r, "shop")
    catalog_store.put_catalog(r, V1)  # the name again: version 3, the old ones stay gone
    with pytest.raises(StageError) as deleted:
        versions.get(r, "shop", 2)
    assert deleted.value.code == "catalog_version_gone"
    catalog_store.delete_catalog(r, "shop")
    with pytest.raises(StageError, match="'shop' was deleted") as deleted:
        versions.get(r, "shop", 3)
    assert deleted.value.code == "catalog_not_found"


def test_a_replaced_version_stays_readable_while_its_jobs_may_run_a_deleted_one_does_not(r):
    catalog_store.put_catalog(r, V1)
    assert r.ttl(keys.catalog_body("shop", 1)) == -1  # current: kept
    r.hset(keys.catalog_index("shop", 1), "meta", "{}")
    catalog_store.put_catalog(r, V2, keep_seconds=7 * 86_400)
    assert 86_400 < r.ttl(keys.catalog_body("shop", 1)) <= 7 * 86_400
    assert 0 < r.ttl(keys.catalog_index("shop", 1)) <= SUPERSEDED_INDEX_SECONDS
    assert catalog_store.get_version(r, "shop", 1) == V1
    r.hset(keys.catalog_index("shop", 2), "meta", "{}")
    catalog_store.delete_catalog(r, "shop")
    assert catalog_store.get_version(r, "shop", 1) is None
    assert catalog_store.get_version(r, "shop", 2) is None
    assert r.keys("catalog*shop*") == [b"catalog_version:shop"]  # only the counter stays


def test_after_redis_lost_data_a_worker_reads_catalogs_again(r):
    catalog_store.put_catalog(r, V1)
    ctx = EmbeddingContext(redis=r, settings=get_settings(), model=StandInEmbeddingModel())
    assert ctx.catalogs.get(r, "shop", 1) == V1
    ctx.indexes[("shop", 1)] = object()
    r.flushall()
    catalog_store.put_catalog(r, V2)  # the counter was lost too: version 1 again
    ctx.forget()
    assert ctx.catalogs.get(r, "shop", 1) == V2 and not ctx.indexes


def test_a_catalog_stored_before_version_bodies_is_read_from_its_record(r):
    catalog_store.put_catalog(r, V1)
    r.delete(keys.catalog_body("shop", 1))
    assert catalog_store.get_version(r, "shop", 1) == V1
    assert catalog_store.get_version(r, "shop", 2) is None


def test_the_embedding_stage_reads_the_version_the_job_was_accepted_against(r):
    catalog_store.put_catalog(r, V1)
    accepted_job(r, "j1", "red under 20 dollars", version=1)
    catalog_store.put_catalog(r, V2)  # replaced while the job waited
    ctx = EmbeddingContext(redis=r, settings=get_settings(), model=StandInEmbeddingModel())
    (outcome,) = embedding_tasks.embed_queries(ctx, [("j1",)])
    assert outcome["proposals"] >= 1, outcome
    func, _, (job_id, payload), _ = json.loads(zlib.decompress(r.hget("rq:job:j1-llm", "data")))
    assert func == "llm_worker.tasks.resolve_query" and job_id == "j1"
    assert payload["catalog_version"] == 1
    assert {p["field"] for p in payload["analysis"]["proposals"]} <= {"color", "price"}
    assert set(ctx.indexes) == {("shop", 1)}


def test_the_llm_stage_resolves_against_the_version_in_its_payload(r):
    catalog_store.put_catalog(r, CATALOG)  # color, style, price, weight
    accepted_job(r, "j1", TEXT, version=1)
    jobs.set_status(r, "j1", JobStatus.LLM)
    catalog_store.put_catalog(r, V2)  # only `colour`: none of v1's filters would be valid
    ctx = LLMContext(redis=r, settings=get_settings(), model=StandInLanguageModel())
    llm_tasks.resolve_queries(ctx, [("j1", {"text": TEXT, "catalog": "shop",
                                            "catalog_version": 1, "analysis": ANALYSIS})])
    job = jobs.read_job(r, "j1")
    assert job["status"] == JobStatus.FINISHED, job
    assert job["result"]["catalog_version"] == 1
    assert {f["field"] for f in job["result"]["filters"]} >= {"color", "price"}


def test_rq_entry_points_take_the_bound_context_and_need_one(r):
    @context_job
    def redis_of(ctx: StageContext, extra: int) -> tuple:
        return ctx.redis, extra

    ctx = StageContext(redis=r, settings=get_settings())
    with bound(ctx):
        assert current() is ctx and redis_of(7) == (r, 7)
    with pytest.raises(RuntimeError, match="no stage context"):
        redis_of(7)


class CountingModel(StandInEmbeddingModel):
    """A stand-in embedding model of a given name that counts the texts it encodes."""

    def __init__(self, model_id: str):
        self.model_id, self.encoded = model_id, 0

    def encode(self, texts: list[str]):
        self.encoded += len(texts)
        return super().encode(texts)


def test_cached_vectors_of_one_embedding_model_are_never_served_to_another(r):
    settings = get_settings().model_copy(update={"embedding_cache_size": 100})
    first, second = CountingModel("model-a"), CountingModel("model-b")
    encode_a = embedding_tasks.cached_encode(EmbeddingContext(redis=r, settings=settings,
                                                              model=first))
    encode_a(["red shoes", "blue"])
    encode_a(["red shoes"])
    assert first.encoded == 2  # the repeat came from the cache
    encode_b = embedding_tasks.cached_encode(EmbeddingContext(redis=r, settings=settings,
                                                              model=second))
    encode_b(["red shoes"])
    assert second.encoded == 1  # model-b computed its own vector


def test_a_result_is_filed_under_the_embedding_model_that_made_it():
    settings = get_settings()
    other = settings.model_copy(update={"embedding_model": "/models/another-minilm"})
    code = {"embedding": "e1", "llm": "l1"}

    def key(s):
        return result_digest(s, "shop", 1, "red shoes", None, code=code)

    assert key(settings) == key(settings.model_copy())
    assert key(other) != key(settings)
