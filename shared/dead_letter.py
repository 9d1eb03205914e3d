"""The dead-letter view: single queries that failed for good, and their requeue.

A job lands here when its last attempt fails (the state transition adds it, so no
path can forget to); requeue starts it again from the first stage with a clean
record, under WATCH so two operators cannot requeue it twice.
"""
from __future__ import annotations

import json
import time
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq.registry import FailedJobRegistry

from shared import catalog_store, jobs, keys, pipeline
from shared.schemas import utc_now
from shared.settings import Settings
from shared.statuses import JobStatus
from shared.transactions import optimistic

_FIELDS = ["job_id", "status", "catalog", "text", "error", "retries", "updated_at", "priority"]


def list_failed(r: Redis, settings: Settings, limit: int, offset: int) -> dict[str, Any]:
    """Newest first. Entries whose job record expired are dropped on the way."""
    r.zremrangebyscore(keys.DEAD_LETTER, "-inf", time.time() - settings.job_ttl_seconds)
    ids = [i.decode() for i in r.zrevrange(keys.DEAD_LETTER, offset, offset + limit - 1)]
    total = r.zcard(keys.DEAD_LETTER)
    items, gone = [], []
    for job_id, rec in zip(ids, jobs.read_fields(r, ids, _FIELDS)):
        if rec["status"] != JobStatus.FAILED:
            gone.append(job_id)  # expired or requeued meanwhile
            continue
        error = json.loads(rec["error"]) if rec["error"] else {}
        items.append({"job_id": job_id, "stage": error.get("stage", "unknown"),
                      "code": error.get("code", "unknown"), "message": error.get("message", ""),
                      "failed_at": rec["updated_at"], "catalog": rec["catalog"],
                      "text": rec["text"], "attempts": int(rec["retries"] or 0) + 1})
    if gone:
        r.zrem(keys.DEAD_LETTER, *gone)
    return {"total": total - len(gone), "items": items}


def requeue(r: Redis, settings: Settings, job_id: str) -> str | None:
    """Start a failed job again from its first stage, against its catalog's current version
    (a requeue usually follows a fix of the catalog). Returns None when it was requeued,
    else the status that prevented it ("missing" for an unknown job)."""
    key = keys.job(job_id)
    seen: dict[str, str] = {}

    def update(pipe: Pipeline) -> bool:
        status, priority, catalog = pipe.hmget(key, ["status", "priority", "catalog"])
        seen["status"] = status.decode() if status else "missing"
        if status != JobStatus.FAILED.encode():
            return False
        record = catalog_store.parse_record(pipe.get(keys.catalog(catalog.decode()))
                                            if catalog else None)
        pipe.multi()
        pipe.hset(key, mapping={"status": JobStatus.QUEUED, "stage": JobStatus.QUEUED,
                                "retries": 0, "updated_at": utc_now()})
        if record is not None:
            pipe.hset(key, "catalog_version", record["version"])
        pipe.hdel(key, "error", "last_error")
        pipe.expire(key, settings.job_ttl_seconds)
        pipe.zrem(keys.DEAD_LETTER, job_id)
        pipe.zadd(keys.INFLIGHT, {job_id: time.time()})
        jobs.announce(pipe, job_id, JobStatus.QUEUED)
        pipe.hincrby(keys.JOB_STATS, "requeued", 1)
        for name in settings.queue_names("embedding") + settings.queue_names("llm"):
            pipe.zrem(FailedJobRegistry.key_template.format(name), job_id, f"{job_id}-llm")
        pipeline.enqueue_query(r, settings, job_id, (priority or b"normal").decode(), pipe)
        return True

    return None if optimistic(r, key, update) else seen["status"]
