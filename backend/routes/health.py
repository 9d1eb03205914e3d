"""Liveness and metrics."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from backend.context import redis_client

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        redis_client().ping()
    except RedisError as e:
        return jsonify({"status": "unavailable", "redis": "down", "reason": str(e)}), 503
    return jsonify({"status": "ok", "redis": "up"})


@bp.get("/metrics")
def metrics():
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
