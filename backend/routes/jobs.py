"""Job status and results, read straight from Redis; waits are woken by job events."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, stream_with_context

from backend.context import json_body, redis_client, settings, wakeups
from backend.errors import APIError
from backend.events import job_events
from backend.openapi_operations import Content, documented, json_content
from backend.params import Number
from backend.responses import Job, JobsFound
from backend.wakeups import terminal, wait_for_end
from shared import jobs
from shared.schemas import MAX_WAIT_SECONDS, JobStatusRequest

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")
WAIT = Number("wait", "Long-poll: answer at the job's first terminal state, or after this "
                      "many seconds with its state then", 0.0, 0, MAX_WAIT_SECONDS)


def _existing(job_id: str) -> dict:
    job = jobs.read_job(redis_client(), job_id)
    if job is None:
        raise APIError(404, "job_not_found", f"no job {job_id!r} (unknown or expired)")
    return job


@bp.get("/<job_id>")
@documented("Status and result of a job", {200: json_content(Job, "The job")},
            errors=(400, 404), query=(WAIT,))
def get_job(job_id: str):
    """The job; with `?wait=S` (0-30) the answer comes at its first terminal state, or
    after S seconds with the state it is in then."""
    seconds = min(WAIT.read(), settings().wait_max_seconds)
    job = _existing(job_id)
    if seconds and not terminal(job):
        r = redis_client()
        job = wait_for_end(wakeups(), job_id, lambda: jobs.read_job(r, job_id), seconds)
        if job is None:
            raise APIError(404, "job_not_found", f"job {job_id!r} expired while waiting")
    return jsonify(job)


@bp.post("/status")
@documented("Many jobs at once: each one's view in the order asked, unknown or expired ids "
            "under `not_found`", {200: json_content(JobsFound, "The jobs")},
            errors=(400, 413, 415, 422), body=json_content(JobStatusRequest, "The job ids"))
def get_many():
    """Many jobs in one request (up to 1,000 ids): each one's view, in the order asked;
    ids unknown or expired are listed under `not_found`."""
    req = JobStatusRequest.model_validate(json_body())
    views = jobs.read_jobs(redis_client(), req.job_ids)
    return jsonify({"jobs": [v for v in views if v is not None],
                    "not_found": [j for j, v in zip(req.job_ids, views) if v is None]})


@bp.get("/<job_id>/events")
@documented("Server-Sent Events: `job` (the job view) on every change, then `end`, `gone`, "
            "`timeout` (after {settings.sse_max_seconds} s) or `error`",
            {200: Content("An event stream", {"text/event-stream": {"type": "string"}})},
            errors=(404,))
def stream_job(job_id: str):
    """Server-Sent Events: the job view on every change (EventSource in the browser)."""
    _existing(job_id)  # a 404 before the stream starts, not inside it
    r, cfg, waits = redis_client(), settings(), wakeups()

    def stream():
        with waits.watching(job_id) as changed:
            yield from job_events(lambda: jobs.read_job(r, job_id), changed,
                                  max_seconds=cfg.sse_max_seconds)
    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.delete("/<job_id>")
@documented("Cancel an unfinished job", {200: json_content(Job, "Canceled")}, errors=(404, 409))
def cancel_job(job_id: str):
    """Cancel a job that has not finished; its queued stages then do nothing."""
    job = _existing(job_id)
    if not jobs.cancel_job(redis_client(), job_id):
        raise APIError(409, "job_terminal", f"job {job_id!r} is already {job['status']}")
    return jsonify(jobs.read_job(redis_client(), job_id))
