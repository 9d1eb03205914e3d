"""Liveness, readiness and metrics (outside /api: no key, no rate limit)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from redis.exceptions import RedisError

from backend.context import redis_client, settings
from backend.metrics import exposition
from backend.openapi_operations import Content, documented, json_content
from backend.responses import Readiness
from shared import catalog_store
from shared.metrics import worker_counts
from shared.statuses import CatalogStatus

bp = Blueprint("health", __name__)


@bp.get("/health")
@documented("Liveness: the process answers and reaches Redis", {
    200: json_content({"type": "object"}, "Alive"),
    503: json_content({"type": "object"}, "Redis down")})
def health():
    """Liveness: the process answers and reaches Redis."""
    try:
        redis_client().ping()
    except RedisError as e:
        return jsonify({"status": "unavailable", "redis": "down", "reason": str(e)}), 503
    return jsonify({"status": "ok", "redis": "up"})


@bp.get("/ready")
@documented("Readiness: Redis, a worker per stage, a ready catalog", {
    200: json_content(Readiness, "Ready"), 503: json_content(Readiness, "Not ready")})
def ready():
    """Readiness: Redis reachable, a live worker for each stage, and a catalog ready to
    query once any is registered (a fresh install with none is ready to receive one)."""
    r = redis_client()
    try:
        r.ping()
        workers = worker_counts(r, settings())
        records = catalog_store.list_records(r)
        ready_catalogs = sum(1 for rec in records if rec.get("status") == CatalogStatus.READY)
    except RedisError as e:
        checks = {"redis": {"ok": False, "detail": str(e)},
                  "workers": {"ok": False, "embedding": 0, "llm": 0},
                  "catalogs": {"ok": False, "ready": 0, "registered": 0}}
        return jsonify({"status": "not_ready", "checks": checks}), 503
    checks = {"redis": {"ok": True, "detail": "reachable"},
              "workers": {"ok": all(w["total"] for w in workers.values()),
                          **{stage: w["total"] for stage, w in workers.items()}},
              "catalogs": {"ok": ready_catalogs > 0 or not records, "ready": ready_catalogs,
                           "registered": len(records)}}
    ok = all(c["ok"] for c in checks.values())
    return jsonify({"status": "ready" if ok else "not_ready", "checks": checks}), \
        200 if ok else 503


@bp.get("/metrics")
@documented("Prometheus metrics", {
    200: Content("Text exposition format", {"text/plain": {"type": "string"}})})
def metrics():
    return exposition(redis_client(), settings())
