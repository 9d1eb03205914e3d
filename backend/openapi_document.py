"""The OpenAPI 3.1 description of every endpoint, built from the pydantic models the
routes validate with, so the document and the validation cannot drift apart."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.schemas import (MAX_WAIT_SECONDS, BatchRequest, Catalog, JobError, JobStatusRequest,
                            QueryRequest, QueryResult, RenderRequest)
from shared.metrics import HISTORY_MINUTES
from shared.settings import Settings

JSON = "application/json"
MODELS: tuple[type[BaseModel], ...] = (Catalog, QueryRequest, BatchRequest, QueryResult,
                                       JobError, RenderRequest, JobStatusRequest)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


_API_ERRORS = (401, 403, 429, 503)
_INT = {"type": "integer"}
_STR = {"type": "string"}
_TIME = {"type": ["string", "null"], "format": "date-time"}


def _schemas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    status = {"type": "string", "enum": ["queued", "embedding", "llm", "finished", "failed",
                                         "canceled"]}
    out["Error"] = _obj({"error": _obj({"code": _STR, "message": _STR})})
    out["Job"] = _obj({
        "job_id": _STR, "status": status, "catalog": _STR, "catalog_version": _INT,
        "text": _STR, "priority": {"enum": ["high", "normal", "low"]},
        "created_at": _TIME, "updated_at": _TIME, "cached": {"type": "boolean"},
        "retries": _INT, "result": {"anyOf": [_ref("QueryResult"), {"type": "null"}]},
        "error": {"anyOf": [_ref("JobError"), {"type": "null"}]}})
    out["Accepted"] = _obj({"job_id": _STR, "status": _STR, "status_url": _STR,
                            "cached": {"type": "boolean"}}, ["job_id", "status", "status_url"])
    out["CatalogView"] = {"allOf": [_ref("Catalog"), _obj({
        "version": _INT, "status": {"enum": ["indexing", "ready", "failed"]},
        "error": {"type": ["string", "null"]}, "updated_at": _TIME}, ["version", "status"])]}
    out["Batch"] = _obj({
        "batch_id": _STR, "status": {"enum": ["queued", "in_progress", "finished", "failed",
                                              "canceled"]},
        "catalog": _STR, "catalog_version": _INT, "priority": _STR, "total": _INT,
        "processed": _INT, "failed": _INT, "progress": {"type": "number"},
        "rate_per_second": {"type": ["number", "null"]},
        "eta_seconds": {"type": ["number", "null"]}, "created_at": _TIME,
        "started_at": _TIME, "finished_at": _TIME})
    out["BatchItem"] = _obj({
        "index": _INT, "text": {"type": ["string", "null"]}, "custom_id": _STR,
        "status": _STR, "result": {"anyOf": [_ref("QueryResult"), {"type": "null"}]},
        "error": {"type": ["object", "null"]}}, ["index", "status"])
    queue = _obj({"name": _STR, "stage": {"enum": ["embedding", "llm"]},
                  "priority": {"enum": ["high", "normal", "low"]}, "depth": _INT,
                  "started": _INT, "scheduled": _INT, "failed": _INT,
                  "finished_last_minute": _INT, "failed_last_minute": _INT})
    busy = _obj({"total": _INT, "busy": _INT})
    out["Queues"] = _obj({"queues": {"type": "array", "items": queue},
                          "workers": _obj({"embedding": busy, "llm": busy})})
    out["Renderings"] = _obj({
        "elasticsearch": {"type": "object", "description": "Bool query body with sort"},
        "sql": _obj({"where": _STR, "params": {"type": "array"}, "order_by": _STR,
                     "placeholder": _STR}),
        "mongodb": _obj({"filter": {"type": "object"}, "sort": {"type": "object"}})}, [])
    out["FailedJob"] = _obj({"job_id": _STR, "stage": _STR, "code": _STR, "message": _STR,
                             "failed_at": _TIME, "catalog": _STR, "text": _STR,
                             "attempts": _INT})
    check = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    out["Readiness"] = _obj({"status": {"enum": ["ready", "not_ready"]},
                             "checks": _obj({"redis": check, "workers": check,
                                             "catalogs": check})})
    return out


def _op(summary: str, responses: dict[str, Any], *, params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, api: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = body
    if api:
        op["responses"].update(_errors(*_API_ERRORS))
    else:
        op["security"] = []
    return op


def _path(name: str, description: str, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The whole document; limits quoted in descriptions come from the settings."""
    job_id = _path("job_id", "Job id returned at submission")
    batch_id = _path("batch_id", "Batch id returned at submission")
    name = _path("name", "Catalog name", r"^[a-z0-9_-]{1,64}$")
    body = {"required": True}
    idempotency_key = {"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "maxLength": 200},
                       "description": "Re-sending the same request with the same key answers "
                                      "with what the first one created"}
    paging = [_query("offset", {"type": "integer", "minimum": 0, "default": 0}, "First item"),
              _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000,
                               "default": 100}, "Items per page")]
    paths: dict[str, Any] = {
        "/api/v1/catalogs": {"get": _op("List catalogs", {"200": _json(
            _obj({"items": {"type": "array", "items": _ref("CatalogView")}}), "Catalogs")})},
        "/api/v1/catalogs/{name}": {
            "parameters": [name],
            "put": _op("Register or replace a catalog (indexed in the background)", {
                "200": _json(_obj({"name": _STR, "version": _INT, "status": _STR}),
                             "Replaced: a new version is indexing"),
                "201": _json(_obj({"name": _STR, "version": _INT, "status": _STR}),
                             "Created: indexing"),
                **_errors(400, 413, 415, 422)},
                body={**body, "content": {JSON: {"schema": _ref("Catalog")}}}),
            "get": _op("A catalog with its version and indexing status", {
                "200": _json(_ref("CatalogView"), "The catalog"), **_errors(404)}),
            "delete": _op("Delete a catalog", {"204": {"description": "Deleted"},
                                               **_errors(404)})},
        "/api/v1/queries": {"post": _op(
            f"Submit a query (text up to {settings.max_text_length} characters)",
            {"200": _json(_ref("Job"), "With `wait`: the job ended within it (the view of "
                                       "GET /api/v1/jobs/{job_id})",
                          headers={"Location": {"schema": _STR}}),
             "202": _json(_ref("Accepted"), "Accepted (or answered from the result cache)",
                          headers={"Location": {"schema": _STR}}),
             **_errors(400, 404, 409, 413, 415, 422)},
            params=[idempotency_key],
            body={**body, "content": {JSON: {"schema": _ref("QueryRequest")}}})},
        "/api/v1/jobs/status": {"post": _op(
            "Many jobs at once: each one's view in the order asked, unknown or expired ids "
            "under `not_found`", {
                "200": _json(_obj({"jobs": {"type": "array", "items": _ref("Job")},
                                   "not_found": {"type": "array", "items": _STR}}), "The jobs"),
                **_errors(400, 413, 415, 422)},
            body={**body, "content": {JSON: {"schema": _ref("JobStatusRequest")}}})},
        "/api/v1/jobs/{job_id}": {
            "parameters": [job_id],
            "get": _op("Status and result of a job", {"200": _json(_ref("Job"), "The job"),
                                                      **_errors(400, 404)},
                       params=[_query("wait", {"type": "number", "minimum": 0,
                                               "maximum": MAX_WAIT_SECONDS},
                                      "Long-poll: answer at the job's first terminal state, "
                                      "or after this many seconds with its state then")]),
            "delete": _op("Cancel an unfinished job", {"200": _json(_ref("Job"), "Canceled"),
                                                       **_errors(404, 409)})},
        "/api/v1/jobs/{job_id}/events": {"parameters": [job_id], "get": _op(
            "Server-Sent Events: `job` (the job view) on every change, then `end`, `gone`, "
            f"`timeout` (after {settings.sse_max_seconds} s) or `error`", {
                "200": {"description": "An event stream",
                        "content": {"text/event-stream": {"schema": _STR}}},
                **_errors(404)})},
        "/api/v1/jobs/{job_id}/renderings": {"parameters": [job_id], "get": _op(
            "A finished job's filters as Elasticsearch/OpenSearch, SQL and MongoDB queries", {
                "200": _json(_obj({"job_id": _STR, "renderings": _ref("Renderings")}),
                             "Renderings"), **_errors(400, 404, 409)},
            params=[_query("format", _STR, "Comma-separated subset of elasticsearch, sql, "
                                           "mongodb (default: all)")])},
        "/api/v1/renderings": {"post": _op(
            "Render any filters as Elasticsearch/OpenSearch, SQL and MongoDB queries", {
                "200": _json(_obj({"renderings": _ref("Renderings")}), "Renderings"),
                **_errors(400, 413, 415, 422)},
            body={**body, "content": {JSON: {"schema": _ref("RenderRequest")}}})},
        "/api/v1/batches": {"post": _op(
            f"Submit up to {settings.max_batch_texts} texts (JSON, JSONL body or multipart "
            "upload of a JSONL `file`)",
            {"202": _json(_obj({"batch_id": _STR, "status": _STR, "total": _INT,
                                "status_url": _STR}), "Accepted"),
             **_errors(400, 404, 409, 413, 415, 422)},
            params=[idempotency_key],
            body={**body, "content": {
                JSON: {"schema": _ref("BatchRequest")},
                "application/x-ndjson": {"schema": _STR},
                "multipart/form-data": {"schema": _obj({"file": {
                    "type": "string", "format": "binary"}, "catalog": _STR}, ["file"])}}})},
        "/api/v1/batches/{batch_id}": {
            "parameters": [batch_id],
            "get": _op("Progress of a batch", {"200": _json(_ref("Batch"), "The batch"),
                                               **_errors(404)}),
            "delete": _op("Cancel a batch", {"200": _json(_ref("Batch"), "Canceled"),
                                             **_errors(404, 409)})},
        "/api/v1/batches/{batch_id}/results": {"parameters": [batch_id], "get": _op(
            "Results in input order, a page at a time (or all as JSONL with format=jsonl)",
            {"200": {"description": "A page", "content": {
                JSON: {"schema": _obj({"items": {"type": "array", "items": _ref("BatchItem")},
                                       "next_offset": {"type": ["integer", "null"]},
                                       "total": _INT})},
                "application/x-ndjson": {"schema": _STR}}}, **_errors(400, 404)},
            params=[*paging, _query("format", {"enum": ["json", "jsonl"]}, "Response format")])},
        "/api/v1/batches/{batch_id}/summary": {"parameters": [batch_id], "get": _op(
            "Counts per item status and filters per field", {"200": _json(_obj({
                "batch": _ref("Batch"), "items_by_status": {"type": "object"},
                "filters_by_field": {"type": "object"}}), "Summary"), **_errors(404)})},
        "/api/v1/cache": {"get": _op("Hits, misses and size of the Redis caches", {
            "200": _json({"type": "object"}, "Cache statistics")})},
        "/api/v1/queues": {"get": _op("Queues, workers and last-minute throughput", {
            "200": _json(_ref("Queues"), "Queue figures")})},
        "/api/v1/queues/history": {"get": _op(
            "Per minute, oldest first: jobs finished and failed per stage, mean stage latency", {
                "200": _json(_obj({"minutes": {"type": "array", "items": {
                    "type": "object"}}}), "Minutes"), **_errors(400)},
            params=[_query("minutes", {"type": "integer", "minimum": 1,
                                       "maximum": HISTORY_MINUTES, "default": 15},
                           "How many minutes back")])},
        "/api/v1/failed": {"get": _op("Dead-letter view: queries that failed for good", {
            "200": _json(_obj({"total": _INT, "items": {"type": "array",
                                                       "items": _ref("FailedJob")}}),
                         "Newest first"), **_errors(400)},
            params=[_query("limit", {"type": "integer", "minimum": 1, "maximum": 500,
                                     "default": 50}, "Items per page"),
                    _query("offset", {"type": "integer", "minimum": 0, "default": 0},
                           "First item")])},
        "/api/v1/failed/{job_id}/requeue": {"parameters": [job_id], "post": _op(
            "Start a failed query again from its first stage", {
                "202": _json(_ref("Accepted"), "Requeued"), **_errors(404, 409)})},
        "/health": {"get": _op("Liveness: the process answers and reaches Redis", {
            "200": _json({"type": "object"}, "Alive"), "503": _json({"type": "object"},
                                                                     "Redis down")}, api=False)},
        "/ready": {"get": _op("Readiness: Redis, a worker per stage, a ready catalog", {
            "200": _json(_ref("Readiness"), "Ready"),
            "503": _json(_ref("Readiness"), "Not ready")}, api=False)},
        "/metrics": {"get": _op("Prometheus metrics", {"200": {
            "description": "Text exposition format",
            "content": {"text/plain": {"schema": _STR}}}}, api=False)},
        "/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"},
                                                                    "OpenAPI 3.1")}, api=False)},
        "/docs/": {"get": _op("Browsable API documentation (served offline)", {"200": {
            "description": "HTML", "content": {"text/html": {"schema": _STR}}}}, api=False)},
    }
    error = _json(_ref("Error"), "")
    responses = {}
    for code, words in ((400, "Malformed JSON, body or parameter"), (401, "API key missing"),
                        (403, "API key not valid"), (404, "Unknown or expired"),
                        (409, "Conflicting state"), (413, "Too large"), (415, "Not JSON"),
                        (422, "Schema violation"), (503, "Redis unreachable")):
        responses[f"E{code}"] = {**error, "description": words}
    responses["E429"] = {**error, "description": "Rate limited",
                         "headers": {"Retry-After": {"schema": _INT,
                                                     "description": "Seconds to wait"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "NLP2Filters", "version": "1",
                 "description": "Natural-language search requests to catalog-valid filters. "
                                "Every error is {\"error\": {\"code\", \"message\"}}. When the "
                                "server sets API_KEYS, /api routes need a bearer key."},
        "paths": paths,
        "components": {"schemas": _schemas(), "responses": responses,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{}, {"bearerAuth": []}],
    }
