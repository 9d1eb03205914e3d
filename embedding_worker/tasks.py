"""RQ jobs of the embedding stage. They run inside the worker process (SimpleWorker)."""
from __future__ import annotations

import logging

from redis import Redis

from embedding_worker import model
from embedding_worker.analysis import AnalysisConfig, analyse
from embedding_worker.index import CatalogIndex, IndexCache, deserialise, layout_for, serialise
from shared import catalog_store, jobs, keys, pipeline
from shared.jobs import StageError
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


def embed_query(job_id: str) -> dict:
    r = pipeline.current_connection()
    settings = get_settings()
    if not jobs.set_status(r, job_id, "embedding"):
        return {"skipped": "job is gone or already terminal"}
    catalog_name = jobs.job_field(r, job_id, "catalog")
    text = jobs.job_field(r, job_id, "text") or ""
    found = catalog_store.get_catalog(r, catalog_name)
    if found is None:
        raise StageError("catalog_not_found", f"catalog {catalog_name!r} was deleted")
    catalog, version = found
    index = load_index(r, catalog_name, version)
    config = AnalysisConfig(semantic_min=settings.semantic_min_score,
                            semantic_accept=settings.semantic_accept_score,
                            max_ngram=settings.retrieval_max_ngram, top_k=settings.retrieval_top_k)
    analysis = analyse(text, catalog, index, model.encode, model.is_word, config)
    payload = {"text": text, "catalog": catalog_name, "catalog_version": version,
               "analysis": analysis}
    priority = jobs.job_field(r, job_id, "priority") or "normal"
    if jobs.set_status(r, job_id, "llm"):
        pipeline.enqueue_llm(r, settings, job_id, priority, payload)
    return {"proposals": len(analysis["proposals"]), "decisions": len(analysis["decisions"])}
