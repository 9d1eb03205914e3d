"""The REST contract on a fake Redis: status codes, error bodies, what gets enqueued."""
import json
import zlib

import fakeredis
import pytest

from backend.app import create_app
from shared import keys
from shared.settings import Settings

CATALOG = {"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue"]},
    {"name": "price", "type": "number"}], "sortable": ["price"]}


@pytest.fixture
def r():
    return fakeredis.FakeRedis()


@pytest.fixture
def client(r):
    settings = Settings(_env_file=None, max_text_length=50, max_body_bytes=4096,
                        max_enum_values=10, log_format="text")
    return create_app(settings, redis_client=r).test_client()


def error_of(resp) -> dict:
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return body["error"]


def rq_payload(r, rq_job_id: str) -> list:
    """RQ stores (func, instance, args, kwargs) compressed; with our serializer it is JSON."""
    return json.loads(zlib.decompress(r.hget(f"rq:job:{rq_job_id}", "data")))


def test_catalog_lifecycle(client, r):
    resp = client.put("/api/v1/catalogs/shop", json=CATALOG)
    assert resp.status_code == 201
    assert resp.get_json() == {"name": "shop", "version": 1, "status": "indexing"}
    assert rq_payload(r, "index-shop-1")[0] == "embedding_worker.tasks.index_catalog"
    assert r.lrange("rq:queue:embedding-high", 0, -1) == [b"index-shop-1"]

    resp = client.put("/api/v1/catalogs/shop", json={k: v for k, v in CATALOG.items()
                                                     if k != "name"})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2

    body = client.get("/api/v1/catalogs/shop").get_json()
    assert body["version"] == 2 and body["status"] == "indexing"
    assert body["fields"][0]["values"] == ["red", "blue"]
    assert [c["name"] for c in client.get("/api/v1/catalogs").get_json()["items"]] == ["shop"]

    assert client.delete("/api/v1/catalogs/shop").status_code == 204
    assert error_of(client.get("/api/v1/catalogs/shop"))["code"] == "catalog_not_found"
    assert client.delete("/api/v1/catalogs/shop").status_code == 404
    assert client.put("/api/v1/catalogs/shop", json=CATALOG).get_json()["version"] == 3


@pytest.mark.parametrize("kwargs, status, code", [
    ({"data": "{oops", "content_type": "application/json"}, 400, "invalid_json"),
    ({"json": [1, 2]}, 400, "invalid_body"),
    ({"data": "x", "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ({"json": {**CATALOG, "name": "other"}}, 400, "name_mismatch"),
    ({"json": {**CATALOG, "fields": [{"name": "c", "type": "enum"}]}}, 422, "validation_error"),
    ({"data": '{"fields": [{"name": "p", "type": "number", "min": NaN}]}',
      "content_type": "application/json"}, 422, "validation_error"),
    ({"json": {**CATALOG, "fields": [{"name": "c", "type": "enum",
                                      "values": [str(i) for i in range(11)]}],
               "sortable": []}},
     413, "catalog_too_large"),
    ({"data": "[" + "1," * 5000 + "1]", "content_type": "application/json"},
     413, "request_entity_too_large"),
])
def test_bad_catalogs_get_4xx_json(client, kwargs, status, code):
    resp = client.put("/api/v1/catalogs/shop", **kwargs)
    assert resp.status_code == status
    assert error_of(resp)["code"] == code


def test_validation_error_names_the_part(client):
    resp = client.put("/api/v1/catalogs/shop", json={**CATALOG, "sortable": ["weight"]})
    assert "sortable names unknown fields: weight" in error_of(resp)["message"]
    resp = client.put("/api/v1/catalogs/shop", json={**CATALOG, "fields": [
        CATALOG["fields"][0], {"name": "x", "type": "enum", "values": []}]})
    assert error_of(resp)["message"].startswith("fields.1")


def test_bad_catalog_name_in_url(client):
    assert error_of(client.put("/api/v1/catalogs/Not%20OK", json=CATALOG))["code"] == \
        "invalid_catalog_name"


def test_submit_query_records_and_enqueues(client, r):
    client.put("/api/v1/catalogs/shop", json=CATALOG)
    resp = client.post("/api/v1/queries", json={"text": "red under 20", "catalog": "shop",
                                                "priority": "high"})
    assert resp.status_code == 202
    body = resp.get_json()
    job_id = body["job_id"]
    assert body["status"] == "queued" and body["status_url"] == f"/api/v1/jobs/{job_id}"
    assert r.lrange("rq:queue:embedding-high", 0, -1)[-1] == job_id.encode()
    func, _, args, _ = rq_payload(r, job_id)
    assert func == "embedding_worker.tasks.embed_query" and args == [job_id]
    # RQ's own copy of a stage job is short-lived: results live in result:<id>.
    assert int(r.hget(f"rq:job:{job_id}", "result_ttl")) == 300

    job = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["status"] == "queued" and job["result"] is None and job["error"] is None
    assert job["text"] == "red under 20" and job["catalog_version"] == 1
    assert r.ttl(keys.job(job_id)) > 0


@pytest.mark.parametrize("body, status, code", [
    ({"text": "red", "catalog": "nope"}, 404, "catalog_not_found"),
    ({"text": "", "catalog": "shop"}, 422, "validation_error"),
    ({"text": "x" * 51, "catalog": "shop"}, 422, "text_too_long"),
    ({"text": "red", "catalog": "shop", "priority": "asap"}, 422, "validation_error"),
    ({"text": ["red"], "catalog": "shop"}, 422, "validation_error"),
    ({"catalog": "shop"}, 422, "validation_error"),
    ({"text": "red \ud800", "catalog": "shop"}, 422, "validation_error"),
    ({"text": "red", "catalog": "shop", "webhook_url": "http://127.0.0.1/h"}, 422,
     "webhook_refused"),
])
def test_bad_queries_get_4xx_json(client, body, status, code):
    client.put("/api/v1/catalogs/shop", json=CATALOG)
    resp = client.post("/api/v1/queries", json=body)
    assert resp.status_code == status
    assert error_of(resp)["code"] == code


def test_failed_catalog_refuses_queries(client, r):
    from shared import catalog_store

    client.put("/api/v1/catalogs/shop", json=CATALOG)
    catalog_store.set_status(r, "shop", 1, "failed", "boom")
    resp = client.post("/api/v1/queries", json={"text": "red", "catalog": "shop"})
    assert resp.status_code == 409 and "boom" in error_of(resp)["message"]


def test_jobs_unknown_and_cancel(client):
    assert error_of(client.get("/api/v1/jobs/nope"))["code"] == "job_not_found"
    client.put("/api/v1/catalogs/shop", json=CATALOG)
    job_id = client.post("/api/v1/queries", json={"text": "red", "catalog": "shop"}
                         ).get_json()["job_id"]
    assert client.delete(f"/api/v1/jobs/{job_id}").get_json()["status"] == "canceled"
    assert client.delete(f"/api/v1/jobs/{job_id}").status_code == 409


def test_health_metrics_and_unknown_routes(client):
    assert client.get("/health").get_json()["status"] == "ok"
    assert client.get("/metrics").status_code == 200
    resp = client.get("/api/v1/nothing")
    assert resp.status_code == 404 and error_of(resp)["code"] == "not_found"
    assert client.patch("/api/v1/catalogs/shop").status_code == 405


def test_redis_down_gives_503():
    settings = Settings(_env_file=None, redis_url="redis://127.0.0.1:1/0", log_format="text")
    client = create_app(settings).test_client()
    assert client.get("/health").status_code == 503
    resp = client.get("/api/v1/catalogs")
    assert resp.status_code == 503 and error_of(resp)["code"] == "redis_unavailable"


def test_cors_allows_configured_origin_only(client):
    ok = client.get("/health", headers={"Origin": "http://localhost:8080"})
    assert ok.headers.get("Access-Control-Allow-Origin") == "http://localhost:8080"
    other = client.get("/health", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


@pytest.mark.parametrize("extra, field", [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"now": "next tuesday"}, "now"),
    ({"min_confidence": 1.5}, "min_confidence"),
    ({"min_confidence": "high"}, "min_confidence"),
])
def test_reading_options_are_validated(client, extra, field):
    client.put("/api/v1/catalogs/shop", json=CATALOG)
    resp = client.post("/api/v1/queries", json={"text": "red", "catalog": "shop", **extra})
    assert resp.status_code == 422
    assert field in error_of(resp)["message"]
    resp = client.post("/api/v1/batches", json={"texts": ["red"], "catalog": "shop", **extra})
    assert resp.status_code == 422


def test_reading_options_travel_with_the_job(client, r):
    client.put("/api/v1/catalogs/shop", json=CATALOG)
    job = client.post("/api/v1/queries", json={
        "text": "red", "catalog": "shop", "now": "2026-03-14T09:30:00",
        "timezone": "Europe/Berlin", "min_confidence": 0.8}).get_json()
    stored = json.loads(r.hget(keys.job(job["job_id"]), "options"))
    assert stored == {"now": "2026-03-14T09:30:00", "timezone": "Europe/Berlin",
                      "min_confidence": 0.8}
    job = client.post("/api/v1/queries", json={"text": "blue", "catalog": "shop"}).get_json()
    assert "now" in json.loads(r.hget(keys.job(job["job_id"]), "options"))  # fixed at submit


def test_fixed_filters_are_checked_against_the_catalog_and_stored(client, r):
    client.put("/api/v1/catalogs/shop", json=CATALOG)
    fixed = [{"field": "color", "op": "eq", "value": "red"}]
    job = client.post("/api/v1/queries", json={"text": "cheap", "catalog": "shop",
                                               "fixed_filters": fixed}).get_json()
    assert json.loads(r.hget(keys.job(job["job_id"]), "options"))["fixed_filters"] == fixed
    for bad, words in (([{"field": "size", "op": "eq", "value": "M"}], "unknown field"),
                       ([{"field": "color", "op": "eq", "value": "green"}], "not a value"),
                       ([{"field": "color", "op": "lt", "value": "red"}], "does not apply")):
        for path, body in (("/api/v1/queries", {"text": "x"}), ("/api/v1/batches",
                                                               {"texts": ["x"]})):
            resp = client.post(path, json={**body, "catalog": "shop", "fixed_filters": bad})
            assert resp.status_code == 422, (path, bad)
            err = error_of(resp)
            assert err["code"] == "invalid_fixed_filters" and words in err["message"]
    resp = client.post("/api/v1/queries", json={"text": "x", "catalog": "shop", "fixed_filters": [
        {"field": "color", "op": "in", "value": "red"}]})
    assert resp.status_code == 422  # the shape is checked before the catalog


def test_refine_names_a_finished_job_of_the_same_catalog(client, r):
    from shared import jobs
    from shared.schemas import Filter, QueryResult

    client.put("/api/v1/catalogs/shop", json=CATALOG)
    client.put("/api/v1/catalogs/other", json={**CATALOG, "name": "other"})
    first = client.post("/api/v1/queries", json={"text": "red", "catalog": "shop"}).get_json()
    refine = {"text": "cheaper", "catalog": "shop", "refine": first["job_id"]}
    assert error_of(client.post("/api/v1/queries", json={**refine, "refine": "nope"})
                    )["code"] == "refine_not_found"
    resp = client.post("/api/v1/queries", json=refine)
    assert resp.status_code == 409 and error_of(resp)["code"] == "refine_not_finished"
    state = QueryResult(query="red", catalog="shop", catalog_version=1,
                        filters=[Filter(field="color", op="eq", value="red", confidence=0.9)])
    jobs.finish_job(r, first["job_id"], state, result_ttl=100)
    resp = client.post("/api/v1/queries", json={**refine, "catalog": "other"})
    assert resp.status_code == 422 and error_of(resp)["code"] == "refine_other_catalog"
    job = client.post("/api/v1/queries", json=refine).get_json()
    previous = json.loads(r.hget(keys.job(job["job_id"]), "options"))["previous"]
    assert previous == {"filters": [{"field": "color", "op": "eq", "value": "red",
                                     "confidence": 0.9}], "any_of": [], "sort": []}
