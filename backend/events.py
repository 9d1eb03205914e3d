"""Server-Sent Events for one job: its view each time it changes, until it ends.

The stream reads the job record when the job-events channel says it changed
(backend/wakeups.py), never on a timer, and lives at most SSE_MAX_SECONDS; after a
`timeout` event the browser reconnects or long-polls.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from redis.exceptions import RedisError

from shared.statuses import TERMINAL_JOB

KEEPALIVE_SECONDS = 15.0
RECONNECT_MS = 2000


def frame(event: str, data: Any, event_id: int | None = None) -> str:
    """One SSE message; `data` is JSON on one line, so no payload can break the framing."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def job_events(read: Callable[[], dict[str, Any] | None], changed: threading.Event, *,
               max_seconds: float, clock: Callable[[], float] = time.monotonic
               ) -> Iterator[str]:
    """`job` events while the job changes, then `end` (terminal), `gone` (expired or
    deleted), `timeout` (stream too old) or `error` (Redis unreachable). `changed` is
    set whenever the job may have changed; the stream reads the job after each."""
    yield f"retry: {RECONNECT_MS}\n\n"
    started = clock()
    previous: tuple | None = None
    sent = 0
    while True:
        changed.clear()
        try:
            job = read()
        except RedisError as e:
            yield frame("error", {"code": "redis_unavailable", "message": str(e)})
            return
        if job is None:
            yield frame("gone", {"code": "job_not_found", "message": "the job expired"})
            return
        state = (job["status"], job.get("updated_at"), job.get("retries"))
        if state != previous:
            previous, sent = state, sent + 1
            yield frame("job", job, sent)
        if job["status"] in TERMINAL_JOB:
            yield frame("end", {"status": job["status"]})
            return
        remaining = max_seconds - (clock() - started)
        if remaining <= 0:
            yield frame("timeout", {"message": "stream closed after "
                                               f"{max_seconds:g} s; poll the job instead"})
            return
        if not changed.wait(min(KEEPALIVE_SECONDS, remaining)):
            yield ": keep-alive\n\n"
