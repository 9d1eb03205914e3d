"""RQ jobs of the embedding stage. They run inside the worker process (no fork); single
queries are batched across requests by the micro-batching worker."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable

import numpy as np

from embedding_worker.analysis import AnalysisConfig, analyse
from embedding_worker.batch_embedding import analyse_many
from embedding_worker.context import EmbeddingContext
from embedding_worker.index import CatalogIndex, build, deserialise, serialise, usable
from shared import batches, catalog_store, jobs, keys, pipeline
from shared.cache import digest, embedding_cache
from shared.fingerprints import stage_fingerprint
from shared.microbatch import batched_job, run_grouped
from shared.reference import reference
from shared.schemas import Catalog
from shared.settings import Settings
from shared.stage_context import context_job
from shared.statuses import TERMINAL_BATCH, CatalogStatus, ItemStatus, JobStatus

log = logging.getLogger(__name__)


def build_index(ctx: EmbeddingContext, name: str, version: int) -> CatalogIndex:
    """Embed every surface form of one catalog version."""
    return build(ctx.catalogs.get(ctx.redis, name, version), version, ctx.model.encode)


def load_index(ctx: EmbeddingContext, name: str, version: int) -> CatalogIndex:
    """Memory cache, then Redis, then build it here (so a query never waits on another
    worker). A stored index of another format or embedding model is rebuilt; one rebuilt
    for a replaced version is kept in Redis only as long as a replaced index is."""
    index = ctx.indexes.get((name, version))
    if index is None:
        raw = ctx.redis.hgetall(keys.catalog_index(name, version))
        fresh = not usable(raw, ctx.model.model_id)
        index = build_index(ctx, name, version) if fresh else deserialise(name, version, raw)
        if fresh:
            record = catalog_store.get_record(ctx.redis, name)
            store_index(ctx, index, current=record is not None and record["version"] == version)
        ctx.indexes[(name, version)] = index
    return index


def store_index(ctx: EmbeddingContext, index: CatalogIndex, current: bool) -> None:
    key = keys.catalog_index(index.name, index.version)
    with ctx.redis.pipeline() as p:
        p.delete(key)
        p.hset(key, mapping=serialise(index, ctx.model.model_id))
        if not current:
            p.expire(key, catalog_store.SUPERSEDED_INDEX_SECONDS)
        p.execute()


@context_job
def index_catalog(ctx: EmbeddingContext, name: str, version: int) -> dict:
    """Build and store the index of a newly registered catalog version (queries of a
    version build it themselves if they come first)."""
    record = catalog_store.get_record(ctx.redis, name)
    if record is None or record["version"] != version:
        return {"skipped": f"catalog {name!r} v{version} was replaced or deleted"}
    index = build_index(ctx, name, version)
    store_index(ctx, index, current=True)
    ctx.indexes[(name, version)] = index
    catalog_store.set_status(ctx.redis, name, version, CatalogStatus.READY)
    log.info("catalog indexed", extra={"catalog": name})
    return {"catalog": name, "version": version, "surfaces": len(index.layout.surfaces)}


def analysis_config(settings: Settings) -> AnalysisConfig:
    return AnalysisConfig(semantic_min=settings.semantic_min_score,
                          semantic_accept=settings.semantic_accept_score,
                          max_ngram=settings.retrieval_max_ngram, top_k=settings.retrieval_top_k)


def catalog_and_index(ctx: EmbeddingContext, name: str, version: int,
                      ) -> tuple[Catalog, CatalogIndex]:
    """The catalog version a job was accepted against, parsed once per process, and its
    index."""
    return ctx.catalogs.get(ctx.redis, name, version), load_index(ctx, name, version)


def cached_encode(ctx: EmbeddingContext) -> Callable[[list[str]], np.ndarray]:
    """The model's encode behind the Redis embedding cache (keyed by model and phrase)."""
    cache = embedding_cache(ctx.redis, ctx.settings)
    model = ctx.model
    if not cache.enabled:
        return model.encode

    def encode(texts: list[str]) -> np.ndarray:
        digests = [digest(model.model_id, t) for t in texts]
        found = cache.get_many(digests)
        missing = [i for i, v in enumerate(found) if v is None]
        fresh = model.encode([texts[i] for i in missing])
        cache.put_many({digests[i]: fresh[k].tobytes() for k, i in enumerate(missing)})
        out = np.zeros((len(texts), model.dimension), dtype=np.float32)
        for i, v in enumerate(found):
            if v is not None:
                out[i] = np.frombuffer(v, dtype=np.float32)
        out[missing] = fresh
        return out

    return encode


def analyse_texts(ctx: EmbeddingContext, catalog: Catalog, index: CatalogIndex,
                  texts: list[str], options: list[dict]) -> list[dict | Exception]:
    """Analyse many texts of one catalog, each with its reading options (`now`,
    `timezone`; `previous` makes it a follow-up), with one batched (cached) embedding
    call."""
    config = analysis_config(ctx.settings)
    readings = [(reference(o.get("now"), o.get("timezone")), "previous" in o) for o in options]
    return analyse_many(
        list(zip(texts, readings)),
        lambda item, embed: analyse(item[0], catalog, index, embed, ctx.model.is_word, config,
                                    *item[1]),
        cached_encode(ctx), ctx.model.dimension)


def embed_queries(ctx: EmbeddingContext, calls: list[tuple[str]]) -> list[dict | Exception]:
    """The embedding stage for many single queries at once (a micro-batch): one embedding
    call per catalog version, one round trip per state change, one pipeline of LLM jobs."""
    r, settings = ctx.redis, ctx.settings
    ids = [job_id for (job_id,) in calls]
    started = jobs.transition(r, ids,
                              {"status": JobStatus.EMBEDDING, "stage": JobStatus.EMBEDDING})
    rows = jobs.read_fields(r, ids, ["catalog", "catalog_version", "text", "priority", "options"])
    outcomes: list[dict | Exception] = [{"skipped": "job is gone or already terminal"}] * len(ids)
    code = stage_fingerprint("embedding")

    def analyse_group(loaded: tuple[Catalog, CatalogIndex], members: list[int]) -> list:
        catalog, index = loaded
        texts = [rows[i]["text"] or "" for i in members]
        options = [json.loads(rows[i]["options"] or "{}") for i in members]
        return [a if isinstance(a, Exception) else
                {"text": text, "catalog": rows[i]["catalog"], "catalog_version": index.version,
                 "options": opts, "analysis": a, "code": code}
                for i, text, opts, a in zip(members, texts, options,
                                            analyse_texts(ctx, catalog, index, texts, options))]

    versions = {i: (rows[i]["catalog"] or "", int(rows[i]["catalog_version"] or 0))
                for i, ok in enumerate(started) if ok}
    analysed = run_grouped(versions, lambda key: catalog_and_index(ctx, *key), analyse_group,
                           outcomes)
    order = sorted(analysed)
    moved = jobs.transition(r, [ids[i] for i in order],
                            {"status": JobStatus.LLM, "stage": JobStatus.LLM})
    with r.pipeline() as pipe:
        for i, ok in zip(order, moved):
            if ok:
                pipeline.enqueue_llm(r, settings, ids[i], rows[i]["priority"] or "normal",
                                     analysed[i], pipe)
                a = analysed[i]["analysis"]
                outcomes[i] = {"proposals": len(a["proposals"]), "decisions": len(a["decisions"])}
        pipe.execute()
    return outcomes


embed_query = batched_job(embed_queries)


@context_job
def fan_out_batch(ctx: EmbeddingContext, batch_id: str) -> dict:
    """Enqueue the chunk jobs of a batch (kept out of the HTTP request: 100k texts = 1,563
    jobs)."""
    rec = batches.record(ctx.redis, batch_id)
    if rec is None or rec["status"] in TERMINAL_BATCH:
        return {"skipped": "batch is gone or already over"}
    chunks = pipeline.enqueue_chunks(ctx.redis, ctx.settings, batch_id, rec["priority"],
                                     batches.chunk_ranges(int(rec["total"]),
                                                          int(rec["chunk_size"])))
    return {"chunks": chunks}


@context_job
def embed_batch_chunk(ctx: EmbeddingContext, batch_id: str, start: int, end: int) -> dict:
    """Analyse one chunk with one batched embedding call; pass it on to the LLM stage."""
    r, settings = ctx.redis, ctx.settings
    if batches.mark_started(r, batch_id) in (None, *TERMINAL_BATCH):
        return {"skipped": "batch is gone, canceled or over"}
    rec = batches.record(r, batch_id)
    catalog, index = catalog_and_index(ctx, rec["catalog"], int(rec["catalog_version"]))
    texts = batches.texts(r, batch_id, start, end)
    options = json.loads(rec.get("options") or "{}")
    analyses = analyse_texts(ctx, catalog, index, texts, [options] * len(texts))
    failed, items = {}, []
    for i, (text, analysis) in enumerate(zip(texts, analyses), start):
        if isinstance(analysis, Exception):
            failed[i] = {"status": ItemStatus.FAILED, "result": None, "error": {
                "stage": "embedding", "code": "analysis_error",
                "message": f"{type(analysis).__name__}: {analysis}"}}
        else:
            items.append({"index": i, "text": text, "analysis": analysis})
    if failed:
        pipeline.notify_batch(r, settings, batches.store_results(r, batch_id, failed,
                                                                 settings.batch_ttl_seconds))
    if items:
        pipeline.enqueue_llm_chunk(r, settings, batch_id, rec["priority"], start, end, items)
    return {"items": len(items), "failed": len(failed)}
