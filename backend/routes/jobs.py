"""Job status and results, read straight from Redis."""
from __future__ import annotations

from flask import Blueprint, jsonify

from backend.context import redis_client
from backend.errors import APIError
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


@bp.delete("/<job_id>")
def cancel_job(job_id: str):
    """Cancel a job that has not finished; its queued stages then do nothing."""
    job = _existing(job_id)
    if not jobs.cancel_job(redis_client(), job_id):
        raise APIError(409, "job_terminal", f"job {job_id!r} is already {job['status']}")
    return jsonify(jobs.read_job(redis_client(), job_id))
