"""How the stages meet: RQ queues, job function paths and the failure hook.

Functions are enqueued by dotted path, so the backend never imports a worker
and the workers never import each other. Every RQ job carries JSON only.
"""
from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq import Callback, Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

from shared import batches, catalog_store, jobs
from shared.settings import Settings, get_settings
from shared.statuses import CatalogStatus

INDEX_CATALOG = "embedding_worker.tasks.index_catalog"
EMBED_QUERY = "embedding_worker.tasks.embed_query"
RESOLVE_QUERY = "llm_worker.tasks.resolve_query"
FAN_OUT_BATCH = "embedding_worker.tasks.fan_out_batch"
EMBED_CHUNK = "embedding_worker.tasks.embed_batch_chunk"
RESOLVE_CHUNK = "llm_worker.tasks.resolve_batch_chunk"
DELIVER_WEBHOOK = "shared.webhooks.deliver_job"
ENQUEUE_SLICE = 500  # chunk jobs per enqueue_many pipeline
ON_FAILURE = "shared.pipeline.on_stage_failure"

log = logging.getLogger(__name__)


def queue(r: Redis, name: str) -> Queue:
    return Queue(name, connection=r, serializer=JSONSerializer)


def retry_policy(settings: Settings) -> Retry | None:
    """Bounded retries with exponential backoff; the workers' scheduler re-enqueues them."""
    if not settings.job_retries:
        return None
    return Retry(max=settings.job_retries, interval=settings.retry_intervals())


def _enqueue(r: Redis, settings: Settings, stage: str, priority: str, func: str,
             args: list[Any], rq_id: str, meta: dict[str, Any],
             pipe: Pipeline | None = None) -> Job:
    """Enqueue by dotted path; with `pipe`, the job is written when the caller executes it."""
    return queue(r, settings.queue_name(stage, priority)).enqueue(
        func, args=args, job_id=rq_id, meta={"stage": stage, **meta},
        job_timeout=settings.job_timeout_seconds, result_ttl=settings.rq_result_ttl_seconds,
        failure_ttl=settings.job_ttl_seconds, on_failure=Callback(ON_FAILURE),
        retry=retry_policy(settings), pipeline=pipe)


def enqueue_index(r: Redis, settings: Settings, name: str, version: int,
                  pipe: Pipeline | None = None) -> Job:
    return _enqueue(r, settings, "embedding", "high", INDEX_CATALOG, [name, version],
                    f"index-{name}-{version}", {"catalog": name, "version": version}, pipe)


def enqueue_query(r: Redis, settings: Settings, job_id: str, priority: str,
                  pipe: Pipeline | None = None) -> Job:
    return _enqueue(r, settings, "embedding", priority, EMBED_QUERY, [job_id],
                    job_id, {"job_id": job_id}, pipe)


def enqueue_llm(r: Redis, settings: Settings, job_id: str, priority: str,
                payload: dict[str, Any], pipe: Pipeline | None = None) -> Job:
    return _enqueue(r, settings, "llm", priority, RESOLVE_QUERY, [job_id, payload],
                    f"{job_id}-llm", {"job_id": job_id}, pipe)


def fan_out_id(batch_id: str) -> str:
    return f"batch-{batch_id}-fanout"


def chunk_ids(batch_id: str, start: int) -> tuple[str, str]:
    """The RQ job ids of one chunk: its embedding stage, then its LLM stage."""
    return f"batch-{batch_id}-{start}", f"batch-{batch_id}-{start}-llm"


def enqueue_fan_out(r: Redis, settings: Settings, batch_id: str, priority: str,
                    pipe: Pipeline | None = None) -> Job:
    return _enqueue(r, settings, "embedding", priority, FAN_OUT_BATCH, [batch_id],
                    fan_out_id(batch_id), {"batch_id": batch_id}, pipe)


def enqueue_chunks(r: Redis, settings: Settings, batch_id: str, priority: str,
                   ranges: list[tuple[int, int]]) -> int:
    """One embedding job per chunk (start, end) of the batch, written in a few pipelines."""
    q = queue(r, settings.queue_name("embedding", priority))
    datas = [Queue.prepare_data(
        EMBED_CHUNK, args=[batch_id, start, end], job_id=chunk_ids(batch_id, start)[0],
        timeout=settings.job_timeout_seconds, result_ttl=settings.rq_result_ttl_seconds,
        failure_ttl=settings.job_ttl_seconds,
        meta={"stage": "embedding", "batch_id": batch_id, "start": start, "end": end},
        on_failure=Callback(ON_FAILURE), retry=retry_policy(settings))
        for start, end in ranges]
    for k in range(0, len(datas), ENQUEUE_SLICE):
        q.enqueue_many(datas[k:k + ENQUEUE_SLICE])
    return len(datas)


def enqueue_llm_chunk(r: Redis, settings: Settings, batch_id: str, priority: str, start: int,
                      end: int, items: list[dict[str, Any]]) -> Job:
    return _enqueue(r, settings, "llm", priority, RESOLVE_CHUNK, [batch_id, start, items],
                    chunk_ids(batch_id, start)[1],
                    {"batch_id": batch_id, "start": start, "end": end})


def enqueue_webhook(r: Redis, settings: Settings, url: str, payload: dict[str, Any]) -> Job:
    """Webhooks are their own short jobs (high priority, never retried into a model job)."""
    timeout = int(settings.webhook_attempts * (settings.webhook_timeout_seconds + 8)) + 5
    return queue(r, settings.queue_name("llm", "high")).enqueue(
        DELIVER_WEBHOOK, args=[url, payload], job_timeout=timeout,
        result_ttl=settings.rq_result_ttl_seconds, failure_ttl=settings.job_ttl_seconds)


def notify_batch(r: Redis, settings: Settings, closed: dict[str, str] | None) -> None:
    """Call the batch's webhook once it has reached a terminal status."""
    if closed and closed.get("webhook_url"):
        enqueue_webhook(r, settings, closed["webhook_url"], batches.public_view(closed))


def notify_job(r: Redis, settings: Settings, job_id: str) -> None:
    """Call a single query's webhook with its final job view."""
    url = jobs.job_field(r, job_id, "webhook_url")
    if url:
        enqueue_webhook(r, settings, url, jobs.read_job(r, job_id) or {"job_id": job_id})


def describe_exception(exc: BaseException | None) -> tuple[str, str]:
    """(code, readable message) for any failure, including RQ's timeouts and abandonment."""
    if isinstance(exc, jobs.StageError):
        return exc.code, exc.message
    name = type(exc).__name__ if exc is not None else "UnknownError"
    if name == "JobTimeoutException":
        return "timeout", f"the stage exceeded its time limit: {exc}"
    if name == "AbandonedJobError":
        return "abandoned", "the worker running this stage died"
    return "internal_error", f"{name}: {exc}"


def on_stage_failure(job: Job, connection: Redis, exc_type: type, exc: BaseException,
                     tb: Any) -> None:
    """RQ failure callback (also for jobs found abandoned). RQ calls it before deciding
    to retry: a transient failure with retries left is only noted; a permanent one
    (StageError: the input or catalog is wrong, a retry would fail the same way) takes
    the job's retries away; the last failure leaves the job `failed` with a reason."""
    stage = job.meta.get("stage", "unknown")
    code, message = describe_exception(exc)
    settings = get_settings()
    ids = {"job_id": job.meta.get("job_id"), "batch_id": job.meta.get("batch_id"),
           "rq_job_id": job.id, "stage": stage}
    if isinstance(exc, jobs.StageError):
        job.retries_left = 0
    if job.retries_left:
        job.meta["retries"] = done = int(job.meta.get("retries", 0)) + 1
        job.save_meta()  # the count travels with the RQ job through its retries
        if "job_id" in job.meta:
            jobs.note_retry(connection, job.meta["job_id"], done, code, message)
        log.warning("stage %s failed (%s), retry %d (%d left): %s", stage, code, done,
                    job.retries_left - 1, message, extra=ids)
        return
    if "job_id" in job.meta:
        if jobs.fail_job(connection, job.meta["job_id"], stage, code, message):
            notify_job(connection, settings, job.meta["job_id"])
    elif "batch_id" in job.meta and "start" in job.meta:
        notify_batch(connection, settings, batches.fail_items(
            connection, job.meta["batch_id"], range(job.meta["start"], job.meta["end"]),
            {"stage": stage, "code": code, "message": message}))
    elif "batch_id" in job.meta:
        notify_batch(connection, settings, batches.fail_batch(connection, job.meta["batch_id"]))
    elif "catalog" in job.meta:
        catalog_store.set_status(connection, job.meta["catalog"], int(job.meta["version"]),
                                 CatalogStatus.FAILED, message)
    log.error("stage %s failed for good (%s): %s", stage, code, message, extra=ids)
