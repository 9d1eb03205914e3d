"""The OpenAPI document is generated from the app: it covers every route the app serves
and only those, offers exactly the query parameters each route reads, describes the
answers the routes really give, and /docs works offline."""
import ast
import copy
import re
from pathlib import Path

import fakeredis
import pytest
from flask import jsonify
from pydantic import BaseModel

from backend import responses
from backend.app import create_app
from backend.openapi_document import disagreements, openapi_document
from backend.openapi_operations import documented, json_content
from backend.params import Number, UndeclaredParameter
from shared import jobs
from shared.schemas import QueryResult
from shared.settings import Settings
from shared.statuses import BatchStatus, CatalogStatus, ItemStatus, JobStatus

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings(_env_file=None, log_format="text", log_level="ERROR")
CATALOG = {"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue"]},
    {"name": "price", "type": "number"}], "sortable": ["price"]}


def fresh_app():
    return create_app(SETTINGS, redis_client=fakeredis.FakeRedis())


@pytest.fixture(scope="module")
def client():
    return fresh_app().test_client()


@pytest.fixture(scope="module")
def doc(client):
    return client.get("/openapi.json").get_json()


def flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_route_and_method_is_documented(client, doc):
    assert doc["openapi"].startswith("3.1")
    served = {(flask_to_openapi(rule.rule), method.lower())
              for rule in client.application.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}
              if rule.endpoint != "static" and not rule.rule.startswith("/docs/<")}
    documented_ = {(path, method) for path, ops in doc["paths"].items()
                   for method in ops if method != "parameters"}
    assert served == documented_


def test_the_routes_and_the_document_agree(client, doc):
    assert disagreements(client.application, doc) == []


def test_an_undocumented_route_is_reported():
    app = fresh_app()
    app.add_url_rule("/api/v1/extra", "extra", lambda: "", methods=["GET", "POST"])
    doc = openapi_document(app, SETTINGS)
    assert "/api/v1/extra" not in doc["paths"]
    assert disagreements(app, doc) == ["GET /api/v1/extra: served but not documented",
                                       "POST /api/v1/extra: served but not documented"]


def test_a_documented_route_that_is_not_served_is_reported(client, doc):
    doc = copy.deepcopy(doc)
    doc["paths"]["/api/v1/jobs/{job_id}"]["put"] = {"responses": {}}
    assert disagreements(client.application, doc) == [
        "PUT /api/v1/jobs/{job_id}: documented but not served"]


def test_query_parameters_other_than_the_route_reads_are_reported(client, doc):
    doc = copy.deepcopy(doc)
    failed = doc["paths"]["/api/v1/failed"]["get"]["parameters"]
    failed[:] = [p for p in failed if p["name"] != "offset"]
    results = doc["paths"]["/api/v1/batches/{batch_id}/results"]["get"]["parameters"]
    results.append({"name": "status", "in": "query", "schema": {"type": "string"}})
    assert disagreements(client.application, doc) == [
        "GET /api/v1/batches/{batch_id}/results: reads query ['format', 'limit', 'offset'], "
        "documents ['format', 'limit', 'offset', 'status']",
        "GET /api/v1/failed: reads query ['limit', 'offset'], documents ['limit']"]


def test_a_route_reading_a_parameter_it_did_not_declare_fails():
    app = fresh_app()
    declared, undeclared = (Number(n, n, 0, 0, 9, integer=True) for n in ("a", "b"))

    @documented("Probe", {200: json_content({"type": "object"}, "ok")}, query=(declared,))
    def probe():
        return jsonify({"a": declared.read(), "b": undeclared.read()})

    app.add_url_rule("/api/v1/probe", "probe", probe)
    assert disagreements(app, openapi_document(app, SETTINGS)) == []
    with app.test_request_context("/api/v1/probe?a=1&b=2"):
        assert declared.read() == 1
        with pytest.raises(UndeclaredParameter, match=r"probe reads \?b"):
            undeclared.read()


def test_routes_read_the_query_string_only_through_declared_parameters():
    for path in [*(ROOT / "backend" / "routes").glob("*.py"), ROOT / "backend" / "context.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "args":
                assert not (isinstance(node.value, ast.Name) and node.value.id == "request"), (
                    f"{path.name}:{node.lineno} reads request.args directly")


def test_status_words_come_from_shared_statuses(doc):
    schemas = doc["components"]["schemas"]
    for enum in (JobStatus, BatchStatus, ItemStatus, CatalogStatus):
        assert schemas[enum.__name__]["enum"] == [s.value for s in enum]
    for model, enum in (("Job", JobStatus), ("Accepted", JobStatus), ("Batch", BatchStatus),
                        ("BatchItem", ItemStatus), ("CatalogView", CatalogStatus)):
        status = schemas[model]["properties"]["status"]
        assert status == {"$ref": f"#/components/schemas/{enum.__name__}"}, model


def test_references_resolve_and_api_routes_declare_their_errors(doc):
    text = str(doc)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in doc["components"][ref[0]], ref
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            codes = set(op["responses"])
            if path.startswith("/api/"):
                assert {"401", "403", "429", "503"} <= codes, (path, method)
            assert any(c.startswith("2") for c in codes), (path, method)


def shaped(model: type[BaseModel], body: dict) -> dict:
    """`body` is valid for `model` and has no key the model (so the document) lacks."""
    model.model_validate(body)
    assert set(body) <= set(model.model_fields), (model.__name__, set(body))
    return body


def test_the_response_models_describe_the_real_answers():
    app = fresh_app()
    client, r = app.test_client(), app.extensions["redis"]
    shaped(responses.CatalogVersion, client.put("/api/v1/catalogs/shop", json=CATALOG).get_json())
    shaped(responses.CatalogView, client.get("/api/v1/catalogs/shop").get_json())
    shaped(responses.CatalogList, client.get("/api/v1/catalogs").get_json())
    job_id = shaped(responses.Accepted, client.post("/api/v1/queries", json={
        "text": "red", "catalog": "shop"}).get_json())["job_id"]
    jobs.finish_job(r, job_id, QueryResult(query="red", catalog="shop", catalog_version=1,
                                           filters=[]), result_ttl=100)
    shaped(responses.Job, client.get(f"/api/v1/jobs/{job_id}").get_json())
    shaped(responses.JobsFound, client.post("/api/v1/jobs/status", json={
        "job_ids": [job_id, "nope"]}).get_json())
    shaped(responses.RenderedJob, client.get(f"/api/v1/jobs/{job_id}/renderings").get_json())
    renderings = client.post("/api/v1/renderings", json={"filters": []}).get_json()
    shaped(responses.Renderings, shaped(responses.RenderedFilters, renderings)["renderings"])
    batch_id = shaped(responses.BatchAccepted, client.post("/api/v1/batches", json={
        "catalog": "shop", "texts": ["red", "blue"]}).get_json())["batch_id"]
    batch = f"/api/v1/batches/{batch_id}"
    shaped(responses.Batch, client.get(batch).get_json())
    shaped(responses.BatchItem, shaped(responses.BatchPage, client.get(
        f"{batch}/results").get_json())["items"][0])
    shaped(responses.BatchSummary, client.get(f"{batch}/summary").get_json())
    shaped(responses.CacheStats, client.get("/api/v1/cache").get_json())
    shaped(responses.Queue, shaped(responses.Queues, client.get("/api/v1/queues").get_json())
           ["queues"][0])
    minutes = shaped(responses.History, client.get("/api/v1/queues/history").get_json())
    shaped(responses.Minute, minutes["minutes"][0])
    doomed = client.post("/api/v1/queries", json={"text": "blue", "catalog": "shop"})
    jobs.fail_job(r, doomed.get_json()["job_id"], "llm", "internal_error", "boom")
    failed = shaped(responses.FailedPage, client.get("/api/v1/failed").get_json())
    shaped(responses.FailedJob, failed["items"][0])
    shaped(responses.Readiness, client.get("/ready").get_json())
    shaped(responses.Error, client.get("/api/v1/jobs/nope").get_json())


def test_docs_page_uses_only_local_files(client):
    page = client.get("/docs/")
    assert page.status_code == 200 and b"swagger-ui" in page.data
    urls = re.findall(rb'(?:src|href)="([^"]+)"', page.data)
    assert len(urls) >= 3
    for url in urls:
        assert url.startswith(b"/docs/"), url  # no CDN
        assert client.get(url.decode()).status_code == 200, url
    assert b'"url": "/openapi.json"' in page.data
