"""Batch state in Redis: inputs, per-item results, atomic counters and status.

Items are processed in chunks; every chunk adds its counts with HINCRBY, and
whichever chunk brings processed + failed to the total closes the batch, so
no coordinator is needed and workers can run anywhere.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from redis import Redis
from redis.client import Pipeline

from shared import keys
from shared.schemas import utc_now
from shared.statuses import TERMINAL_BATCH, BatchStatus, ItemStatus
from shared.transactions import optimistic

PUSH_SLICE = 5000  # texts per RPUSH: bounded command size, few round trips


def create_batch(r: Redis, batch_id: str, *, texts: list[str], custom_ids: list[str] | None,
                 catalog: str, catalog_version: int, priority: str, webhook_url: str | None,
                 chunk_size: int, ttl: int, pipe: Pipeline,
                 options: dict[str, Any] | None = None) -> None:
    """Queue the whole batch on `pipe` (texts in bulk, then the record, with the reading
    options every item shares)."""
    for start in range(0, len(texts), PUSH_SLICE):
        pipe.rpush(keys.batch_texts(batch_id), *texts[start:start + PUSH_SLICE])
        if custom_ids:
            pipe.rpush(keys.batch_custom_ids(batch_id), *custom_ids[start:start + PUSH_SLICE])
    pipe.hset(keys.batch(batch_id), mapping={
        "batch_id": batch_id, "status": BatchStatus.QUEUED, "catalog": catalog,
        "catalog_version": catalog_version, "priority": priority,
        "webhook_url": webhook_url or "", "options": json.dumps(options or {}),
        "total": len(texts), "processed": 0, "failed": 0,
        "chunk_size": chunk_size, "created_at": utc_now(), "created_ts": time.time()})
    for key in (keys.batch(batch_id), keys.batch_texts(batch_id),
                keys.batch_custom_ids(batch_id)):
        pipe.expire(key, ttl)
    pipe.zadd(keys.BATCHES_INFLIGHT, {batch_id: time.time()})


def chunk_ranges(total: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(start, min(total, start + chunk_size)) for start in range(0, total, chunk_size)]


def missing_chunks(r: Redis, batch_id: str, total: int,
                   chunk_size: int) -> list[tuple[int, int]]:
    """The chunks with at least one item that has no result yet."""
    done = {int(k) for k in r.hkeys(keys.batch_results(batch_id))}
    return [(start, end) for start, end in chunk_ranges(total, chunk_size)
            if not done.issuperset(range(start, end))]


def record(r: Redis, batch_id: str) -> dict[str, str] | None:
    raw = r.hgetall(keys.batch(batch_id))
    return {k.decode(): v.decode() for k, v in raw.items()} if raw else None


def public_view(rec: dict[str, str], now: float | None = None) -> dict[str, Any]:
    """What the API shows, with progress and an ETA from the observed rate."""
    now = now or time.time()
    total, processed, failed = int(rec["total"]), int(rec["processed"]), int(rec["failed"])
    done = processed + failed
    started = float(rec["started_ts"]) if rec.get("started_ts") else None
    rate = done / (now - started) if started and now > started and done else None
    eta = None
    if rec["status"] in (BatchStatus.QUEUED, BatchStatus.IN_PROGRESS) and rate:
        eta = round((total - done) / rate, 1)
    return {"batch_id": rec["batch_id"], "status": rec["status"], "catalog": rec["catalog"],
            "catalog_version": int(rec["catalog_version"]), "priority": rec["priority"],
            "total": total, "processed": processed, "failed": failed,
            "progress": round(done / total, 4) if total else 1.0,
            "rate_per_second": round(rate, 2) if rate else None, "eta_seconds": eta,
            "created_at": rec.get("created_at"), "started_at": rec.get("started_at"),
            "finished_at": rec.get("finished_at")}


def texts(r: Redis, batch_id: str, start: int, end: int) -> list[str]:
    return [t.decode() for t in r.lrange(keys.batch_texts(batch_id), start, end - 1)]


def mark_started(r: Redis, batch_id: str) -> str | None:
    """Move queued -> in_progress once (never over a cancel); the current status, or None
    if the batch is gone."""
    key = keys.batch(batch_id)

    def update(pipe: Pipeline) -> bool:
        current = pipe.hget(key, "status")
        if current != BatchStatus.QUEUED.encode():
            return False
        pipe.multi()
        pipe.hset(key, mapping={"status": BatchStatus.IN_PROGRESS, "started_at": utc_now(),
                                "started_ts": time.time()})
        return True

    optimistic(r, key, update)
    return status(r, batch_id)


# Writes the item results not written yet, adds exactly those to the counters and, if
# they complete the batch, closes it: one script, so a worker killed mid-call leaves either
# nothing or all of it (results written but not counted would hold the batch open forever,
# since a retried chunk finds its results present and counts nothing). KEYS: results hash,
# batch hash, open-batches index. ARGV: ttl, time in seconds, batch id, finished_at,
# terminal statuses joined by ",", the status of a batch closed with at least one item
# processed (finished), the status of one closed with none (failed), then index, result
# JSON, "1" if finished, per item.
# Returns {processed, failed, 1 if this call closed the batch}; {} if the batch is gone.
_STORE = """
if redis.call('EXISTS', KEYS[2]) == 0 then return {} end
local ok, bad = 0, 0
for i = 8, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    if ARGV[i + 2] == '1' then ok = ok + 1 else bad = bad + 1 end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
local processed = redis.call('HINCRBY', KEYS[2], 'processed', ok)
local failed = redis.call('HINCRBY', KEYS[2], 'failed', bad)
local total = tonumber(redis.call('HGET', KEYS[2], 'total'))
local status = redis.call('HGET', KEYS[2], 'status')
for s in string.gmatch(ARGV[5], '[^,]+') do
  if s == status then return {processed, failed, 0} end
end
if processed + failed < total then
  redis.call('ZADD', KEYS[3], 'XX', ARGV[2], ARGV[3])
  return {processed, failed, 0}
end
redis.call('HSET', KEYS[2], 'status', processed > 0 and ARGV[6] or ARGV[7],
           'finished_at', ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[3])
return {processed, failed, 1}
"""


def store_results(r: Redis, batch_id: str, items: dict[int, dict[str, Any]],
                  ttl: int) -> dict[str, str] | None:
    """Write item results that are not written yet, add those to the counters; close the
    batch if they complete it (all in one atomic script).

    Returns the batch record when this call finished the batch (for the webhook)."""
    argv: list[Any] = [ttl, time.time(), batch_id, utc_now(), ",".join(sorted(TERMINAL_BATCH)),
                       BatchStatus.FINISHED, BatchStatus.FAILED]
    for i, item in items.items():
        argv += [str(i), json.dumps(item), "1" if item["status"] == ItemStatus.FINISHED else "0"]
    outcome = r.register_script(_STORE)(
        keys=[keys.batch_results(batch_id), keys.batch(batch_id), keys.BATCHES_INFLIGHT],
        args=argv)
    return record(r, batch_id) if outcome and outcome[2] else None


def _close(r: Redis, batch_id: str, status: BatchStatus) -> dict[str, str] | None:
    """Set a terminal status unless one is set already; the record if this call set it."""
    key = keys.batch(batch_id)

    def update(pipe: Pipeline) -> bool:
        current = pipe.hget(key, "status")
        if current is None or current.decode() in TERMINAL_BATCH:
            return False
        pipe.multi()
        pipe.hset(key, mapping={"status": status, "finished_at": utc_now()})
        pipe.zrem(keys.BATCHES_INFLIGHT, batch_id)
        return True

    return record(r, batch_id) if optimistic(r, key, update) else None


def fail_items(r: Redis, batch_id: str, indices: range,
               error: dict[str, str]) -> dict[str, str] | None:
    """A chunk that failed as a whole: its items without a result become failed."""
    key = keys.batch_results(batch_id)
    have = r.hmget(key, [str(i) for i in indices])
    missing = {i: {"status": ItemStatus.FAILED, "result": None, "error": error}
               for i, raw in zip(indices, have) if raw is None}
    ttl = r.ttl(keys.batch(batch_id))
    if missing and ttl and ttl > 0:
        return store_results(r, batch_id, missing, ttl)
    return None


def fail_batch(r: Redis, batch_id: str) -> dict[str, str] | None:
    return _close(r, batch_id, BatchStatus.FAILED)


def cancel(r: Redis, batch_id: str) -> dict[str, str] | None:
    """Stop what has not started; finished items stay readable."""
    return _close(r, batch_id, BatchStatus.CANCELED)


def status(r: Redis, batch_id: str) -> str | None:
    raw = r.hget(keys.batch(batch_id), "status")
    return raw.decode() if raw else None


def results_page(r: Redis, batch_id: str, offset: int, limit: int, total: int,
                 batch_status: str) -> list[dict[str, Any]]:
    """Items in input order; those without a result are `queued` (or `canceled`)."""
    end = min(total, offset + limit)
    if offset >= end:
        return []
    indices = list(range(offset, end))
    with r.pipeline() as p:
        p.hmget(keys.batch_results(batch_id), [str(i) for i in indices])
        p.lrange(keys.batch_texts(batch_id), offset, end - 1)
        p.lrange(keys.batch_custom_ids(batch_id), offset, end - 1)
        raw_results, raw_texts, raw_ids = p.execute()
    pending = batch_status if batch_status in TERMINAL_BATCH else ItemStatus.QUEUED
    items = []
    for k, i in enumerate(indices):
        stored = json.loads(raw_results[k]) if raw_results[k] else None
        item = {"index": i, "text": raw_texts[k].decode() if k < len(raw_texts) else None,
                "status": stored["status"] if stored else pending,
                "result": stored.get("result") if stored else None,
                "error": stored.get("error") if stored else None}
        if raw_ids:
            item["custom_id"] = raw_ids[k].decode()
        items.append(item)
    return items


def summary(pages: Iterable[list[dict[str, Any]]]) -> dict[str, Any]:
    """Counts per item status and, over finished items, filters per field (page by page,
    so a 100,000-item batch is never held in memory at once)."""
    per_status: Counter[str] = Counter()
    per_field: Counter[str] = Counter()
    for items in pages:
        for item in items:
            per_status[item["status"]] += 1
            for f in (item.get("result") or {}).get("filters", []):
                per_field[f["field"]] += 1
    return {"items_by_status": dict(per_status), "filters_by_field": dict(per_field)}
