"""RQ jobs of the LLM stage. They run inside the worker process (no fork); single queries
are batched across requests by the micro-batching worker."""
from __future__ import annotations

import json
import logging
from typing import Any

from llm_worker.arbiter import decide, questions
from llm_worker.assembly import assemble, uncertain_dropped
from llm_worker.caller_filters import with_fixed_filters
from llm_worker.context import LLMContext
from llm_worker.refinement import refined
from llm_worker.validation import validated
from shared import batches, jobs, pipeline
from shared.cache import result_cache, result_digest
from shared.fingerprints import stage_fingerprint
from shared.microbatch import batched_job, run_grouped
from shared.schemas import Catalog, Filter, QueryResult
from shared.stage_context import context_job
from shared.statuses import TERMINAL_BATCH, ItemStatus, JobStatus

log = logging.getLogger(__name__)


def resolve(ctx: LLMContext, texts_and_analyses: list[tuple[str, dict[str, Any]]],
            catalog: Catalog, version: int, options: list[dict[str, Any]] | None = None,
            ) -> list[QueryResult | Exception]:
    """Arbitrate every open decision of every text in one batched LLM pass, then assemble;
    each text's `min_confidence` (its reading options) leaves out the filters below it."""
    options = options or [{}] * len(texts_and_analyses)
    settings = ctx.settings
    asked: list[list | Exception] = []
    for text, a in texts_and_analyses:  # a malformed analysis fails its own text only
        try:
            asked.append(questions(text, a["proposals"], a["decisions"],
                                   settings.llm_keep_margin, settings.llm_flag_margin))
        except Exception as e:  # noqa: BLE001
            asked.append(e)
    flat = [q for qs in asked if not isinstance(qs, Exception) for q in qs]
    arbiter = "llm" if settings.llm_arbiter else "off"
    outcomes: list = []
    if flat and settings.llm_arbiter:
        try:
            outcomes = decide(flat, ctx.model.score)
        except Exception:  # noqa: BLE001 - the rule defaults still give a valid answer
            log.exception("LLM arbitration failed; decisions take their defaults")
            arbiter = "fallback"
    answers = iter(outcomes)
    results: list[QueryResult | Exception] = []
    for (text, analysis), qs, opts in zip(texts_and_analyses, asked, options):
        if isinstance(qs, Exception):
            results.append(qs)
            continue
        chosen = {q.decision: next(answers) for q in qs} if outcomes else {}
        try:
            result = assemble(text, catalog, version, analysis, chosen,
                              {"llm": ctx.model.model_id, "arbiter": arbiter if qs else "none",
                               "decisions": str(len(qs))})
            results.append(finished(result, catalog, analysis, opts))
        except Exception as e:  # noqa: BLE001 - one bad text never fails its batch-mates
            results.append(e)
    return results


def finished(result: QueryResult, catalog: Catalog, analysis: dict[str, Any],
             options: dict[str, Any]) -> QueryResult:
    """The assembled result made final by the request's options, in this order: only
    what fits the catalog; a follow-up applied to the result it refines; the caller's
    filters merged (they win); filters below `min_confidence` left out."""
    result, dropped = validated(result, catalog)
    if dropped:
        log.warning("dropped invalid output: %s", "; ".join(dropped))
    if "previous" in options:
        result, _ = validated(refined(options["previous"], result,
                                      analysis.get("followup", {}), catalog), catalog)
    fixed = [Filter.model_validate(f) for f in options.get("fixed_filters", [])]
    return uncertain_dropped(with_fixed_filters(result, fixed), options.get("min_confidence"))


def resolve_queries(ctx: LLMContext, calls: list[tuple[str, dict[str, Any]]],
                    ) -> list[dict | Exception]:
    """The LLM stage for many single queries at once (a micro-batch): one scoring pass per
    catalog version (the one the embedding stage read), one transaction that finishes them
    all, results into the result cache."""
    r, settings = ctx.redis, ctx.settings
    ids = [job_id for job_id, _ in calls]
    rows = jobs.read_fields(r, ids, ["status", "webhook_url"])
    outcomes: list[dict | Exception] = [{"skipped": "job is gone or no longer in the llm stage"}
                                        ] * len(ids)
    waiting = {i: (payload["catalog"], int(payload["catalog_version"]))
               for i, (_, payload) in enumerate(calls) if rows[i]["status"] == JobStatus.LLM}
    done = run_grouped(
        waiting,
        lambda key: (ctx.catalogs.get(r, *key), key[1]),
        lambda found, members: resolve(ctx, [(calls[i][1]["text"], calls[i][1]["analysis"])
                                             for i in members], *found,
                                       [calls[i][1].get("options") or {} for i in members]),
        outcomes)
    order = sorted(done)
    finished = jobs.finish_jobs(r, [ids[i] for i in order], [done[i] for i in order],
                                settings.result_ttl_seconds)
    def code(i: int) -> dict[str, str]:  # what made the result (filed under it)
        return {"embedding": calls[i][1].get("code", ""), "llm": stage_fingerprint("llm")}

    result_cache(r, settings).put_many({  # a fallback (the model failed) is not kept
        result_digest(settings, done[i].catalog, done[i].catalog_version, done[i].query,
                      calls[i][1].get("options"), code=code(i)):
        done[i].model_dump_json() for i, ok in zip(order, finished)
        if ok and done[i].model.get("arbiter") != "fallback"})
    for i, ok in zip(order, finished):
        if ok:
            if rows[i]["webhook_url"]:
                pipeline.notify_job(r, settings, ids[i])
            outcomes[i] = {"filters": len(done[i].filters), "decisions": done[i].model["decisions"]}
    return outcomes


def prompt_cost(job_id: str, payload: dict[str, Any]) -> int:
    """Rough prompt tokens this query adds to a scoring pass (for LLM_TOKEN_BUDGET)."""
    options = sum(len(d.get("options", ())) for d in payload["analysis"]["decisions"])
    return options * (len(payload["text"]) // 3 + 24)


resolve_query = batched_job(resolve_queries, cost=prompt_cost)


@context_job
def resolve_batch_chunk(ctx: LLMContext, batch_id: str, start: int,
                        items: list[dict[str, Any]]) -> dict:
    """The LLM stage for one chunk of a batch: results land in the batch, counters move."""
    r, settings = ctx.redis, ctx.settings
    rec = batches.record(r, batch_id)
    if rec is None or rec["status"] in TERMINAL_BATCH:
        return {"skipped": "batch is gone, canceled or over"}
    version = int(rec["catalog_version"])
    catalog = ctx.catalogs.get(r, rec["catalog"], version)
    options = json.loads(rec.get("options") or "{}")
    results = resolve(ctx, [(it["text"], it["analysis"]) for it in items], catalog, version,
                      [options] * len(items))
    stored = {}
    for item, result in zip(items, results):
        if isinstance(result, Exception):
            stored[item["index"]] = {"status": ItemStatus.FAILED, "result": None, "error": {
                "stage": "llm", "code": "internal_error",
                "message": f"{type(result).__name__}: {result}"}}
        else:
            stored[item["index"]] = {"status": ItemStatus.FINISHED, "result": result.model_dump(),
                                     "error": None}
    closed = batches.store_results(r, batch_id, stored, settings.batch_ttl_seconds)
    pipeline.notify_batch(r, settings, closed)
    return {"items": len(stored), "closed": bool(closed)}
