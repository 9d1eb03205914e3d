"""Waiting for a job to change, woken by Redis instead of by a timer.

Every change to a job record is announced on the job-events channel (shared/jobs.py).
Each backend process holds one subscription to it, read by one background thread (a
greenlet under gunicorn's gevent worker), and wakes the requests waiting for that job:
a long-poll, a wait on submit or an event stream costs no Redis traffic while it waits,
and thousands of them cost one connection.

A message lost while the subscription reconnects cannot strand a waiter: on every
(re)subscription, once Redis has confirmed it, all waiters are woken to read again, and a
wait also reads again after RECHECK_SECONDS of silence (an event stream after its 15 s
keep-alive).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from redis import Redis

from shared import keys
from shared.statuses import TERMINAL_JOB

RECHECK_SECONDS = 5.0
SUBSCRIBE_WAIT_SECONDS = 2.0
RECONNECT_SECONDS = 0.5
LISTEN_SECONDS = 1.0  # one blocking read of the channel (shorter than the socket timeout)
log = logging.getLogger(__name__)


class JobWakeups:
    """The process's subscription to job events and the waiters it wakes, by job id."""

    def __init__(self, r: Redis, channel: str = keys.JOB_EVENTS):
        self._r, self._channel = r, channel
        self._lock = threading.Lock()
        # job id -> {event: the statuses that wake it (None: every change)}
        self._waiters: dict[str, dict[threading.Event, frozenset[str] | None]] = {}
        self._subscribed = threading.Event()
        self._listener: threading.Thread | None = None

    @contextmanager
    def watching(self, job_id: str, statuses: frozenset[str] | None = None,
                 ready_within: float = SUBSCRIBE_WAIT_SECONDS) -> Iterator[threading.Event]:
        """An event set whenever `job_id` changes (to one of `statuses`, when given), while
        the block runs. It is registered (and the subscription confirmed, or
        `ready_within` seconds spent waiting for it) before the block starts, so the
        caller reads the job first and then waits: a change in between still sets it."""
        event = threading.Event()
        try:
            with self._lock:
                self._waiters.setdefault(job_id, {})[event] = statuses
            self._start()
            self._subscribed.wait(ready_within)
            yield event
        finally:
            with self._lock:
                events = self._waiters.get(job_id)
                if events is not None:
                    events.pop(event, None)
                    if not events:
                        del self._waiters[job_id]

    def _start(self) -> None:
        with self._lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(target=self._listen, name="job-wakeups",
                                                  daemon=True)
                self._listener.start()

    def _wake_all(self) -> None:
        with self._lock:
            events = [e for group in self._waiters.values() for e in group]
        for event in events:
            event.set()

    def _wake(self, job_id: str, status: str) -> None:
        with self._lock:
            events = [e for e, statuses in self._waiters.get(job_id, {}).items()
                      if statuses is None or status in statuses]
        for event in events:
            event.set()

    def _listen(self) -> None:
        """Read the channel; reconnect after any error (backing off up to 5 s, one warning
        per outage) while anyone waits. If nobody waits when the connection fails, the
        thread ends, and the next wait starts it again."""
        delay = RECONNECT_SECONDS
        while True:
            pubsub = self._r.pubsub()
            try:
                self._subscribe(pubsub)
                if delay > RECONNECT_SECONDS:
                    log.info("job-events subscription restored")
                delay = RECONNECT_SECONDS
                # Whatever happened while unsubscribed: waiters read again. Woken before the
                # flag is set, so a wait that starts now is not woken for nothing.
                self._wake_all()
                self._subscribed.set()
                while True:
                    message = pubsub.get_message(timeout=LISTEN_SECONDS)
                    if message and message["type"] == "message":
                        job_id, _, status = message["data"].decode(errors="replace"
                                                                   ).partition(" ")
                        self._wake(job_id, status)
            except Exception as e:  # noqa: BLE001 - the listener must outlive any error
                self._subscribed.clear()
                if delay == RECONNECT_SECONDS:
                    log.warning("job-events subscription lost (%s); reconnecting", e)
                with self._lock:
                    if not self._waiters:
                        self._listener = None
                        return
                time.sleep(delay)
                delay = min(5.0, delay * 2)
            finally:
                pubsub.close()

    def _subscribe(self, pubsub: Any) -> None:
        """Subscribe and wait for Redis to confirm it: only from then on is no message
        missed, so only then may waiters rely on being woken (the caller sets the flag)."""
        pubsub.subscribe(self._channel)
        deadline = time.monotonic() + SUBSCRIBE_WAIT_SECONDS
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=LISTEN_SECONDS)
            if message and message["type"] == "subscribe":
                return
        raise ConnectionError("Redis did not confirm the job-events subscription")


def wait_for_end(wakeups: JobWakeups, job_id: str, read: Callable[[], dict[str, Any] | None],
                 seconds: float, clock: Callable[[], float] = time.monotonic
                 ) -> dict[str, Any] | None:
    """The job as soon as it reaches a terminal status (or is gone), or as it stands after
    `seconds`; woken only by terminal changes, so it reads Redis twice in the usual case
    (once registered, once ended), plus once per RECHECK_SECONDS of silence."""
    deadline = clock() + seconds
    with wakeups.watching(job_id, TERMINAL_JOB, min(seconds, SUBSCRIBE_WAIT_SECONDS)) as changed:
        while True:
            changed.clear()
            job = read()
            remaining = deadline - clock()
            if job is None or terminal(job) or remaining <= 0:
                return job
            changed.wait(min(remaining, RECHECK_SECONDS))


def terminal(job: dict[str, Any]) -> bool:
    return job["status"] in TERMINAL_JOB
