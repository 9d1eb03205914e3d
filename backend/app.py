"""Flask app factory; gunicorn runs `backend.app:create_app()`."""
from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from redis import Redis

from backend.errors import register_error_handlers
from backend.routes import batches, caches, catalogs, health, jobs, queries
from shared.logs import setup_logging
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None, redis_client: Redis | None = None) -> Flask:
    settings = settings or get_settings()
    setup_logging(settings, "backend")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    app.extensions["redis"] = redis_client or Redis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)
    CORS(app, origins=settings.cors_origin_list)
    register_error_handlers(app)
    for module in (catalogs, queries, jobs, batches, caches, health):
        app.register_blueprint(module.bp)
    return app

