"""Job status and results, read straight from Redis."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, stream_with_context

from backend.context import redis_client, settings
from backend.errors import APIError
from backend.events import job_events
from shared import jobs

bp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs")


def _existing(job_id: str) -> dict:
    job = jobs.read_job(redis_client(), job_id)
    if job is None:
        raise APIError(404, "job_not_found", f"no job {job_id!r} (unknown or expired)")
    return job


@bp.get("/<job_id>")
def get_job(job_id: str):
    return jsonify(_existing(job_id))


@bp.get("/<job_id>/events")
def stream_job(job_id: str):
    """Server-Sent Events: the job view on every change (EventSource in the browser)."""
    _existing(job_id)  # a 404 before the stream starts, not inside it
    r, cfg = redis_client(), settings()
    stream = job_events(lambda: jobs.read_job(r, job_id), poll_seconds=cfg.sse_poll_seconds,
                        max_seconds=cfg.sse_max_seconds)
    return Response(stream_with_context(stream), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.delete("/<job_id>")
def cancel_job(job_id: str):
    """Cancel a job that has not finished; its queued stages then do nothing."""
    job = _existing(job_id)
    if not jobs.cancel_job(redis_client(), job_id):
        raise APIError(409, "job_terminal", f"job {job_id!r} is already {job['status']}")
    return jsonify(jobs.read_job(redis_client(), job_id))
