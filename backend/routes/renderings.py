"""Filters rendered as Elasticsearch/OpenSearch, SQL and MongoDB queries."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from backend.context import json_body, redis_client
from backend.errors import APIError
from backend.renderings import RENDERERS, render
from shared import jobs
from shared.schemas import QueryResult, RenderRequest
from shared.statuses import JobStatus

bp = Blueprint("renderings", __name__, url_prefix="/api/v1")


def _formats() -> list[str] | None:
    """`?format=sql,mongodb`; all formats when absent."""
    raw = request.args.get("format")
    if raw is None:
        return None
    formats = [f.strip() for f in raw.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(RENDERERS))
    if unknown or not formats:
        raise APIError(400, "bad_parameter", f"format must be a comma-separated list of "
                                             f"{', '.join(RENDERERS)}; got {raw[:100]!r}")
    return formats


@bp.post("/renderings")
def render_filters():
    req = RenderRequest.model_validate(json_body())
    return jsonify({"renderings": render(req.filters, req.sort, req.keywords, req.formats)})


@bp.get("/jobs/<job_id>/renderings")
def render_job(job_id: str):
    formats = _formats()
    job = jobs.read_job(redis_client(), job_id)
    if job is None:
        raise APIError(404, "job_not_found", f"no job {job_id!r} (unknown or expired)")
    if job["status"] != JobStatus.FINISHED:
        raise APIError(409, "job_not_finished", f"job {job_id!r} is {job['status']}; "
                                                "only a finished job has filters to render")
    result = QueryResult.model_validate(job["result"])
    return jsonify({"job_id": job_id, "renderings": render(result.filters, result.sort,
                                                           result.keywords, formats)})
