"""The Python client and CLI against a tiny fake HTTP server with canned answers.

This checks the client's HTTP handling (paths, bodies, headers, errors,
retries, paging, polling); the real stack is exercised elsewhere.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from client import APIError, Client
from client import api as client_api
from client.cli import format_status, main

RESULT = {"query": "red shoes", "catalog": "products", "catalog_version": 1,
          "filters": [{"field": "color", "op": "eq", "value": "red"}], "sort": [],
          "keywords": ""}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class FakeState:
    """What the fake server answers; reset for every test."""
    seen: list[Seen] = field(default_factory=list)
    # (method, path) -> canned (status, headers, body) answered before the real route
    overrides: dict[tuple[str, str], list[tuple[int, dict[str, str], bytes]]] = \
        field(default_factory=dict)
    job_scripts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by text
    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    batch_views: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    batch_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    catalog_views: list[dict[str, Any]] = field(default_factory=list)

    def requests_to(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]


def _err(status: int, code: str, message: str) -> tuple[int, dict, Any]:
    return status, {}, {"error": {"code": code, "message": message}}


class Handler(BaseHTTPRequestHandler):
    state: FakeState  # set on the class by the fixture

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        st = self.state
        st.seen.append(Seen(self.command, url.path, parse_qs(url.query),
                            {k.lower(): v for k, v in self.headers.items()}, body))
        queued = st.overrides.get((self.command, url.path))
        if queued:
            status, headers, raw = queued.pop(0)
            return self._send(status, headers, raw)
        status, headers, payload = self._route(self.command, url.path, parse_qs(url.query), body)
        if isinstance(payload, bytes):
            return self._send(status, headers, payload)
        if payload is None:
            return self._send(status, headers, b"")
        self._send(status, {"Content-Type": "application/json", **headers},
                   json.dumps(payload).encode())

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _send(self, status: int, headers: dict[str, str], raw: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    @staticmethod
    def _next(views: list[dict[str, Any]]) -> dict[str, Any]:
        """Answer a scripted sequence of views; the last one repeats."""
        return views.pop(0) if len(views) > 1 else views[0]

    def _route(self, method: str, path: str, q: dict[str, list[str]], body: bytes
               ) -> tuple[int, dict[str, str], Any]:
        st = self.state
        parts = path.strip("/").split("/")  # api, v1, resource, ...
        if parts[:2] != ["api", "v1"] or len(parts) < 3:
            return _err(404, "not_found", "no such route")
        res, rest = parts[2], parts[3:]
        if res == "queries" and method == "POST" and not rest:
            req = json.loads(body)
            if req["catalog"] == "nope":
                return _err(404, "catalog_not_found", "no catalog named 'nope'")
            job_id = f"job{len(st.jobs) + 1}"
            script = st.job_scripts.get(req["text"]) or [
                {"status": "queued", "result": None, "error": None},
                {"status": "finished", "result": RESULT, "error": None}]
            st.jobs[job_id] = [{"job_id": job_id, **v} for v in script]
            return 202, {}, {"job_id": job_id, "status": "queued",
                             "status_url": f"/api/v1/jobs/{job_id}"}
        if res == "jobs" and method == "GET" and len(rest) == 1:
            if rest[0] not in st.jobs:
                return _err(404, "job_not_found", f"no job {rest[0]!r}")
            return 200, {}, self._next(st.jobs[rest[0]])
        if res == "catalogs" and len(rest) == 1:
            if method == "PUT":
                return 201, {}, {"name": rest[0], "version": 1, "status": "indexing"}
            return 200, {}, self._next(st.catalog_views)
        if res == "batches" and method == "POST" and not rest:
            if self.headers.get_content_type() == "application/x-ndjson":
                total = len([line for line in body.splitlines() if line.strip()])
            else:
                total = len(json.loads(body)["texts"])
            return 202, {}, {"batch_id": "b1", "status": "queued", "total": total,
                             "status_url": "/api/v1/batches/b1"}
        if res == "batches" and rest:
            bid = rest[0]
            if bid not in st.batch_views:
                return _err(404, "batch_not_found", f"no batch {bid!r}")
            if len(rest) == 1 and method == "GET":
                return 200, {}, self._next(st.batch_views[bid])
            if len(rest) == 1 and method == "DELETE":
                return 200, {}, {**st.batch_views[bid][-1], "status": "canceled"}
            if rest[1:] == ["summary"]:
                return 200, {}, {"batch": st.batch_views[bid][-1],
                                 "items_by_status": {"finished": 7},
                                 "filters_by_field": {"color": 7}}
            if rest[1:] == ["results"]:
                items = st.batch_items[bid]
                if q.get("format") == ["jsonl"]:
                    lines = "".join(json.dumps(i) + "\n" for i in items).encode()
                    return 200, {"Content-Type": "application/x-ndjson"}, lines
                offset, limit = int(q["offset"][0]), int(q["limit"][0])
                nxt = offset + limit if offset + limit < len(items) else None
                return 200, {}, {"items": items[offset:offset + limit], "next_offset": nxt}
        return _err(404, "not_found", "no such route")


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def state(server) -> FakeState:
    Handler.state = FakeState()
    return Handler.state


@pytest.fixture
def base_url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def client(base_url, state) -> Iterator[Client]:
    c = Client(base_url, api_key="k3y", timeout=5)
    c.sleeps = []  # type: ignore[attr-defined]
    # The polling helpers' delays are recorded instead of slept; retries sleep for real.
    c._sleep = c.sleeps.append
    yield c
    c.close()


def batch_items(n: int) -> list[dict[str, Any]]:
    return [{"index": i, "custom_id": f"c{i}", "text": f"text {i}", "status": "finished",
             "result": RESULT, "error": None} for i in range(n)]


# -- the library ----------------------------------------------------------

def test_error_body_becomes_api_error(client, state):
    with pytest.raises(APIError) as info:
        client.submit_query("red shoes", "nope")
    assert (info.value.status, info.value.code) == (404, "catalog_not_found")
    assert info.value.message == "no catalog named 'nope'"
    assert state.seen[0].headers["authorization"] == "Bearer k3y"


def test_non_json_error_falls_back_to_text(client, state):
    state.overrides[("GET", "/api/v1/jobs/x")] = [(500, {}, b"<h1>Bad gateway-ish</h1>")] * 4
    with pytest.raises(APIError) as info:
        client.get_job("x")
    assert (info.value.status, info.value.code) == (500, "http_500")
    assert "Bad gateway-ish" in info.value.message
    assert len(state.seen) == 1  # 500 is not retried


def test_query_waits_on_submit_then_long_polls_without_sleeping(client, state):
    state.job_scripts["red shoes"] = [{"status": s, "result": None, "error": None}
                                      for s in ("queued", "embedding", "llm")] + [
        {"status": "finished", "result": RESULT, "error": None}]
    job = client.query("red shoes", "products", priority="high")
    assert job["status"] == "finished" and job["result"] == RESULT
    gets = state.requests_to("GET", f"/api/v1/jobs/{job['job_id']}")
    assert len(gets) == 4 and all(float(g.query["wait"][0]) > 29 for g in gets)
    assert json.loads(state.seen[0].body) == {"text": "red shoes", "catalog": "products",
                                              "priority": "high", "wait": 30}
    assert len(state.seen[0].headers["idempotency-key"]) == 32
    assert client.sleeps == []  # the server waits; the client never sleeps between reads


def test_a_submission_with_an_idempotency_key_is_retried_after_a_503(client, state):
    busy = (503, {"Content-Type": "application/json"},
            json.dumps({"error": {"code": "unavailable", "message": "restarting"}}).encode())
    state.overrides[("POST", "/api/v1/queries")] = [busy]
    job = client.submit_query("red shoes", "products", idempotency_key="k1")
    assert job["status"] == "queued"
    assert [s.headers["idempotency-key"] for s in state.seen] == ["k1", "k1"]
    with pytest.raises(APIError):  # without a key a POST is never repeated
        state.overrides[("POST", "/api/v1/queries")] = [busy]
        client.submit_query("red shoes", "products")


def test_wait_job_times_out(client, state):
    state.job_scripts["slow"] = [{"status": "llm", "result": None, "error": None}]
    job_id = client.submit_query("slow", "products")["job_id"]
    with pytest.raises(TimeoutError, match="llm"):
        client.wait_job(job_id, timeout=0)


def test_json_batch_submission(client, state):
    out = client.submit_batch("products", texts=["a", "b"], priority="low",
                              webhook_url="http://hook.example/x", idempotency_key="key-1")
    assert out["total"] == 2
    seen = state.requests_to("POST", "/api/v1/batches")[0]
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["idempotency-key"] == "key-1"
    assert json.loads(seen.body) == {"catalog": "products", "texts": ["a", "b"],
                                     "priority": "low", "webhook_url": "http://hook.example/x"}


def test_jsonl_batch_submission(client, state):
    items = [{"custom_id": "x1", "text": "red shoes"}, {"custom_id": "x2", "text": "blaue Jacke ü"}]
    out = client.submit_batch("products", items=items, idempotency_key="key-2")
    assert out["total"] == 2
    seen = state.requests_to("POST", "/api/v1/batches")[0]
    assert seen.headers["content-type"] == "application/x-ndjson"
    assert seen.headers["idempotency-key"] == "key-2"
    assert seen.query == {"catalog": ["products"], "priority": ["normal"]}
    assert [json.loads(line) for line in seen.body.decode().splitlines()] == items


def test_submit_batch_needs_exactly_one_source(client):
    with pytest.raises(ValueError):
        client.submit_batch("products")
    with pytest.raises(ValueError):
        client.submit_batch("products", texts=["a"], items=[{"text": "b"}])


def test_iter_batch_results_follows_next_offset(client, state):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "finished"}]
    state.batch_items["b1"] = batch_items(7)
    got = list(client.iter_batch_results("b1", page_size=3))
    assert [i["index"] for i in got] == list(range(7))
    pages = state.requests_to("GET", "/api/v1/batches/b1/results")
    assert [(p.query["offset"], p.query["limit"]) for p in pages] == [
        (["0"], ["3"]), (["3"], ["3"]), (["6"], ["3"])]


def test_download_writes_all_lines(client, state, tmp_path):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "finished"}]
    state.batch_items["b1"] = batch_items(7)
    out = tmp_path / "results.jsonl"
    assert client.download_batch_results("b1", out) == 7
    assert [json.loads(line) for line in out.read_text().splitlines()] == batch_items(7)
    assert not (tmp_path / "results.jsonl.part").exists()


def gaps(seen: list[Seen]) -> list[float]:
    return [b.at - a.at for a, b in zip(seen, seen[1:])]


def test_get_retried_once_after_503_honouring_retry_after(client, state):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "queued"}]
    state.overrides[("GET", "/api/v1/batches/b1")] = [
        (503, {"Retry-After": "1", "Content-Type": "application/json"},
         b'{"error": {"code": "redis_unavailable", "message": "retry"}}')]
    assert client.get_batch("b1")["status"] == "queued"
    seen = state.requests_to("GET", "/api/v1/batches/b1")
    assert len(seen) == 2
    (gap,) = gaps(seen)
    assert 0.9 <= gap < 3  # the server's second, where the backoff alone retries at once
    assert client.sleeps == []


def test_retry_after_is_capped_and_retries_are_bounded(base_url, state, monkeypatch):
    monkeypatch.setattr(client_api, "RETRY_AFTER_CAP", 1)  # 5 s in earnest: keeps this fast
    state.overrides[("GET", "/api/v1/jobs/x")] = [(429, {"Retry-After": "60"}, b"")] * 10
    with Client(base_url) as c, pytest.raises(APIError) as info:
        c.get_job("x")
    assert info.value.status == 429 and info.value.retry_after == 60  # as the server said
    assert len(state.seen) == 1 + c.max_retries == 4
    assert all(0.9 <= g < 3 for g in gaps(state.seen)), gaps(state.seen)


def test_unreadable_retry_after_falls_back_to_the_backoff(client, state):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "queued"}]
    state.overrides[("GET", "/api/v1/batches/b1")] = [(503, {"Retry-After": "soon"}, b"")]
    assert client.get_batch("b1")["status"] == "queued"
    assert len(state.seen) == 2
    state.overrides[("GET", "/api/v1/batches/b1")] = [(503, {"Retry-After": "soon"}, b"")] * 4
    with pytest.raises(APIError) as info:
        client.get_batch("b1")
    assert info.value.status == 503 and info.value.retry_after is None


def test_only_the_retry_statuses_are_retried(client, state):
    state.overrides[("GET", "/api/v1/jobs/x")] = [(413, {"Retry-After": "1"}, b"")] * 2
    with pytest.raises(APIError) as info:
        client.get_job("x")
    assert info.value.status == 413 and len(state.seen) == 1


def test_post_is_not_retried(client, state):
    state.overrides[("POST", "/api/v1/queries")] = [(503, {}, b"")] * 2
    with pytest.raises(APIError):
        client.submit_query("red shoes", "products")
    assert len(state.seen) == 1


@pytest.fixture
def hangs_up() -> Iterator[tuple[str, list[int]]]:
    """A server that reads each request and closes the connection without answering."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            with conn:
                conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    listener.close()


def test_dropped_connections_retried_with_backoff_then_raised(hangs_up):
    url, accepted = hangs_up
    with Client(url, timeout=2) as c:
        started = time.monotonic()
        with pytest.raises(requests.ConnectionError):
            c.get_batch("b1")
        elapsed = time.monotonic() - started
        assert len(accepted) == 4
        assert 1.4 <= elapsed < 5  # urllib3's backoff: 0 s, 0.5 s, 1 s
        with pytest.raises(requests.ConnectionError):  # a key-less submission: once only
            c.submit_query("red shoes", "products")
        assert len(accepted) == 5


def test_refused_connections_raise_connection_error():
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}", timeout=1, max_retries=1) as c, \
            pytest.raises(requests.ConnectionError):
        c.get_batch("b1")


def test_wait_batch_reports_progress_and_cancel(client, state):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "in_progress", "total": 2,
                                "processed": 1, "failed": 0},
                               {"batch_id": "b1", "status": "finished", "total": 2,
                                "processed": 2, "failed": 0}]
    seen: list[str] = []
    final = client.wait_batch("b1", poll=0.5, on_progress=lambda v: seen.append(v["status"]))
    assert final["status"] == "finished" and seen == ["in_progress", "finished"]
    assert client.sleeps == [0.5]
    assert client.cancel_batch("b1")["status"] == "canceled"
    assert client.batch_summary("b1")["items_by_status"] == {"finished": 7}


def test_catalog_put_and_wait(client, state):
    state.catalog_views = [{"name": "products", "version": 1, "status": "indexing"},
                           {"name": "products", "version": 1, "status": "ready"}]
    assert client.put_catalog({"name": "products", "fields": []})["status"] == "indexing"
    assert client.wait_catalog_ready("products")["status"] == "ready"
    state.catalog_views = [{"name": "products", "version": 2, "status": "failed",
                            "error": "boom"}]
    with pytest.raises(APIError, match="boom") as info:
        client.wait_catalog_ready("products")
    assert info.value.code == "catalog_failed"


# -- the CLI --------------------------------------------------------------

def test_cli_query_success(base_url, state, capsys):
    assert main(["--url", base_url, "query", "red shoes", "--catalog", "products"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == RESULT and out.startswith("{\n  ")


def test_cli_query_refines_with_the_callers_filters(base_url, state, capsys):
    fixed = '[{"field": "in_stock", "op": "eq", "value": true}]'
    assert main(["--url", base_url, "query", "cheaper", "--catalog", "products",
                 "--refine", "j0", "--fixed-filters", fixed, "--print-job-id"]) == 0
    body = json.loads(state.requests_to("POST", "/api/v1/queries")[0].body)
    assert body["refine"] == "j0" and body["fixed_filters"] == json.loads(fixed)
    assert capsys.readouterr().err.startswith("job_id ")
    with pytest.raises(SystemExit):
        main(["--url", base_url, "query", "x", "--catalog", "p", "--fixed-filters", "{}"])


def test_cli_query_failed_job(base_url, state, capsys):
    state.job_scripts["bad"] = [{"status": "failed", "result": None,
                                 "error": {"stage": "llm", "code": "llm_error",
                                           "message": "model crashed"}}]
    assert main(["query", "bad", "--catalog", "products", "--url", base_url]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "llm" in captured.err and "model crashed" in captured.err


def test_cli_api_error_exit_2(base_url, state, capsys):
    assert main(["--url", base_url, "query", "x", "--catalog", "nope"]) == 2
    assert "catalog_not_found" in capsys.readouterr().err


def test_cli_url_from_env(base_url, state, capsys, monkeypatch):
    monkeypatch.setenv("NLP2F_URL", base_url)
    monkeypatch.setenv("NLP2F_API_KEY", "envkey")
    assert main(["query", "red shoes", "--catalog", "products"]) == 0
    assert state.seen[0].headers["authorization"] == "Bearer envkey"


def test_cli_batch_submit_plain_text(base_url, state, capsys, tmp_path):
    f = tmp_path / "queries.txt"
    f.write_text("red shoes\n\n   \n  blue dress  \n")
    assert main(["--url", base_url, "batch", "submit", str(f), "--catalog", "products",
                 "--priority", "high", "--idempotency-key", "k9"]) == 0
    assert json.loads(capsys.readouterr().out)["batch_id"] == "b1"
    seen = state.requests_to("POST", "/api/v1/batches")[0]
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["idempotency-key"] == "k9"
    assert json.loads(seen.body) == {"catalog": "products", "texts": ["red shoes", "blue dress"],
                                     "priority": "high"}


def test_cli_batch_submit_jsonl_and_wait(base_url, state, capsys, tmp_path):
    f = tmp_path / "queries.jsonl"
    f.write_text('{"custom_id": "a", "text": "red shoes"}\n\n{"custom_id": "b", "text": "x"}\n')
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "in_progress", "total": 2,
                                "processed": 1, "failed": 0, "progress": 0.5,
                                "eta_seconds": 1.2},
                               {"batch_id": "b1", "status": "finished", "total": 2,
                                "processed": 2, "failed": 0, "progress": 1.0,
                                "eta_seconds": None}]
    assert main(["--url", base_url, "batch", "submit", str(f), "--catalog", "products",
                 "--webhook-url", "http://hook.example/", "--wait", "--interval", "0"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["total"] == 2
    assert captured.err.splitlines() == ["in_progress 1/2 (50.0%) failed=0 eta=1s",
                                         "finished 2/2 (100.0%) failed=0 eta=-"]
    seen = state.requests_to("POST", "/api/v1/batches")[0]
    assert seen.headers["content-type"] == "application/x-ndjson"
    assert seen.query["webhook_url"] == ["http://hook.example/"]
    assert [json.loads(line)["custom_id"] for line in seen.body.decode().splitlines()] == [
        "a", "b"]


def test_cli_batch_submit_bad_jsonl(base_url, state, capsys, tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"text": "ok"}\nnot json\n')
    assert main(["--url", base_url, "batch", "submit", str(f), "--catalog", "products"]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err
    assert state.seen == []


def test_status_line_format():
    view = {"batch_id": "b", "status": "in_progress", "total": 5000, "processed": 1234,
            "failed": 0, "progress": 0.2468, "eta_seconds": 12.3}
    assert format_status(view) == "in_progress 1234/5000 (24.7%) failed=0 eta=12s"
    assert format_status({**view, "processed": 1200, "failed": 34, "progress": None,
                          "eta_seconds": 125}) == \
        "in_progress 1234/5000 (24.7%) failed=34 eta=2m05s"


def test_cli_batch_status_and_watch(base_url, state, capsys):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "in_progress", "total": 5000,
                                "processed": 1234, "failed": 0, "progress": 0.2468,
                                "eta_seconds": 12.3}]
    assert main(["--url", base_url, "batch", "status", "b1"]) == 0
    assert capsys.readouterr().out == "in_progress 1234/5000 (24.7%) failed=0 eta=12s\n"
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "in_progress", "total": 4,
                                "processed": 2, "failed": 0},
                               {"batch_id": "b1", "status": "canceled", "total": 4,
                                "processed": 2, "failed": 0}]
    assert main(["--url", base_url, "batch", "status", "b1", "--watch", "--interval", "0"]) == 1
    assert capsys.readouterr().out.splitlines() == ["in_progress 2/4 (50.0%) failed=0 eta=-",
                                                    "canceled 2/4 (50.0%) failed=0 eta=-"]


def test_cli_batch_results_download_cancel_summary(base_url, state, capsys, tmp_path):
    state.batch_views["b1"] = [{"batch_id": "b1", "status": "finished", "total": 7}]
    state.batch_items["b1"] = batch_items(7)
    assert main(["--url", base_url, "batch", "results", "b1", "--offset", "5",
                 "--limit", "5"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert [i["index"] for i in page["items"]] == [5, 6] and page["next_offset"] is None
    out = tmp_path / "all.jsonl"
    assert main(["--url", base_url, "batch", "download", "b1", str(out)]) == 0
    assert "7 lines" in capsys.readouterr().out and len(out.read_text().splitlines()) == 7
    assert main(["--url", base_url, "batch", "cancel", "b1"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "canceled"
    assert main(["--url", base_url, "batch", "summary", "b1"]) == 0
    assert json.loads(capsys.readouterr().out)["filters_by_field"] == {"color": 7}
    assert main(["--url", base_url, "batch", "status", "missing"]) == 2
    assert "batch_not_found" in capsys.readouterr().err


def test_cli_catalog_put(base_url, state, capsys, tmp_path):
    f = tmp_path / "products.json"
    f.write_text(json.dumps({"name": "products", "fields": []}))
    state.catalog_views = [{"name": "products", "version": 1, "status": "ready", "fields": []}]
    assert main(["--url", base_url, "catalog", "put", str(f)]) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "products", "version": 1,
                                                   "status": "ready"}
    assert json.loads(state.requests_to("PUT", "/api/v1/catalogs/products")[0].body) == {
        "name": "products", "fields": []}


def test_reading_options_are_sent_with_queries_and_batches(base_url, state, capsys):
    assert main(["--url", base_url, "query", "red shoes", "--catalog", "products",
                 "--now", "2026-03-14T09:30:00", "--timezone", "Europe/Berlin",
                 "--min-confidence", "0.9"]) == 0
    (sent,) = state.requests_to("POST", "/api/v1/queries")
    assert json.loads(sent.body) == {"text": "red shoes", "catalog": "products",
                                     "priority": "normal", "now": "2026-03-14T09:30:00",
                                     "timezone": "Europe/Berlin", "min_confidence": 0.9,
                                     "wait": 30}
    with Client(base_url) as client:
        client.submit_batch("products", texts=["a"], timezone="Europe/Berlin")
        client.submit_batch("products", items=[{"text": "b"}], min_confidence=0.5)
    json_batch, jsonl_batch = state.requests_to("POST", "/api/v1/batches")
    assert json.loads(json_batch.body)["timezone"] == "Europe/Berlin"
    assert jsonl_batch.query["min_confidence"] == ["0.5"]
