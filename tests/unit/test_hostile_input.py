"""Hostile input on every route, on a fake Redis: malformed JSON, wrong types, huge bodies,
unicode and control characters, unknown ids. Each gets its specific 4xx and the JSON error
body; text that is accepted comes back exactly as sent (data, never code or format)."""
import json

import fakeredis
import pytest

from backend.app import create_app
from shared.settings import Settings

CATALOG = {"name": "shop", "fields": [{"name": "color", "type": "enum", "values": ["red"]},
                                      {"name": "price", "type": "number"}]}
DEEP = b"[" * 30_000 + b"]" * 30_000  # under the body limit, deeper than the parser goes


@pytest.fixture
def client():
    settings = Settings(_env_file=None, max_body_bytes=64 * 1024, max_text_length=100,
                        max_batch_texts=50, max_catalog_fields=5, max_enum_values=20,
                        log_format="text", log_level="ERROR")
    c = create_app(settings, redis_client=fakeredis.FakeRedis()).test_client()
    assert c.put("/api/v1/catalogs/shop", json=CATALOG).status_code == 201
    return c


def error(resp, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.data[:300])
    body = resp.get_json()
    assert set(body) == {"error"} and isinstance(body["error"]["message"], str), body
    assert body["error"]["message"]
    return body["error"]["code"]


@pytest.mark.parametrize("raw, code", [
    (b"", "invalid_json"), (b"{", "invalid_json"), (b'{"text": "a"} trailing', "invalid_json"),
    (b"\xff\xfe\x00", "invalid_json"), (DEEP, "invalid_json"), (b"[]", "invalid_body"),
    (b'"text"', "invalid_body"), (b"42", "invalid_body"), (b"null", "invalid_json"),
], ids=["empty", "truncated", "trailing-garbage", "invalid-utf8", "nested-30k", "array",
        "string", "number", "null"])
@pytest.mark.parametrize("method, path", [("POST", "/api/v1/queries"),
                                          ("POST", "/api/v1/batches"),
                                          ("PUT", "/api/v1/catalogs/shop")])
def test_malformed_json_is_a_400(client, method, path, raw, code):
    resp = client.open(path, method=method, data=raw, content_type="application/json")
    assert error(resp, 400) == code


@pytest.mark.parametrize("method, path", [("POST", "/api/v1/queries"),
                                          ("PUT", "/api/v1/catalogs/shop")])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_not_json_is_a_415(client, method, path, content_type):
    resp = client.open(path, method=method, data=b"text=red", content_type=content_type)
    assert error(resp, 415) == "unsupported_media_type"


@pytest.mark.parametrize("body", [
    {"text": 1, "catalog": "shop"}, {"text": ["red"], "catalog": "shop"},
    {"text": "red", "catalog": ["shop"]}, {"text": "red", "catalog": "shop", "priority": {}},
    {"text": "red", "catalog": "shop", "priority": "urgent"},
    {"text": "red", "catalog": "shop", "extra": True}, {"text": None, "catalog": "shop"},
    {"catalog": "shop"}, {"text": "   ", "catalog": "shop"}, {"text": "\ud800", "catalog": "shop"},
    {"text": "red", "catalog": "shop", "webhook_url": "ftp://x"},
    {"text": "red", "catalog": "../../etc/passwd"}, {"text": "red", "catalog": 10 ** 400},
], ids=lambda b: json.dumps(b)[:40])
def test_wrong_types_and_values_in_a_query_are_a_422(client, body):
    resp = client.post("/api/v1/queries", data=json.dumps(body), content_type="application/json")
    assert error(resp, 422) == "validation_error"


@pytest.mark.parametrize("body", [
    {"catalog": "shop", "texts": "red"}, {"catalog": "shop", "texts": [1, 2]},
    {"catalog": "shop", "texts": []}, {"catalog": "shop", "texts": [None]},
    {"catalog": "shop", "texts": ["red"], "priority": 3},
], ids=lambda b: json.dumps(b)[:40])
def test_wrong_types_in_a_batch_are_a_422(client, body):
    resp = client.post("/api/v1/batches", json=body)
    assert error(resp, 422) in ("validation_error", "empty_text")


@pytest.mark.parametrize("catalog", [
    {"name": "shop", "fields": "color"}, {"name": "shop", "fields": []},
    {"name": "shop", "fields": [{"name": "price", "type": "number", "min": True}]},
    {"name": "shop", "fields": [{"name": "color", "type": "enum", "values": [1]}]},
    {"name": "shop", "fields": [{"name": "c", "type": "money"}]},
    {"name": "shop", "fields": [{"name": "bad name with spaces", "type": "boolean"}]},
], ids=lambda c: json.dumps(c["fields"])[:40])
def test_wrong_catalogs_are_a_422(client, catalog):
    assert error(client.put("/api/v1/catalogs/shop", json=catalog), 422) == "validation_error"


def test_huge_bodies_and_counts_are_413(client):
    big = json.dumps({"text": "x" * 70_000, "catalog": "shop"})
    assert error(client.post("/api/v1/queries", data=big, content_type="application/json"),
                 413) == "request_entity_too_large"
    too_many = {"catalog": "shop", "texts": ["red"] * 51}
    assert error(client.post("/api/v1/batches", json=too_many), 413) == "batch_too_large"
    fields = [{"name": f"f{i}", "type": "boolean"} for i in range(6)]
    assert error(client.put("/api/v1/catalogs/shop", json={"name": "shop", "fields": fields}),
                 413) == "catalog_too_large"
    values = {"name": "shop", "fields": [{"name": "c", "type": "enum",
                                          "values": [f"v{i}" for i in range(21)]}]}
    assert error(client.put("/api/v1/catalogs/shop", json=values), 413) == "catalog_too_large"
    long_text = client.post("/api/v1/queries", json={"text": "y" * 101, "catalog": "shop"})
    assert error(long_text, 422) == "text_too_long"


@pytest.mark.parametrize("text", [
    "red\u0000shoes", "\u202eder shoes", "red 👟 shoes", "red\u200dshoes", "%s %d {0} {text}",
    "{__class__.__mro__}", "${jndi:ldap://x}", "'; DROP TABLE jobs; --", "\t\r\nred\x07",
    "<script>alert(1)</script>",
], ids=["nul", "rtl", "emoji", "zwj", "printf", "format-attr", "jndi", "sql", "controls",
        "html"])
def test_odd_text_is_stored_and_echoed_as_data(client, text):
    resp = client.post("/api/v1/queries", json={"text": text, "catalog": "shop"})
    assert resp.status_code == 202, resp.data
    job = client.get(resp.get_json()["status_url"]).get_json()
    assert job["text"] == text and job["status"] == "queued"


def test_odd_catalog_values_round_trip(client):
    values = ["{0}", "%s", "💻", "a\u0000b", "\u202eRTL", "<b>x</b>"]
    body = {"name": "odd", "fields": [{"name": "v", "type": "enum", "values": values}]}
    assert client.put("/api/v1/catalogs/odd", json=body).status_code == 201
    assert client.get("/api/v1/catalogs/odd").get_json()["fields"][0]["values"] == values


@pytest.mark.parametrize("path, code", [
    ("/api/v1/jobs/nope", "job_not_found"), ("/api/v1/jobs/" + "a" * 10_000, "job_not_found"),
    ("/api/v1/jobs/%00", "job_not_found"), ("/api/v1/jobs/..%2f..%2fetc", "not_found"),
    ("/api/v1/batches/nope", "batch_not_found"), ("/api/v1/batches/nope/results",
                                                  "batch_not_found"),
    ("/api/v1/catalogs/nope", "catalog_not_found"), ("/api/v1/catalogs/%F0%9F%92%BB",
                                                     "catalog_not_found"),
    ("/api/v1/nothing-here", "not_found"), ("/api/v1/jobs/a/b/c", "not_found"),
], ids=["job", "long-id", "nul-id", "traversal", "batch", "batch-results", "catalog",
        "emoji-catalog", "no-route", "too-deep"])
def test_unknown_ids_and_routes_are_a_404(client, path, code):
    assert error(client.get(path), 404) == code


@pytest.mark.parametrize("method, path", [("PATCH", "/api/v1/queries"),
                                          ("GET", "/api/v1/queries"),
                                          ("POST", "/api/v1/jobs/x"),
                                          ("PUT", "/api/v1/batches")])
def test_wrong_methods_are_a_405(client, method, path):
    assert error(client.open(path, method=method), 405) == "method_not_allowed"


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=100000", "offset=-1",
                                   "offset=1e3"])
def test_bad_paging_parameters_are_a_400(client, query):
    assert error(client.get(f"/api/v1/failed?{query}"), 400) == "invalid_parameter"
