"""Filters rendered as store queries: the pure renderers, and the two endpoints."""
import json

import fakeredis
import pytest

from backend.app import create_app
from backend.renderings import elasticsearch, mongodb, render, sql
from shared import jobs
from shared.schemas import Filter, QueryResult, SortKey
from shared.settings import Settings

FILTERS = [Filter(field="color", op="eq", value="red"),
           Filter(field="price", op="gte", value=20), Filter(field="price", op="lte", value=50),
           Filter(field="brand", op="nin", value=["Acme", "Zed"]),
           Filter(field="in_stock", op="eq", value=True)]
SORT = [SortKey(field="price", order="asc"), SortKey(field="released", order="desc")]


def test_elasticsearch_bool_query():
    body = elasticsearch(FILTERS, SORT, "trail running")
    assert body["query"]["bool"] == {
        "filter": [{"term": {"color": "red"}}, {"range": {"price": {"gte": 20}}},
                   {"range": {"price": {"lte": 50}}}, {"term": {"in_stock": True}}],
        "must_not": [{"terms": {"brand": ["Acme", "Zed"]}}],
        "must": [{"simple_query_string": {"query": "trail running",
                                          "default_operator": "and"}}]}
    assert body["sort"] == [{"price": {"order": "asc"}}, {"released": {"order": "desc"}}]
    assert elasticsearch([], [], "  ") == {"query": {"bool": {"filter": []}}}


def test_sql_keeps_every_value_in_the_parameters():
    hostile = "x' OR '1'='1"
    out = sql([*FILTERS, Filter(field='we"ird', op="in", value=[hostile, "b"])], SORT)
    assert out["where"] == ('"color" = ? AND "price" >= ? AND "price" <= ? AND '
                            '"brand" NOT IN (?, ?) AND "in_stock" = ? AND "we""ird" IN (?, ?)')
    assert out["params"] == ["red", 20, 50, "Acme", "Zed", True, hostile, "b"]
    assert hostile not in out["where"]
    assert out["order_by"] == '"price" ASC, "released" DESC'
    assert sql([], [])["where"] == "TRUE"
    assert sql([Filter(field="c", op="in", value=[])], [])["where"] == "FALSE"


def test_mongodb_merges_operators_per_field():
    out = mongodb([*FILTERS, Filter(field="color", op="neq", value="blue"),
                   Filter(field="price", op="lte", value=40)], SORT)
    assert out["filter"] == {"color": {"$eq": "red", "$ne": "blue"},
                             "price": {"$gte": 20, "$lte": 50},
                             "brand": {"$nin": ["Acme", "Zed"]}, "in_stock": True,
                             "$and": [{"price": {"$lte": 40}}]}
    assert out["sort"] == {"price": 1, "released": -1}


def test_render_picks_formats():
    assert set(render(FILTERS, SORT)) == {"elasticsearch", "sql", "mongodb"}
    assert list(render(FILTERS, SORT, formats=["sql"])) == ["sql"]


@pytest.fixture
def r():
    return fakeredis.FakeRedis()


@pytest.fixture
def client(r):
    return create_app(Settings(_env_file=None, log_format="text"), redis_client=r).test_client()


def finished_job(r, job_id="j1"):
    with r.pipeline() as p:
        jobs.create_job(p, job_id, text="red shoes", catalog="shop", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=100)
        p.execute()
    jobs.finish_job(r, job_id, QueryResult(query="red shoes", catalog="shop", catalog_version=1,
                                           filters=FILTERS[:1], sort=SORT[:1]), result_ttl=100)


def test_render_endpoint_validates(client):
    ok = client.post("/api/v1/renderings", json={
        "filters": [f.model_dump() for f in FILTERS], "formats": ["mongodb"]})
    assert ok.status_code == 200
    assert ok.get_json()["renderings"]["mongodb"]["filter"]["color"] == "red"
    groups = client.post("/api/v1/renderings", json={
        "filters": [], "any_of": [[FILTERS[0].model_dump()], [FILTERS[1].model_dump()]],
        "formats": ["sql"]})
    assert groups.get_json()["renderings"]["sql"]["where"] == '(("color" = ?) OR ("price" >= ?))'
    for bad in ({"filters": [{"field": "a b", "op": "eq", "value": 1}]},
                {"filters": [], "any_of": [[{"field": "a", "op": "in", "value": 1}]]},
                {"filters": [{"field": "a", "op": "in", "value": 1}]},
                {"filters": [{"field": "a", "op": "eq", "value": ["x"]}]},
                {"filters": [], "formats": ["oracle"]},
                {"filters": [], "sort": [{"field": "p)--", "order": "asc"}]},
                {"filters": [{"field": "a", "op": "like", "value": "x"}]}):
        resp = client.post("/api/v1/renderings", json=bad)
        assert resp.status_code == 422, (bad, resp.get_json())
        assert set(resp.get_json()["error"]) == {"code", "message"}


def test_job_renderings(client, r):
    assert client.get("/api/v1/jobs/nope/renderings").status_code == 404
    with r.pipeline() as p:
        jobs.create_job(p, "open", text="x", catalog="shop", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=100)
        p.execute()
    resp = client.get("/api/v1/jobs/open/renderings")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "job_not_finished"
    finished_job(r)
    body = client.get("/api/v1/jobs/j1/renderings?format=sql").get_json()
    assert body == {"job_id": "j1", "renderings": {"sql": {
        "where": '"color" = ?', "params": ["red"], "order_by": '"price" ASC',
        "placeholder": "?"}}}
    assert client.get("/api/v1/jobs/j1/renderings?format=sql,nope").status_code == 400
    assert json.loads(client.get("/api/v1/jobs/j1/renderings").data)["renderings"].keys() == {
        "elasticsearch", "sql", "mongodb"}
