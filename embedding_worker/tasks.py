"""RQ jobs of the embedding stage. They run inside the worker process (no fork); single
queries are batched across requests by the micro-batching worker."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable

import numpy as np
from redis import Redis

from embedding_worker import model
from embedding_worker.analysis import AnalysisConfig, analyse
from embedding_worker.batch_embedding import analyse_many
from embedding_worker.index import (CatalogIndex, IndexCache, build, deserialise, serialise,
                                    usable)
from shared import batches, catalog_store, jobs, keys, pipeline
from shared.fingerprints import stage_fingerprint
from shared.cache import digest, embedding_cache
from shared.microbatch import batched_job, run_grouped
from shared.jobs import StageError
from shared.reference import reference
from shared.schemas import Catalog
from shared.settings import get_settings
from shared.statuses import TERMINAL_BATCH, CatalogStatus, ItemStatus, JobStatus

log = logging.getLogger(__name__)
_cache = IndexCache()


def build_index(r: Redis, name: str, version: int) -> CatalogIndex:
    """Embed every surface form of one catalog version."""
    found = catalog_store.get_catalog(r, name)
    if found is None or found[1] != version:
        raise StageError("catalog_changed", f"catalog {name!r} v{version} is no longer current")
    return build(found[0], version, model.encode)


def load_index(r: Redis, name: str, version: int) -> CatalogIndex:
    """Memory cache, then Redis, then build it here (so a query never waits on another
    worker). A stored index of another format or embedding model is rebuilt."""
    index = _cache.get(name, version)
    if index is None:
        raw = r.hgetall(keys.catalog_index(name, version))
        fresh = not usable(raw, model.model_id())
        index = build_index(r, name, version) if fresh else deserialise(name, version, raw)
        if fresh:
            store_index(r, index)
        _cache.put(index)
    return index


def store_index(r: Redis, index: CatalogIndex) -> None:
    with r.pipeline() as p:
        p.delete(keys.catalog_index(index.name, index.version))
        p.hset(keys.catalog_index(index.name, index.version),
               mapping=serialise(index, model.model_id()))
        if index.version > 1:
            p.delete(keys.catalog_index(index.name, index.version - 1))
        p.execute()


def index_catalog(name: str, version: int) -> dict:
    r = pipeline.current_connection()
    index = build_index(r, name, version)
    store_index(r, index)
    _cache.put(index)
    catalog_store.set_status(r, name, version, CatalogStatus.READY)
    log.info("catalog indexed", extra={"catalog": name})
    return {"catalog": name, "version": version, "surfaces": len(index.layout.surfaces)}


def analysis_config() -> AnalysisConfig:
    settings = get_settings()
    return AnalysisConfig(semantic_min=settings.semantic_min_score,
                          semantic_accept=settings.semantic_accept_score,
                          max_ngram=settings.retrieval_max_ngram, top_k=settings.retrieval_top_k)


def _catalog_and_index(r: Redis, name: str) -> tuple[Catalog, CatalogIndex]:
    found = catalog_store.get_catalog(r, name)
    if found is None:
        raise StageError("catalog_not_found", f"catalog {name!r} was deleted")
    catalog, version = found
    return catalog, load_index(r, name, version)


def cached_encode(r: Redis) -> Callable[[list[str]], np.ndarray]:
    """`model.encode` behind the Redis embedding cache (keyed by model and exact phrase)."""
    cache = embedding_cache(r, get_settings())
    if not cache.enabled:
        return model.encode
    mid, dim = model.model_id(), model.dimension()

    def encode(texts: list[str]) -> np.ndarray:
        digests = [digest(mid, t) for t in texts]
        found = cache.get_many(digests)
        missing = [i for i, v in enumerate(found) if v is None]
        fresh = model.encode([texts[i] for i in missing])
        cache.put_many({digests[i]: fresh[k].tobytes() for k, i in enumerate(missing)})
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, v in enumerate(found):
            if v is not None:
                out[i] = np.frombuffer(v, dtype=np.float32)
        out[missing] = fresh
        return out

    return encode


def analyse_texts(r: Redis, catalog: Catalog, index: CatalogIndex, texts: list[str],
                  options: list[dict]) -> list[dict | Exception]:
    """Analyse many texts of one catalog, each with its reading options (`now`,
    `timezone`), with one batched (cached) embedding call."""
    config = analysis_config()
    references = [reference(o.get("now"), o.get("timezone")) for o in options]
    return analyse_many(
        list(zip(texts, references)),
        lambda item, embed: analyse(item[0], catalog, index, embed, model.is_word, config,
                                    item[1]),
        cached_encode(r), model.dimension())


def embed_queries(r: Redis, calls: list[tuple[str]]) -> list[dict | Exception]:
    """The embedding stage for many single queries at once (a micro-batch): one embedding
    call per catalog, one round trip per state change, one pipeline of LLM jobs."""
    settings = get_settings()
    ids = [job_id for (job_id,) in calls]
    started = jobs.transition(r, ids,
                              {"status": JobStatus.EMBEDDING, "stage": JobStatus.EMBEDDING})
    rows = jobs.read_fields(r, ids, ["catalog", "text", "priority", "options"])
    outcomes: list[dict | Exception] = [{"skipped": "job is gone or already terminal"}] * len(ids)

    def analyse_group(loaded: tuple[Catalog, CatalogIndex], members: list[int]) -> list:
        catalog, index = loaded
        texts = [rows[i]["text"] or "" for i in members]
        options = [json.loads(rows[i]["options"] or "{}") for i in members]
        return [a if isinstance(a, Exception) else
                {"text": text, "catalog": rows[i]["catalog"], "catalog_version": index.version,
                 "options": opts, "analysis": a, "code": stage_fingerprint("embedding")}
                for i, text, opts, a in zip(members, texts, options,
                                            analyse_texts(r, catalog, index, texts, options))]

    analysed = run_grouped({i: rows[i]["catalog"] or "" for i, ok in enumerate(started) if ok},
                           lambda name: _catalog_and_index(r, name), analyse_group, outcomes)
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


def fan_out_batch(batch_id: str) -> dict:
    """Enqueue the chunk jobs of a batch (kept out of the HTTP request: 100k texts = 1,563
    jobs)."""
    r = pipeline.current_connection()
    rec = batches.record(r, batch_id)
    if rec is None or rec["status"] in TERMINAL_BATCH:
        return {"skipped": "batch is gone or already over"}
    chunks = pipeline.enqueue_chunks(r, get_settings(), batch_id, rec["priority"],
                                     batches.chunk_ranges(int(rec["total"]),
                                                          int(rec["chunk_size"])))
    return {"chunks": chunks}


def embed_batch_chunk(batch_id: str, start: int, end: int) -> dict:
    """Analyse one chunk with one batched embedding call; pass it on to the LLM stage."""
    r = pipeline.current_connection()
    settings = get_settings()
    if batches.mark_started(r, batch_id) in (None, *TERMINAL_BATCH):
        return {"skipped": "batch is gone, canceled or over"}
    rec = batches.record(r, batch_id)
    catalog, index = _catalog_and_index(r, rec["catalog"])
    texts = batches.texts(r, batch_id, start, end)
    options = json.loads(rec.get("options") or "{}")
    analyses = analyse_texts(r, catalog, index, texts, [options] * len(texts))
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
