"""One structured log line per request, with a request id the caller can quote
(`X-Request-ID`, echoed or generated) and the job/batch id the request touched, and its
duration into the HTTP latency histogram (by route pattern, never the raw path: ids would
make a new series per job)."""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from backend.metrics import HTTP_LATENCY

log = logging.getLogger("backend.access")
_PEEK_BYTES = 2048
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def log_requests(app: Flask) -> None:
    @app.before_request
    def _begin() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _end(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        args = request.view_args or {}
        # The id a POST created is only in its answer (a read names its id in the path).
        small = request.method == "POST" and response.is_json and not response.is_streamed \
            and (response.content_length or 0) <= _PEEK_BYTES
        body = response.get_json(silent=True) if small else None
        body = body if isinstance(body, dict) else {}
        route = request.url_rule.rule if request.url_rule else None
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        HTTP_LATENCY.labels(request.method, route or "unmatched",
                            str(response.status_code)).observe(seconds)
        log.info("%s %s %d", request.method, request.path, response.status_code, extra={
            "request_id": g.get("request_id"), "method": request.method, "route": route,
            "status": response.status_code, "duration_ms": round(seconds * 1000, 2),
            "job_id": args.get("job_id") or body.get("job_id"),
            "batch_id": args.get("batch_id") or body.get("batch_id")})
        return response
