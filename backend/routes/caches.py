"""Cache statistics: hits, misses and size of the Redis caches, across all workers."""
from __future__ import annotations

from flask import Blueprint, jsonify

from backend.context import redis_client, settings
from backend.openapi_operations import documented, json_content
from backend.responses import CacheStats
from shared.cache import embedding_cache, result_cache

bp = Blueprint("caches", __name__, url_prefix="/api/v1/cache")


@bp.get("")
@documented("Hits, misses and size of the Redis caches",
            {200: json_content(CacheStats, "Cache statistics")})
def cache_stats():
    r, cfg = redis_client(), settings()
    return jsonify({"embeddings": embedding_cache(r, cfg).stats(),
                    "results": result_cache(r, cfg).stats()})
