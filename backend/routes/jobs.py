"""Job status and results, read straight from Redis; waits are woken by job events."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, stream_with_context

from backend.context import json_body, number_arg, redis_client, settings, wakeups
from backend.errors import APIError
from backend.events import job_events
from backend.wakeups import terminal, wait_for_end
from shared import jobs
from shared.schemas import MAX_WAIT_SECONDS, JobStatusRequest

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")


def _existing(job_id: str) -> dict:
    job = jobs.read_job(redis_client(), job_id)
    if job is None:
        raise APIError(404, "job_not_found", f"no job {job_id!r} (unknown or expired)")
    return job


@bp.get("/<job_id>")
def get_job(job_id: str):
    """The job; with `?wait=S` (0-30) the answer comes at its first terminal state, or
    after S seconds with the state it is in then."""
    seconds = min(number_arg("wait", 0.0, 0, MAX_WAIT_SECONDS), settings().wait_max_seconds)
    job = _existing(job_id)
    if seconds and not terminal(job):
        r = redis_client()
        job = wait_for_end(wakeups(), job_id, lambda: jobs.read_job(r, job_id), seconds)
        if job is None:
            raise APIError(404, "job_not_found", f"job {job_id!r} expired while waiting")
    return jsonify(job)


@bp.post("/status")
def get_many():
    """Many jobs in one request (up to 1,000 ids): each one's view, in the order asked;
    ids unknown or expired are listed under `not_found`."""
    req = JobStatusRequest.model_validate(json_body())
    views = jobs.read_jobs(redis_client(), req.job_ids)
    return jsonify({"jobs": [v for v in views if v is not None],
                    "not_found": [j for j, v in zip(req.job_ids, views) if v is None]})


@bp.get("/<job_id>/events")
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
def cancel_job(job_id: str):
    """Cancel a job that has not finished; its queued stages then do nothing."""
    job = _existing(job_id)
    if not jobs.cancel_job(redis_client(), job_id):
        raise APIError(409, "job_terminal", f"job {job_id!r} is already {job['status']}")
    return jsonify(jobs.read_job(redis_client(), job_id))
