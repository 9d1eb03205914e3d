"""The OpenAPI 3.1 document, generated from the app itself so a route and its description
cannot disagree: paths, methods and path parameters come from Flask's url_map, each
operation from the `Operation` its route declares (backend/openapi_operations.py) with the query
parameters the route reads through (backend/params.py), and every body schema from a
pydantic model. `disagreements` is the check the unit tests run over the result."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask
from pydantic import BaseModel
from werkzeug.routing import Rule

from backend.openapi_operations import JSON, Content, Operation, Schema, operation_for
from backend.responses import Error
from shared.schemas import CATALOG_NAME_PATTERN
from shared.settings import Settings

# Flask's static files and Swagger UI's own assets: served, deliberately not documented.
UNDOCUMENTED_RULES = frozenset({"/static/<path:filename>", "/docs/<path:path>"})
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})  # answered by Flask for every route
API_PREFIX = "/api/"  # behind keys and rate limits (backend/security.py), so 401/403/429
API_ERRORS = (401, 403, 429, 503)
PATH_PARAMETERS: Mapping[str, tuple[str, str | None]] = {
    "job_id": ("Job id returned at submission", None),
    "batch_id": ("Batch id returned at submission", None),
    "name": ("Catalog name", CATALOG_NAME_PATTERN),
}
ERRORS: Mapping[int, str] = {
    400: "Malformed JSON, body or parameter", 401: "API key missing",
    403: "API key not valid", 404: "Unknown or expired", 409: "Conflicting state",
    413: "Too large", 415: "Not JSON", 422: "Schema violation", 429: "Rate limited",
    503: "Redis unreachable"}
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def openapi_path(rule: str) -> str:
    """`/jobs/<job_id>` (Flask) as `/jobs/{job_id}` (OpenAPI)."""
    return _ARGUMENT.sub(r"{\1}", rule)


def served(app: Flask) -> Iterator[tuple[Rule, str]]:
    """Every rule the app answers and each of its methods, but the undocumented few."""
    for rule in app.url_map.iter_rules():
        if rule.rule not in UNDOCUMENTED_RULES:
            for method in sorted((rule.methods or set()) - IGNORED_METHODS):
                yield rule, method.lower()


class Components:
    """The schemas the operations refer to, collected as they are referred to."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def schema(self, schema: Schema) -> Mapping[str, Any]:
        """A model as a reference to its component (its nested models become components
        too); any other schema as it is."""
        if not isinstance(schema, type) or not issubclass(schema, BaseModel):
            return schema
        body = schema.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in {**body.pop("$defs", {}), schema.__name__: body}.items():
            if self.schemas.setdefault(name, sub) != sub:
                raise ValueError(f"two different schemas are both named {name}")
        return {"$ref": f"#/components/schemas/{schema.__name__}"}

    def content(self, content: Content) -> dict[str, Any]:
        out: dict[str, Any] = {"description": content.description}
        if content.media:
            out["content"] = {media: {"schema": self.schema(schema)}
                              for media, schema in content.media.items()}
        if content.headers:
            out["headers"] = dict(content.headers)
        return out


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    out = []
    for name in _ARGUMENT.findall(rule.rule):
        description, pattern = PATH_PARAMETERS[name]
        out.append({"name": name, "in": "path", "required": True, "description": description,
                    "schema": {"type": "string", **({"pattern": pattern} if pattern else {})}})
    return out


def _operation(op: Operation, rule: Rule, settings: Settings,
               components: Components) -> dict[str, Any]:
    protected = rule.rule.startswith(API_PREFIX)
    responses = {str(code): components.content(c) for code, c in op.responses.items()}
    for code in (*op.errors, *(API_ERRORS if protected else ())):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    out: dict[str, Any] = {"summary": op.summary.format(settings=settings),
                           "responses": responses}
    if params := [*op.headers, *(p.openapi() for p in op.query)]:
        out["parameters"] = params
    if op.body:
        out["requestBody"] = {"required": True, **components.content(op.body)}
    if not protected:
        out["security"] = []
    return out


def _error_responses(components: Components) -> dict[str, Any]:
    error = components.schema(Error)
    out: dict[str, Any] = {f"E{code}": {"description": words, "content": {
        JSON: {"schema": error}}} for code, words in ERRORS.items()}
    out["E429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                              "description": "Seconds to wait"}}
    return out


def openapi_document(app: Flask, settings: Settings) -> dict[str, Any]:
    """The whole document; limits quoted in summaries come from the settings."""
    components, paths = Components(), {}
    for rule, method in served(app):
        op = operation_for(app, rule.endpoint)
        if op is None:
            continue  # served but undocumented: `disagreements` reports it
        item = paths.setdefault(openapi_path(rule.rule), {})
        if rule.arguments:
            item["parameters"] = _path_parameters(rule)
        item[method] = _operation(op, rule, settings, components)
    responses = _error_responses(components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "NLP2Filters", "version": "1",
                 "description": "Natural-language search requests to catalog-valid filters. "
                                "Every error is {\"error\": {\"code\", \"message\"}}. When the "
                                "server sets API_KEYS, /api routes need a bearer key."},
        "paths": paths,
        "components": {"schemas": components.schemas, "responses": responses,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{}, {"bearerAuth": []}],
    }


def disagreements(app: Flask, document: Mapping[str, Any]) -> list[str]:
    """Where the app and a document differ: a route served but not documented or the
    reverse, or parameters (path or query) other than the route's own."""
    rules = {(openapi_path(rule.rule), method): rule for rule, method in served(app)}
    ops = {(path, method): (item.get("parameters", []), op)
           for path, item in document["paths"].items()
           for method, op in item.items() if method != "parameters"}
    problems = [f"{m.upper()} {p}: served but not documented"
                for p, m in rules.keys() - ops.keys()]
    problems += [f"{m.upper()} {p}: documented but not served"
                 for p, m in ops.keys() - rules.keys()]
    for (path, method), (path_params, op) in ops.items():
        if (rule := rules.get((path, method))) is None:
            continue
        declared = operation_for(app, rule.endpoint)
        reads = {p.name for p in declared.query} if declared else set()
        offers = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if reads != offers:
            problems.append(f"{method.upper()} {path}: reads query {sorted(reads)}, "
                            f"documents {sorted(offers)}")
        in_path = [*path_params, *op.get("parameters", [])]
        if set(rule.arguments) != {p["name"] for p in in_path if p["in"] == "path"}:
            problems.append(f"{method.upper()} {path}: path parameters differ")
    return sorted(problems)
