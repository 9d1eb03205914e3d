"""Filters rendered as Elasticsearch/OpenSearch, SQL and MongoDB queries."""
from __future__ import annotations

from flask import Blueprint, jsonify

from backend.context import json_body, redis_client
from backend.errors import APIError
from backend.openapi_operations import documented, json_content
from backend.params import Subset
from backend.renderings import RENDERERS, render
from backend.responses import RenderedFilters, RenderedJob
from shared import jobs
from shared.schemas import QueryResult, RenderRequest
from shared.statuses import JobStatus

bp = Blueprint("renderings", __name__, url_prefix="/api/v1")
FORMATS = Subset("format", f"Comma-separated subset of {', '.join(RENDERERS)} (default: all)",
                 tuple(RENDERERS))


@bp.post("/renderings")
@documented("Render any filters as Elasticsearch/OpenSearch, SQL and MongoDB queries",
            {200: json_content(RenderedFilters, "Renderings")}, errors=(400, 413, 415, 422),
            body=json_content(RenderRequest, "The filters"))
def render_filters():
    req = RenderRequest.model_validate(json_body())
    return jsonify({"renderings": render(req.filters, req.sort, req.keywords, req.formats,
                                         req.any_of)})


@bp.get("/jobs/<job_id>/renderings")
@documented("A finished job's filters as Elasticsearch/OpenSearch, SQL and MongoDB queries",
            {200: json_content(RenderedJob, "Renderings")}, errors=(400, 404, 409),
            query=(FORMATS,))
def render_job(job_id: str):
    formats = FORMATS.read()
    job = jobs.read_job(redis_client(), job_id)
    if job is None:
        raise APIError(404, "job_not_found", f"no job {job_id!r} (unknown or expired)")
    if job["status"] != JobStatus.FINISHED:
        raise APIError(409, "job_not_finished", f"job {job_id!r} is {job['status']}; "
                                                "only a finished job has filters to render")
    result = QueryResult.model_validate(job["result"])
    return jsonify({"job_id": job_id, "renderings": render(result.filters, result.sort,
                                                           result.keywords, formats,
                                                           result.any_of)})
