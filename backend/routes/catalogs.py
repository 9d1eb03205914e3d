"""Catalog registration: validate, store a new version, enqueue its indexing."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify

from backend.context import json_body, redis_client, settings
from backend.errors import APIError
from backend.openapi_operations import Content, documented, json_content
from backend.responses import CatalogList, CatalogVersion, CatalogView
from shared import catalog_store, pipeline
from shared.schemas import CATALOG_NAME_PATTERN, Catalog
from shared.statuses import CatalogStatus

bp = Blueprint("catalogs", __name__, url_prefix="/api/v1/catalogs")


def _validated(name: str) -> Catalog:
    if not re.fullmatch(CATALOG_NAME_PATTERN, name):
        raise APIError(400, "invalid_catalog_name",
                       "catalog names are 1-64 characters of a-z, 0-9, '_' and '-'")
    body = json_body()
    body_name = body.setdefault("name", name)
    if body_name != name:
        raise APIError(400, "name_mismatch",
                       f"the body names catalog {body_name!r} but the URL names {name!r}")
    catalog = Catalog.model_validate(body)
    cfg = settings()
    if len(catalog.fields) > cfg.max_catalog_fields:
        raise APIError(413, "catalog_too_large",
                       f"a catalog may have at most {cfg.max_catalog_fields} fields")
    if catalog.enum_value_count() > cfg.max_enum_values:
        raise APIError(413, "catalog_too_large", f"a catalog may have at most "
                                                 f"{cfg.max_enum_values} enum values and synonyms")
    return catalog


@bp.put("/<name>")
@documented("Register or replace a catalog (indexed in the background)", {
    200: json_content(CatalogVersion, "Replaced: a new version is indexing"),
    201: json_content(CatalogVersion, "Created: indexing")},
    errors=(400, 413, 415, 422), body=json_content(Catalog, "The catalog"))
def put_catalog(name: str):
    catalog = _validated(name)
    r = redis_client()
    config = settings()
    version, created = catalog_store.put_catalog(
        r, catalog, lambda pipe, v: pipeline.enqueue_index(r, config, catalog.name, v, pipe),
        keep_seconds=max(config.job_ttl_seconds, config.batch_ttl_seconds))
    return jsonify({"name": catalog.name, "version": version, "status": CatalogStatus.INDEXING}), (
        201 if created else 200)


@bp.get("")
@documented("List catalogs", {200: json_content(CatalogList, "Catalogs")})
def list_catalogs():
    items = [catalog_store.public_view(rec) for rec in catalog_store.list_records(redis_client())]
    return jsonify({"items": items})


@bp.get("/<name>")
@documented("A catalog with its version and indexing status",
            {200: json_content(CatalogView, "The catalog")}, errors=(404,))
def get_catalog(name: str):
    record = catalog_store.get_record(redis_client(), name)
    if record is None:
        raise APIError(404, "catalog_not_found", f"no catalog named {name!r}")
    return jsonify(catalog_store.public_view(record))


@bp.delete("/<name>")
@documented("Delete a catalog", {204: Content("Deleted", {})}, errors=(404,))
def delete_catalog(name: str):
    if not catalog_store.delete_catalog(redis_client(), name):
        raise APIError(404, "catalog_not_found", f"no catalog named {name!r}")
    return "", 204
