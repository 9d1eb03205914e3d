"""The bounded Redis cache (fakeredis with Lua): size bound, TTL, hit/miss counts, keys."""
from __future__ import annotations

import fakeredis
import pytest

from shared import keys
from shared.cache import RedisCache, result_digest
from shared.settings import Settings


@pytest.fixture
def r():
    return fakeredis.FakeRedis()


def test_oldest_entries_are_evicted_beyond_the_bound(r):
    cache = RedisCache(r, "t", max_entries=3, ttl_seconds=100)
    for i in range(5):
        cache.put_many({f"d{i}": f"v{i}"})
    assert cache.get_many(["d0", "d1", "d2", "d3", "d4"]) == [None, None, b"v2", b"v3", b"v4"]
    assert r.ttl(keys.cache_entry("t", "d4")) > 0
    stats = cache.stats()
    assert (stats["hits"], stats["misses"], stats["entries"]) == (3, 2, 3)


def test_a_disabled_cache_stores_and_counts_nothing(r):
    cache = RedisCache(r, "t", max_entries=0, ttl_seconds=100)
    cache.put_many({"d": "v"})
    assert cache.get_many(["d"]) == [None]
    assert r.keys("cache:*") == []


CODE = {"embedding": "e1", "llm": "l1"}


def key(settings: Settings, version: int, text: str, options: dict | None = None,
        code: dict[str, str] = CODE) -> str:
    return result_digest(settings, "shop", version, text, options, code=code)


def test_result_key_changes_with_what_the_result_depends_on():
    s = Settings()
    base = key(s, 1, "red shoes")
    assert base == key(Settings(), 1, "red shoes")
    assert base != key(s, 2, "red shoes")
    assert base != key(s, 1, "Red shoes")
    assert base != key(s.model_copy(update={"llm_keep_margin": 2.0}), 1, "red shoes")
    assert base == key(s.model_copy(update={"embedding_max_batch": 8}), 1, "red shoes")
    # New code in either stage: new keys, though the package version stays the same.
    assert base != key(s, 1, "red shoes", code={**CODE, "llm": "l2"})
    assert base != key(s, 1, "red shoes", code={**CODE, "embedding": "e2"})


def test_result_key_changes_with_the_reading_options():
    """Relative dates resolve against the request's day; min_confidence drops filters."""
    s = Settings()
    march = {"now": "2026-03-14T09:30:00", "timezone": "Europe/Berlin"}
    base = key(s, 1, "red shoes last month", march)
    assert base == key(s, 1, "red shoes last month", {**march, "now": "2026-03-14T22:00:00"})
    assert base != key(s, 1, "red shoes last month", {**march, "now": "2026-03-15T09:30:00"})
    assert base != key(s, 1, "red shoes last month",
                       {**march, "timezone": "America/New_York"})  # 4/12 reads
    assert base != key(s, 1, "red shoes last month", {**march, "min_confidence": 0.9})
