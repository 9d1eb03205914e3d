"""Single queries: validate, record the job, enqueue its first stage."""
from __future__ import annotations

import logging
import uuid

from flask import Blueprint, jsonify, url_for

from backend.context import guard_webhook, json_body, redis_client, settings
from backend.errors import APIError
from shared import catalog_store, jobs, pipeline
from shared.cache import result_cache, result_digest
from shared.reference import resolved
from shared.schemas import QueryRequest

bp = Blueprint("queries", __name__, url_prefix="/api/v1/queries")
log = logging.getLogger(__name__)


@bp.post("")
def submit_query():
    req = QueryRequest.model_validate(json_body())
    cfg = settings()
    if len(req.text) > cfg.max_text_length:
        raise APIError(422, "text_too_long",
                       f"text has {len(req.text)} characters; the limit is {cfg.max_text_length}")
    guard_webhook(req.webhook_url)
    r = redis_client()
    record = catalog_store.get_record(r, req.catalog)
    if record is None:
        raise APIError(404, "catalog_not_found", f"no catalog named {req.catalog!r}")
    if record["status"] == "failed":
        raise APIError(409, "catalog_failed", f"catalog {req.catalog!r} failed to index: "
                                              f"{record.get('error')}; upload it again")
    job_id = uuid.uuid4().hex
    options = resolved(req.options())
    (cached,) = result_cache(r, cfg).get_many(
        [result_digest(cfg, req.catalog, record["version"], req.text, options)])
    with r.pipeline() as pipe:  # the record and its RQ job are written together or not at all
        pipe.multi()
        jobs.create_job(pipe, job_id, text=req.text, catalog=req.catalog,
                        catalog_version=record["version"], priority=req.priority,
                        webhook_url=req.webhook_url, ttl=cfg.job_ttl_seconds,
                        result_json=cached.decode() if cached else None,
                        result_ttl=cfg.result_ttl_seconds, options=options)
        if not cached:
            pipeline.enqueue_query(r, cfg, job_id, req.priority, pipe)
        pipe.execute()
    if cached and req.webhook_url:
        pipeline.notify_job(r, cfg, job_id)
    log.info("query accepted", extra={"job_id": job_id, "catalog": req.catalog,
                                      "cached": bool(cached)})
    status_url = url_for("jobs.get_job", job_id=job_id)
    return jsonify({"job_id": job_id, "status": "finished" if cached else "queued",
                    "status_url": status_url, "cached": bool(cached)}), 202, {
        "Location": status_url}
