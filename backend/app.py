"""Flask app factory; gunicorn runs `backend.app:create_app()`."""
from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from redis import Redis

from backend.access_log import log_requests
from backend.errors import register_error_handlers
from backend.routes import (batches, caches, catalogs, health, jobs, operations, queries,
                            renderings)
from backend.routes.api_docs import register_docs
from backend.security import install_security
from backend.wakeups import JobWakeups
from shared.catalog_store import CatalogVersions
from shared.logs import setup_logging
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None, redis_client: Redis | None = None) -> Flask:
    settings = settings or get_settings()
    setup_logging(settings, "backend")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    r = app.extensions["redis"] = redis_client or Redis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30,
        retry_on_timeout=False)
    app.extensions["wakeups"] = JobWakeups(r)
    app.extensions["catalogs"] = CatalogVersions()  # parsed once, for the caller's filters
    CORS(app, origins=settings.cors_origin_list, expose_headers=["Retry-After", "X-Request-ID"])
    log_requests(app)
    install_security(app, settings, r)
    register_error_handlers(app)
    for module in (catalogs, queries, jobs, renderings, batches, caches, operations, health):
        app.register_blueprint(module.bp)
    register_docs(app)
    return app

