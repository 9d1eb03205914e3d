"""Catalog records in Redis: body, version and indexing status, shared by all services."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.client import Pipeline

from shared import keys
from shared.schemas import Catalog, utc_now
from shared.statuses import CatalogStatus
from shared.transactions import optimistic


def put_catalog(r: Redis, catalog: Catalog,
                on_write: Callable[[Pipeline, int], object] = lambda pipe, version: None,
                ) -> tuple[int, bool]:
    """Store a catalog as a new version with status `indexing`; returns (version, created).

    `on_write(pipe, version)` adds commands (the indexing job) to the same transaction,
    so a stored catalog always has its indexing job.
    """
    version = int(r.incr(keys.catalog_version_counter(catalog.name)))
    record = {"catalog": catalog.model_dump(exclude_none=True), "version": version,
              "status": CatalogStatus.INDEXING, "error": None, "updated_at": utc_now()}
    with r.pipeline() as p:
        p.multi()
        p.set(keys.catalog(catalog.name), json.dumps(record))
        p.sadd(keys.CATALOG_NAMES, catalog.name)
        on_write(p, version)
        added = p.execute()[1]
    return version, bool(added)


def parse_record(raw: bytes | None) -> dict[str, Any] | None:
    """A stored catalog record (None when there is none); for callers that read it in a
    pipeline of their own."""
    return json.loads(raw) if raw else None


def get_record(r: Redis, name: str) -> dict[str, Any] | None:
    return parse_record(r.get(keys.catalog(name)))


def get_catalog(r: Redis, name: str) -> tuple[Catalog, int] | None:
    """The current catalog and its version, or None if not registered."""
    record = get_record(r, name)
    if record is None:
        return None
    return Catalog.model_validate(record["catalog"]), int(record["version"])


def public_view(record: dict[str, Any]) -> dict[str, Any]:
    """What the API shows: the catalog body plus version, status and error."""
    return {**record["catalog"], "version": record["version"], "status": record["status"],
            "error": record.get("error"), "updated_at": record.get("updated_at")}


def list_records(r: Redis) -> list[dict[str, Any]]:
    names = sorted(n.decode() for n in r.smembers(keys.CATALOG_NAMES))
    raws = r.mget([keys.catalog(n) for n in names]) if names else []
    return [json.loads(raw) for raw in raws if raw]


def delete_catalog(r: Redis, name: str) -> bool:
    record = get_record(r, name)
    if record is None:
        return False
    with r.pipeline() as p:
        p.delete(keys.catalog(name), keys.catalog_index(name, record["version"]))
        p.srem(keys.CATALOG_NAMES, name)
        p.execute()
    return True


def set_status(r: Redis, name: str, version: int, status: CatalogStatus,
               error: str | None = None) -> bool:
    """Update status only if `version` is still current: a replaced catalog keeps its own."""
    key = keys.catalog(name)

    def update(pipe: Pipeline) -> bool:
        raw = pipe.get(key)
        record = json.loads(raw) if raw else None
        if record is None or record["version"] != version:
            return False
        record.update(status=status, error=error, updated_at=utc_now())
        pipe.multi()
        pipe.set(key, json.dumps(record))
        return True

    return optimistic(r, key, update)
