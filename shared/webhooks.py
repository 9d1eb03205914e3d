"""Webhook delivery with retries, and the guard against requests to internal addresses."""
from __future__ import annotations

import ipaddress
import json
import logging
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from tenacity import (Retrying, before_sleep_log, retry_if_exception_type, retry_if_result,
                      stop_after_attempt, wait_exponential)

log = logging.getLogger(__name__)


class WebhookRefused(ValueError):
    pass


def check_url(url: str, allow_private: bool) -> None:
    """Refuse URLs that are not http(s) or resolve to loopback/private/link-local addresses."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as e:
        raise WebhookRefused(f"webhook_url is not a valid URL: {e}") from e
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookRefused("webhook_url must be an absolute http(s) URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise WebhookRefused(f"webhook host {host!r} does not resolve") from e
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        embedded = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
        if not address.is_global or (embedded is not None and not embedded.is_global):
            raise WebhookRefused(f"webhook host {host!r} resolves to a non-public "
                                 f"address ({address}); set WEBHOOK_ALLOW_PRIVATE to allow it")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could point at an internal address after the check: never follow one."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


def deliver_job(url: str, payload: dict[str, Any]) -> bool:
    """RQ entry point: deliver with the configured attempts, timeout and guard."""
    from shared.settings import get_settings

    settings = get_settings()
    return deliver(url, payload, attempts=settings.webhook_attempts,
                   timeout=settings.webhook_timeout_seconds,
                   allow_private=settings.webhook_allow_private)


def _post(opener: urllib.request.OpenerDirector, url: str, body: bytes,
          timeout: float) -> int:
    """One attempt: the answer's status. A network error (OSError) is raised for the retry."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "User-Agent": "nlp2filters-webhook/1"})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:  # any non-2xx, a refused redirect included
        e.close()
        return e.code


def deliver(url: str, payload: dict[str, Any], *, attempts: int, timeout: float,
            allow_private: bool, backoff: float = 0.5) -> bool:
    """POST the payload as JSON; True once the receiver answers 2xx.

    Network errors and 5xx are retried (tenacity) up to `attempts` in all, waiting
    `backoff` seconds, then twice that, and so on: the receiver may be restarting.
    Any other answer (a 4xx, a redirect) is final: repeating it would get the same.
    """
    try:
        check_url(url, allow_private)  # again at delivery: DNS may have changed
    except WebhookRefused as e:
        log.warning("webhook refused: %s", e)
        return False
    body = json.dumps(payload).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())
    retrying = Retrying(
        stop=stop_after_attempt(attempts), wait=wait_exponential(multiplier=backoff),
        retry=retry_if_exception_type(OSError) | retry_if_result(lambda status: status >= 500),
        before_sleep=before_sleep_log(log, logging.INFO),
        retry_error_callback=lambda state: None)  # out of attempts: reported below
    status = retrying(_post, opener, url, body, timeout)
    if status is None:
        log.warning("webhook %s failed after %d attempts", url, attempts)
        return False
    if status >= 300:
        log.warning("webhook %s answered %s; not retried", url, status)
        return False
    return True
