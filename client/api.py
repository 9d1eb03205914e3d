"""A small synchronous client for the NLP2Filters REST API (see shared/spec/API.md).

Everything the service does is asynchronous (a submission answers 202 with an
id, the work happens in workers), so besides one method per endpoint this
module provides the waiting helpers every caller would otherwise rewrite:
`query` (one round trip: the server waits for the result), `wait_job` (long-poll),
`wait_catalog_ready`, `wait_batch` and the paging iterator `iter_batch_results`.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from shared.statuses import TERMINAL_BATCH, TERMINAL_CATALOG, TERMINAL_JOB, CatalogStatus

__all__ = ["APIError", "Client", "DEFAULT_URL", "JOB_TERMINAL", "BATCH_TERMINAL"]

DEFAULT_URL = "http://127.0.0.1:5000"
JOB_TERMINAL = TERMINAL_JOB  # the client's public names for the shared terminal sets
BATCH_TERMINAL = TERMINAL_BATCH
PRIORITIES = ("high", "normal", "low")
MAX_WAIT = 30  # the longest wait the server grants per request

# Statuses worth retrying: the request never reached a healthy handler, so
# repeating a read is harmless and often succeeds a moment later.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_AFTER_CAP = 5  # never let a server make us sleep longer than this per retry (seconds)
# urllib3's backoff: no pause before the first retry, then 0.5 s, 1 s, ... (capped as above).
BACKOFF_FACTOR = 0.25
JSONL_CONTENT_TYPE = "application/x-ndjson"


class APIError(Exception):
    """A non-2xx answer from the service.

    `code` and `message` come from the contract's `{"error": {"code", "message"}}`
    body so callers can branch on the stable `code` rather than on wording;
    when the body is not that shape (a proxy's HTML page, say), `code` is
    `http_<status>` and `message` is the start of the body text.
    """

    def __init__(self, status: int, code: str, message: str,
                 retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @classmethod
    def from_response(cls, resp: requests.Response) -> APIError:
        code, message = f"http_{resp.status_code}", ""
        try:
            body = resp.json()
        except ValueError:
            body = None
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            code = str(err.get("code") or code)
            message = str(err.get("message") or "")
        elif isinstance(err, str):  # tolerate a flat {"error": "..."} body
            message = err
        if not message:
            message = (resp.text or "").strip()[:500] or resp.reason or "request failed"
        return cls(resp.status_code, code, message, _retry_after(resp))


def _retry_after(resp: requests.Response) -> float | None:
    """The server's Retry-After in seconds (delta-seconds or HTTP date), as it asked.

    urllib3's parser; a stock `Retry` caps only at six hours, so a caller reading
    `APIError.retry_after` sees the server's figure, not the client's own cap.
    """
    raw = resp.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return float(Retry().parse_retry_after(raw))
    except InvalidHeader:
        return None


class RetryPolicy(Retry):
    """urllib3's `Retry`, narrowed to what this client promises.

    It retries exactly RETRY_STATUSES: the stock class would also repeat a 413
    that carries a Retry-After, a request the server will refuse however often
    it comes. And an unreadable Retry-After (a proxy's, say) falls back to the
    backoff, where the stock class raises InvalidHeader out of the request.
    """

    RETRY_AFTER_STATUS_CODES: frozenset[int] = frozenset()

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None


def _seg(value: str) -> str:
    """Quote an id for use as one path segment (ids are opaque to the client)."""
    return quote(str(value), safe="")


class Client:
    """Synchronous client over `requests` sessions.

    Requests that may safely be repeated (reads, and submissions carrying an
    Idempotency-Key) go through a session whose adapter retries them with
    urllib3's `Retry`: after a connection error, or a RETRY_STATUSES answer,
    honouring the server's Retry-After up to RETRY_AFTER_CAP. Everything else
    goes through `session`, which never repeats a request: a POST that may have
    reached the server could otherwise submit the work twice. urllib3 fixes the
    retry policy per adapter, not per call, hence two sessions; they share one
    headers mapping, so a header set on `session` goes out on both. Each keeps a
    connection pool, so a loop of polls reuses its TCP connection.

    The client is not meant to be shared across threads (neither is a Session);
    make one per thread. `timeout` applies to each HTTP request (connect and each
    read), not to the waiting helpers, which take their own `timeout`. A network
    failure that outlasts the retries raises requests.ConnectionError (a read
    timeout too: urllib3 reports exhausted retries as one error).
    """

    def __init__(self, base_url: str = DEFAULT_URL, api_key: str | None = None,
                 timeout: float = 30.0, max_retries: int = 3) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._max_retries = max_retries
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json",
                                     "User-Agent": "nlp2filters-client/0.1"})
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        retries = RetryPolicy(
            total=max_retries, allowed_methods=None,  # the session, not the method, decides
            status_forcelist=RETRY_STATUSES, backoff_factor=BACKOFF_FACTOR,
            backoff_max=RETRY_AFTER_CAP, retry_after_max=RETRY_AFTER_CAP,
            raise_on_status=False)  # the last answer becomes an APIError below
        self._retrying = requests.Session()
        self._retrying.headers = self.session.headers
        adapter = HTTPAdapter(max_retries=retries)
        self._retrying.mount("http://", adapter)
        self._retrying.mount("https://", adapter)
        # Indirection so tests (and callers with their own event loop) can
        # replace the polling helpers' sleeps without patching the time module.
        self._sleep: Callable[[float], None] = time.sleep

    @property
    def max_retries(self) -> int:
        """Retries of a retryable request; set in the constructor, where the adapter is built."""
        return self._max_retries

    # -- plumbing ---------------------------------------------------------

    def close(self) -> None:
        self.session.close()
        self._retrying.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _request(self, method: str, path: str, *, retry: bool = False,
                 **kwargs: Any) -> requests.Response:
        """Send one request, retried by urllib3 when `retry`; raise APIError on non-2xx.

        Only callers that pass `retry=True` (reads, keyed submissions) are retried:
        repeating a POST that may have reached the server could submit the work twice.
        """
        kwargs.setdefault("timeout", self.timeout)
        session = self._retrying if retry else self.session
        resp = session.request(method, self._url(path), **kwargs)
        if resp.status_code >= 400:
            err = APIError.from_response(resp)
            resp.close()
            raise err
        return resp

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self._request(method, path, **kwargs)
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._json("GET", path, params=params, retry=True)

    def _poll(self, fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool],
              timeout: float | None, poll: float, max_poll: float, what: str,
              on_view: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Call `fetch` until `done(view)`, sleeping `poll` growing x1.5 up to `max_poll`.

        A growing delay answers fast jobs quickly without hammering the API for
        slow ones. Never sleeps past the deadline, so `timeout` is honoured
        within one request's latency.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = poll
        while True:
            view = fetch()
            if on_view is not None:
                on_view(view)
            if done(view):
                return view
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{what} still {view.get('status')!r} "
                                       f"after {timeout:g}s")
                self._sleep(min(delay, remaining))
            else:
                self._sleep(delay)
            delay = min(delay * 1.5, max(max_poll, poll))

    # -- catalogs ---------------------------------------------------------

    def put_catalog(self, catalog: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a catalog; returns `{"name", "version", "status"}`.

        The status is normally `indexing`: queries against the new version are
        only meaningful once `wait_catalog_ready` returns.
        """
        name = catalog.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError('the catalog needs a "name"')
        return self._json("PUT", f"/api/v1/catalogs/{_seg(name)}", json=catalog)

    def get_catalog(self, name: str) -> dict[str, Any]:
        """The stored catalog plus its `version` and `status`."""
        return self._get(f"/api/v1/catalogs/{_seg(name)}")

    def wait_catalog_ready(self, name: str, timeout: float = 120) -> dict[str, Any]:
        """Poll until the catalog's value index is built; returns the catalog view.

        Raises APIError(code="catalog_failed") if indexing failed, because a
        caller that waited for "ready" cannot use the catalog either way, and
        TimeoutError if it is still indexing after `timeout` seconds.
        """
        view = self._poll(lambda: self.get_catalog(name),
                          lambda v: v.get("status") in TERMINAL_CATALOG,
                          timeout, 0.2, 2.0, f"catalog {name!r}")
        if view.get("status") == CatalogStatus.FAILED:
            detail = view.get("error") or "indexing failed"
            if isinstance(detail, dict):
                detail = detail.get("message") or json.dumps(detail)
            raise APIError(409, "catalog_failed", f"catalog {name!r} failed to index: {detail}")
        return view

    # -- single queries ---------------------------------------------------

    def submit_query(self, text: str, catalog: str, priority: str = "normal",
                     wait: float | None = None, idempotency_key: str | None = None,
                     **options: Any) -> dict[str, Any]:
        """Enqueue one text; returns `{"job_id", "status", "status_url"}` (HTTP 202), or,
        with `wait` (0-30 s) and a job that ends within it, the finished job view (200).

        With `idempotency_key` the submission is retried after a network error or a
        restarting server like a read: the server answers a repeat with the job the first
        attempt created. `options`: the reading options `now` (ISO 8601), `timezone` (IANA),
        `min_confidence` (0-1), `fixed_filters` (the caller's own filters, a list of
        filter dicts) and `refine` (a finished job id: the text is a follow-up to its
        result); None values are left out."""
        body = {"text": text, "catalog": catalog, "priority": priority,
                **{k: v for k, v in options.items() if v is not None}}
        if wait is not None:
            body["wait"] = wait
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._json("POST", "/api/v1/queries", json=body, headers=headers,
                          retry=bool(idempotency_key), timeout=self.timeout + (wait or 0))

    def get_job(self, job_id: str, wait: float | None = None) -> dict[str, Any]:
        """The job view: `status`, `result` (when finished), `error` (when failed). With
        `wait` (0-30 s) the server answers as soon as the job ends, or after `wait`."""
        if not wait:
            return self._get(f"/api/v1/jobs/{_seg(job_id)}")
        return self._json("GET", f"/api/v1/jobs/{_seg(job_id)}", params={"wait": wait},
                          retry=True, timeout=self.timeout + wait)

    def get_jobs(self, job_ids: Iterable[str]) -> dict[str, Any]:
        """Many jobs in one request (up to 1,000 ids): `{"jobs": [...], "not_found": [...]}`."""
        return self._json("POST", "/api/v1/jobs/status", json={"job_ids": list(job_ids)},
                          retry=True)

    def wait_job(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        """Long-poll until the job is finished, failed or canceled; returns the job view.

        One request per 30 s of waiting: the server answers the moment the job ends. A
        failed job is returned, not raised: its `error` (stage, code, message) is data the
        caller usually wants to show. Raises TimeoutError when the job is still running
        after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            view = self.get_job(job_id, wait=min(MAX_WAIT, max(0.0, remaining)))
            if view.get("status") in JOB_TERMINAL:
                return view
            if deadline - time.monotonic() <= 0:
                raise TimeoutError(f"job {job_id} still {view.get('status')!r} "
                                   f"after {timeout:g}s")

    def query(self, text: str, catalog: str, priority: str = "normal",
              timeout: float = 60, **options: Any) -> dict[str, Any]:
        """Submit one text (with reading options, as `submit_query`) and wait for it;
        returns the terminal job view. Usually one round trip (a wait on submit); the
        submission carries an Idempotency-Key, so a retry after a dropped connection
        gets the same job, never a second one."""
        started = time.monotonic()
        job = self.submit_query(text, catalog, priority, wait=min(MAX_WAIT, timeout),
                                idempotency_key=uuid.uuid4().hex, **options)
        if "status_url" not in job:  # 200: the job view, ended within the wait
            return job
        return self.wait_job(job["job_id"], timeout=max(0.0, timeout - (time.monotonic() -
                                                                          started)))

    # -- batches ----------------------------------------------------------

    def submit_batch(self, catalog: str, texts: Iterable[str] | None = None,
                     items: Iterable[Mapping[str, Any]] | None = None,
                     priority: str = "normal", webhook_url: str | None = None,
                     idempotency_key: str | None = None, **options: Any) -> dict[str, Any]:
        """Submit many texts at once; returns `{"batch_id", "status", "total", "status_url"}`.

        Pass either `texts` (sent as one JSON body) or `items`, dicts with
        `text` and optionally `custom_id` (sent as a JSONL body, so your ids
        come back on each result). With `idempotency_key`, re-sending the same
        request (e.g. after a network error left you unsure it arrived) returns
        the original batch instead of creating a second one; the body is
        serialised deterministically so a retry really is "the same request".
        `options` (`now`, `timezone`, `min_confidence`) apply to every text.
        """
        options = {k: v for k, v in options.items() if v is not None}
        if (texts is None) == (items is None):
            raise ValueError("pass exactly one of texts= or items=")
        headers: dict[str, str] = {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if texts is not None:
            if isinstance(texts, str):
                raise TypeError("texts must be a list of strings, not one string")
            body: dict[str, Any] = {"catalog": catalog, "texts": list(texts),
                                    "priority": priority}
            if webhook_url:
                body["webhook_url"] = webhook_url
            return self._json("POST", "/api/v1/batches", json={**body, **options},
                              headers=headers, retry=bool(idempotency_key))
        lines = []
        for n, item in enumerate(items or (), 1):
            if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
                raise ValueError(f'item {n}: expected {{"custom_id": ..., "text": "..."}}')
            lines.append(json.dumps(dict(item), ensure_ascii=False))
        params = {"catalog": catalog, "priority": priority,
                  **{k: str(v) for k, v in options.items()}}
        if webhook_url:
            params["webhook_url"] = webhook_url
        headers["Content-Type"] = JSONL_CONTENT_TYPE
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
        return self._json("POST", "/api/v1/batches", params=params, data=data,
                          headers=headers, retry=bool(idempotency_key))

    def get_batch(self, batch_id: str) -> dict[str, Any]:
        """The batch view: status, counters, progress (0..1), rate and ETA."""
        return self._get(f"/api/v1/batches/{_seg(batch_id)}")

    def wait_batch(self, batch_id: str, timeout: float | None = None, poll: float = 1.0,
                   on_progress: Callable[[dict[str, Any]], None] | None = None
                   ) -> dict[str, Any]:
        """Poll every `poll` seconds until the batch is terminal; returns the last view.

        `on_progress(view)` is called with every view fetched, the final one
        included, so a caller can draw a progress bar without its own loop.
        Batches can legitimately take hours, hence no timeout by default; with
        one, raises TimeoutError.
        """
        return self._poll(lambda: self.get_batch(batch_id),
                          lambda v: v.get("status") in BATCH_TERMINAL,
                          timeout, poll, poll, f"batch {batch_id}", on_view=on_progress)

    def batch_results(self, batch_id: str, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        """One page of results in input order: `{"items": [...], "next_offset"}`."""
        return self._get(f"/api/v1/batches/{_seg(batch_id)}/results",
                         params={"offset": offset, "limit": limit})

    def iter_batch_results(self, batch_id: str, page_size: int = 500) -> Iterator[dict[str, Any]]:
        """Yield every result item, fetching pages lazily by following `next_offset`."""
        offset: int | None = 0
        while offset is not None:
            page = self.batch_results(batch_id, offset=offset, limit=page_size)
            yield from page.get("items") or []
            nxt = page.get("next_offset")
            if nxt is not None and nxt <= offset:
                # A server bug here would otherwise make this loop forever.
                raise RuntimeError(f"batch {batch_id}: next_offset {nxt} does not advance "
                                   f"past {offset}")
            offset = nxt

    def download_batch_results(self, batch_id: str, path: str | os.PathLike[str]) -> int:
        """Stream all results as JSONL into `path`; returns the number of lines written.

        Streams in chunks so a batch of a million results never sits in memory,
        and writes to `<path>.part` first so an interrupted download never leaves
        a truncated file under the final name.
        """
        resp = self._request("GET", f"/api/v1/batches/{_seg(batch_id)}/results",
                             params={"format": "jsonl"}, stream=True, retry=True)
        target = os.fspath(path)
        part = target + ".part"
        lines, last = 0, b"\n"
        try:
            with resp, open(part, "wb") as out:
                for chunk in resp.iter_content(chunk_size=64 * 1024):
                    if chunk:
                        out.write(chunk)
                        lines += chunk.count(b"\n")
                        last = chunk[-1:]
            os.replace(part, target)
        except BaseException:
            if os.path.exists(part):
                os.remove(part)
            raise
        return lines + (0 if last == b"\n" else 1)  # a final line without newline counts

    def batch_summary(self, batch_id: str) -> dict[str, Any]:
        """`{"batch", "items_by_status", "filters_by_field"}` aggregated server-side."""
        return self._get(f"/api/v1/batches/{_seg(batch_id)}/summary")

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        """Cancel what has not run yet; returns the batch view (status `canceled`)."""
        return self._json("DELETE", f"/api/v1/batches/{_seg(batch_id)}")
