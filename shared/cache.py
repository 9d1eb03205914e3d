"""Bounded caches in Redis: phrase embeddings (embedding stage) and finished results
(written by the LLM stage, read by the backend at submission).

Each entry is its own key with a TTL; a sorted set of entries by insertion time
bounds the size (oldest evicted first). Hits and misses are counted in Redis so
the backend can report them for every worker.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from redis import Redis

from shared import keys
from shared.reference import reference
from shared.settings import Settings

# KEYS: index, then entry keys. ARGV: now, ttl, max entries, then one value per entry.
_PUT = """
local now, ttl, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 + i], 'EX', ttl)
  redis.call('ZADD', KEYS[1], now, KEYS[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local excess = redis.call('ZCARD', KEYS[1]) - limit
if excess > 0 then
  for _, k in ipairs(redis.call('ZPOPMIN', KEYS[1], excess)) do
    if string.sub(k, 1, 6) == 'cache:' then redis.call('DEL', k) end
  end
end
return excess
"""


def digest(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


class RedisCache:
    def __init__(self, r: Redis, name: str, max_entries: int, ttl_seconds: int):
        self.r, self.name, self.max_entries, self.ttl = r, name, max_entries, ttl_seconds

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get_many(self, digests: list[str]) -> list[bytes | None]:
        """Values (None = miss) in one round trip, counting hits and misses."""
        if not self.enabled or not digests:
            return [None] * len(digests)
        with self.r.pipeline(transaction=False) as p:
            p.mget([keys.cache_entry(self.name, d) for d in digests])
            values = p.execute()[0]
            hits = sum(v is not None for v in values)
            p.hincrby(keys.CACHE_STATS, f"{self.name}:hits", hits)
            p.hincrby(keys.CACHE_STATS, f"{self.name}:misses", len(values) - hits)
            p.execute()
        return values

    def put_many(self, items: dict[str, bytes | str]) -> None:
        if not self.enabled or not items:
            return
        entry_keys = [keys.cache_entry(self.name, d) for d in items]
        self.r.register_script(_PUT)(
            keys=[keys.cache_index(self.name), *entry_keys],
            args=[time.time(), self.ttl, self.max_entries, *items.values()])

    def stats(self) -> dict[str, int]:
        with self.r.pipeline(transaction=False) as p:
            p.hmget(keys.CACHE_STATS, [f"{self.name}:hits", f"{self.name}:misses"])
            p.zcount(keys.cache_index(self.name), time.time() - self.ttl, "+inf")
            (hits, misses), entries = p.execute()
        return {"hits": int(hits or 0), "misses": int(misses or 0), "entries": int(entries),
                "max_entries": self.max_entries, "ttl_seconds": self.ttl}


def embedding_cache(r: Redis, settings: Settings) -> RedisCache:
    return RedisCache(r, "embedding", settings.embedding_cache_size, settings.cache_ttl_seconds)


def result_cache(r: Redis, settings: Settings) -> RedisCache:
    return RedisCache(r, "result", settings.result_cache_size, settings.cache_ttl_seconds)


def result_digest(settings: Settings, catalog: str, version: int, text: str,
                  options: dict[str, Any] | None, *, code: dict[str, str]) -> str:
    """Everything a result depends on: the exact text, the catalog version, the models,
    every setting that changes the analysis or the arbiter, the reading options (the day
    relative dates resolve against, min_confidence) and the code of both stages (`code`:
    stage -> fingerprint, shared/fingerprints.py)."""
    fingerprint = settings.model_dump(include={
        "embedding_model", "llm_model", "llm_gguf_file", "llm_arbiter", "llm_keep_margin",
        "llm_flag_margin",
        "retrieval_top_k", "semantic_min_score", "semantic_accept_score", "retrieval_max_ngram"})
    options = options or {}
    day = reference(options.get("now"), options.get("timezone")).key()
    return digest(catalog, version, fingerprint, sorted(code.items()), text, day,
                  options.get("min_confidence"))
