"""RQ job of the LLM stage. It runs inside the worker process (SimpleWorker)."""
from __future__ import annotations

import logging
from typing import Any

from llm_worker import model
from llm_worker.assembly import assemble
from llm_worker.parsing import parse_output
from llm_worker.prompt import STOP, build_messages
from llm_worker.validation import ground
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
    candidates = payload["candidates"]
    prompt = model.chat_prompt(build_messages(payload["text"], catalog, candidates))
    output = model.generate([prompt], settings.llm_max_new_tokens, STOP)[0]
    conditions, sorts = parse_output(output)
    grounded = ground(catalog, conditions, sorts)
    if grounded.rejected:
        log.info("dropped %d invalid conditions: %s", len(grounded.rejected),
                 "; ".join(grounded.rejected), extra={"job_id": job_id})
    result = assemble(payload["text"], catalog.name, version, grounded.filters, grounded.sort,
                      candidates, {"llm": model.model_id()})
    jobs.finish_job(r, job_id, result, settings.result_ttl_seconds)
    return {"filters": len(result.filters), "raw_output": output}
