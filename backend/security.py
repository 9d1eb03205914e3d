"""Who may call the API and how often: optional bearer keys, per-client rate limits
kept in Redis (shared by every gunicorn process and backend replica), the proxy hop
count that decides which address is the client's."""
from __future__ import annotations

import hashlib
import hmac
import logging
import math

from flask import Flask, Response, request
from limits import parse_many
from redis import Redis
from redis.exceptions import RedisError
from werkzeug.middleware.proxy_fix import ProxyFix

from backend.errors import APIError, error_response
from backend.rate_budgets import RateBudgets
from shared.settings import Settings

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
log = logging.getLogger(__name__)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_key() -> str:
    """The caller's key (hashed: the raw key never reaches Redis or the logs) or address."""
    token = _bearer()
    if token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return "ip:" + (request.remote_addr or "unknown")


def _not_api() -> bool:
    return not request.path.startswith("/api/")


def _not_a_write() -> bool:
    """Outside the API, or a read that is a POST only for its long list of ids."""
    return _not_api() or request.endpoint == "jobs.get_many"


def require_api_key(keys: list[str]) -> None:
    """401 without a key, 403 with a wrong one; compared in constant time."""
    if _not_api() or request.method == "OPTIONS":  # CORS preflights carry no credentials
        return
    token = _bearer()
    if token is None:
        raise APIError(401, "unauthorized",
                       "this API needs a key: send `Authorization: Bearer <key>`")
    if not any(hmac.compare_digest(token.encode(), k.encode()) for k in keys):
        raise APIError(403, "forbidden", "the API key is not valid")


class RateLimits:
    """Per-client limits: `RATE_LIMIT` on every API request, `RATE_LIMIT_SUBMIT` on top for
    writes, counted by `RateBudgets` (fixed windows in Redis, taken in slices). Used
    directly rather than through flask-limiter, whose per-request resolution of its limits
    cost more CPU than a Redis round trip (profiled on a status read). A Redis error lets
    the request through: the limiter must not take the API down with it."""

    def __init__(self, r: Redis, every: str, writes: str, share: float = 0.02):
        self.budgets = RateBudgets(r, share)
        self.limits = [("api", item) for item in parse_many(every)] if every else []
        self.write_limits = [("writes", item) for item in parse_many(writes)] if writes else []

    def check(self) -> Response | None:
        """Before each request: None to go on, or the 429 answer (with Retry-After)."""
        if _not_api():
            return None
        limits = self.limits
        if request.method in WRITE_METHODS and not _not_a_write():
            limits = limits + self.write_limits
        who = client_key()
        for scope, item in limits:
            try:
                wait = self.budgets.take(item, scope, who)
            except RedisError as e:
                log.warning("rate limiter unavailable, request let through: %s", e)
                return None
            if wait is None:
                continue
            body, status = error_response(429, "too_many_requests",
                                          f"rate limit exceeded: {item}")
            body.status_code = status
            body.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return body
        return None


def install_security(app: Flask, settings: Settings, r: Redis) -> None:
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore
                                x_proto=settings.trusted_proxies)
    keys = settings.api_key_list
    if keys:
        app.before_request(lambda: require_api_key(keys))
    if settings.rate_limit or settings.rate_limit_submit:
        app.before_request(RateLimits(r, settings.rate_limit, settings.rate_limit_submit,
                                    settings.rate_limit_slice).check)
