"""Job state in Redis: one hash per job, written by every stage, read by the backend.

Transitions are guarded so that a terminal state (finished, failed, canceled) is
never overwritten by a late or duplicated stage.
"""
from __future__ import annotations

import json
import time
from typing import Any

from redis import Redis
from redis.client import Pipeline

from shared import keys
from shared.schemas import JobError, QueryResult, utc_now
from shared.statuses import TERMINAL_JOB, JobStatus


class StageError(Exception):
    """A failure with a readable cause; `code` is machine-readable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def create_job(pipe: Pipeline, job_id: str, *, text: str, catalog: str, catalog_version: int,
               priority: str, webhook_url: str | None, ttl: int, result_json: str | None = None,
               result_ttl: int = 60, options: dict[str, Any] | None = None) -> None:
    """Queue the job record on `pipe`, so it is written together with its RQ job; with
    `result_json` (a cache hit) the job is born finished, with its result. `options` are
    the request's reading options (reference time, min_confidence), stored as JSON."""
    now = utc_now()
    mapping = {"job_id": job_id,
               "status": JobStatus.FINISHED if result_json else JobStatus.QUEUED,
               "text": text, "catalog": catalog, "options": json.dumps(options or {}),
               "catalog_version": catalog_version, "priority": priority,
               "webhook_url": webhook_url or "", "created_at": now, "updated_at": now}
    if result_json:
        mapping["cached"] = "1"
        pipe.set(keys.result(job_id), result_json, ex=result_ttl)
    pipe.hset(keys.job(job_id), mapping=mapping)
    pipe.expire(keys.job(job_id), ttl)
    if result_json:
        pipe.hincrby(keys.JOB_STATS, JobStatus.FINISHED, 1)
    else:
        pipe.zadd(keys.INFLIGHT, {job_id: time.time()})


# Applies one change to many jobs in one round trip, skipping jobs that are gone or
# terminal, and keeps the in-flight index, the dead-letter set and the status counts in
# step, and announces each change on the job-events channel. KEYS: job hash, result key,
# per job; then the in-flight, dead-letter and stats keys. ARGV: updated_at, result ttl,
# terminal statuses joined by ",", field count, fields and values, then one result JSON
# per job ("" = none), then the dead-letter status (failed), the channel, then the time in
# seconds. Returns 1/0 per job.
_TRANSITION = """
local terminal = {}
for s in string.gmatch(ARGV[3], '[^,]+') do terminal[s] = true end
local n = tonumber(ARGV[4])
local fields = {'updated_at', ARGV[1]}
local new_status = nil
for i = 1, 2 * n do
  fields[#fields + 1] = ARGV[4 + i]
  if i % 2 == 1 and ARGV[4 + i] == 'status' then new_status = ARGV[5 + i] end
end
local jobs = (#KEYS - 3) / 2
local inflight, dead, stats = KEYS[#KEYS - 2], KEYS[#KEYS - 1], KEYS[#KEYS]
local clock = ARGV[#ARGV]
local channel = ARGV[#ARGV - 1]
local dead_status = ARGV[#ARGV - 2]
local out = {}
for j = 1, jobs do
  local key = KEYS[2 * j - 1]
  local status = redis.call('HGET', key, 'status')
  if status and not terminal[status] then
    local result = ARGV[4 + 2 * n + j]
    if result ~= '' then redis.call('SET', KEYS[2 * j], result, 'EX', ARGV[2]) end
    redis.call('HSET', key, unpack(fields))
    local id = redis.call('HGET', key, 'job_id')
    if new_status and terminal[new_status] then
      redis.call('ZREM', inflight, id)
      redis.call('HINCRBY', stats, new_status, 1)
      if new_status == dead_status then redis.call('ZADD', dead, clock, id) end
    else
      redis.call('ZADD', inflight, clock, id)
    end
    redis.call('PUBLISH', channel, id .. ' ' .. redis.call('HGET', key, 'status'))
    out[j] = 1
  else
    out[j] = 0
  end
end
return out
"""


def transition(r: Redis, job_ids: list[str], mapping: dict[str, Any],
               results: list[str] | None = None, result_ttl: int = 60) -> list[bool]:
    """Apply `mapping` (and write each job's result) to every job that is not gone or
    terminal, atomically and in one round trip: a micro-batch of 64 jobs costs one call."""
    if not job_ids:
        return []
    keys_ = [k for j in job_ids for k in (keys.job(j), keys.result(j))]
    keys_ += [keys.INFLIGHT, keys.DEAD_LETTER, keys.JOB_STATS]
    flat = [str(x) for kv in mapping.items() for x in kv]
    argv = [utc_now(), max(1, result_ttl), ",".join(sorted(TERMINAL_JOB)), len(mapping),
            *flat, *(results or [""] * len(job_ids)), JobStatus.FAILED, keys.JOB_EVENTS,
            time.time()]
    return [bool(x) for x in r.register_script(_TRANSITION)(keys=keys_, args=argv)]


def announce(pipe: Pipeline, job_id: str, status: JobStatus) -> None:
    """Queue the job-events message of a change written outside `transition` (a requeue)."""
    pipe.publish(keys.JOB_EVENTS, f"{job_id} {status}")


def set_status(r: Redis, job_id: str, status: JobStatus) -> bool:
    return transition(r, [job_id], {"status": status, "stage": status})[0]


def fail_job(r: Redis, job_id: str, stage: str, code: str, message: str) -> bool:
    error = JobError(stage=stage, code=code, message=message)
    return transition(r, [job_id],
                      {"status": JobStatus.FAILED, "error": error.model_dump_json()})[0]


def note_retry(r: Redis, job_id: str, retries: int, code: str, message: str) -> bool:
    """Record a failed attempt that RQ will retry: the job stays in its stage."""
    return transition(r, [job_id], {"retries": retries, "last_error": f"{code}: {message}"})[0]


def cancel_job(r: Redis, job_id: str) -> bool:
    return transition(r, [job_id], {"status": JobStatus.CANCELED})[0]


def finish_jobs(r: Redis, job_ids: list[str], results: list[QueryResult],
                result_ttl: int) -> list[bool]:
    """Write each `result:<id>` and mark it finished in one transaction: no half-written
    result, and a job canceled meanwhile stays canceled."""
    return transition(r, job_ids, {"status": JobStatus.FINISHED},
                      [res.model_dump_json() for res in results], result_ttl)


def finish_job(r: Redis, job_id: str, result: QueryResult, result_ttl: int) -> bool:
    return finish_jobs(r, [job_id], [result], result_ttl)[0]


def read_fields(r: Redis, job_ids: list[str], fields: list[str]) -> list[dict[str, str | None]]:
    """The same fields of many jobs in one round trip."""
    with r.pipeline(transaction=False) as p:
        for j in job_ids:
            p.hmget(keys.job(j), fields)
        rows = p.execute()
    return [{f: (v.decode() if v is not None else None) for f, v in zip(fields, row)}
            for row in rows]


def read_jobs(r: Redis, job_ids: list[str]) -> list[dict[str, Any] | None]:
    """The public view of each job (None where unknown or expired), in one round trip."""
    with r.pipeline(transaction=False) as p:
        for job_id in job_ids:
            p.hgetall(keys.job(job_id))
            p.get(keys.result(job_id))
        replies = p.execute()
    return [_view(job_id, replies[2 * i], replies[2 * i + 1]) for i, job_id in enumerate(job_ids)]


def read_job(r: Redis, job_id: str) -> dict[str, Any] | None:
    """The public view of a job, or None if unknown or expired."""
    return read_jobs(r, [job_id])[0]


def _view(job_id: str, raw: dict[bytes, bytes], result: bytes | None) -> dict[str, Any] | None:
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
        "cached": job.get("cached") == "1",
        "retries": int(job.get("retries") or 0),
        "result": json.loads(result) if result and job["status"] == JobStatus.FINISHED else None,
        "error": json.loads(job["error"]) if job.get("error") else None,
    }


def job_field(r: Redis, job_id: str, field: str) -> str | None:
    raw = r.hget(keys.job(job_id), field)
    return raw.decode() if raw is not None else None
