"""Idempotency-Key: a request re-sent after a network error gets what the first one
created (a job or a batch) instead of creating a second one."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import request
from redis import Redis
from redis.client import Pipeline

from backend.errors import APIError
from shared import keys


HEADER, MAX_LENGTH = "Idempotency-Key", 200
PARAMETER = {"name": HEADER, "in": "header", "required": False,  # for the OpenAPI document
             "schema": {"type": "string", "maxLength": MAX_LENGTH},
             "description": "Re-sending the same request with the same key answers with what "
                            "the first one created"}


def request_key() -> str:
    """The request's Idempotency-Key header ("" when none)."""
    return request.headers.get(HEADER, "").strip()[:MAX_LENGTH]


def fingerprint(body: Any) -> str:
    """What makes two requests "the same request": their validated bodies."""
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()[:32]


def earlier(r: Redis, key: str, print_: str) -> str | None:
    """The id an earlier request with this key created (None: first use); 422 when the
    key was used for a different request. `r` may be a pipeline watching the key."""
    raw = r.get(keys.idempotency(key))
    if raw is None:
        return None
    created, _, seen = raw.decode().partition(":")
    if seen != print_:
        raise APIError(422, "idempotency_key_reused",
                       "this Idempotency-Key was used for a different request")
    return created


def claim(r: Redis, key: str, print_: str, new_id: str, ttl: int) -> str | None:
    """Bind the key to `new_id`; when a concurrent request with the same key got there
    first, the id it created (answer with that instead)."""
    if r.set(keys.idempotency(key), f"{new_id}:{print_}", nx=True, ex=ttl):
        return None
    return earlier(r, key, print_) or new_id


def bind(pipe: Pipeline, key: str, print_: str, new_id: str, ttl: int) -> None:
    """Queue the key's binding to `new_id` in a transaction that also creates it, so a
    key never names something that was not written."""
    pipe.set(keys.idempotency(key), f"{new_id}:{print_}", ex=ttl)
