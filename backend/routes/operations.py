"""What operators look at: queues and workers, and the dead-letter view with requeue."""
from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from backend.context import int_arg, redis_client, settings
from backend.errors import APIError
from shared import dead_letter
from shared.metrics import HISTORY_MINUTES, history, queue_stats
from shared.statuses import JobStatus

bp = Blueprint("operations", __name__, url_prefix="/api/v1")


@bp.get("/queues")
def queues():
    return jsonify(queue_stats(redis_client(), settings()))


@bp.get("/queues/history")
def queues_history():
    minutes = int_arg("minutes", 15, 1, HISTORY_MINUTES)
    return jsonify({"minutes": history(redis_client(), minutes)})


@bp.get("/failed")
def failed_jobs():
    limit = int_arg("limit", 50, 1, 500)
    offset = int_arg("offset", 0, 0, 10**9)
    return jsonify(dead_letter.list_failed(redis_client(), settings(), limit, offset))


@bp.post("/failed/<job_id>/requeue")
def requeue(job_id: str):
    refused = dead_letter.requeue(redis_client(), settings(), job_id)
    if refused == "missing":
        raise APIError(404, "job_not_found", f"no job {job_id!r} (unknown or expired)")
    if refused:
        raise APIError(409, "job_not_failed", f"job {job_id!r} is {refused}; only failed jobs "
                                              "can be requeued")
    status_url = url_for("jobs.get_job", job_id=job_id)
    return jsonify({"job_id": job_id, "status": JobStatus.QUEUED,
                    "status_url": status_url}), 202, {"Location": status_url}
