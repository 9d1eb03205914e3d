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

# How long the embedding index of a replaced version stays in Redis for the jobs still
# queued against it (an index can be large, and a worker rebuilds a missing one).
SUPERSEDED_INDEX_SECONDS = 3600


def put_catalog(r: Redis, catalog: Catalog,
                on_write: Callable[[Pipeline, int], object] = lambda pipe, version: None,
                *, keep_seconds: int = 86_400) -> tuple[int, bool]:
    """Store a catalog as a new version with status `indexing`; returns (version, created).

    `on_write(pipe, version)` adds commands (the indexing job) to the same transaction,
    so a stored catalog always has its indexing job. The version it replaces stays
    readable for `keep_seconds` (as long as a job or batch accepted against it may still
    run), its index for an hour.
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
            p.expire(keys.catalog_body(catalog.name, version - 1), keep_seconds)
            p.expire(keys.catalog_index(catalog.name, version - 1), SUPERSEDED_INDEX_SECONDS)
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
    """One stored version of a catalog, current or replaced not too long ago; None when the
    catalog was deleted or the version expired. A catalog stored before versions had
    bodies of their own is read from its record while that version is current."""
    with r.pipeline(transaction=False) as p:
        p.get(keys.catalog_body(name, version))
        p.get(keys.catalog(name))
        body, raw = p.execute()
    if body:
        return Catalog.model_validate_json(body)
    record = parse_record(raw)
    if record is not None and record["version"] == version:
        return Catalog.model_validate(record["catalog"])
    return None


class CatalogVersions:
    """Catalog versions parsed and validated once per process (the workers read the same
    few catalogs for every job): a version never changes, so a parsed one is kept (the
    most recently used `capacity` of them) without asking Redis again."""

    def __init__(self, capacity: int = 16):
        self.parsed: LRUCache[tuple[str, int], Catalog] = LRUCache(maxsize=capacity)

    def get(self, r: Redis, name: str, version: int) -> Catalog:
        """The catalog version a job was accepted against, while it is stored (one EXISTS
        when parsed already, so every worker agrees on a deleted or expired version);
        StageError once it is gone."""
        found = self.parsed.get((name, version))
        if found is not None and not r.exists(keys.catalog_body(name, version)):
            found = None  # deleted or expired since it was parsed
        if found is None:
            found = get_version(r, name, version)
        if found is None:
            if get_record(r, name) is None:
                raise StageError("catalog_not_found", f"catalog {name!r} was deleted")
            raise StageError("catalog_version_gone",
                             f"catalog {name!r} v{version} was replaced too long ago")
        self.parsed[(name, version)] = found
        return found

    def forget(self) -> None:
        """Drop every parsed version: after Redis lost data, a version number may be
        handed out again for another body."""
        self.parsed.clear()


def public_view(record: dict[str, Any]) -> dict[str, Any]:
    """What the API shows: the catalog body plus version, status and error."""
    return {**record["catalog"], "version": record["version"], "status": record["status"],
            "error": record.get("error"), "updated_at": record.get("updated_at")}


def list_records(r: Redis) -> list[dict[str, Any]]:
    names = sorted(n.decode() for n in r.smembers(keys.CATALOG_NAMES))
    raws = r.mget([keys.catalog(n) for n in names]) if names else []
    return [json.loads(raw) for raw in raws if raw]


def delete_catalog(r: Redis, name: str) -> bool:
    """Remove the catalog with every stored version and index: the jobs accepted against
    it fail, on every worker, even if the name is registered again (versions never repeat)."""
    record = get_record(r, name)
    if record is None:
        return False
    versions = [*r.scan_iter(keys.catalog_body(name, "*")),
                *r.scan_iter(keys.catalog_index(name, "*"))]
    with r.pipeline() as p:
        p.delete(keys.catalog(name), *versions)
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
