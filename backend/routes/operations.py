"""What operators look at: queues and workers, and the dead-letter view with requeue."""
from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from backend.context import redis_client, settings
from backend.errors import APIError
from backend.openapi_operations import LOCATION, documented, json_content
from backend.params import OFFSET, Number
from backend.responses import Accepted, FailedPage, History, Queues
from shared import dead_letter
from shared.metrics import HISTORY_MINUTES, history, queue_stats
from shared.statuses import JobStatus

bp = Blueprint("operations", __name__, url_prefix="/api/v1")
MINUTES = Number("minutes", "How many minutes back", 15, 1, HISTORY_MINUTES, integer=True)
LIMIT = Number("limit", "Items per page", 50, 1, 500, integer=True)


@bp.get("/queues")
@documented("Queues, workers and last-minute throughput",
            {200: json_content(Queues, "Queue figures")})
def queues():
    return jsonify(queue_stats(redis_client(), settings()))


@bp.get("/queues/history")
@documented("Per minute, oldest first: jobs finished and failed per stage, mean stage latency",
            {200: json_content(History, "Minutes")}, errors=(400,), query=(MINUTES,))
def queues_history():
    minutes = MINUTES.read()
    return jsonify({"minutes": history(redis_client(), minutes)})


@bp.get("/failed")
@documented("Dead-letter view: queries that failed for good",
            {200: json_content(FailedPage, "Newest first")}, errors=(400,),
            query=(LIMIT, OFFSET))
def failed_jobs():
    limit = LIMIT.read()
    offset = OFFSET.read()
    return jsonify(dead_letter.list_failed(redis_client(), settings(), limit, offset))


@bp.post("/failed/<job_id>/requeue")
@documented("Start a failed query again from its first stage",
            {202: json_content(Accepted, "Requeued", LOCATION)}, errors=(404, 409))
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
