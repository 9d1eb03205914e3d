"""Which code computes the results: a fingerprint of each stage's sources, published by
its workers, so a cached result is never served once the code that made it has changed.

A result depends on both stages (the embedding stage's analysis, the LLM stage's
settling and assembly). Each worker publishes the fingerprint of the code it runs when it
starts; the backend looks results up under the fingerprints published last, and the LLM
stage files them under the ones that really made them (the embedding stage's travels in
the job's payload). A new release of either stage thus makes every older entry
unreachable, though its version number stays the same.
"""
from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path

from redis import Redis

from shared import keys

STAGE_PACKAGES = {"embedding": ("embedding_worker", "shared"), "llm": ("llm_worker", "shared")}


@cache  # the sources of a running process do not change under it
def source_fingerprint(packages: tuple[str, ...]) -> str:
    """SHA-1 over the Python sources of the packages (each file's path and content)."""
    h = hashlib.sha1()
    for package in packages:
        spec = importlib.util.find_spec(package)
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            h.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def stage_fingerprint(stage: str) -> str:
    return source_fingerprint(STAGE_PACKAGES[stage])


def publish(r: Redis, stage: str) -> None:
    """Announce the code this process runs the stage with (a worker, when it starts)."""
    r.hset(keys.CODE_FINGERPRINTS, stage, stage_fingerprint(stage))


def decoded(raw: dict[bytes, bytes]) -> dict[str, str]:
    """The stored fingerprints hash, by stage (for callers that read it in a pipeline)."""
    return {k.decode(): v.decode() for k, v in raw.items()}


def published(r: Redis) -> dict[str, str]:
    """The fingerprints the stages' workers published last, by stage."""
    return decoded(r.hgetall(keys.CODE_FINGERPRINTS))
