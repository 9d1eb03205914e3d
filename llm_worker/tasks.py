"""RQ job of the LLM stage. It runs inside the worker process (SimpleWorker)."""
from __future__ import annotations

import logging
from typing import Any

from llm_worker import model
from llm_worker.arbiter import decide, questions
from llm_worker.assembly import assemble
from llm_worker.validation import validated
from shared import catalog_store, jobs, pipeline
from shared.jobs import StageError
from shared.settings import get_settings

log = logging.getLogger(__name__)


def generate_filters(job_id: str, payload: dict[str, Any]) -> dict:
    r = pipeline.current_connection()
    settings = get_settings()
    if jobs.job_field(r, job_id, "status") != "llm":
        return {"skipped": "job is gone or no longer in the llm stage"}
    found = catalog_store.get_catalog(r, payload["catalog"])
    if found is None:
        raise StageError("catalog_not_found", f"catalog {payload['catalog']!r} was deleted")
    catalog, version = found
    analysis = payload["analysis"]
    chosen: dict[int, tuple[Any, float]] = {}
    arbiter = "off"
    qs = questions(payload["text"], analysis["proposals"], analysis["decisions"],
                   settings.llm_keep_margin)
    if qs and settings.llm_arbiter:
        chosen, arbiter = decide(qs, model.score), "llm"
    result = assemble(payload["text"], catalog, version, analysis, chosen,
                      {"llm": model.model_id(), "arbiter": arbiter,
                       "decisions": str(len(qs))})
    result, dropped = validated(result, catalog)
    if dropped:
        log.warning("dropped invalid output: %s", "; ".join(dropped), extra={"job_id": job_id})
    jobs.finish_job(r, job_id, result, settings.result_ttl_seconds)
    return {"filters": len(result.filters), "decisions": len(qs)}
