"""Pydantic models of the JSON the routes answer with, for the OpenAPI document.

The routes build their answers as plain dicts (in shared/, next to the Redis records they
come from), so their bytes stay exactly as clients know them; the unit tests validate real
answers against these models, key for key, so the document cannot drift from them. Status
words come from shared.statuses.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.metrics import STAGES
from shared.schemas import Catalog, JobError, Priority, QueryResult
from shared.statuses import BatchStatus, CatalogStatus, ItemStatus, JobStatus

Stage = Literal[STAGES]  # type: ignore[valid-type]  # the pipeline's stages, as named there
Timestamp = dt.datetime | None


def _omittable(schema: dict[str, Any]) -> None:
    """A field that is left out rather than null: no `default: null` in the document."""
    schema.pop("default", None)


def omittable(description: str = "") -> Any:
    return Field(None, description=description or None, json_schema_extra=_omittable)


class ErrorBody(BaseModel):
    code: str
    message: str


class Error(BaseModel):
    """Every error the API answers with."""

    error: ErrorBody


class Job(BaseModel):
    """A query job as GET /api/v1/jobs/{job_id} shows it."""

    job_id: str
    status: JobStatus
    catalog: str
    catalog_version: int
    text: str
    priority: Priority
    created_at: Timestamp
    updated_at: Timestamp
    cached: bool
    retries: int
    result: QueryResult | None
    error: JobError | None


class Accepted(BaseModel):
    """A job accepted (or answered from the result cache, or requeued)."""

    job_id: str
    status: JobStatus
    status_url: str
    cached: bool = omittable("Answered from the result cache")


class JobsFound(BaseModel):
    jobs: list[Job]
    not_found: list[str]


class CatalogVersion(BaseModel):
    """A catalog version just stored, indexing in the background."""

    name: str
    version: int
    status: CatalogStatus


class CatalogView(Catalog):
    """A stored catalog: the body it was registered with, plus its version and status."""

    model_config = ConfigDict(extra="ignore")  # an answer may grow fields (the contract)
    version: int
    status: CatalogStatus
    error: str | None = None
    updated_at: Timestamp = None


class CatalogList(BaseModel):
    items: list[CatalogView]


class Batch(BaseModel):
    """A batch's progress, with the observed rate and an ETA."""

    batch_id: str
    status: BatchStatus
    catalog: str
    catalog_version: int
    priority: Priority
    total: int
    processed: int
    failed: int
    progress: float
    rate_per_second: float | None
    eta_seconds: float | None
    created_at: Timestamp
    started_at: Timestamp
    finished_at: Timestamp


class BatchAccepted(BaseModel):
    batch_id: str
    status: BatchStatus
    total: int
    status_url: str


class BatchItem(BaseModel):
    index: int
    status: ItemStatus
    text: str | None = None
    custom_id: str = omittable("The item's id from a JSONL upload")
    result: QueryResult | None = None
    error: dict[str, Any] | None = None


class BatchPage(BaseModel):
    items: list[BatchItem]
    next_offset: int | None
    total: int


class BatchSummary(BaseModel):
    batch: Batch
    items_by_status: dict[str, int]
    filters_by_field: dict[str, int]


class CacheFigures(BaseModel):
    hits: int
    misses: int
    entries: int
    max_entries: int
    ttl_seconds: int


class CacheStats(BaseModel):
    embeddings: CacheFigures
    results: CacheFigures


class Queue(BaseModel):
    name: str
    stage: Stage
    priority: Priority
    depth: int
    started: int
    scheduled: int
    failed: int
    finished_last_minute: int
    failed_last_minute: int


class Busy(BaseModel):
    total: int
    busy: int


class Workers(BaseModel):
    embedding: Busy
    llm: Busy


class Queues(BaseModel):
    queues: list[Queue]
    workers: Workers


class StageMinute(BaseModel):
    finished: int
    failed: int
    latency_ms: float | None


class Minute(BaseModel):
    minute: int = Field(description="Unix time of the minute's start")
    embedding: StageMinute
    llm: StageMinute


class History(BaseModel):
    minutes: list[Minute]


class FailedJob(BaseModel):
    job_id: str
    stage: str
    code: str
    message: str
    failed_at: Timestamp
    catalog: str
    text: str
    attempts: int


class FailedPage(BaseModel):
    total: int
    items: list[FailedJob]


class SqlRendering(BaseModel):
    where: str
    params: list[Any]
    order_by: str
    placeholder: str


class MongoRendering(BaseModel):
    filter: dict[str, Any]
    sort: dict[str, Any]


class Renderings(BaseModel):
    """The formats asked for (all by default)."""

    elasticsearch: dict[str, Any] = omittable("Bool query body with sort")
    sql: SqlRendering = omittable()
    mongodb: MongoRendering = omittable()


class RenderedFilters(BaseModel):
    renderings: Renderings


class RenderedJob(BaseModel):
    job_id: str
    renderings: Renderings


class Check(BaseModel):
    """One readiness check; its other fields give the detail."""

    model_config = ConfigDict(extra="allow")

    ok: bool


class Checks(BaseModel):
    redis: Check
    workers: Check
    catalogs: Check


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: Checks
