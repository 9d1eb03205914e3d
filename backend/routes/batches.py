"""Batches: many texts in one request, processed in the background in chunks.

The request only validates, stores the texts in bulk and enqueues one fan-out
job; it never loops over the items doing per-item Redis work.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for

from backend import idempotency
from backend.context import guard_webhook, json_body, redis_client, settings
from backend.errors import APIError
from backend.openapi_operations import JSON, LOCATION, Content, documented, json_content
from backend.params import OFFSET, Choice, ModelField, Number
from backend.reading_options import checked_fixed_filters
from backend.responses import Batch, BatchAccepted, BatchPage, BatchSummary
from shared import batches, catalog_store, pipeline
from shared.reference import resolved
from shared.schemas import BatchRequest
from shared.statuses import TERMINAL_BATCH, BatchStatus, CatalogStatus

bp = Blueprint("batches", __name__, url_prefix="/api/v1/batches")
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines",
               "application/jsonlines")
PAGE_MAX = 1000
LIMIT = Number("limit", "Items per page", 100, 1, PAGE_MAX, integer=True)
FORMAT = Choice("format", "Response format", ("json", "jsonl"), "json")
# With a JSONL body the batch's other fields come as query parameters (as form fields
# beside an uploaded `file`): every field of the JSON body but the texts.
UPLOAD_OPTIONS = tuple(
    ModelField(name, "With a JSONL body (or a form field beside an uploaded `file`): as in "
                     "a JSON body", BatchRequest)
    for name in BatchRequest.model_fields if name != "texts")
UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary"},
    **{option.name: option.schema() for option in UPLOAD_OPTIONS}}}


def _jsonl_items(raw: bytes) -> Iterator[dict[str, Any]]:
    for lineno, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as e:
            raise APIError(400, "invalid_jsonl", f"line {lineno} is not JSON: {e}") from e
        except RecursionError:
            raise APIError(400, "invalid_jsonl", f"line {lineno} is nested too deeply") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise APIError(422, "invalid_jsonl",
                           f'line {lineno}: expected {{"custom_id": ..., "text": "..."}}')
        yield {"custom_id": str(item.get("custom_id", lineno)), "text": item["text"]}


def _parse_request() -> tuple[BatchRequest, list[str] | None]:
    """JSON body, a JSONL body, or a multipart upload with a JSONL `file`."""
    content_type = (request.mimetype or "").lower()
    if content_type in JSONL_TYPES or content_type == "multipart/form-data":
        form = None
        if content_type == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise APIError(400, "missing_file", "send the JSONL as the form field `file`")
            raw, form = upload.read(), request.form
        else:
            raw = request.get_data()
        items = list(_jsonl_items(raw))
        body = {"catalog": "", "texts": [i["text"] for i in items],
                **{o.name: value for o in UPLOAD_OPTIONS if (value := o.read(form)) is not None}}
        return _validated(body), [i["custom_id"] for i in items]
    return _validated(json_body()), None


def _validated(body: dict[str, Any]) -> BatchRequest:
    """Count before validating: 16 million tiny strings must not reach pydantic."""
    texts, limit = body.get("texts"), settings().max_batch_texts
    if isinstance(texts, list) and len(texts) > limit:
        raise APIError(413, "batch_too_large", f"a batch may hold at most {limit} texts; "
                                               f"got {len(texts)}")
    return BatchRequest.model_validate(body)


def _check_limits(req: BatchRequest) -> None:
    cfg = settings()
    if len(req.texts) > cfg.max_batch_texts:
        raise APIError(413, "batch_too_large", f"a batch may hold at most {cfg.max_batch_texts} "
                                               f"texts; got {len(req.texts)}")
    for i, text in enumerate(req.texts):
        if not text.strip():
            raise APIError(422, "empty_text", f"texts[{i}] is empty")
        if len(text) > cfg.max_text_length:
            raise APIError(422, "text_too_long", f"texts[{i}] has {len(text)} characters; "
                                                 f"the limit is {cfg.max_text_length}")
    guard_webhook(req.webhook_url)


def _accepted(batch_id: str, status: str, total: int, replayed: bool = False):
    url = url_for("batches.get_batch", batch_id=batch_id)
    headers = {"Location": url, **({"Idempotent-Replayed": "true"} if replayed else {})}
    return jsonify({"batch_id": batch_id, "status": status, "total": total,
                    "status_url": url}), 202, headers


@bp.post("")
@documented("Submit up to {settings.max_batch_texts} texts (JSON, JSONL body or multipart "
            "upload of a JSONL `file`)",
            {202: json_content(BatchAccepted, "Accepted", LOCATION)},
            errors=(400, 404, 409, 413, 415, 422), headers=(idempotency.PARAMETER,),
            query=UPLOAD_OPTIONS, body=Content("The texts", {
                JSON: BatchRequest, **{media: {"type": "string"} for media in JSONL_TYPES},
                "multipart/form-data": UPLOAD}))
def submit_batch():
    req, custom_ids = _parse_request()
    _check_limits(req)
    r, cfg = redis_client(), settings()
    key = idempotency.request_key()
    print_ = idempotency.fingerprint([req.model_dump(), custom_ids])
    if key and (earlier := idempotency.earlier(r, key, print_)):
        rec = batches.record(r, earlier) or {"status": BatchStatus.QUEUED, "total": len(req.texts)}
        return _accepted(earlier, rec["status"], int(rec["total"]), replayed=True)
    record = catalog_store.get_record(r, req.catalog)
    if record is None:
        raise APIError(404, "catalog_not_found", f"no catalog named {req.catalog!r}")
    if record["status"] == CatalogStatus.FAILED:
        raise APIError(409, "catalog_failed", f"catalog {req.catalog!r} failed to index")
    checked_fixed_filters(r, req.catalog, record["version"], req.fixed_filters)
    batch_id = uuid.uuid4().hex
    if key and (first := idempotency.claim(r, key, print_, batch_id, cfg.batch_ttl_seconds)):
        return _accepted(first, BatchStatus.QUEUED, len(req.texts), replayed=True)
    with r.pipeline() as pipe:
        pipe.multi()
        batches.create_batch(r, batch_id, texts=req.texts, custom_ids=custom_ids,
                             catalog=req.catalog, catalog_version=record["version"],
                             priority=req.priority, webhook_url=req.webhook_url,
                             chunk_size=cfg.batch_chunk_size, ttl=cfg.batch_ttl_seconds,
                             pipe=pipe, options=resolved(req.options()))
        pipeline.enqueue_fan_out(r, cfg, batch_id, req.priority, pipe)
        pipe.execute()
    return _accepted(batch_id, BatchStatus.QUEUED, len(req.texts))


def _existing(batch_id: str) -> dict[str, str]:
    rec = batches.record(redis_client(), batch_id)
    if rec is None:
        raise APIError(404, "batch_not_found", f"no batch {batch_id!r} (unknown or expired)")
    return rec


@bp.get("/<batch_id>")
@documented("Progress of a batch", {200: json_content(Batch, "The batch")}, errors=(404,))
def get_batch(batch_id: str):
    return jsonify(batches.public_view(_existing(batch_id)))


@bp.get("/<batch_id>/results")
@documented("Results in input order, a page at a time (or all as JSONL with format=jsonl)",
            {200: Content("A page", {JSON: BatchPage,
                                     "application/x-ndjson": {"type": "string"}})},
            errors=(400, 404), query=(OFFSET, LIMIT, FORMAT))
def get_results(batch_id: str):
    rec = _existing(batch_id)
    total, status = int(rec["total"]), rec["status"]
    r = redis_client()
    if FORMAT.read() == "jsonl":
        def lines() -> Iterator[str]:
            for offset in range(0, total, PAGE_MAX):
                for item in batches.results_page(r, batch_id, offset, PAGE_MAX, total, status):
                    yield json.dumps(item, ensure_ascii=False) + "\n"
        return Response(stream_with_context(lines()), mimetype="application/x-ndjson",
                        headers={"Content-Disposition":
                                 f'attachment; filename="batch-{batch_id}.jsonl"'})
    offset, limit = OFFSET.read(), LIMIT.read()
    items = batches.results_page(r, batch_id, offset, limit, total, status)
    next_offset = offset + limit if offset + limit < total else None
    return jsonify({"items": items, "next_offset": next_offset, "total": total})


@bp.get("/<batch_id>/summary")
@documented("Counts per item status and filters per field",
            {200: json_content(BatchSummary, "Summary")}, errors=(404,))
def get_summary(batch_id: str):
    rec = _existing(batch_id)
    total, r = int(rec["total"]), redis_client()
    pages = (batches.results_page(r, batch_id, offset, PAGE_MAX, total, rec["status"])
             for offset in range(0, total, PAGE_MAX))
    return jsonify({"batch": batches.public_view(rec), **batches.summary(pages)})


@bp.delete("/<batch_id>")
@documented("Cancel a batch", {200: json_content(Batch, "Canceled")}, errors=(404, 409))
def cancel_batch(batch_id: str):
    rec = _existing(batch_id)
    if rec["status"] in TERMINAL_BATCH:
        raise APIError(409, "batch_terminal", f"batch {batch_id!r} is already {rec['status']}")
    pipeline.notify_batch(redis_client(), settings(), batches.cancel(redis_client(), batch_id))
    return jsonify(batches.public_view(_existing(batch_id)))
