"""Cache statistics: hits, misses and size of the Redis caches, across all workers."""
from __future__ import annotations

from flask import Blueprint, jsonify

from backend.context import redis_client, settings
from shared.cache import embedding_cache, result_cache

bp = Blueprint("caches", __name__, url_prefix="/api/v1/cache")


@bp.get("")
def cache_stats():
    r, cfg = redis_client(), settings()
    return jsonify({"embeddings": embedding_cache(r, cfg).stats(),
                    "results": result_cache(r, cfg).stats()})
