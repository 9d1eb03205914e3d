"""The reading options that need Redis before a job is accepted: the caller's own filters
checked against the catalog version the job will read, and the state a follow-up refines.
Both are stored with the job's options, so the stages read them without another lookup
and the result cache keys on them."""
from __future__ import annotations

from typing import Any

from redis import Redis

from backend.context import catalog_versions
from backend.errors import APIError
from shared import jobs
from shared.jobs import StageError
from shared.filter_validation import problem
from shared.schemas import Filter
from shared.statuses import JobStatus


def checked_fixed_filters(r: Redis, catalog: str, version: int,
                          fixed: list[Filter] | None) -> None:
    """422 when a caller's filter does not fit the catalog (unknown field, value or op)."""
    if not fixed:
        return
    try:
        body = catalog_versions().get(r, catalog, version)
    except StageError as e:
        raise APIError(404, "catalog_not_found", e.message) from e
    problems = [f"fixed_filters[{i}]: {reason}" for i, f in enumerate(fixed)
                if (reason := problem(body, f))]
    if problems:
        raise APIError(422, "invalid_fixed_filters", "; ".join(problems))


def refined_state(r: Redis, job_id: str | None, catalog: str) -> dict[str, Any] | None:
    """The result a follow-up changes (its filters, groups and sort), or None without one.
    404 for an unknown or expired job, 409 for one that has not finished, 422 for one of
    another catalog."""
    if job_id is None:
        return None
    job = jobs.read_job(r, job_id)
    if job is None:
        raise APIError(404, "refine_not_found", f"no job {job_id!r} to refine "
                                                "(unknown or expired)")
    if job["status"] != JobStatus.FINISHED or job["result"] is None:
        raise APIError(409, "refine_not_finished", f"job {job_id!r} is {job['status']}; "
                                                   "only a finished job can be refined")
    if job["catalog"] != catalog:
        raise APIError(422, "refine_other_catalog", f"job {job_id!r} read catalog "
                                                    f"{job['catalog']!r}, not {catalog!r}")
    result = job["result"]
    return {"filters": result.get("filters", []), "any_of": result.get("any_of", []),
            "sort": result.get("sort", [])}
