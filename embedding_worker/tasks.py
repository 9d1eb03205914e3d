"""RQ jobs of the embedding stage. They run inside the worker process (SimpleWorker)."""
from __future__ import annotations

import logging

from redis import Redis

from embedding_worker import model
from embedding_worker.analysis import AnalysisConfig, analyse
from embedding_worker.batch_embedding import analyse_many
from embedding_worker.index import CatalogIndex, IndexCache, deserialise, layout_for, serialise
from shared import batches, catalog_store, jobs, keys, pipeline
from shared.jobs import StageError
from shared.schemas import Catalog
from shared.settings import get_settings

log = logging.getLogger(__name__)
_cache = IndexCache()


def build_index(name: str, version: int) -> CatalogIndex:
    """Embed every surface form of one catalog version."""
    r = pipeline.current_connection()
    found = catalog_store.get_catalog(r, name)
    if found is None or found[1] != version:
        raise StageError("catalog_changed", f"catalog {name!r} v{version} is no longer current")
    layout = layout_for(found[0])
    return CatalogIndex(name, version, layout, model.encode(layout.surfaces))


def load_index(r: Redis, name: str, version: int) -> CatalogIndex:
    """Memory cache, then Redis, then build it here (so a query never waits on another worker)."""
    index = _cache.get(name, version)
    if index is None:
        raw = r.hgetall(keys.catalog_index(name, version))
        index = deserialise(name, version, raw) if raw else build_index(name, version)
        if not raw:
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
    index = build_index(name, version)
    store_index(r, index)
    _cache.put(index)
    catalog_store.set_status(r, name, version, "ready")
    log.info("catalog indexed", extra={"catalog": name})
    return {"catalog": name, "version": version, "surfaces": len(index.layout.surfaces)}


def _analysis_config() -> AnalysisConfig:
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


def embed_query(job_id: str) -> dict:
    r = pipeline.current_connection()
    settings = get_settings()
    if not jobs.set_status(r, job_id, "embedding"):
        return {"skipped": "job is gone or already terminal"}
    catalog_name = jobs.job_field(r, job_id, "catalog")
    text = jobs.job_field(r, job_id, "text") or ""
    catalog, index = _catalog_and_index(r, catalog_name)
    analysis = analyse(text, catalog, index, model.encode, model.is_word, _analysis_config())
    payload = {"text": text, "catalog": catalog_name, "catalog_version": index.version,
               "analysis": analysis}
    priority = jobs.job_field(r, job_id, "priority") or "normal"
    if jobs.set_status(r, job_id, "llm"):
        pipeline.enqueue_llm(r, settings, job_id, priority, payload)
    return {"proposals": len(analysis["proposals"]), "decisions": len(analysis["decisions"])}


def fan_out_batch(batch_id: str) -> dict:
    """Enqueue the chunk jobs of a batch (kept out of the HTTP request: 100k texts = 1,563
    jobs)."""
    r = pipeline.current_connection()
    rec = batches.record(r, batch_id)
    if rec is None or rec["status"] in batches.TERMINAL_BATCH:
        return {"skipped": "batch is gone or already over"}
    chunks = pipeline.enqueue_chunks(r, get_settings(), batch_id, rec["priority"],
                                     int(rec["total"]), int(rec["chunk_size"]))
    return {"chunks": chunks}


def embed_batch_chunk(batch_id: str, start: int, end: int) -> dict:
    """Analyse one chunk with one batched embedding call; pass it on to the LLM stage."""
    r = pipeline.current_connection()
    settings = get_settings()
    if batches.mark_started(r, batch_id) in (None, *batches.TERMINAL_BATCH):
        return {"skipped": "batch is gone, canceled or over"}
    rec = batches.record(r, batch_id)
    catalog, index = _catalog_and_index(r, rec["catalog"])
    texts = batches.texts(r, batch_id, start, end)
    config = _analysis_config()
    analyses = analyse_many(
        texts, lambda text, embed: analyse(text, catalog, index, embed, model.is_word, config),
        model.encode, model.dimension())
    failed, items = {}, []
    for i, (text, analysis) in enumerate(zip(texts, analyses), start):
        if isinstance(analysis, Exception):
            failed[i] = {"status": "failed", "result": None, "error": {
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
