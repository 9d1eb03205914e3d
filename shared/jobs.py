"""Job state in Redis: one hash per job, written by every stage, read by the backend.

Transitions are guarded so that a terminal state (finished, failed, canceled) is
never overwritten by a late or duplicated stage.
"""
from __future__ import annotations

import json
from typing import Any

from redis import Redis
from redis.client import Pipeline

from shared import keys
from shared.schemas import TERMINAL_STATUSES, JobError, QueryResult, utc_now
from shared.transactions import optimistic


class StageError(Exception):
    """A failure with a readable cause; `code` is machine-readable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def create_job(pipe: Pipeline, job_id: str, *, text: str, catalog: str, catalog_version: int,
               priority: str, webhook_url: str | None, ttl: int) -> None:
    """Queue the job record on `pipe`, so it is written together with its RQ job."""
    now = utc_now()
    mapping = {"job_id": job_id, "status": "queued", "text": text, "catalog": catalog,
               "catalog_version": catalog_version, "priority": priority,
               "webhook_url": webhook_url or "", "created_at": now, "updated_at": now}
    pipe.hset(keys.job(job_id), mapping=mapping)
    pipe.expire(keys.job(job_id), ttl)


def _transition(r: Redis, job_id: str, mapping: dict[str, Any],
                result_json: str | None = None, result_ttl: int = 0) -> bool:
    """Apply `mapping` unless the job is gone or already terminal; True if applied."""
    key = keys.job(job_id)

    def update(pipe: Pipeline) -> bool:
        status = pipe.hget(key, "status")
        if status is None or status.decode() in TERMINAL_STATUSES:
            return False
        pipe.multi()
        if result_json is not None:
            pipe.set(keys.result(job_id), result_json, ex=result_ttl)
        pipe.hset(key, mapping={**mapping, "updated_at": utc_now()})
        return True

    return optimistic(r, key, update)


def set_status(r: Redis, job_id: str, status: str) -> bool:
    return _transition(r, job_id, {"status": status, "stage": status})


def fail_job(r: Redis, job_id: str, stage: str, code: str, message: str) -> bool:
    error = JobError(stage=stage, code=code, message=message)
    return _transition(r, job_id, {"status": "failed", "error": error.model_dump_json()})


def cancel_job(r: Redis, job_id: str) -> bool:
    return _transition(r, job_id, {"status": "canceled"})


def finish_job(r: Redis, job_id: str, result: QueryResult, result_ttl: int) -> bool:
    """Write `result:<id>` and mark finished in one transaction: no half-written result."""
    return _transition(r, job_id, {"status": "finished"},
                       result_json=result.model_dump_json(), result_ttl=result_ttl)


def read_job(r: Redis, job_id: str) -> dict[str, Any] | None:
    """The public view of a job, or None if unknown or expired."""
    with r.pipeline() as p:
        p.hgetall(keys.job(job_id))
        p.get(keys.result(job_id))
        raw, result = p.execute()
    if not raw:
        return None
    job = {k.decode(): v.decode() for k, v in raw.items()}
    return {
        "job_id": job_id,
        "status": job["status"],
        "catalog": job.get("catalog"),
        "catalog_version": int(job.get("catalog_version") or 0),
        "text": job.get("text"),
        "priority": job.get("priority", "normal"),
        "created_at": job.get("created_at"),
        "updated_at": job.get("updated_at"),
        "result": json.loads(result) if result and job["status"] == "finished" else None,
        "error": json.loads(job["error"]) if job.get("error") else None,
    }


def job_field(r: Redis, job_id: str, field: str) -> str | None:
    raw = r.hget(keys.job(job_id), field)
    return raw.decode() if raw is not None else None
