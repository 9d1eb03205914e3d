"""Every error leaves the API as `{"error": {"code", "message"}}` with a 4xx/5xx status."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


def describe_validation_error(err: ValidationError) -> str:
    """One line per problem, naming the path into the body (e.g. `fields.2.values`)."""
    parts = []
    for e in err.errors(include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "body"
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(e: APIError):
        return error_response(e.status, e.code, e.message)

    @app.errorhandler(ValidationError)
    def _validation_error(e: ValidationError):
        return error_response(422, "validation_error", describe_validation_error(e))

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        code = (e.name or "error").lower().replace(" ", "_")
        return error_response(e.code or 500, code, e.description or e.name)

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def _redis_down(e: Exception):
        log.error("redis unavailable: %s", e)
        return error_response(503, "redis_unavailable", "the job store (Redis) is unreachable; "
                                                        "retry shortly")

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal server error")
