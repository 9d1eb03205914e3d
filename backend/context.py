"""Per-request access to the app's Redis client, settings and JSON body."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from redis import Redis

from backend.errors import APIError
from backend.wakeups import JobWakeups
from shared.catalog_store import CatalogVersions
from shared.settings import Settings
from shared.webhooks import WebhookRefused, check_url


def redis_client() -> Redis:
    return current_app.extensions["redis"]


def settings() -> Settings:
    return current_app.extensions["settings"]


def wakeups() -> JobWakeups:
    return current_app.extensions["wakeups"]


def catalog_versions() -> CatalogVersions:
    return current_app.extensions["catalogs"]


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what is wrong with it."""
    if not request.is_json:
        raise APIError(415, "unsupported_media_type",
                       "send a JSON body with Content-Type: application/json")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: not a body we accept
        raise APIError(400, "invalid_json", "the request body is nested too deeply") from None
    if body is None:
        raise APIError(400, "invalid_json", "the request body is not valid JSON")
    if not isinstance(body, dict):
        raise APIError(400, "invalid_body", "the request body must be a JSON object")
    return body


def guard_webhook(url: str | None) -> None:
    """422 for a webhook URL that is malformed or points at an internal address."""
    if url:
        try:
            check_url(url, settings().webhook_allow_private)
        except WebhookRefused as e:
            raise APIError(422, "webhook_refused", str(e)) from e
