"""Single queries: validate, record the job, enqueue its first stage; with `wait`, answer
with the finished job in the same round trip."""
from __future__ import annotations

import logging
import uuid

from flask import Blueprint, jsonify, url_for
from redis.exceptions import WatchError

from backend import idempotency
from backend.context import guard_webhook, json_body, redis_client, settings, wakeups
from backend.errors import APIError
from backend.openapi_operations import LOCATION, documented, json_content
from backend.reading_options import checked_fixed_filters, refined_state
from backend.responses import Accepted, Job
from backend.wakeups import terminal, wait_for_end
from shared import catalog_store, fingerprints, jobs, keys, pipeline
from shared.cache import result_cache, result_digest
from shared.reference import resolved
from shared.schemas import QueryRequest
from shared.statuses import TERMINAL_JOB, CatalogStatus, JobStatus

bp = Blueprint("queries", __name__, url_prefix="/api/v1/queries")
log = logging.getLogger(__name__)


def _answer(job_id: str, wait: float | None, status: JobStatus | None = None, cached: bool = False,
            replayed: bool = False):
    """200 with the job view when it ended within `wait` seconds (or had already ended,
    when a wait was asked for), else 202 with its id; `status`, when known, spares a read."""
    r = redis_client()
    read = lambda: jobs.read_job(r, job_id)  # noqa: E731
    job = None
    if wait and status not in TERMINAL_JOB:
        job = wait_for_end(wakeups(), job_id, read, wait)
    elif wait is not None or status is None:
        job = read()
    if job is None and status is None:  # a replay whose job has expired since
        raise APIError(404, "job_not_found", f"job {job_id!r}, which this Idempotency-Key "
                                             "created, has expired")
    status_url = url_for("jobs.get_job", job_id=job_id)
    headers = {"Location": status_url, **({"Idempotent-Replayed": "true"} if replayed else {})}
    if job is not None and wait is not None and terminal(job):
        return jsonify(job), 200, headers
    return jsonify({"job_id": job_id, "status": job["status"] if job else status,
                    "status_url": status_url, "cached": cached}), 202, headers


def _capped(wait: float | None) -> float | None:
    """The wait asked for, within WAIT_MAX_SECONDS."""
    return None if wait is None else min(wait, settings().wait_max_seconds)


@bp.post("")
@documented("Submit a query (text up to {settings.max_text_length} characters)", {
    200: json_content(Job, "With `wait`: the job ended within it (the view of "
                           "GET /api/v1/jobs/{job_id})", LOCATION),
    202: json_content(Accepted, "Accepted (or answered from the result cache)", LOCATION)},
    errors=(400, 404, 409, 413, 415, 422), headers=(idempotency.PARAMETER,),
    body=json_content(QueryRequest, "The query"))
def submit_query():
    req = QueryRequest.model_validate(json_body())
    cfg = settings()
    if len(req.text) > cfg.max_text_length:
        raise APIError(422, "text_too_long",
                       f"text has {len(req.text)} characters; the limit is {cfg.max_text_length}")
    guard_webhook(req.webhook_url)
    r = redis_client()
    key = idempotency.request_key()
    print_ = idempotency.fingerprint(["query", req.model_dump(exclude={"wait"})])
    if key and (earlier := idempotency.earlier(r, key, print_)):
        return _answer(earlier, _capped(req.wait), replayed=True)
    with r.pipeline(transaction=False) as p:  # the catalog and the code, one round trip
        p.get(keys.catalog(req.catalog))
        p.hgetall(keys.CODE_FINGERPRINTS)
        raw_record, raw_code = p.execute()
    record = catalog_store.parse_record(raw_record)
    if record is None:
        raise APIError(404, "catalog_not_found", f"no catalog named {req.catalog!r}")
    if record["status"] == CatalogStatus.FAILED:
        raise APIError(409, "catalog_failed", f"catalog {req.catalog!r} failed to index: "
                                              f"{record.get('error')}; upload it again")
    checked_fixed_filters(r, req.catalog, record["version"], req.fixed_filters)
    options = resolved(req.options())
    if (previous := refined_state(r, req.refine, req.catalog)) is not None:
        options["previous"] = previous
    job_id = uuid.uuid4().hex
    (cached,) = result_cache(r, cfg).get_many(
        [result_digest(cfg, req.catalog, record["version"], req.text, options,
                       code=fingerprints.decoded(raw_code))])
    # The record, its RQ job and the key's binding are written together or not at all; a
    # concurrent request with the same key makes the transaction start again and replay.
    with r.pipeline() as pipe:
        while True:
            try:
                if key:
                    pipe.watch(keys.idempotency(key))
                    if first := idempotency.earlier(pipe, key, print_):
                        return _answer(first, _capped(req.wait), replayed=True)
                pipe.multi()
                if key:
                    idempotency.bind(pipe, key, print_, job_id, cfg.job_ttl_seconds)
                jobs.create_job(pipe, job_id, text=req.text, catalog=req.catalog,
                                catalog_version=record["version"], priority=req.priority,
                                webhook_url=req.webhook_url, ttl=cfg.job_ttl_seconds,
                                result_json=cached.decode() if cached else None,
                                result_ttl=cfg.result_ttl_seconds, options=options)
                if not cached:
                    pipeline.enqueue_query(r, cfg, job_id, req.priority, pipe)
                pipe.execute()
                break
            except WatchError:
                continue
    if cached and req.webhook_url:
        pipeline.notify_job(r, cfg, job_id)
    log.info("query accepted", extra={"job_id": job_id, "catalog": req.catalog,
                                      "cached": bool(cached)})
    return _answer(job_id, _capped(req.wait), JobStatus.FINISHED if cached else JobStatus.QUEUED,
                   cached=bool(cached))
