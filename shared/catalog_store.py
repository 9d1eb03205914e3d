"""Catalog records in Redis: body, version and indexing status, shared by all services."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache
from redis import Redis
from redis.client import Pipeline

from shared import keys
from shared.jobs import StageError
from shared.schemas import Catalog, utc_now
from shared.statuses import CatalogStatus
from shared.transactions import optimistic

# How long a replaced catalog version stays readable by the jobs accepted against it: they
# need it for seconds; an hour also covers a deep queue. A deleted catalog is gone at once.
SUPERSEDED_KEEP_SECONDS = 3600


def put_catalog(r: Redis, catalog: Catalog,
                on_write: Callable[[Pipeline, int], object] = lambda pipe, version: None,
                ) -> tuple[int, bool]:
    """Store a catalog as a new version with status `indexing`; returns (version, created).

    `on_write(pipe, version)` adds commands (the indexing job) to the same transaction,
    so a stored catalog always has its indexing job.
    """
    version = int(r.incr(keys.catalog_version_counter(catalog.name)))
    body = catalog.model_dump(exclude_none=True)
    record = {"catalog": body, "version": version,
              "status": CatalogStatus.INDEXING, "error": None, "updated_at": utc_now()}
    with r.pipeline() as p:
        p.multi()
        p.set(keys.catalog(catalog.name), json.dumps(record))
        p.sadd(keys.CATALOG_NAMES, catalog.name)
        p.set(keys.catalog_body(catalog.name, version), json.dumps(body))
        if version > 1:
            p.expire(keys.catalog_body(catalog.name, version - 1), SUPERSEDED_KEEP_SECONDS)
        on_write(p, version)
        added = p.execute()[1]
    return version, bool(added)


def parse_record(raw: bytes | None) -> dict[str, Any] | None:
    """A stored catalog record (None when there is none); for callers that read it in a
    pipeline of their own."""
    return json.loads(raw) if raw else None


def get_record(r: Redis, name: str) -> dict[str, Any] | None:
    return parse_record(r.get(keys.catalog(name)))


def get_version(r: Redis, name: str, version: int) -> Catalog | None:
    """One version of a registered catalog, current or recently replaced; None when the
    catalog was deleted or the version is long gone. A catalog stored before versions had
    bodies of their own is read from its record."""
    with r.pipeline(transaction=False) as p:
        p.get(keys.catalog_body(name, version))
        p.get(keys.catalog(name))
        body, raw = p.execute()
    record = parse_record(raw)
    if record is None:
        return None
    if body:
        return Catalog.model_validate_json(body)
    if record["version"] == version:
        return Catalog.model_validate(record["catalog"])
    return None


class CatalogVersions:
    """Catalog versions parsed and validated once per process (the workers read the same
    few catalogs for every job): a version never changes, so a parsed one is kept (the
    most recently used `capacity` of them) without asking Redis again."""

    def __init__(self, capacity: int = 16):
        self.parsed: LRUCache[tuple[str, int], Catalog] = LRUCache(maxsize=capacity)

    def get(self, r: Redis, name: str, version: int) -> Catalog:
        """The catalog version a job was accepted against, while the catalog is registered
        (one EXISTS when parsed already); StageError once it was deleted or the version
        is long gone."""
        found = self.parsed.get((name, version))
        if found is not None and not r.exists(keys.catalog(name)):
            found = None  # deleted: its jobs fail, as they would on any other worker
        elif found is None:
            found = get_version(r, name, version)
            if found is not None:
                self.parsed[(name, version)] = found
        if found is None:
            raise StageError("catalog_not_found",
                             f"catalog {name!r} v{version} was deleted or replaced long ago")
        return found


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
        version = record["version"]
        p.delete(keys.catalog(name), keys.catalog_index(name, version),
                 keys.catalog_body(name, version), keys.catalog_body(name, version - 1))
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
